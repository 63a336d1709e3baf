"""Provider commands for online payments, added to the CLI by `register(commands)`."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.payments.gateway import stripe_configured
from portal_app.services.access import provider_organisation
from portal_app.services.billing import connect
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.payment_problems import payment_problems

ACCOUNT_PATTERN = re.compile(r"acct_[A-Za-z0-9]{1,59}")


def cmd_autopay_run(_args: argparse.Namespace) -> None:
    """Charge every due invoice of customers with automatic payments on (safe to run twice; meant for cron)."""
    if not stripe_configured():
        raise PortalError("PORTAL_STRIPE_SECRET_KEY is not set; no automatic payments were run.")
    with session_scope() as db:
        report = run_autopay(db)
    for line in report.lines:
        print(line)
    print(f"Automatic payments: {report.charged} charged, {report.failed} failed, {report.pending} processing.")


def cmd_payments_enable(args: argparse.Namespace) -> None:
    """Switch card payments on for an organisation with its Stripe connected account (read from Stripe, so
    customers are offered card payments once Stripe has enabled charges on it)."""
    if not ACCOUNT_PATTERN.fullmatch(args.account):
        raise PortalError("The connected account id must look like acct_1A2b3C4d5E6f7G8h.")
    with session_scope() as db:
        organisation = provider_organisation(db, args.org)
        if stripe_configured():
            connect.link_existing(db, organisation, args.account)  # refuses an account the platform cannot read
        else:
            organisation.stripe_account_id = args.account
        organisation.online_payments_enabled = True
        organisation.autopay_allowed = bool(args.autopay)
        db.add(organisation)
        db.flush()
        status = connect.status_in_words(organisation)
    autopay = "with" if args.autopay else "without"
    print(f"Card payments are on for {organisation.name} ({args.account}), {autopay} automatic payments.")
    if not stripe_configured():
        print("Note: PORTAL_STRIPE_SECRET_KEY is not set, so no card payment is offered until it is; then run")
        print(f"stripe-status {organisation.slug} to read the account.")
        return
    for line in status:
        print(line)


def cmd_payments_disable(args: argparse.Namespace) -> None:
    """Switch card payments and automatic payments off for an organisation."""
    with session_scope() as db:
        organisation = provider_organisation(db, args.org)
        organisation.online_payments_enabled = False
        organisation.autopay_allowed = False
        db.add(organisation)
    print(f"Card payments are off for {organisation.name}; customers are asked to contact you to pay.")


def cmd_payments_problems(args: argparse.Namespace) -> None:
    """List an organisation's disputed card payments and the refunds that did not reach the customer."""
    with session_scope() as db:
        organisation = provider_organisation(db, args.org)
        lines = payment_problems(db, organisation)
    for line in lines:
        print(line)
    if not lines:
        print(f"No disputed payments or failed refunds for {organisation.name}.")


def register(commands: argparse._SubParsersAction) -> None:
    """Add `autopay run`, `payments enable`, `payments disable` and `payments problems` to the CLI's subcommands."""

    def group(name: str, help_text: str) -> argparse._SubParsersAction:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION", parser_class=type(parser))

    def add(actions: argparse._SubParsersAction, name: str, handler: Callable[[argparse.Namespace], None]):
        help_text = (handler.__doc__ or "").strip()
        command = actions.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    autopay = group("autopay", "Automatic payments with saved cards.")
    add(autopay, "run", cmd_autopay_run)

    payments = group("payments", "Card payments through the organisation's Stripe connected account.")
    enable = add(payments, "enable", cmd_payments_enable)
    enable.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
    enable.add_argument("--account", required=True, metavar="acct_...", help="the Stripe connected account id")
    enable.add_argument("--autopay", action="store_true", help="also allow automatic payments with a saved card")
    disable = add(payments, "disable", cmd_payments_disable)
    disable.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
    problems = add(payments, "problems", cmd_payments_problems)
    problems.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
