"""PortalError: a refusal whose message is safe to show as is; every layer may raise it, none imports upward for it."""


class PortalError(Exception):
    """A refusal the UI shows as-is (the message is safe and user-facing)."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "Something went wrong."


class NotFound(PortalError):
    """The record does not exist in the signed-in customer's scope."""
