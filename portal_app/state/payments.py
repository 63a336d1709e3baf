"""Online payments on the Billing tab: Pay with Stripe, the return banners and automatic payments."""

from __future__ import annotations

import asyncio

import reflex as rx
from sqlmodel import Session

from portal_app.config import settings
from portal_app.db import session_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.cards import (
    AutopayStatus,
    autopay_status,
    card_setup_return,
    disable_autopay,
    start_card_setup,
)
from portal_app.services.billing.checkout import checkout_return, start_checkout
from portal_app.services.billing.eligibility import payment_options
from portal_app.services.billing.invoice_documents import invoice_document
from portal_app.services.common.errors import NotFound, PortalError
from portal_app.services.common.inputs import parse_id
from portal_app.state.billing import BillingState

POLL_ATTEMPTS = 5
POLL_SECONDS = 2.0
CARD_SETUP = "card"  # `starting` while the card setup page is being opened
NOT_CONFIRMED = "We could not confirm this payment yet. Please check your billing history in a few minutes."
NOT_DISABLED = "We could not turn off automatic payments. Please try again or contact us."
CARD_BRANDS = {"amex": "American Express", "diners": "Diners Club", "jcb": "JCB", "unionpay": "UnionPay"}


def card_brand(brand: str) -> str:
    """A card network as customers know it: 'visa' -> 'Visa', 'amex' -> 'American Express'."""
    return CARD_BRANDS.get(brand.lower(), brand[:1].upper() + brand[1:])


def _digits(raw: object) -> int | None:
    """A positive id from a URL parameter or an event argument, or None."""
    return parse_id(str(raw or "").strip())


def _invoice_number(db: Session, principal: Principal, invoice_id: int) -> str:
    """The number of one of the customer's own invoices, or a neutral phrase for anything else."""
    try:
        return invoice_document(db, principal, invoice_id).number
    except NotFound:
        return "the invoice"


def _start_checkout(principal: Principal, invoice_id: int) -> str:
    with session_scope() as db:
        return start_checkout(db, principal, invoice_id, return_base=settings().public_url)


def _start_card_setup(principal: Principal) -> str:
    with session_scope() as db:
        return start_card_setup(db, principal, return_base=settings().public_url)


def _checkout_return(principal: Principal, invoice_id: int, session_id: str) -> str:
    with session_scope() as db:
        return checkout_return(db, principal, invoice_id, session_id)


def _autopay(principal: Principal) -> AutopayStatus:
    with session_scope() as db:
        return autopay_status(db, principal)


def _card_return(principal: Principal, session_id: str) -> AutopayStatus:
    with session_scope() as db:
        return card_setup_return(db, principal, session_id)


def _disable(principal: Principal) -> None:
    with session_scope() as db:
        disable_autopay(db, principal)


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
        outcome = await self._load_page(self._show_payments)
        if outcome is not None:
            return outcome
        if self.banner == "processing":
            return PaymentsState.check_payment
        if self.banner == "card_saving":
            return PaymentsState.check_card
        return None

    @rx.event
    def clear_payment_feedback(self):
        """Forget a payment start or error shown on another page (only this tab's own messages; reads nothing)."""
        self.starting = ""
        self.payment_error = ""

    def _show_payments(self, db: Session, principal: Principal) -> None:
        self._show_billing(db, principal)
        options = payment_options(db, principal)
        self.online = options.online
        self._show_autopay(autopay_status(db, principal))
        params = self.router.url.query_parameters
        paid, cancelled = _digits(params.get("paid")), _digits(params.get("cancelled"))
        session_id = (params.get("session_id") or "")[:255]
        if paid is not None and session_id:
            self._return_invoice_id, self._return_session = paid, session_id
            self.banner, self.banner_invoice = "processing", _invoice_number(db, principal, paid)
        elif cancelled is not None:
            self.banner, self.banner_invoice = "cancelled", _invoice_number(db, principal, cancelled)
        elif params.get("card") == "saved" and session_id and self.autopay_allowed:
            self.banner, self._setup_session = "card_saving", session_id
        elif params.get("card") == "cancelled" and self.autopay_allowed:
            self.banner = "card_cancelled"

    def _show_autopay(self, status: AutopayStatus) -> None:
        self.autopay_allowed = status.allowed
        self.autopay_enabled = status.enabled
        self.card_label = f"{card_brand(status.card_brand)} •••• {status.card_last4}" if status.card_last4 else ""
        self.card_exp = status.card_exp or ""
        self.autopay_problem = status.last_problem or ""

    @rx.event
    async def pay(self, invoice_id: str):
        """Open Stripe's payment page for one of the customer's invoices (the server decides the amount)."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            yield self._login_redirect()
            return
        number = _digits(invoice_id)
        if self.starting or number is None:
            return
        self.starting = str(number)
        self.payment_error = ""
        yield
        try:
            url = await asyncio.to_thread(_start_checkout, principal, number)
        except PortalError as error:
            self.starting = ""
            self.payment_error = error.message
            return
        yield rx.redirect(url)

    @rx.event
    async def set_up_card(self):
        """Open Stripe's page to save a card for automatic payments (enable or update)."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            yield self._login_redirect()
            return
        if self.starting:
            return
        self.starting = CARD_SETUP
        self.payment_error = ""
        yield
        try:
            url = await asyncio.to_thread(_start_card_setup, principal)
        except PortalError as error:
            self.starting = ""
            self.payment_error = error.message
            return
        yield rx.redirect(url)

    @rx.event
    async def turn_off_autopay(self):
        """Stop automatic payments and remove the saved card."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            yield self._login_redirect()
            return
        if self.disabling:
            return
        self.disabling = True
        self.payment_error = ""
        yield
        try:
            await asyncio.to_thread(_disable, principal)
            status = await asyncio.to_thread(_autopay, principal)
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
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return
        async with self:
            invoice_id, session_id = self._return_invoice_id, self._return_session
            if not invoice_id or not session_id or self.checking:
                return
            self.checking = True
            self.banner = "processing"
        outcome = "processing"
        for attempt in range(POLL_ATTEMPTS):
            if attempt:
                await asyncio.sleep(POLL_SECONDS)
            try:
                outcome = await asyncio.to_thread(_checkout_return, principal, invoice_id, session_id)
            except PortalError:
                outcome = "error"
            if outcome != "processing":
                break
        async with self:
            self.checking = False
            if outcome == "paid":
                self.banner = "paid"
                await self._load_page(self._show_billing)
            elif outcome == "error":
                self.banner = ""
                self.payment_error = NOT_CONFIRMED
            else:
                self.banner = "still_processing"

    @rx.event(background=True)
    async def check_card(self):
        """After saving a card on Stripe: confirm it, then ask until automatic payments show as on (a few tries)."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return
        async with self:
            session_id = self._setup_session
            if self.checking or not session_id:
                return
            self.checking = True
        status: AutopayStatus | None = None
        try:
            status = await asyncio.to_thread(_card_return, principal, session_id)
            for _ in range(POLL_ATTEMPTS - 1):
                if status.enabled or not status.allowed:
                    break
                await asyncio.sleep(POLL_SECONDS)
                status = await asyncio.to_thread(_autopay, principal)
        except PortalError:
            pass
        async with self:
            self.checking = False
            self._setup_session = ""
            if status is None:
                self.banner = ""
            else:
                self._show_autopay(status)
                self.banner = "card_saved" if status.enabled else "card_saving"
