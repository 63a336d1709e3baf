"""One-time recovery codes: shown once, stored as SHA-256 (they are random enough for a fast hash)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from portal_app.models import RecoveryCode
from portal_app.models.base import utcnow

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read off paper
LENGTH = 12  # about 59 bits each
GROUP = 4


def normalise(code: str) -> str:
    """Lower case, without the spaces and hyphens people type between groups."""
    return "".join(ch for ch in code.lower() if ch not in " -")


def looks_like_one(code: str) -> bool:
    """Whether the text has the shape of a recovery code (not of an app's 6-digit code)."""
    plain = normalise(code)
    return len(plain) == LENGTH and all(ch in ALPHABET for ch in plain)


def _hash(plain: str) -> str:
    return hashlib.sha256(f"recovery:{plain}".encode("ascii")).hexdigest()


def replace_all(db: Session, user_id: int) -> list[str]:
    """Forget the person's codes and make COUNT new ones; returns them, formatted, to show once."""
    delete_all(db, user_id)
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    for plain in codes:
        db.add(RecoveryCode(portal_user_id=user_id, code_hash=_hash(plain)))
    db.flush()
    return ["-".join(plain[i : i + GROUP] for i in range(0, LENGTH, GROUP)) for plain in codes]


def use(db: Session, user_id: int, code: str) -> bool:
    """Spend one unused code of the person; False when it is wrong or already used (even concurrently)."""
    if not looks_like_one(code):
        return False
    spent = db.exec(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.portal_user_id) == user_id,
            col(RecoveryCode.code_hash) == _hash(normalise(code)),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    return spent.rowcount == 1


def remaining(db: Session, user_id: int) -> int:
    """How many unused codes the person has."""
    return db.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.portal_user_id == user_id, col(RecoveryCode.used_at).is_(None))
    ).one()


def delete_all(db: Session, user_id: int) -> None:
    """Forget every code of the person."""
    db.exec(delete(RecoveryCode).where(col(RecoveryCode.portal_user_id) == user_id))
