"""Reflex states: thin, one per page or feature, calling services."""
