"""Mail SMTP could not take for a reason that may pass (server down, "try again later"), kept to resend.

Each held message is an .eml file in `<outbox>/held/` (owner-only: some carry a sign-in link). A message
held under a name replaces the older one of that name; one that carries an expiry is dropped once expired.
`resend_held()` (the `mail retry` command, meant for cron) sends them and removes what went out.
"""

from __future__ import annotations

import email
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from portal_app.config import settings
from portal_app.mail.smtp import POLICY, MailError, deliver

log = logging.getLogger("portal.mail")

EXPIRES_HEADER = "X-Portal-Expires"  # removed before the message goes out
CLAIMED = ".sending"


@dataclass(frozen=True)
class Resend:
    """Keep the message for a later try when SMTP is down: `name` makes a newer message replace it,
    `until` (UTC) drops it once the link inside has expired."""

    name: str = ""
    until: datetime | None = None


@dataclass
class ResendReport:
    """What one `mail retry` did, with a line per message for the operator."""

    sent: int = 0
    kept: int = 0
    dropped: int = 0
    lines: list[str] = field(default_factory=list)


def held_dir() -> Path:
    """The folder of held messages."""
    return settings().outbox_dir / "held"


def hold(message: EmailMessage, resend: Resend) -> Path:
    """Write the message to the held folder (readable by the owner only); returns its path."""
    folder = held_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if resend.until is not None:
        message[EXPIRES_HEADER] = resend.until.replace(tzinfo=resend.until.tzinfo or UTC).isoformat()
    stem = resend.name or f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
    path = folder / f"{stem}.eml"
    temporary = folder / f".{stem}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(message.as_bytes())
    temporary.replace(path)  # atomic: a concurrent `mail retry` sees the old message or the new one
    return path


def held_messages() -> list[Path]:
    """The held messages, oldest first."""
    folder = held_dir()
    if not folder.exists():
        return []
    return sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)


def resend_held(*, now: datetime | None = None) -> ResendReport:
    """Send every held message through SMTP; sent and expired ones are removed, the rest kept for next time."""
    smtp_url = settings().smtp_url
    if not smtp_url:
        raise MailError("PORTAL_SMTP_URL is not set: there is no server to resend held mail through.")
    report = ResendReport()
    for path in held_messages():
        claimed = path.with_suffix(CLAIMED)
        try:
            path.replace(claimed)  # another `mail retry` running at the same time skips it
        except FileNotFoundError:
            continue
        _resend_one(smtp_url, path, claimed, report, now or datetime.now(UTC))
    return report


def _resend_one(smtp_url: str, path: Path, claimed: Path, report: ResendReport, now: datetime) -> None:
    message = email.message_from_bytes(claimed.read_bytes(), policy=POLICY)
    what = f"{message['Subject']!r} to {message['To']}"
    expires = message[EXPIRES_HEADER]
    del message[EXPIRES_HEADER]
    if expires and datetime.fromisoformat(str(expires)) <= now:
        claimed.unlink()
        report.dropped += 1
        report.lines.append(f"Dropped {what}: its link has expired.")
        return
    try:
        deliver(smtp_url, message)
    except MailError as exc:
        claimed.replace(path)
        report.kept += 1
        report.lines.append(f"Kept {what}: {exc.message}")
        return
    claimed.unlink()
    report.sent += 1
    report.lines.append(f"Sent {what}.")
