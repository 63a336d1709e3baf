"""Search for and select a customer record by typing (the console's type-ahead), for any state that has
`choices`, `searched`, `chosen_name`, `field_errors` and the handlers `find_customers`, `choose_customer` and
`change_customer`."""

from __future__ import annotations

import reflex as rx

from portal_app.components.fields import field_error, hint_id, invalid_props


def _choice(state, choice: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.button(
            rx.vstack(
                rx.text(choice.name, weight="medium"),
                rx.cond(choice.detail != "", rx.text(choice.detail, size="1", color_scheme="gray")),
                spacing="0",
                align="start",
            ),
            type="button",
            variant="soft",
            width="100%",
            height="auto",
            padding_y="var(--space-2)",
            justify="start",
            on_click=state.choose_customer(choice.id),
        ),
    )


def customer_picker(state, label: str, element_id: str, hint: str) -> rx.Component:
    """The chosen customer with a Change button, or a search box with the matching customers to pick from."""
    message = state.field_errors.get(element_id, "")
    return rx.vstack(
        rx.cond(
            state.chosen_name != "",
            rx.flex(
                rx.text(label + ": ", rx.el.strong(state.chosen_name), id=f"{element_id}-chosen"),
                rx.button("Change", type="button", variant="ghost", size="2", on_click=state.change_customer),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            rx.vstack(
                rx.el.label(label, html_for=element_id, class_name="field-label"),
                rx.text(hint, size="1", color_scheme="gray", id=hint_id(element_id), as_="p"),
                rx.input(
                    id=element_id,
                    placeholder="Start typing a customer's name",
                    max_length=100,
                    auto_complete="off",
                    size="3",
                    width="100%",
                    on_change=state.find_customers.debounce(300),
                    **invalid_props(element_id, message, hint=True),
                ),
                rx.box(
                    rx.cond(
                        state.choices.length() > 0,
                        rx.el.ul(
                            rx.foreach(state.choices, lambda choice: _choice(state, choice)),
                            class_name="ticket-list",
                            aria_label="Matching customers",
                        ),
                        rx.cond(state.searched != "", rx.text("No customer matches.", size="2", color_scheme="gray")),
                    ),
                    aria_live="polite",
                    width="100%",
                ),
                spacing="1",
                width="100%",
            ),
        ),
        field_error(element_id, message),
        spacing="1",
        width="100%",
    )
