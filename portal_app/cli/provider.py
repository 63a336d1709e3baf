"""Provider commands for CSV imports, account housekeeping and the Stripe account, added to the CLI by
`register(commands)`."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.mail import normalise_address
from portal_app.services.access import provider_organisation
from portal_app.services.accounts import customer_admin, two_factor
from portal_app.services.billing import connect
from portal_app.services.common.dates import show_datetime
from portal_app.services.imports import records as imports

audit = logging.getLogger("portal.audit")  # who changed someone's sign-in from the command line

Importer = Callable[[Session, str, str | bytes], imports.ImportReport]
IMPORT_RULES = (
    "The file is CSV in UTF-8 with a header row. Every row is checked first: if any row is bad, every problem "
    "is printed and nothing is imported. Running the same file again changes nothing."
)
COLUMNS = {
    "import-customers": "reference, name (required); email, phone, address, locale, currency.",
    "import-services": "customer_reference, name, status (Active/Inactive) (required); description, "
    "active_since (YYYY-MM-DD), price (e.g. 59.90), currency (default: the customer's), "
    "billing_cycle (Monthly/Quarterly/Yearly/One-off), next_bill_date (YYYY-MM-DD).",
    "import-invoices": "number, customer_reference, issued, due (YYYY-MM-DD), currency, status "
    "(Draft/Issued/Void), description, quantity, unit_price (required); tax_rate (percent, e.g. 20 or 7.5). "
    "One row per invoice line; rows with the same number form one invoice.",
    "import-payments": "reference, customer_reference, amount, currency, status (Succeeded/Pending/Failed/"
    "Refunded), processed_at (ISO 8601; UTC unless it has an offset) (required); invoice_number.",
}


def cmd_import_customers(args: argparse.Namespace) -> None:
    """Create or update customers (by reference) from a CSV file."""
    _run_import(imports.import_customers, "Customers", args)


def cmd_import_services(args: argparse.Namespace) -> None:
    """Create or update customers' services (by customer and name) from a CSV file."""
    _run_import(imports.import_services, "Services", args)


def cmd_import_invoices(args: argparse.Namespace) -> None:
    """Import invoices with their lines from a CSV file."""
    _run_import(imports.import_invoices, "Invoices", args)


def cmd_import_payments(args: argparse.Namespace) -> None:
    """Create or update payments (by customer and reference) from a CSV file."""
    _run_import(imports.import_payments, "Payments", args)


def cmd_deactivate_user(args: argparse.Namespace) -> None:
    """Deactivate a portal user: they are signed out everywhere and their unused links stop working."""
    address = normalise_address(args.email) or args.email.strip()
    with session_scope() as db:
        changed = customer_admin.deactivate_user(db, args.email)
    if changed:
        print(f"Deactivated {address}; they are signed out everywhere and their unused links no longer work.")
    else:
        print(f"{address} was already deactivated; nothing changed.")


def cmd_reset_two_factor(args: argparse.Namespace) -> None:
    """Turn two-factor sign-in off for a person who lost the app and the recovery codes (check who asks first!)."""
    address = normalise_address(args.email) or args.email.strip()
    with session_scope() as db:
        reset = two_factor.reset_for_lost_device(db, address)
    if not reset:
        print(f"{address} has no two-factor sign-in to reset; nothing changed.")
        return
    audit.warning("two-factor sign-in of %s reset by %s at the command line", address, getpass.getuser())
    print(f"Two-factor sign-in of {address} is off; they are signed out everywhere and were told by email.")


def cmd_delete_customer(args: argparse.Namespace) -> None:
    """Delete a customer and everything that belongs to it (refused while an active portal user is linked)."""
    with session_scope() as db:
        customer_admin.delete_customer(db, args.org, args.customer)
    print(f"Deleted customer {args.customer.strip()} of {args.org} with its services, invoices, payments and tickets.")


def cmd_stripe_connect(args: argparse.Namespace) -> None:
    """Connect the organisation to Stripe: create its account (unless it has one) and print Stripe's onboarding link."""
    with session_scope() as db:
        organisation = provider_organisation(db, args.org)
        link = connect.start_onboarding(db, organisation, country=args.country)
    print(f"Stripe account of {organisation.name}: {link.account}.")
    print(f"Open this link to give Stripe your details (it works once, until {show_datetime(link.expires_at)} UTC):")
    print(link.url)
    print(f"Afterwards Stripe sends you back to the portal, which shows the status; or run: stripe-status {args.org}")


def cmd_stripe_link(args: argparse.Namespace) -> None:
    """Use a Stripe account already connected to the platform (acct_...): read it from Stripe and print its status."""
    with session_scope() as db:
        organisation = provider_organisation(db, args.org)
        connect.link_existing(db, organisation, args.account)
        lines = connect.status_in_words(organisation)
    print(f"{organisation.name} now uses Stripe account {organisation.stripe_account_id}.")
    print("\n".join(lines))


def cmd_stripe_status(args: argparse.Namespace) -> None:
    """Read the organisation's Stripe account again and print its status: card payments, payouts, what Stripe needs."""
    with session_scope() as db:
        organisation = provider_organisation(db, args.org)
        connect.refresh_status(db, organisation)
        lines = connect.status_in_words(organisation)
    print("\n".join(lines))


def _run_import(importer: Importer, label: str, args: argparse.Namespace) -> None:
    """Print the summary, or every bad row (to stderr) and fail with a one-line reason."""
    data = _read(args.file)
    with session_scope() as db:
        report = importer(db, args.org, data)
    for line in report.errors:
        print(line, file=sys.stderr)
    if not report.ok:
        raise PortalError(f"{len(report.errors)} problem(s) in {args.file}; nothing was imported.")
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"{label}: {report.summary}.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PortalError(f"{path}: no such file.") from None
    except OSError as exc:
        raise PortalError(f"{path}: cannot be read ({exc.strerror or exc}).") from None


def register(commands: argparse._SubParsersAction) -> None:
    """Add the provider commands to the CLI's subcommands (the object add_subparsers returned)."""

    def add(name: str, handler: Callable[[argparse.Namespace], None]) -> argparse.ArgumentParser:
        help_text = (handler.__doc__ or "").strip()
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    for name, handler in (
        ("import-customers", cmd_import_customers),
        ("import-services", cmd_import_services),
        ("import-invoices", cmd_import_invoices),
        ("import-payments", cmd_import_payments),
    ):
        command = add(name, handler)
        command.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
        command.add_argument("file", type=Path, metavar="FILE", help="the CSV file")
        command.epilog = f"Columns: {COLUMNS[name]} {IMPORT_RULES}"

    deactivate = add("deactivate-user", cmd_deactivate_user)
    deactivate.add_argument("--email", required=True, help="the person's sign-in email")

    reset_two_factor = add("reset-two-factor", cmd_reset_two_factor)
    reset_two_factor.add_argument("--email", required=True, help="the person's sign-in email")

    stripe_connect = add("stripe-connect", cmd_stripe_connect)
    stripe_connect.add_argument("org", metavar="SLUG", help="the organisation's slug")
    stripe_connect.add_argument(
        "--country",
        metavar="CC",
        help="where the business is registered (e.g. GB) for a new account; default: Stripe's",
    )
    stripe_link = add("stripe-link", cmd_stripe_link)
    stripe_link.add_argument("org", metavar="SLUG", help="the organisation's slug")
    stripe_link.add_argument("account", metavar="acct_...", help="the connected account's id")
    stripe_status = add("stripe-status", cmd_stripe_status)
    stripe_status.add_argument("org", metavar="SLUG", help="the organisation's slug")

    delete = add("delete-customer", cmd_delete_customer)
    delete.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
    delete.add_argument(
        "--customer",
        required=True,
        metavar="REF_OR_ID",
        help="the customer's reference, or its id when no customer has that reference",
    )
