"""Reading submitted forms, and showing a refusal at the field it is about.

A client can call a handler by name with any payload, not only a form's dict."""

from __future__ import annotations

import reflex as rx

from portal_app.errors import PortalError


def form_field(form: object, name: str) -> object:
    """The named field of a submitted form as sent (the services check its type); empty when there is no form."""
    return form.get(name, "") if isinstance(form, dict) else ""


class FieldErrors(rx.State, mixin=True):
    """Messages shown at a page's form fields, keyed by the field's element id (components/fields.py)."""

    field_errors: dict[str, str] = {}

    def _clear_field_errors(self, *element_ids: str) -> None:
        """Forget the messages of these fields (one form's), or of every field when none are named."""
        kept = {} if not element_ids else {k: v for k, v in self.field_errors.items() if k not in element_ids}
        self.field_errors = kept

    def _show_at_field(self, element_id: str, message: str):
        """Show the message at the field and move the focus there (the event to return)."""
        self.field_errors = {**self.field_errors, element_id: message}
        return rx.set_focus(element_id)

    def _show_refusal(self, refused: PortalError, fields: dict[str, str]):
        """Show the refusal at the field it names (`fields`: the service's argument -> the field's element id)
        and return the focus event; None when it names none of them (the caller shows it for the whole form)."""
        element_id = fields.get(refused.field)
        return None if element_id is None else self._show_at_field(element_id, refused.message)

    def _refuse(self, refused: PortalError, fields: dict[str, str], form_message: str = "error"):
        """Show the refusal at its field and return the focus event; else as the form's message (the state's var
        named `form_message`), with nothing to focus."""
        focus = self._show_refusal(refused, fields)
        if focus is None:
            setattr(self, form_message, refused.message)
        return focus
