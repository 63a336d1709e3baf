"""Proofs asked inside a session (the current password, a code from the app) are counted like failed sign-ins.

Someone holding a stolen session must not guess the password behind it: after a few wrong proofs the
person is signed out everywhere and told by email.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from portal_app.errors import PortalError
from portal_app.mail import MailError, send_mail
from portal_app.models import PortalUser
from portal_app.services.accounts import throttle
from portal_app.services.accounts.sessions import end_all_sessions

log = logging.getLogger(__name__)

SIGNED_OUT = "Too many wrong attempts: for your safety you were signed out everywhere. Sign in again."


class TooManyWrongProofs(PortalError):
    """The person's sessions have all ended after too many wrong proofs."""


def wrong_proof(db: Session, user: PortalUser) -> None:
    """Count a wrong proof and commit it (the caller then refuses, which undoes nothing counted here); at the
    limit end every session of the person, email them and raise TooManyWrongProofs."""
    exhausted = throttle.count_wrong_proof(db, user.id)
    if exhausted:
        end_all_sessions(db, user.id)
    db.commit()
    if not exhausted:
        return
    try:
        send_mail(
            user.email,
            "You were signed out of the customer portal",
            f"Hello {user.name or ''},\n\nSomeone signed in as you gave a wrong password or code several times "
            "(to change the password or the two-factor settings), so every session was ended.\n\n"
            "If that was not you, sign in again and change your password.\n",
        )
    except MailError:
        log.exception("could not tell %s about the ended sessions", user.email)
    raise TooManyWrongProofs(SIGNED_OUT)


def right_proof(db: Session, user: PortalUser) -> None:
    """Forget the person's wrong proofs once one is right."""
    throttle.clear_wrong_proofs(db, user.id)
