"""The profile's two-factor section: set up with an authenticator app, recovery codes, switch off."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app.db import session_scope
from portal_app.services.accounts import two_factor
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.errors import PortalError
from portal_app.state.forms import form_field
from portal_app.state.session import SessionState


def _in_db(work, *args):
    """Run a two-factor service call in its own transaction."""
    with session_scope() as db:
        return work(db, *args)


class TwoFactorState(SessionState):
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
        status = await asyncio.to_thread(self._read_status)
        if status is not None:
            self.enabled = status.enabled
            self.recovery_codes_left = status.recovery_codes_left

    def _read_status(self) -> two_factor.Status | None:
        """The signed-in person's two-factor status, in one database session (None when signed out)."""
        with session_scope() as db:
            principal = self._principal(db)
            return two_factor.status(db, principal) if principal is not None else None

    def _show_status(self, principal: Principal) -> None:
        status = _in_db(two_factor.status, principal)
        self.enabled = status.enabled
        self.recovery_codes_left = status.recovery_codes_left

    def _forget_secrets(self) -> None:
        self.setup_secret = self.setup_qr = ""
        self.new_recovery_codes = []

    def _signed_in(self) -> Principal | None:
        """The signed-in principal with the section's messages cleared (None when signed out)."""
        principal = self._principal()
        if principal is not None:
            self.notice = self.error = ""
        return principal

    @rx.event
    def start_setup(self):
        """Make a new secret (kept server-side as pending) and show it with its QR code."""
        principal = self._signed_in()
        if principal is None:
            return self._login_redirect()
        self._forget_secrets()
        try:
            setup = _in_db(two_factor.start_setup, principal)
        except PortalError as refused:
            self.error = refused.message
            return None
        self.setup_secret, self.setup_qr = setup.secret, setup.qr_code
        return None

    @rx.event
    def cancel_setup(self):
        """Abandon the setup; two-factor sign-in stays off."""
        principal = self._signed_in()
        if principal is None:
            return self._login_redirect()
        _in_db(two_factor.cancel_setup, principal)
        self._forget_secrets()
        return None

    @rx.event
    def confirm_setup(self, form: dict):
        """Turn two-factor sign-in on once a code from the app matches; show the recovery codes once."""
        principal = self._signed_in()
        if principal is None:
            return self._login_redirect()
        code = form_field(form, "setup_code")
        try:
            codes = _in_db(two_factor.confirm_setup, principal, code)
        except PortalError as refused:
            self.error = refused.message  # the setup goes on: the key stays on screen
            return None
        self._forget_secrets()
        self._show_status(principal)
        self.new_recovery_codes = codes
        self.notice = "Two-factor authentication is on."
        return None

    @rx.event
    async def disable(self, form: dict):
        """Turn two-factor sign-in off (current password or a current app code required)."""
        principal = self._signed_in()
        if principal is None:
            return self._login_redirect()
        self._forget_secrets()
        proof = form_field(form, "off_proof")
        try:
            await asyncio.to_thread(_in_db, two_factor.disable, principal, proof)
        except PortalError as refused:
            self.error = refused.message
            return None
        self._show_status(principal)
        self.notice = "Two-factor authentication is off. Signing in needs only your password."
        return None

    @rx.event
    async def renew_recovery_codes(self, form: dict):
        """Replace the recovery codes (password or a current app code required); show the new ones once."""
        principal = self._signed_in()
        if principal is None:
            return self._login_redirect()
        self._forget_secrets()
        proof = form_field(form, "renew_proof")
        try:
            codes = await asyncio.to_thread(_in_db, two_factor.renew_recovery_codes, principal, proof)
        except PortalError as refused:
            self.error = refused.message
            return None
        self._show_status(principal)
        self.new_recovery_codes = codes
        self.notice = "New recovery codes were made; the old ones no longer work."
        return None

    @rx.event
    def hide_recovery_codes(self):
        """The person has saved the codes: stop showing them."""
        if self._signed_in() is None:
            return self._login_redirect()
        self._forget_secrets()
        return None
