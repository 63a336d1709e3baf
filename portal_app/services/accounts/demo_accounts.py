"""The demo's accounts sign in with a published password: a public portal must not start with them.

`make run` loads demo data whose password is in the README. On a portal served over https (a real
deployment) such accounts would be open to anyone, so the server refuses to start until they are gone
or have other passwords. They are recognised by their domain, example.com, which RFC 2606 reserves:
no real person signs in with it.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal_app.models import PortalUser
from portal_app.services.accounts.passwords import verify_password

PUBLISHED_PASSWORD = "portal-demo"  # noqa: S105 - the demo's password, printed by `make run` and in the README
DEMO_DOMAIN = "@example.com"


class PublishedPasswordsInUse(RuntimeError):
    """Demo accounts with the published password on a portal served over https."""


def published_password_accounts(db: Session) -> list[str]:
    """The active example.com accounts that still sign in with the published demo password."""
    users = db.exec(
        select(PortalUser).where(col(PortalUser.email).endswith(DEMO_DOMAIN), col(PortalUser.is_active).is_(True))
    ).all()
    return sorted(u.email for u in users if verify_password(PUBLISHED_PASSWORD, u.password_hash))


def refuse_published_passwords(db: Session, public_url: str) -> None:
    """PublishedPasswordsInUse when the portal is served over https and demo accounts keep the published password."""
    if not public_url.startswith("https://"):
        return
    exposed = published_password_accounts(db)
    if exposed:
        msg = (
            f"Refusing to start: {', '.join(exposed)} sign in with the published demo password and "
            f"{public_url} is public. Deactivate them (python -m portal_app.cli deactivate-user --email ...) "
            "or load no demo data."
        )
        raise PublishedPasswordsInUse(msg)
