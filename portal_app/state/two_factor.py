"""The profile's two-factor section: set up with an authenticator app, recovery codes, switch off."""

from __future__ import annotations

import contextlib

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.accounts import two_factor
from portal_app.services.accounts.proofs import TooManyWrongProofs
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.session import SessionState, SignedOut

# The forms' fields: the service's argument -> the field's element id.
SETUP_FIELDS = {"code": "setup_code"}
OFF_FIELDS = {"proof": "off_proof"}
RENEW_FIELDS = {"proof": "renew_proof"}


class TwoFactorState(FieldErrors, SessionState):
    """On/off and recovery codes left; the key and QR code only during setup, new codes only once."""

    enabled: bool = False
    recovery_codes_left: int = 0
    setup_secret: str = ""
    setup_qr: str = ""
    new_recovery_codes: list[str] = []
    notice: str = ""
    error: str = ""

    @rx.event
    async def load_two_factor(self):
        """Read the status (the profile page's own on_load sends signed-out visitors to sign in)."""
        self._forget_secrets()
        self.notice = self.error = ""
        self._clear_field_errors()
        with contextlib.suppress(SignedOut):
            await self._show_status()

    async def _show_status(self) -> None:
        """Read the signed-in person's status again (raises SignedOut)."""
        status = await self._call(two_factor.status)
        self.enabled = status.enabled
        self.recovery_codes_left = status.recovery_codes_left

    def _forget_secrets(self) -> None:
        self.setup_secret = self.setup_qr = ""
        self.new_recovery_codes = []

    @rx.event
    async def start_setup(self):
        """Make a new secret (kept server-side as pending) and show it with its QR code."""
        self.notice = self.error = ""
        self._clear_field_errors()
        self._forget_secrets()
        try:
            setup = await self._call(two_factor.start_setup)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            return None
        self.setup_secret, self.setup_qr = setup.secret, setup.qr_code
        return None

    @rx.event
    async def cancel_setup(self):
        """Abandon the setup; two-factor sign-in stays off."""
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            await self._call(two_factor.cancel_setup)
        except SignedOut:
            return self._login_redirect()
        self._forget_secrets()
        return None

    @rx.event
    async def confirm_setup(self, form: dict):
        """Turn two-factor sign-in on once a code from the app matches; show the recovery codes once."""
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            codes = await self._call(two_factor.confirm_setup, form_field(form, "setup_code"))
            await self._show_status()
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, SETUP_FIELDS)  # the setup goes on: the key stays on screen
        self._forget_secrets()
        self.new_recovery_codes = codes
        self.notice = "Two-factor authentication is on."
        return None

    @rx.event
    async def disable(self, form: dict):
        """Turn two-factor sign-in off (current password or a current app code required)."""
        self.notice = self.error = ""
        self._clear_field_errors()
        self._forget_secrets()
        try:
            await self._call_hashing(two_factor.disable, form_field(form, "off_proof"))
            await self._show_status()
        except SignedOut:
            return self._login_redirect()
        except TooManyWrongProofs:
            return await self._signed_out_for_safety()
        except PortalError as refused:
            return self._refuse(refused, OFF_FIELDS)
        self.notice = "Two-factor authentication is off. Signing in needs only your password."
        return None

    @rx.event
    async def renew_recovery_codes(self, form: dict):
        """Replace the recovery codes (password or a current app code required); show the new ones once."""
        self.notice = self.error = ""
        self._clear_field_errors()
        self._forget_secrets()
        try:
            codes = await self._call_hashing(two_factor.renew_recovery_codes, form_field(form, "renew_proof"))
            await self._show_status()
        except SignedOut:
            return self._login_redirect()
        except TooManyWrongProofs:
            return await self._signed_out_for_safety()
        except PortalError as refused:
            return self._refuse(refused, RENEW_FIELDS)
        self.new_recovery_codes = codes
        self.notice = "New recovery codes were made; the old ones no longer work."
        return None

    @rx.event
    async def hide_recovery_codes(self):
        """The person has saved the codes: stop showing them."""
        if await self._principal() is None:
            return self._login_redirect()
        self.notice = self.error = ""
        self._clear_field_errors()
        self._forget_secrets()
        return None
