"""The console's customers, for administrators: the searchable list, creating a client user (email, then the
customer record chosen by type-ahead), and a customer's page with its people and the actions on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.pagination import parse_page
from portal_app.services.console import customer_actions as actions
from portal_app.services.console.customer_edit import FIELDS, edit_customer
from portal_app.services.console.customer_record import CustomerRecord, customer_record
from portal_app.services.console.customers import (
    CUSTOMERS_ROUTE,
    CustomerRow,
    customer_choices,
    customer_list,
    search_text,
)
from portal_app.state.client import caller_address
from portal_app.state.customer_picker import CustomerPicker
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

NEW_USER_ROUTE = f"{CUSTOMERS_ROUTE}/new-user"
CUSTOMER_GONE = "This customer was not found: it may have been deleted."
# The record form's fields: the service's field -> the input's element id.
RECORD_FIELDS = {name: f"record-{name}" for name, _label, _limit in FIELDS}
LINK_FIELDS = {"email": "link-email"}
BLANK = CustomerRecord(
    id=0,
    name="",
    reference="",
    email="",
    phone="",
    address="",
    locale="",
    currency="",
    online_payments_allowed=False,
    people=[],
    services=[],
    invoices=[],
    payments=[],
    projects=[],
    tickets=[],
)


class StaffCustomersState(StaffSession):
    """One page of the organisation's customers, optionally only those matching the search in the URL (?q=)."""

    loaded: bool = False
    rows: list[CustomerRow] = []
    search: str = ""
    customer_pager: Pager = Pager()
    notice: str = ""

    @rx.event
    async def load_customers(self):
        """Read the page of customers the URL names (redirects when signed out; nothing for agents)."""
        params = self.router.url.query_parameters
        self.loaded = False
        self.rows = []
        self.search = search_text(params.get("q", ""))
        request = parse_page(params.get("page"), params.get("size"))
        try:
            page = await self._as_admin(customer_list, self.search, request)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.rows = page.rows
            self.customer_pager = pager_for(page.info, self._href)
            self.notice = NEAREST_PAGE if page.info.number != request.number else ""
        self.loaded = True
        return None

    def _href(self, page: int, size: int) -> str:
        position = {"q": self.search, "page": page, "size": size}
        return f"{CUSTOMERS_ROUTE}?{urlencode({k: v for k, v in position.items() if v != ''})}"

    @rx.event
    def search_customers(self, form: dict):
        """Show the customers matching the search (its words go in the URL, so the page can be shared)."""
        text = search_text(form_field(form, "q"))
        return rx.redirect(f"{CUSTOMERS_ROUTE}?{urlencode({'q': text})}" if text else CUSTOMERS_ROUTE)


class StaffNewUserState(CustomerPicker, FieldErrors, StaffSession):
    """Creating a client user: the email, then the customer record searched for and selected, then the invitation."""

    loaded: bool = False
    notice: str = ""
    error: str = ""
    form_key: int = 0

    @rx.event
    async def load_new_user(self):
        """Start with an empty form (redirects when signed out; nothing for agents)."""
        self.loaded = False
        self._forget_choice()
        try:
            await self._as_admin(customer_choices, "")
        except SignedOut:
            return self._login_redirect()
        self.loaded = True
        return None

    @rx.event
    async def send_invitation(self, form: dict):
        """Invite the email to the selected customer's portal; the page says what happened."""
        self.notice = ""
        self.error = ""
        try:
            said = await self._as_admin(
                actions.invite_person,
                self._chosen_customer,
                form_field(form, "email"),
                form_field(form, "name"),
                client_ip=caller_address(self),
            )
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            return None
        if said is None:
            self._forget_choice()
            self.error = CUSTOMER_GONE if self.is_admin else ""
            return None
        self.notice = said
        self._forget_choice()
        self.form_key += 1
        return None

    def _after_choice(self) -> None:
        self.error = ""


class StaffCustomerState(FieldErrors, StaffSession):
    """One customer of the organisation: the record, its people, what is linked to it, and the actions."""

    loaded: bool = False
    found: bool = False
    customer: CustomerRecord = BLANK
    notice: str = ""
    error: str = ""
    deleted: str = ""
    form_key: int = 0
    editing: bool = False
    record_key: int = 0

    _customer_id: int = 0

    @rx.event
    async def load_customer(self):
        """Read the customer named in the URL, within the administrator's organisation."""
        self.loaded = False
        self.notice = self.error = self.deleted = ""
        self.editing = False
        self._clear_field_errors()
        raw = str(self.router.page.params.get("customer_id", "") or "")
        self._customer_id = parse_id(raw) or 0
        try:
            record = await self._as_admin(customer_record, self._customer_id)
        except SignedOut:
            return self._login_redirect()
        self._show(record)
        self.loaded = True
        return None

    def _show(self, record: CustomerRecord | None) -> None:
        self.found = record is not None
        self.customer = record or BLANK
        if record is None:
            self._customer_id = 0

    async def _act(self, work: Callable[..., str], *args: Any) -> rx.event.EventSpec | None:
        """Run an action on this customer, then show it again with what happened (or why nothing did)."""
        self.notice = self.error = ""
        try:
            said = await self._as_admin(work, self._customer_id, *args, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            said = ""
        if said is None:
            self._show(None)
            return None
        record = await self._as_admin(customer_record, self._customer_id)
        self._show(record)
        self.notice = said
        return None

    @rx.event
    async def invite_person(self, form: dict):
        """Invite someone by email to this customer's portal."""
        redirect = await self._act(actions.invite_person, form_field(form, "email"), form_field(form, "name"))
        if not self.error:
            self.form_key += 1
        return redirect

    @rx.event
    def start_editing(self):
        """Show the record as a form (the page is only drawn for a customer the administrator may see)."""
        self.editing = self.found
        self.notice = self.error = ""
        self._clear_field_errors(*RECORD_FIELDS.values())
        self.record_key += 1

    @rx.event
    def stop_editing(self):
        """Leave the form without saving."""
        self.editing = False
        self._clear_field_errors(*RECORD_FIELDS.values())

    @rx.event
    async def save_record(self, form: dict):
        """Save the CRM record; a refusal shows at its field and changes nothing."""
        self._clear_field_errors(*RECORD_FIELDS.values())
        fields = {name: form_field(form, name) for name in RECORD_FIELDS}
        return await self._act_at_fields(edit_customer, fields, RECORD_FIELDS, finished="editing")

    @rx.event
    async def link_user(self, form: dict):
        """Link someone who already signs in to this customer, by their email."""
        self._clear_field_errors(*LINK_FIELDS.values())
        return await self._act_at_fields(actions.link_existing_user, form_field(form, "email"), LINK_FIELDS)

    async def _act_at_fields(
        self, work: Callable[..., str], value: object, fields: dict[str, str], finished: str = ""
    ) -> rx.event.EventSpec | None:
        """Run a form's action; a refusal about one of its fields shows there, anything else as the page's."""
        self.notice = self.error = ""
        try:
            said = await self._as_admin(work, self._customer_id, value, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, fields)
        if said is not None:
            self._show(await self._as_admin(customer_record, self._customer_id))
            self.notice = said
            self.form_key += 1
            if finished:
                setattr(self, finished, False)
        elif self.is_admin:
            self._show(None)
            self.error = CUSTOMER_GONE
        return None

    @rx.event
    async def resend_invite(self, user_id: int):
        """Email a fresh link for the person's pending invitation."""
        return await self._act(actions.resend_person_invite, user_id)

    @rx.event
    async def deactivate_person(self, user_id: int):
        """Stop the person signing in."""
        return await self._act(actions.deactivate_person, user_id)

    @rx.event
    async def set_online_payments(self, allowed: bool):
        """Allow or stop online payments for this customer."""
        return await self._act(actions.set_online_payments_allowed, allowed is True)

    @rx.event
    async def delete_customer(self):
        """Delete the customer (refused with the reason while an active portal user is linked)."""
        name = self.customer.name
        self.notice = self.error = ""
        try:
            said = await self._as_admin(actions.delete_customer, self._customer_id, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            return None
        self._show(None)
        self.deleted = said or ""
        if said is None and name:
            self.error = CUSTOMER_GONE
        return None
