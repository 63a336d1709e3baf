"""Support tickets: the customer's tickets and threads, the staff inbox, ticket emails."""
