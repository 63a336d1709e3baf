"""Shared UI pieces: the portal shell, cards, badges."""
