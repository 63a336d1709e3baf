"""The help center: public articles, search, and the staff's article editor."""
