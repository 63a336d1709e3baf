"""Who is using the console: the staff header every console page shows, read in the page's own unit of work."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session

from portal_app.errors import NotFound
from portal_app.models import StaffRole
from portal_app.services.access import NotStaff, StaffScope, staff_scope
from portal_app.services.accounts.sessions import Principal

R = TypeVar("R")


@dataclass(frozen=True)
class ConsoleHeader:
    """The signed-in person, whether they are staff and an administrator, and of which organisation."""

    user_name: str
    user_email: str
    is_staff: bool
    is_admin: bool
    organisation: str


def staff_call(
    db: Session, principal: Principal, work: Callable[..., R], *args: Any, **kwargs: Any
) -> tuple[ConsoleHeader, R | None]:
    """The header and `work(db, principal, ...)` for any staff member; the result is None for non-staff or when the
    row the work names is not the organisation's (NotFound)."""
    return _call(db, principal, work, args, kwargs, admins_only=False)


def admin_call(
    db: Session, principal: Principal, work: Callable[..., R], *args: Any, **kwargs: Any
) -> tuple[ConsoleHeader, R | None]:
    """Like `staff_call`, but the work runs only for an administrator (agents get the header and None)."""
    return _call(db, principal, work, args, kwargs, admins_only=True)


def _call(
    db: Session,
    principal: Principal,
    work: Callable[..., R],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    admins_only: bool,
) -> tuple[ConsoleHeader, R | None]:
    try:
        staff: StaffScope | None = staff_scope(db, principal)
    except NotStaff:
        staff = None
    is_admin = staff is not None and staff.user.staff_role == StaffRole.ADMIN
    header = ConsoleHeader(
        user_name=principal.user_name or principal.user_email,
        user_email=principal.user_email,
        is_staff=staff is not None,
        is_admin=is_admin,
        organisation=staff.organisation.name if staff else "",
    )
    if staff is None or (admins_only and not is_admin):
        return header, None
    with suppress(NotFound):
        return header, work(db, principal, *args, **kwargs)
    return header, None
