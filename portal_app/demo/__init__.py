"""Demo data for `make run` (idempotent): organisations, customers, billing, support and help articles."""

from portal_app.demo.seed import seed_demo

__all__ = ["seed_demo"]
