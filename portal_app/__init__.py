"""Portal: the self-service customer portal a provider gives its customers."""
