"""The Services tab, and the form to request a change to a service."""

from __future__ import annotations

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.accounts.provisioned import ServiceCard, ServicesPage, services_page
from portal_app.services.support.service_requests import REASON_MAX, OpenRequestExists, PlanChoice, request_change
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.session import SessionState, SignedOut

__all__ = ["REASON_MAX", "ServicesState"]

# The change form's fields: the service's argument -> the field's element id.
CHANGE_FIELDS = {"action": "change-action", "plan_id": "change-plan", "reason": "change-reason"}


class ServicesState(FieldErrors, SessionState):
    """Every service provisioned on the current customer's account, the provider's plans, and the change form of
    the service being changed (`changing_id`, 0 when the form is closed)."""

    services: list[ServiceCard] = []
    plans: list[PlanChoice] = []
    active_services: int = 0
    total_services: int = 0
    open_invoices: int = 0
    outstanding_balance: str = ""
    open_tickets: int = 0
    loaded: bool = False  # the page shows a skeleton until its first load has read the data
    changing_id: int = 0
    changing_name: str = ""
    error: str = ""
    error_href: str = ""  # the open request a refusal links to
    notice: str = ""
    notice_href: str = ""
    submitting: bool = False

    @rx.event
    async def load_services(self):
        """Read the customer's services (redirects when signed out)."""
        self.changing_id = 0
        try:
            page = await self._open_page(services_page)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self._show(page)
        self.loaded = True
        return None

    def _show(self, page: ServicesPage) -> None:
        self.services = page.services
        self.plans = page.plans
        self.active_services = page.active_services
        self.total_services = page.total_services
        self.open_invoices = page.open_invoices
        self.outstanding_balance = page.outstanding_balance
        self.open_tickets = page.open_tickets

    @rx.event
    def start_change(self, service_id: int):
        """Open the change form for one of the services on the page (nothing for any other id)."""
        service = next((s for s in self.services if s.id == service_id and s.can_request), None)
        if service is None:
            return
        self.changing_id = service.id
        self.changing_name = service.name
        self.error = self.error_href = ""
        self._clear_field_errors(*CHANGE_FIELDS.values())

    @rx.event
    def close_change(self, is_open: bool):
        """Close the change form (the dialog reports it was closed)."""
        if not is_open:
            self.changing_id = 0

    @rx.event
    async def send_change(self, form: dict):
        """Send the request for the service whose form is open: it becomes a "Service request" ticket."""
        self.error = self.error_href = ""
        self.notice = self.notice_href = ""
        self._clear_field_errors(*CHANGE_FIELDS.values())
        self.submitting = True
        yield
        fields = {name: form_field(form, name) for name in CHANGE_FIELDS}
        try:
            status = await self._call(request_change, self.changing_id, **fields)
            page = await self._open_page(services_page)
        except SignedOut:
            self.submitting = False
            yield self._login_redirect()
            return
        except PortalError as refused:
            self.submitting = False
            self.error_href = refused.href if isinstance(refused, OpenRequestExists) else ""
            yield self._refuse(refused, CHANGE_FIELDS)
            return
        self.submitting = False
        self.changing_id = 0
        if page is not None:
            self._show(page)
        self.notice = f"Your request was sent as ticket #{status.ticket_id}. We will answer in its thread."
        self.notice_href = status.href
