"""Operator command for invoice emails and reminders, added to the CLI by `register(commands)`."""

from __future__ import annotations

import argparse

from portal_app.db import session_scope
from portal_app.services.billing.invoice_notices import run_notices


def cmd_notices_run(_args: argparse.Namespace) -> None:
    """Email newly issued invoices and the reminders due today (each once, even when two runs overlap; meant
    for cron)."""
    with session_scope() as db:
        report = run_notices(db)
    for line in report.lines:
        print(line)
    print(f"Invoice emails: {report.sent} sent, {report.skipped} with nobody to send to, {report.failed} not sent.")


def register(commands: argparse._SubParsersAction) -> None:
    """Add `notices run` to the CLI's subcommands."""
    help_text = "Invoice emails and payment reminders."
    notices = commands.add_parser("notices", help=help_text, description=help_text)
    actions = notices.add_subparsers(
        dest="notices_command", required=True, metavar="ACTION", parser_class=type(notices)
    )
    doc = (cmd_notices_run.__doc__ or "").strip()
    actions.add_parser("run", help=doc, description=doc).set_defaults(handler=cmd_notices_run)
