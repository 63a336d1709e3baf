"""Services tab (/portal/services): every service provisioned on the account, with its price, billing cycle and
next bill date, and "Request a change" (another plan, or cancel at the end of the period) for an active one."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import section, status_badge
from portal_app.components.fields import field_error, hint_id, invalid_props, text_field
from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.components.tables import data_table, summary_card
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.state.services import REASON_MAX, ServicesState

HEADERS = ["Service", "Price", "Next bill date", "Active since", "Status", "Changes"]
ACTIONS = (
    ("Upgrade", "Upgrade to another plan"),
    ("Downgrade", "Downgrade to another plan"),
    ("Cancel", "Cancel at the end of the period"),
)


def _or_dash(value: rx.Var) -> rx.Component:
    return rx.cond(value != "", value, "—")


def _request_status(service: rx.Var) -> rx.Component:
    return rx.cond(
        service.request_summary != "",
        rx.text(
            "Change requested: ",
            service.request_summary,
            " · ",
            service.request_status,
            " · ",
            rx.link("Ticket #", service.request_ticket, href=service.request_href, underline="always"),
            size="1",
            as_="div",
            class_name="service-request-status",
        ),
    )


def _row(service: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(
            rx.box(
                rx.text(service.name, weight="medium", as_="div"),
                rx.text(service.description, size="1", color_scheme="gray", as_="div"),
                _request_status(service),
            ),
            scope="row",
        ),
        rx.el.td(_or_dash(service.price), class_name="nowrap"),
        rx.el.td(_or_dash(service.next_bill), class_name="nowrap"),
        rx.el.td(_or_dash(service.active_since), class_name="nowrap"),
        rx.el.td(status_badge(service.status)),
        rx.el.td(
            rx.cond(
                service.can_request,
                rx.button(
                    "Request a change",
                    on_click=ServicesState.start_change(service.id),
                    variant="soft",
                    size="2",
                    aria_label="Request a change to " + service.name,
                    class_name="nowrap",
                ),
                "—",
            )
        ),
    )


@portal_page("/portal/services", "Services", on_load=ServicesState.load_services)
def services_page() -> rx.Component:
    """The full list of services, and the change form of one."""
    return portal_shell(
        "Services",
        rx.heading("Services", size="6", as_="h1", margin_bottom="var(--space-4)"),
        rx.box(
            form_notice(ServicesState.notice, ServicesState.notice_href, "View the ticket"),
            margin_bottom="var(--space-3)",
        ),
        until_loaded(ServicesState.loaded, _summary(), _detail(), lines=5),
        _change_dialog(),
    )


def _summary() -> rx.Component:
    return rx.grid(
        summary_card(
            "Active services",
            ServicesState.active_services.to_string() + " of " + ServicesState.total_services.to_string(),
        ),
        summary_card("Open invoices", ServicesState.open_invoices),
        summary_card("Outstanding balance", ServicesState.outstanding_balance),
        summary_card("Support tickets", ServicesState.open_tickets, "Open"),
        columns=rx.breakpoints(initial="1", xs="2", md="4"),
        spacing="3",
        width="100%",
        margin_bottom="var(--space-4)",
        id="services-summary",
    )


def _detail() -> rx.Component:
    return section(
        "Services detail",
        data_table(
            HEADERS,
            ServicesState.services,
            _row,
            "No services are provisioned on your account yet.",
            "Services detail",
        ),
    )


def _select(label: str, element_id: str, name: str, hint: str, *options: rx.Component) -> rx.Component:
    message = ServicesState.field_errors.get(element_id, "")
    return rx.vstack(
        rx.el.label(label, html_for=element_id, class_name="field-label"),
        rx.text(hint, size="1", color_scheme="gray", id=hint_id(element_id), as_="p"),
        rx.el.select(
            *options,
            name=name,
            id=element_id,
            class_name="native-select",
            **invalid_props(element_id, message, hint=True),
        ),
        field_error(element_id, message),
        spacing="1",
        width="100%",
    )


def _change_form() -> rx.Component:
    state = ServicesState
    return rx.form(
        rx.vstack(
            form_error(state.error),
            rx.cond(
                state.error_href != "",
                rx.link("Open the pending request", href=state.error_href, underline="always", size="2"),
            ),
            _select(
                "What would you like?",
                "change-action",
                "action",
                "A plan change is made by our team; a cancellation takes effect at the end of the period.",
                *[rx.el.option(text, value=value) for value, text in ACTIONS],
            ),
            _select(
                "New plan",
                "change-plan",
                "plan_id",
                "For an upgrade or a downgrade: one of our current plans.",
                rx.el.option("Choose a plan", value=""),
                rx.foreach(
                    state.plans,
                    lambda plan: rx.cond(plan.name != state.changing_name, rx.el.option(plan.label, value=plan.id)),
                ),
            ),
            text_field(
                "Reason",
                "change-reason",
                errors=state.field_errors,
                name="reason",
                hint=f"Why you would like this change ({REASON_MAX} characters at most).",
                limit=REASON_MAX,
                control=rx.text_area,
                required=True,
                rows="4",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Close", type="button", variant="soft", color_scheme="gray", size="3")),
                rx.button(
                    rx.cond(state.submitting, "Sending…", "Send request"),
                    type="submit",
                    size="3",
                    disabled=state.submitting,
                    loading=state.submitting,
                ),
                spacing="3",
                justify="end",
                width="100%",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=state.send_change,
        no_validate=True,
        width="100%",
        id="change-form",
        key=state.changing_id,
    )


def _change_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Request a change to " + ServicesState.changing_name),
            rx.dialog.description(
                "We answer in a support ticket of the kind Service request; you can follow it in Support.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            _change_form(),
            # A native select is as wide as its longest option: without a cap the dialog outgrows a phone.
            max_width="min(32rem, calc(100vw - 2rem))",
        ),
        open=ServicesState.changing_id > 0,
        on_open_change=ServicesState.close_change,
    )
