"""Online payments on the Billing tab: Pay with Stripe, the return banners and automatic payments."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx

from portal_app.config import settings
from portal_app.errors import PortalError
from portal_app.services.billing.cards import (
    AutopayStatus,
    autopay_status,
    card_setup_return,
    disable_autopay,
    start_card_setup,
)
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.payment_words import brand_name
from portal_app.services.billing.screens import BillingPage, billing_page, payment_return
from portal_app.services.common.inputs import parse_id
from portal_app.state.billing import BillingState, pdf_base
from portal_app.state.session import SignedOut

POLL_ATTEMPTS = 5
POLL_SECONDS = 2.0
CARD_SETUP = "card"  # `starting` while the card setup page is being opened
NOT_CONFIRMED = "We could not confirm this payment yet. Please check your billing history in a few minutes."
NOT_DISABLED = "We could not turn off automatic payments. Please try again or contact us."
SOME_INVOICE = "the invoice"  # a return from Stripe naming an invoice that is not theirs


def _digits(raw: object) -> int | None:
    """A positive id from a URL parameter or an event argument, or None."""
    return parse_id(str(raw or "").strip())


class PaymentsState(BillingState):
    """Whether the customer can pay online, what a return from Stripe means, and automatic payments."""

    online: bool = False
    autopay_allowed: bool = False
    autopay_enabled: bool = False
    card_label: str = ""  # "Visa •••• 4242"
    card_exp: str = ""
    autopay_problem: str = ""
    starting: str = ""  # invoice id (or CARD_SETUP) whose Stripe page is being opened
    payment_error: str = ""
    banner: str = ""  # processing / paid / still_processing / cancelled / card_saving / card_saved / autopay_off
    banner_invoice: str = ""
    checking: bool = False
    disabling: bool = False

    _return_invoice_id: int = 0
    _return_session: str = ""
    _setup_session: str = ""

    @rx.event
    async def load_payments(self):
        """The Billing tab with payments: figures, invoices, online options and what a return from Stripe means."""
        self.starting = ""
        self.payment_error = ""
        self.banner = ""
        self.checking = False
        self.disabling = False
        self._return_invoice_id = 0
        self._return_session = ""
        self._setup_session = ""
        params = self.router.url.query_parameters
        session_id = (params.get("session_id") or "")[:255]
        paid = _digits(params.get("paid")) if session_id else None
        cancelled = _digits(params.get("cancelled"))
        try:
            page = await self._open_page(billing_page, pdf_base(), paid if paid is not None else cancelled)
        except SignedOut:
            return self._login_redirect()
        if page is None:
            return None
        self._show_billing(page)
        number = page.returned_invoice or SOME_INVOICE
        if paid is not None:
            self._return_invoice_id, self._return_session = paid, session_id
            self.banner, self.banner_invoice = "processing", number
            return PaymentsState.check_payment
        if cancelled is not None:
            self.banner, self.banner_invoice = "cancelled", number
        elif params.get("card") == "saved" and session_id and self.autopay_allowed:
            self.banner, self._setup_session = "card_saving", session_id
            return PaymentsState.check_card
        elif params.get("card") == "cancelled" and self.autopay_allowed:
            self.banner = "card_cancelled"
        return None

    @rx.event
    def clear_payment_feedback(self):
        """Forget a payment start or error shown on another page (only this tab's own messages; reads nothing)."""
        self.starting = ""
        self.payment_error = ""

    def _show_billing(self, page: BillingPage) -> None:
        self._show_figures(page)
        self.online = page.options.online
        self._show_autopay(page.autopay)

    def _show_autopay(self, status: AutopayStatus) -> None:
        self.autopay_allowed = status.allowed
        self.autopay_enabled = status.enabled
        self.card_label = f"{brand_name(status.card_brand)} •••• {status.card_last4}" if status.card_last4 else ""
        self.card_exp = status.card_exp or ""
        self.autopay_problem = status.last_problem or ""

    @rx.event
    async def pay(self, invoice_id: str):
        """Open Stripe's payment page for one of the customer's invoices (the server decides the amount)."""
        number = _digits(invoice_id)
        if number is None:
            return
        async for event in self._open_stripe_page(str(number), start_checkout, number):
            yield event

    @rx.event
    async def set_up_card(self):
        """Open Stripe's page to save a card for automatic payments (enable or update)."""
        async for event in self._open_stripe_page(CARD_SETUP, start_card_setup):
            yield event

    async def _open_stripe_page(self, opening: str, start: Callable[..., str], *args: int) -> AsyncIterator[Any]:
        """Send the customer to the Stripe-hosted page `start` opens; one at a time, its button busy meanwhile."""
        # Asked before the button turns busy: signed out goes straight to sign-in, and a database outage
        # while checking ends the handler with the portal's "try again" notice.
        if await self._principal() is None:
            yield self._login_redirect()
            return
        if self.starting:
            return
        self.starting = opening
        self.payment_error = ""
        yield
        try:
            url = await self._call(start, *args, return_base=settings().public_url)
        except SignedOut:
            self.starting = ""
            yield self._login_redirect()
            return
        except PortalError as error:
            self.starting = ""
            self.payment_error = error.message
            return
        yield rx.redirect(url)

    @rx.event
    async def turn_off_autopay(self):
        """Stop automatic payments and remove the saved card."""
        if self.disabling:
            return
        self.disabling = True
        self.payment_error = ""
        yield
        try:
            status = await self._call(disable_autopay)
        except SignedOut:
            self.disabling = False
            yield self._login_redirect()
            return
        except PortalError:
            self.disabling = False
            self.payment_error = NOT_DISABLED
            return
        self._show_autopay(status)
        self.disabling = False
        self.banner = "autopay_off"

    @rx.event(background=True)
    async def check_payment(self):
        """After a return from Stripe: ask until the payment is confirmed (a few tries, 2 s apart)."""
        async with self:
            invoice_id, session_id = self._return_invoice_id, self._return_session
            if not invoice_id or not session_id or self.checking:
                return
            self.checking = True
            self.banner = "processing"
        outcome, page = await self._payment_outcome(invoice_id, session_id)
        async with self:
            self.checking = False
            if page is not None:
                self.banner = "paid"
                self._show_billing(page)
            elif outcome == "error":
                self.banner = ""
                self.payment_error = NOT_CONFIRMED
            else:
                self.banner = "still_processing"

    async def _payment_outcome(self, invoice_id: int, session_id: str) -> tuple[str, BillingPage | None]:
        """'paid' with the tab as it now stands, 'processing' after the last try, or 'error' (signed out too)."""
        for attempt in range(POLL_ATTEMPTS):
            if attempt:
                await asyncio.sleep(POLL_SECONDS)
            try:
                outcome, page = await self._call(payment_return, invoice_id, session_id, pdf_base())
            except (SignedOut, PortalError):
                return "error", None
            if outcome != "processing":
                return outcome, page
        return "processing", None

    @rx.event(background=True)
    async def check_card(self):
        """After saving a card on Stripe: confirm it, then ask until automatic payments show as on (a few tries)."""
        async with self:
            session_id = self._setup_session
            if self.checking or not session_id:
                return
            self.checking = True
        status = await self._card_outcome(session_id)
        async with self:
            self.checking = False
            self._setup_session = ""
            if status is None:
                self.banner = ""
            else:
                self._show_autopay(status)
                self.banner = "card_saved" if status.enabled else "card_saving"

    async def _card_outcome(self, session_id: str) -> AutopayStatus | None:
        """The Automatic payments section once the card shows as saved (or after the last try); None on an error."""
        status: AutopayStatus | None = None
        try:
            status = await self._call(card_setup_return, session_id)
            for _ in range(POLL_ATTEMPTS - 1):
                if status.enabled or not status.allowed:
                    break
                await asyncio.sleep(POLL_SECONDS)
                status = await self._call(autopay_status)
        except (SignedOut, PortalError):
            pass
        return status
