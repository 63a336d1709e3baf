"""Domain logic as plain functions over a Session; never imports Reflex."""
