"""The console's customers (administrators): the list with search (/staff/customers), creating a client user
(/staff/customers/new-user) and a customer's page (/staff/customers/<id>)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import heading_with_back_link, labelled, link_button, position_notice, section
from portal_app.components.customer_picker import customer_picker
from portal_app.components.fields import text_field
from portal_app.components.loading import until_loaded
from portal_app.components.tables import data_table, money_status_badge, pager
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_customers import (
    CUSTOMERS_ROUTE,
    LINK_FIELDS,
    NEW_USER_ROUTE,
    RECORD_FIELDS,
    StaffCustomersState,
    StaffCustomerState,
    StaffNewUserState,
)

LIST_HEADERS = ["Customer", "Reference", "Email", "Phone", "Portal user"]
PEOPLE_HEADERS = ["Person", "Status", "Actions"]
ACCESS_COLOURS = (("Active", "green"), ("Invite pending", "amber"), ("Deactivated", "gray"))


def access_badge(value: rx.Var) -> rx.Component:
    """Active / Invite pending / Deactivated / None, coloured."""
    return rx.badge(value, color_scheme=rx.match(value, *ACCESS_COLOURS, "gray"), variant="soft", high_contrast=True)


def _customer_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(rx.link(row.name, href=row.href), scope="row"),
        rx.el.td(rx.cond(row.reference != "", row.reference, "—")),
        rx.el.td(rx.cond(row.email != "", row.email, "—"), class_name="ticket-subject"),
        rx.el.td(rx.cond(row.phone != "", row.phone, "—"), class_name="nowrap"),
        rx.el.td(access_badge(row.portal_user), class_name="nowrap"),
    )


def _search_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.el.label("Search customers", html_for="customer-search", class_name="visually-hidden"),
            rx.input(
                name="q",
                id="customer-search",
                default_value=StaffCustomersState.search,
                placeholder="Name, email, phone or reference",
                max_length=100,
                type="search",
                size="3",
                flex_grow="1",
                key=StaffCustomersState.search,
            ),
            rx.button("Search", type="submit", size="3"),
            spacing="2",
            width="100%",
        ),
        on_submit=StaffCustomersState.search_customers,
        role="search",
        margin_bottom="var(--space-3)",
        width="100%",
    )


@portal_page(CUSTOMERS_ROUTE, "Customers", on_load=StaffCustomersState.load_customers)
def staff_customers_page() -> rx.Component:
    """The organisation's customers, searchable, with whether a portal user is linked."""
    return staff_shell(
        rx.flex(
            rx.heading("Customers", size="6", as_="h1"),
            link_button("Create a client user", NEW_USER_ROUTE),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="3",
            margin_bottom="var(--space-4)",
        ),
        section(
            "Customer records",
            _search_form(),
            until_loaded(
                StaffCustomersState.loaded,
                position_notice(StaffCustomersState.notice),
                data_table(
                    LIST_HEADERS,
                    StaffCustomersState.rows,
                    _customer_row,
                    rx.cond(
                        StaffCustomersState.search != "",
                        "No customer matches this search.",
                        "No customers yet: import them with the CLI.",
                    ),
                    "Customers",
                ),
                pager("Customer pages", StaffCustomersState.customer_pager),
            ),
        ),
        admin_only=True,
    )


# --- creating a client user ---------------------------------------------------------------------------------------


@portal_page(NEW_USER_ROUTE, "Create a client user", on_load=StaffNewUserState.load_new_user)
def staff_new_user_page() -> rx.Component:
    """Enter the email, search for and select the customer record, send the invitation."""
    state = StaffNewUserState
    return staff_shell(
        heading_with_back_link("Create a client user", "Back to customers", CUSTOMERS_ROUTE),
        until_loaded(
            state.loaded,
            section(
                "Invite a person to a customer's portal",
                rx.form(
                    rx.vstack(
                        form_notice(state.notice),
                        form_error(state.error),
                        _text_field("Email", "new-user-email", "email", "email", required=True),
                        _text_field("Name (optional)", "new-user-name", "name", "text"),
                        customer_picker(
                            StaffNewUserState,
                            "Linked customer",
                            "customer-lookup",
                            "Search for and select the customer record: by name, email, phone or reference.",
                        ),
                        rx.button("Send invitation", type="submit", size="3", disabled=state.chosen_name == ""),
                        spacing="4",
                        width="100%",
                        align="start",
                    ),
                    on_submit=state.send_invitation,
                    key=state.form_key,
                    width="100%",
                ),
            ),
        ),
        admin_only=True,
    )


def _text_field(label: str, control_id: str, name: str, kind: str, *, required: bool = False) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, class_name="field-label"),
        rx.input(name=name, id=control_id, type=kind, max_length=254, required=required, size="3", width="100%"),
        spacing="1",
        width="100%",
    )


# --- a customer's page --------------------------------------------------------------------------------------------


def _confirm(label: str, title: rx.Var | str, body: rx.Var | str, on_confirm, *, colour: str = "red") -> rx.Component:
    """A button that asks before doing something that cannot be undone from the console."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(label, type="button", color_scheme=colour, variant="soft", size="2")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(body),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(label, color_scheme=colour, on_click=on_confirm)),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
        ),
    )


def _person_row(person: rx.Var) -> rx.Component:
    state = StaffCustomerState
    return rx.el.tr(
        rx.el.th(
            rx.text(person.email, weight="medium", class_name="ticket-subject"),
            rx.cond(person.name != "", rx.text(person.name, size="1", color_scheme="gray")),
            scope="row",
        ),
        rx.el.td(access_badge(person.status), class_name="nowrap"),
        rx.el.td(
            rx.flex(
                rx.cond(
                    person.can_resend,
                    rx.button(
                        "Resend invite",
                        type="button",
                        variant="soft",
                        size="2",
                        on_click=state.resend_invite(person.id),
                    ),
                ),
                rx.cond(
                    person.can_deactivate,
                    _confirm(
                        "Deactivate",
                        "Deactivate " + person.email + "?",
                        "They are signed out everywhere and can no longer sign in. Their history stays.",
                        state.deactivate_person(person.id),
                    ),
                ),
                spacing="2",
                wrap="wrap",
            )
        ),
    )


def _invite_form() -> rx.Component:
    state = StaffCustomerState
    return rx.form(
        rx.flex(
            rx.box(_text_field("Email", "invite-email", "email", "email", required=True), flex_grow="1"),
            rx.box(_text_field("Name (optional)", "invite-name", "name", "text"), flex_grow="1"),
            rx.button("Invite", type="submit", size="3"),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=state.invite_person,
        key=state.form_key,
        width="100%",
        margin_top="var(--space-3)",
    )


def _record_field(name: str, label: str, initial: rx.Var, limit: int, **props) -> rx.Component:
    """A field of the record form; only the long address counts its characters."""
    size = {"limit": limit} if name == "address" else {"max_length": limit}
    return text_field(
        label,
        RECORD_FIELDS[name],
        name=name,
        errors=StaffCustomerState.field_errors,
        initial=initial,
        **size,
        **props,
    )


def _record_form() -> rx.Component:
    state, customer = StaffCustomerState, StaffCustomerState.customer
    return rx.form(
        rx.vstack(
            _record_field("name", "Name", customer.name, 120, required=True),
            _record_field("reference", "Reference", customer.reference, 64, hint="Your own id, unique per customer."),
            _record_field("email", "Email", customer.email, 254, type="email"),
            _record_field("phone", "Phone", customer.phone, 40, type="tel"),
            _record_field("address", "Address", customer.address, 400, control=rx.text_area, rows="3"),
            rx.flex(
                rx.box(_record_field("locale", "Locale", customer.locale, 16, hint="Like en_US."), flex_grow="1"),
                rx.box(
                    _record_field("currency", "Currency", customer.currency, 3, hint="ISO code, like USD."),
                    flex_grow="1",
                ),
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            rx.flex(
                rx.button("Save record", type="submit", size="3"),
                rx.button(
                    "Cancel", type="button", variant="soft", color_scheme="gray", size="3", on_click=state.stop_editing
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
            align="start",
        ),
        on_submit=state.save_record,
        key=state.record_key,
        width="100%",
    )


def _record_card() -> rx.Component:
    state, customer = StaffCustomerState, StaffCustomerState.customer
    return section(
        "Customer record",
        rx.cond(
            state.editing,
            _record_form(),
            rx.el.dl(
                labelled("Reference", customer.reference),
                labelled("Email", customer.email),
                labelled("Phone", customer.phone),
                labelled("Address", customer.address),
                labelled("Locale", customer.locale),
                labelled("Currency", customer.currency),
                class_name="details",
            ),
        ),
        rx.flex(
            rx.text(
                "Online payments: ",
                rx.el.strong(rx.cond(customer.online_payments_allowed, "allowed", "not allowed")),
                size="2",
                id="customer-online-payments",
            ),
            rx.cond(
                customer.online_payments_allowed,
                rx.button(
                    "Stop online payments",
                    type="button",
                    variant="soft",
                    size="2",
                    on_click=StaffCustomerState.set_online_payments(False),
                ),
                rx.button(
                    "Allow online payments",
                    type="button",
                    variant="soft",
                    size="2",
                    on_click=StaffCustomerState.set_online_payments(True),
                ),
            ),
            spacing="3",
            align="center",
            wrap="wrap",
            margin_top="var(--space-3)",
        ),
        action=rx.cond(
            state.editing,
            rx.fragment(),
            rx.button("Edit record", type="button", variant="soft", size="2", on_click=state.start_editing),
        ),
    )


def _link_form() -> rx.Component:
    state = StaffCustomerState
    return rx.form(
        rx.flex(
            rx.box(
                text_field(
                    "Link an existing user",
                    LINK_FIELDS["email"],
                    name="email",
                    errors=state.field_errors,
                    hint="The email of someone who already signs in to the portal, e.g. for another customer.",
                    type="email",
                    max_length=254,
                    required=True,
                ),
                flex_grow="1",
            ),
            rx.button("Link user", type="submit", size="3", variant="soft"),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=state.link_user,
        key=state.form_key,
        width="100%",
        margin_top="var(--space-4)",
    )


def _linked_rows() -> list[rx.Component]:
    customer = StaffCustomerState.customer
    return [
        section(
            "Services",
            data_table(
                ["Service", "Status", "Since"],
                customer.services,
                lambda s: rx.el.tr(rx.el.th(s.name, scope="row"), rx.el.td(s.status), rx.el.td(s.since)),
                "No services.",
                "Services",
            ),
        ),
        section(
            "Invoices",
            rx.text("Drafts are listed too; the customer does not see them.", size="2", color_scheme="gray", as_="p"),
            data_table(
                ["Invoice", "Issued", "Due", "Total", "Balance", "Status"],
                customer.invoices,
                lambda i: rx.el.tr(
                    rx.el.th(i.number, scope="row", class_name="nowrap"),
                    rx.el.td(i.issued, class_name="nowrap"),
                    rx.el.td(i.due, class_name="nowrap"),
                    rx.el.td(i.total, class_name="num"),
                    rx.el.td(i.balance, class_name="num"),
                    rx.el.td(
                        rx.cond(
                            i.draft,
                            rx.badge("Draft", color_scheme="gray", variant="outline", size="2"),
                            money_status_badge(i.status),
                        ),
                        class_name="nowrap",
                    ),
                ),
                "No invoices.",
                "Invoices",
            ),
        ),
        section(
            "Payments",
            data_table(
                ["Date", "Amount", "Status", "Method", "Reference"],
                customer.payments,
                lambda p: rx.el.tr(
                    rx.el.th(p.date, scope="row", class_name="nowrap"),
                    rx.el.td(p.amount, class_name="num"),
                    rx.el.td(money_status_badge(p.status), class_name="nowrap"),
                    rx.el.td(rx.cond(p.method != "", p.method, "—")),
                    rx.el.td(rx.cond(p.reference != "", p.reference, "—"), class_name="ticket-subject"),
                ),
                "No payments.",
                "Payments",
            ),
        ),
        section(
            "Projects",
            data_table(
                ["Project", "Status", "Progress"],
                customer.projects,
                lambda p: rx.el.tr(rx.el.th(p.name, scope="row"), rx.el.td(p.status), rx.el.td(p.progress)),
                "No projects.",
                "Projects",
            ),
        ),
        section(
            "Tickets",
            data_table(
                ["Ticket", "Subject", "Status", "Updated"],
                customer.tickets,
                lambda t: rx.el.tr(
                    rx.el.td("#", t.id, class_name="nowrap"),
                    rx.el.th(rx.link(t.subject, href=t.href), scope="row"),
                    rx.el.td(t.status),
                    rx.el.td(t.updated, class_name="nowrap"),
                ),
                "No tickets.",
                "Tickets",
            ),
        ),
    ]


def _customer_body() -> rx.Component:
    state, customer = StaffCustomerState, StaffCustomerState.customer
    return rx.vstack(
        heading_with_back_link(customer.name, "Back to customers", CUSTOMERS_ROUTE),
        form_notice(state.notice),
        form_error(state.error),
        _record_card(),
        section(
            "Portal users",
            data_table(PEOPLE_HEADERS, customer.people, _person_row, "No portal user is linked.", "Portal users"),
            _invite_form(),
            _link_form(),
        ),
        *_linked_rows(),
        section(
            "Delete customer",
            rx.text(
                "Deletes the customer record with its services, invoices, payments, projects and tickets. "
                "Refused while an active portal user is linked: deactivate them first.",
                size="2",
                as_="p",
                margin_bottom="var(--space-3)",
            ),
            _confirm(
                "Delete customer",
                "Delete " + customer.name + "?",
                "The customer and everything linked to it are deleted for good.",
                state.delete_customer,
            ),
        ),
        spacing="4",
        width="100%",
        align="start",
    )


def _gone() -> rx.Component:
    state = StaffCustomerState
    return rx.vstack(
        rx.heading(rx.cond(state.deleted != "", "Customer deleted", "Customer not found"), size="6", as_="h1"),
        rx.callout(
            rx.cond(state.deleted != "", state.deleted, "This customer is not one of your organisation's."),
            icon="info",
            role="status",
        ),
        form_error(state.error),
        rx.link("← Back to customers", href=CUSTOMERS_ROUTE, size="2"),
        spacing="3",
        align="start",
    )


@portal_page(f"{CUSTOMERS_ROUTE}/[customer_id]", "Customer", on_load=StaffCustomerState.load_customer)
def staff_customer_page() -> rx.Component:
    """One customer: the record, its portal users with their actions, and what is linked to it."""
    return staff_shell(
        until_loaded(StaffCustomerState.loaded, rx.cond(StaffCustomerState.found, _customer_body(), _gone()), lines=6),
        admin_only=True,
    )
