"""Reading submitted forms: a client can call a handler by name with any payload, not only a form's dict."""

from __future__ import annotations


def form_field(form: object, name: str) -> object:
    """The named field of a submitted form as sent (the services check its type); empty when there is no form."""
    return form.get(name, "") if isinstance(form, dict) else ""
