"""Development fallback: keep messages as .eml files and log their links."""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger("portal.mail")

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")


def write_to_outbox(outbox_dir: Path, message: EmailMessage) -> Path:
    """Save the message (attachments included) in the folder (created if needed) and log its recipient, subject
    and the links of its text.

    Messages carry sign-in links: the folder and files are the server user's only (0700 / 0600)."""
    outbox_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    outbox_dir.chmod(0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox_dir / f"{stamp}-{secrets.token_hex(4)}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    text = message.get_body(preferencelist=("plain",))
    links = URL_PATTERN.findall(text.get_content() if text is not None else "")
    log.warning(
        "Mail not sent (PORTAL_SMTP_URL is not set), saved to %s. To: %s. Subject: %s. Links: %s",
        path,
        message["To"],
        message["Subject"],
        " ".join(links) or "none",
    )
    return path
