"""People and sessions: sign-in, sessions, invitations, password resets, two-factor, profile and branding."""
