"""A 1-5 star rating control built from native radio buttons, and a read-only star line."""

from __future__ import annotations

import reflex as rx

from portal_app.components.fields import field_error, invalid_props

STARS = (1, 2, 3, 4, 5)


def _star(number: int, name: str) -> rx.Component:
    """One radio styled as a star; arrow keys move between them, screen readers read "N stars"."""
    label = "1 star" if number == 1 else f"{number} stars"
    return rx.el.label(
        rx.el.input(
            type="radio",
            name=name,
            value=str(number),
            aria_label=label,
            id=f"{name}-{number}",
            class_name="star-input",
        ),
        rx.el.span("★", class_name="star-glyph", aria_hidden="true"),
        class_name="star",
        title=label,
    )


def star_rating_input(legend: str, error: rx.Var, name: str = "rating") -> rx.Component:
    """A radio group of five stars (name=`name`, values 1-5, ids `<name>-1`...) under a visible legend, with its
    error under the stars (shown at the group, the focus goes to the first star)."""
    first = f"{name}-1"
    return rx.el.fieldset(
        rx.el.legend(legend, class_name="field-label"),
        rx.el.div(*[_star(n, name) for n in STARS], class_name="star-row"),
        field_error(first, error),
        class_name="star-fieldset",
        role="radiogroup",
        **invalid_props(first, error),
    )


def star_line(rating: rx.Var) -> rx.Component:
    """Filled and empty stars for a given rating, with the number for assistive technology."""
    return rx.el.span(
        rx.el.span(
            *[rx.el.span("★", class_name=rx.cond(rating >= n, "star-glyph star-on", "star-glyph")) for n in STARS],
            aria_hidden="true",
        ),
        rx.el.span(rating.to_string() + " of 5 stars", class_name="visually-hidden"),
        class_name="star-line",
    )
