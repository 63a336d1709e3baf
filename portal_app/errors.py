"""PortalError: a refusal whose message is safe to show as is; every layer may raise it, none imports upward for it."""


class PortalError(Exception):
    """A refusal the UI shows as-is (the message is safe and user-facing).

    `field` names the input the refusal is about, as the argument of the service that refuses it ("subject",
    "new_password"), so the page shows the message at that field; empty: the refusal is about the whole form."""

    def __init__(self, *args: object, field: str = "") -> None:
        super().__init__(*args)
        self.field = field

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "Something went wrong."


class NotFound(PortalError):
    """The record does not exist in the signed-in customer's scope."""
