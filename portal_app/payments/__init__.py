"""The Stripe adapter: the only code that talks to Stripe (payment rules live in services/billing)."""
