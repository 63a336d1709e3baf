"""Form fields that carry their own error and character count.

A field's error sits under it (id `<field>-error`), named by the field's `aria-describedby` with its hint, and
`aria-invalid` is true while there is one; states keep the messages in `field_errors` (state/forms.py), keyed by
the field's id, and move the focus to the field they refuse. A field with a limit shows "120 / 200" as the
person types, and tells screen readers how many characters are left only near the limit.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

# Screen readers hear the characters left once fewer than this share of the limit remain (at most NEAR_MAX).
NEAR_SHARE = 10
NEAR_MAX = 50


def error_id(element_id: str) -> str:
    """The id of the message under a field."""
    return f"{element_id}-error"


def hint_id(element_id: str) -> str:
    """The id of the hint under a field's label."""
    return f"{element_id}-hint"


def typed_text(element_id: str) -> ClientStateVar:
    """The text typed into a counted field, kept in the browser only (None until the person types)."""
    return ClientStateVar.create(f"typed_{element_id.replace('-', '_')}", None)


def field_error(element_id: str, message: rx.Var) -> rx.Component:
    """The message under a field; always in the page (empty when there is none) so the field can point at it."""
    return rx.el.p(message, id=error_id(element_id), class_name="field-error")


def invalid_props(element_id: str, message: rx.Var, hint: bool = False) -> dict[str, object]:
    """`aria-invalid` and `aria-describedby` of a field with this message (and a hint, when it has one)."""
    described = f"{hint_id(element_id)} {error_id(element_id)}" if hint else error_id(element_id)
    return {"aria_invalid": rx.cond(message != "", "true", "false"), "aria_describedby": described}


def character_count(element_id: str, limit: int, initial: rx.Var | str = "") -> rx.Component:
    """ "n / limit" under a field (its length before typing: `initial`'s), and a polite announcement of the
    characters left once near the limit."""
    typed = typed_text(element_id)
    start = initial.length() if isinstance(initial, rx.Var) else len(initial)
    count = rx.cond(typed.value.is_not_none(), typed.value.to(str).length(), start)
    left = limit - count
    near = min(NEAR_MAX, max(1, limit // NEAR_SHARE))
    return rx.el.div(
        rx.el.span(
            count.to_string(),
            f" / {limit}",
            aria_hidden="true",
            class_name=rx.cond(left <= near, "char-count char-count-near", "char-count"),
            id=f"{element_id}-count",
        ),
        rx.el.span(
            rx.cond(left <= near, left.to_string() + rx.cond(left == 1, " character left", " characters left"), ""),
            aria_live="polite",
            class_name="visually-hidden",
            id=f"{element_id}-left",
        ),
        class_name="char-count-row",
    )


def text_field(
    label: str,
    element_id: str,
    *,
    errors: rx.Var,
    name: str = "",
    hint: str = "",
    limit: int = 0,
    initial: rx.Var | str = "",
    control: Callable[..., rx.Component] = rx.input,
    **props,
) -> rx.Component:
    """A labelled input (or `control=rx.text_area`) with its hint, its error from `errors` (a state's
    `field_errors`) and, with a `limit`, a character count (an `on_change` of `props` runs too); `initial` is its
    default value."""
    message = errors.get(element_id, "")
    if limit:  # a form drawn anew (a new `key`) counts from its default value again
        typed = typed_text(element_id)
        also = props.pop("on_change", None)
        on_change = typed.set_value if also is None else [typed.set_value, also]
        props |= {"max_length": limit, "on_change": on_change, "on_mount": typed.set_value(None)}
    if isinstance(initial, rx.Var) or initial:
        props["default_value"] = initial
    if control is rx.input:
        props.setdefault("size", "3")
    return rx.vstack(
        rx.el.label(label, html_for=element_id, class_name="field-label"),
        rx.text(hint, size="1", color_scheme="gray", id=hint_id(element_id), as_="p") if hint else rx.fragment(),
        control(
            id=element_id,
            name=name or element_id,
            width="100%",
            **invalid_props(element_id, message, bool(hint)),
            **props,
        ),
        field_error(element_id, message),
        character_count(element_id, limit, initial) if limit else rx.fragment(),
        spacing="1",
        width="100%",
    )


def checkbox_field(name: str, label: str, checked: rx.Var, hint: str) -> rx.Component:
    """A checkbox named and identified `name`, with its label and a hint below (a settings switch)."""
    return rx.vstack(
        rx.el.label(
            rx.el.input(type="checkbox", name=name, id=name, default_checked=checked, class_name="checkbox"),
            label,
            html_for=name,
            class_name="checkbox-label",
        ),
        rx.text(hint, size="1", color_scheme="gray"),
        spacing="1",
    )
