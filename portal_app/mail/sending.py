"""Build a plain-text message (with attachments, if any) and hand it to SMTP or the outbox, whichever is configured."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from portal_app.config import settings
from portal_app.mail.held import Resend, hold
from portal_app.mail.outbox import write_to_outbox
from portal_app.mail.smtp import POLICY, MailError, deliver

__all__ = ["Attachment", "MailError", "send_mail"]

log = logging.getLogger("portal.mail")


@dataclass(frozen=True)
class Attachment:
    """A file sent along with the text: its name, bytes and MIME type."""

    filename: str
    content: bytes
    mime_type: str = "application/pdf"


def send_mail(
    to: str,
    subject: str,
    text: str,
    *,
    resend: Resend | None = None,
    attachments: Sequence[Attachment] = (),
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send a plain-text email, with the attachments and extra headers (e.g. List-Unsubscribe) if any (blocking:
    call it from a worker thread in the app).

    Raises MailError when the SMTP server cannot be reached or refuses the message. With `resend`, a
    failure that may pass (server down, 4xx) also keeps the message (attachments included) for `mail retry`
    and says so.
    """
    cfg = settings()
    message = EmailMessage(policy=POLICY)
    message["From"] = cfg.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(cfg.mail_from)[1].rpartition("@")[2] or "portal.localhost")
    for name, value in (headers or {}).items():
        message[name] = value
    # Plain ASCII stays readable in the outbox file: no quoted-printable breaks inside links.
    message.set_content(text, cte="7bit" if text.isascii() else "quoted-printable")
    for attachment in attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    if not cfg.smtp_url:
        write_to_outbox(cfg.outbox_dir, message)
        return
    try:
        deliver(cfg.smtp_url, message)
    except MailError as exc:
        if resend is None or not exc.transient:
            raise
        path = hold(message, resend)
        log.error("Mail %r to %s held in %s for `mail retry`: %s", subject, to, path, exc.message)
        raise MailError(f"{exc.message} Kept to resend with `mail retry`.", transient=True) from exc
