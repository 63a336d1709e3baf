"""Operator commands for mail the SMTP server could not take, added to the CLI by `register(commands)`."""

from __future__ import annotations

import argparse
import email
from email.policy import default

from portal_app.mail import held_messages, resend_held


def cmd_mail_held(_args: argparse.Namespace) -> None:
    """List the messages waiting to be resent because the mail server was down."""
    paths = held_messages()
    for path in paths:
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        print(f"{message['Date']}  {message['To']}  {message['Subject']}")
    print(f"{len(paths)} message(s) held.")


def cmd_mail_retry(_args: argparse.Namespace) -> None:
    """Resend the held messages through SMTP (safe to run twice at once; meant for cron)."""
    report = resend_held()
    for line in report.lines:
        print(line)
    print(f"Held mail: {report.sent} sent, {report.kept} still held, {report.dropped} expired.")


def register(commands: argparse._SubParsersAction) -> None:
    """Add `mail held` and `mail retry` to the CLI's subcommands."""
    help_text = "Mail the SMTP server could not take when it was sent."
    mail = commands.add_parser("mail", help=help_text, description=help_text)
    actions = mail.add_subparsers(dest="mail_command", required=True, metavar="ACTION", parser_class=type(mail))
    for name, handler in (("held", cmd_mail_held), ("retry", cmd_mail_retry)):
        doc = (handler.__doc__ or "").strip()
        actions.add_parser(name, help=doc, description=doc).set_defaults(handler=handler)
