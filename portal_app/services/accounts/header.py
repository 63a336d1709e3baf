"""What the portal header shows: the person, their organisations to switch between, the provider's branding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session

from portal_app.services.access import NotLinked, customer_scope
from portal_app.services.accounts.branding import Branding, branding_of
from portal_app.services.accounts.sessions import Principal, organisation_choices

R = TypeVar("R")


@dataclass(frozen=True)
class OrganisationOption:
    """One entry of the organisation switcher: the customer record's id and 'Organisation (Customer)'."""

    value: str
    label: str


@dataclass(frozen=True)
class PageHeader:
    """The header of every customer page."""

    user_name: str
    user_email: str
    branding: Branding
    choices: list[OrganisationOption]
    active_customer: str
    linked: bool


def page_header(db: Session, principal: Principal) -> PageHeader:
    """The signed-in person's header: name, organisation switcher, and the current provider's branding."""
    scope = customer_scope(db, principal) if principal.customer_id is not None else None
    return PageHeader(
        user_name=principal.user_name or principal.user_email,
        user_email=principal.user_email,
        branding=branding_of(scope.organisation if scope else None),
        choices=[
            OrganisationOption(value=str(c.customer_id), label=f"{c.organisation_name} ({c.customer_name})")
            for c in organisation_choices(db, principal)
        ],
        active_customer=str(principal.customer_id or ""),
        linked=principal.customer_id is not None,
    )


def header_and_page(
    db: Session, principal: Principal, read: Callable[..., R], *args: Any, **kwargs: Any
) -> tuple[PageHeader, R | None]:
    """The header, and what `read(db, principal, ...)` shows: None when the person is not linked to a customer."""
    header = page_header(db, principal)
    try:
        return header, read(db, principal, *args, **kwargs)
    except NotLinked:  # the page says so; there is nothing to read
        return header, None
