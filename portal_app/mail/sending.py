"""Build a plain-text message and hand it to SMTP or the outbox, whichever is configured."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from portal_app.config import settings
from portal_app.mail.outbox import write_to_outbox
from portal_app.mail.smtp import MailError, deliver

__all__ = ["MailError", "send_mail"]


def send_mail(to: str, subject: str, text: str) -> None:
    """Send a plain-text email (blocking: call it from a worker thread in the app).

    Raises MailError when the SMTP server cannot be reached or refuses the message.
    """
    cfg = settings()
    message = EmailMessage()
    message["From"] = cfg.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(cfg.mail_from)[1].rpartition("@")[2] or "portal.localhost")
    # Plain ASCII stays readable in the outbox file: no quoted-printable breaks inside links.
    message.set_content(text, cte="7bit" if text.isascii() else "quoted-printable")
    if cfg.smtp_url:
        deliver(cfg.smtp_url, message)
    else:
        write_to_outbox(cfg.outbox_dir, message)
