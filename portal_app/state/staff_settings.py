"""Settings → Payments for administrators: the Stripe Connect status, refreshing it, onboarding, and the switches."""

from __future__ import annotations

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.console import payment_settings as payments
from portal_app.services.console.payment_settings import PaymentSettings
from portal_app.state.client import caller_address
from portal_app.state.forms import form_field
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

PAYMENTS_ROUTE = "/staff/settings/payments"
CHECKED = (True, "on")  # a ticked checkbox as the browser's form data sends it


class StaffPaymentSettingsState(StaffSession):
    """The organisation's payment settings as last read, and the outcome of the last change."""

    loaded: bool = False
    status: list[str] = []
    stripe_configured: bool = False
    has_account: bool = False
    onboarding_finished: bool = False
    online_payments_enabled: bool = False
    autopay_allowed: bool = False
    notice: str = ""
    error: str = ""
    form_key: int = 0

    @rx.event
    async def load_payment_settings(self):
        """Read the settings (redirects when signed out; nothing for agents)."""
        self.loaded = False
        self.notice = self.error = ""
        try:
            shown = await self._as_admin(payments.payment_settings)
        except SignedOut:
            return self._login_redirect()
        self._show(shown)
        self.loaded = True
        return None

    def _show(self, shown: PaymentSettings | None) -> None:
        if shown is None:
            self.status = []
            return
        self.status = shown.status
        self.stripe_configured = shown.stripe_configured
        self.has_account = shown.has_account
        self.onboarding_finished = shown.onboarding_finished
        self.online_payments_enabled = shown.online_payments_enabled
        self.autopay_allowed = shown.autopay_allowed
        self.form_key += 1

    @rx.event
    async def save_switches(self, form: dict):
        """Save online payments on/off and whether automatic payments are allowed."""
        online = form_field(form, "online") in CHECKED
        autopay = form_field(form, "autopay") in CHECKED
        return await self._change(payments.save_payment_settings, online, autopay, done="Payment settings saved.")

    @rx.event
    async def refresh_status(self):
        """Ask Stripe for the account's status now."""
        return await self._change(payments.refresh_stripe_status, done="Stripe's status was read just now.")

    @rx.event
    async def open_onboarding(self):
        """Open Stripe's onboarding page for the organisation (its account is created first when it has none)."""
        self.notice = self.error = ""
        try:
            url = await self._as_admin(payments.stripe_onboarding_url, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            return None
        return rx.redirect(url, is_external=True) if url else None

    async def _change(self, work, *args: object, done: str):
        self.notice = self.error = ""
        try:
            shown = await self._as_admin(work, *args, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            shown = await self._as_admin(payments.payment_settings)
            self._show(shown)
            return None
        self._show(shown)
        self.notice = done if shown is not None else ""
        return None
