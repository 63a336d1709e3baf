"""The customer's projects: status and progress."""
