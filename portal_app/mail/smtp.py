"""Deliver a message through the SMTP server named by an smtp://, smtp+starttls:// or smtps:// URL."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from urllib.parse import unquote, urlsplit

from portal_app.errors import PortalError

TIMEOUT_SECONDS = 15
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# Messages fold their headers at RFC 5322's hard limit, so a long link (List-Unsubscribe) stays one plain word: at
# 78 characters the library would turn it into encoded words, which mail programs do not read as a link.
POLICY = default.clone(max_line_length=998)


class MailError(PortalError):
    """The message could not be handed to the SMTP server; `transient` when trying again later may work."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, parsed from PORTAL_SMTP_URL."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpServer:
    """The server described by the URL; MailError when it is malformed."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise MailError(f"PORTAL_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, not {parts.scheme!r}.")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise MailError(f"PORTAL_SMTP_URL has an invalid port: {exc}.") from exc
    if not parts.hostname:
        raise MailError("PORTAL_SMTP_URL has no host name.")
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def deliver(url: str, message: EmailMessage) -> None:
    """Send the message through the server; MailError with the server's reason on failure."""
    server = parse_smtp_url(url)
    context = ssl.create_default_context()
    try:
        if server.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            if server.scheme == "smtp+starttls":
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(
            f"Could not send the email to {message['To']} through {server.host}:{server.port}: {_reason(exc)}",
            transient=_transient(exc),
        ) from exc


def _transient(exc: Exception) -> bool:
    """A server that is down, went away or answered 4xx ("try again later"), as opposed to a 5xx refusal."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException):
        return isinstance(exc, smtplib.SMTPServerDisconnected)
    return True  # refused, unreachable, timed out, TLS failing: may work once the server (or its set-up) is back


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt} refused ({code} {msg.decode('utf-8', 'replace')})" for rcpt, (code, msg) in exc.recipients.items()
        )
    return str(exc) or type(exc).__name__
