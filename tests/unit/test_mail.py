"""Outgoing mail through a real SMTP server on loopback, and the outbox fallback."""

from __future__ import annotations

import email
import logging
import socket
import ssl
import stat
import subprocess
from collections.abc import Iterator
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from factories import sent_mail

from portal_app.config import settings
from portal_app.mail import Attachment, MailError, normalise_address, send_mail

TEXT = "Choose a password here:\nhttps://portal.example.com/portal/accept-invite?token=abc123\n\nThanks."


class Collector:
    """An aiosmtpd handler that keeps every message and refuses one mailbox."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address == "nobody@example.com":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        ok = (login, password) == ("mailer@acme.example.com", "s3cret:pass")
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(handler: Collector, **options) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


def use_smtp(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("PORTAL_SMTP_URL", url)
    settings.cache_clear()


def received(handler: Collector) -> email.message.EmailMessage:
    [envelope] = handler.envelopes
    return email.message_from_bytes(envelope.original_content, policy=default)


@pytest.fixture
def smtp(env: Path) -> Iterator[tuple[Collector, int]]:
    """A plain SMTP server that accepts logins without TLS (like a local relay)."""
    handler = Collector()
    controller = start_server(handler, authenticator=handler.authenticate, auth_require_tls=False)
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_smtp_delivers_with_configured_sender(smtp, monkeypatch):
    handler, port = smtp
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")

    send_mail("bob@example.com", "You're invited to the Acme customer portal", TEXT)

    message = received(handler)
    assert handler.envelopes[0].mail_from == "portal@acme.example.com"
    assert handler.envelopes[0].rcpt_tos == ["bob@example.com"]
    assert message["From"] == "Acme Portal <portal@acme.example.com>"
    assert message["To"] == "bob@example.com"
    assert message["Subject"] == "You're invited to the Acme customer portal"
    assert "accept-invite?token=abc123" in message.get_content()
    assert sent_mail() == []


def test_smtp_login_uses_decoded_url_credentials(smtp, monkeypatch):
    handler, port = smtp
    use_smtp(monkeypatch, f"smtp://mailer%40acme.example.com:s3cret%3Apass@127.0.0.1:{port}")

    send_mail("bob@example.com", "Hello", TEXT)

    assert handler.logins == [("mailer@acme.example.com", "s3cret:pass")]
    assert received(handler)["Subject"] == "Hello"


def test_wrong_smtp_password_raises_mail_error(smtp, monkeypatch):
    handler, port = smtp
    use_smtp(monkeypatch, f"smtp://mailer%40acme.example.com:wrong@127.0.0.1:{port}")

    with pytest.raises(MailError, match=r"bob@example.com .*127.0.0.1:\d+: 535"):
        send_mail("bob@example.com", "Hello", TEXT)
    assert handler.envelopes == []


def test_refused_recipient_raises_mail_error(smtp, monkeypatch):
    _handler, port = smtp
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")

    with pytest.raises(MailError, match=r"nobody@example\.com refused .*550"):
        send_mail("nobody@example.com", "Hello", TEXT)


def test_unreachable_server_raises_mail_error(env, monkeypatch):
    port = free_port()
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")

    with pytest.raises(MailError, match=f"through 127.0.0.1:{port}"):
        send_mail("bob@example.com", "Hello", TEXT)


@pytest.mark.parametrize(
    ("url", "reason"),
    [("http://127.0.0.1:25", "must start with smtp://"), ("smtp://127.0.0.1:notaport", "invalid port")],
)
def test_malformed_smtp_url_raises_mail_error(env, monkeypatch, url, reason):
    use_smtp(monkeypatch, url)

    with pytest.raises(MailError, match=reason):
        send_mail("bob@example.com", "Hello", TEXT)


def test_starttls_upgrades_before_sending(env, monkeypatch, certificate):
    handler = Collector()
    controller = start_server(handler, tls_context=server_tls(certificate), require_starttls=True)
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test certificate
        use_smtp(monkeypatch, f"smtp+starttls://127.0.0.1:{controller.port}")
        send_mail("bob@example.com", "Over TLS", TEXT)

        use_smtp(monkeypatch, f"smtp://127.0.0.1:{controller.port}")
        with pytest.raises(MailError, match="STARTTLS"):
            send_mail("bob@example.com", "In the clear", TEXT)
    finally:
        controller.stop()
    assert received(handler)["Subject"] == "Over TLS"


def test_smtps_connects_with_tls_and_checks_the_certificate(env, monkeypatch, certificate):
    handler = Collector()
    controller = start_server(handler, ssl_context=server_tls(certificate))
    try:
        use_smtp(monkeypatch, f"smtps://127.0.0.1:{controller.port}")
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
            send_mail("bob@example.com", "Untrusted", TEXT)

        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        send_mail("bob@example.com", "Trusted", TEXT)
    finally:
        controller.stop()
    assert received(handler)["Subject"] == "Trusted"


def test_without_smtp_the_message_lands_in_the_outbox_and_the_link_is_logged(env, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")

    send_mail("bob@example.com", "Reset your portal password", TEXT)

    [message] = sent_mail()
    assert settings().outbox_dir == env / "outbox"
    assert message["From"] == "Acme Portal <portal@acme.example.com>"
    assert message["To"] == "bob@example.com"
    assert message["Subject"] == "Reset your portal password"
    assert message.get_content().strip().endswith("Thanks.")
    [record] = caplog.records
    logged = record.getMessage()
    assert "bob@example.com" in logged
    assert "Reset your portal password" in logged
    assert "https://portal.example.com/portal/accept-invite?token=abc123" in logged


def test_settings_are_read_when_sending(smtp, monkeypatch):
    handler, port = smtp
    send_mail("bob@example.com", "First", TEXT)
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")
    send_mail("bob@example.com", "Second", TEXT)

    assert [m["Subject"] for m in sent_mail()] == ["First"]
    assert received(handler)["Subject"] == "Second"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Bob.Smith@Example.COM ", "bob.smith@example.com"),
        ("bob@example", None),
        ("not an email", None),
        ("", None),
        ("a" * 250 + "@example.com", None),
    ],
)
def test_normalise_address(raw, expected):
    assert normalise_address(raw) == expected


def test_outbox_file_keeps_long_links_on_one_line(env):
    link = "https://portal.example.com/portal/reset-password?token=" + "x" * 43
    send_mail("bob@example.com", "Reset", f"Open this link within 1 hour to choose a new password:\n\n{link}\n")

    [path] = (env / "outbox").glob("*.eml")
    assert link.encode() in path.read_bytes()


def test_outbox_mail_is_readable_by_the_server_user_only(env):
    send_mail("bob@example.com", "Reset", "Open https://portal.example.com/portal/reset-password?token=secret\n")

    [path] = (env / "outbox").glob("*.eml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_non_ascii_subject_and_text_arrive_intact(smtp, monkeypatch):
    handler, port = smtp
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")

    send_mail("bob@example.com", "You're invited to the Café Crème customer portal", "Grüße, Zoë\n")

    message = received(handler)
    assert message["Subject"] == "You're invited to the Café Crème customer portal"
    assert message.get_content().rstrip() == "Grüße, Zoë"


PDF = b"%PDF-1.4 receipt\n%%EOF\n"


def test_attachments_arrive_through_smtp_beside_the_text(smtp, monkeypatch):
    handler, port = smtp
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")

    send_mail("bob@example.com", "Your receipt", TEXT, attachments=[Attachment("receipt-R-000001.pdf", PDF)])

    message = received(handler)
    assert message.get_content_type() == "multipart/mixed"
    assert "accept-invite?token=abc123" in message.get_body(preferencelist=("plain",)).get_content()
    [part] = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == (
        "receipt-R-000001.pdf",
        "application/pdf",
        PDF,
    )


def test_attachments_are_kept_in_the_outbox_and_only_the_texts_links_are_logged(env, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")

    send_mail("bob@example.com", "Your receipt", TEXT, attachments=[Attachment("receipt.pdf", PDF)])

    [message] = sent_mail()
    [part] = list(message.iter_attachments())
    assert part.get_content() == PDF
    [record] = caplog.records
    assert "https://portal.example.com/portal/accept-invite?token=abc123" in record.getMessage()
