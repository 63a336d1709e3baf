"""Provider-side commands: python -m portal_app.cli COMMAND --help."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from sqlmodel import Session, select

from portal_app.cli import mail as cli_mail
from portal_app.cli import notices as cli_notices
from portal_app.cli import payments as cli_payments
from portal_app.cli import plans as cli_plans
from portal_app.cli import provider as cli_provider
from portal_app.config import settings
from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.mail import normalise_address
from portal_app.models import Organisation, PortalUser, StaffRole
from portal_app.services.accounts import invites
from portal_app.services.support import inbox as staff

SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
COLOUR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}")
DATE_FORMAT = "%Y-%m-%d %H:%M"
STAFF_PASSWORD_ENV = "PORTAL_STAFF_PASSWORD"  # noqa: S105 - the name of the variable, not a password


class Parser(argparse.ArgumentParser):
    """An argument parser that reports bad input on one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def cmd_invite(args: argparse.Namespace) -> None:
    """Invite a person to a customer's portal and print the link."""
    with session_scope() as db:
        link = invites.invite(
            db, organisation_slug=args.org, customer_id=args.customer, email=args.email, name=args.name
        )
    print(f"Invitation sent to {normalise_address(args.email)}.\nLink (valid 7 days): {link}")


def cmd_resend_invite(args: argparse.Namespace) -> None:
    """Send a fresh link for a pending invitation and print it."""
    with session_scope() as db:
        link = invites.resend_invite(db, organisation_slug=args.org, email=args.email)
    print(f"Invitation sent again to {normalise_address(args.email)}.\nLink (valid 7 days): {link}")


def cmd_invites(args: argparse.Namespace) -> None:
    """List invitations still waiting for a password."""
    with session_scope() as db:
        pending = invites.pending_invites(db, args.org)
    if not pending:
        print("No pending invitations.")
        return
    rows = [("Email", "Customer", "Organisation", "Sent (UTC)", "Expires (UTC)", "Status")]
    rows += [
        (
            p.email,
            p.customer_name,
            p.organisation_name,
            p.sent_at.strftime(DATE_FORMAT),
            p.expires_at.strftime(DATE_FORMAT),
            "Expired" if p.expired else "Pending",
        )
        for p in pending
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def cmd_seed_demo(_args: argparse.Namespace) -> None:
    """Load the demo organisation, customers and data (once)."""
    try:
        from portal_app.demo import seed_demo
    except ModuleNotFoundError as exc:
        if exc.name != "portal_app.demo":
            raise
        raise PortalError("The demo data (portal_app/demo/seed.py) is not part of this installation.") from exc

    with session_scope() as db:
        created = seed_demo(db)
    print("Demo data created." if created else "Demo data is already there; nothing changed.")


def cmd_create_org(args: argparse.Namespace) -> None:
    """Create an organisation (provider) with its branding."""
    with session_scope() as db:
        organisation = create_organisation(db, args)
    print(f"Created organisation {organisation.name} ({organisation.slug}), id {organisation.id}.")


def create_organisation(db: Session, args: argparse.Namespace) -> Organisation:
    """Validate the options and add the organisation; PortalError on bad or duplicate input."""
    if not SLUG_PATTERN.fullmatch(args.slug):
        raise PortalError("The slug must be lower-case letters, digits and dashes (at most 64).")
    if not args.name.strip():
        raise PortalError("The name must not be empty.")
    if args.colour and not COLOUR_PATTERN.fullmatch(args.colour):
        raise PortalError("The colour must look like #0f766e.")
    email = ""
    if args.email:
        email = normalise_address(args.email) or ""
        if not email:
            raise PortalError(f"{args.email!r} is not a valid email address.")
    if db.exec(select(Organisation).where(Organisation.slug == args.slug)).first() is not None:
        raise PortalError(f"An organisation with the slug {args.slug!r} already exists.")
    organisation = Organisation(
        slug=args.slug,
        name=args.name.strip(),
        address=args.address.strip(),
        email=email,
        phone=args.phone.strip(),
    )
    if args.colour:
        organisation.brand_colour = args.colour.lower()
    db.add(organisation)
    db.flush()
    return organisation


def cmd_create_staff(args: argparse.Namespace) -> None:
    """Create a staff user who answers the organisation's tickets (or update their name, password and role)."""
    password = _staff_password(args.email)
    with session_scope() as db:
        address = normalise_address(args.email) or args.email.strip()
        existed = db.exec(select(PortalUser.id).where(PortalUser.email == address)).first() is not None
        staff.create_staff_user(
            db, organisation_slug=args.org, email=args.email, name=args.name, password=password, role=args.role
        )
        role = db.exec(select(PortalUser.staff_role).where(PortalUser.email == address)).one()
    print(
        f"{'Updated' if existed else 'Created'} staff user {address} ({role}); "
        f"they sign in at {settings().public_url}/staff"
    )


def _staff_password(email: str) -> str:
    """The password from the environment, else typed twice in a terminal."""
    password = os.environ.get(STAFF_PASSWORD_ENV)
    if password:
        return password
    if not sys.stdin.isatty():
        raise PortalError(f"Set {STAFF_PASSWORD_ENV} or run the command in a terminal to type the password.")
    password = getpass.getpass(f"Password for {email.strip()}: ")
    if getpass.getpass("Type it again: ") != password:
        raise PortalError("The two passwords differ; nothing changed.")
    return password


def build_parser() -> Parser:
    """The command-line interface with one subcommand per operator task."""
    parser = Parser(prog="python -m portal_app.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    def add(name: str, handler: Callable[[argparse.Namespace], None]) -> Parser:
        help_text = (handler.__doc__ or "").strip()
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    invite = add("invite", cmd_invite)
    invite.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
    invite.add_argument("--customer", required=True, type=int, metavar="ID", help="the customer's id")
    invite.add_argument("--email", required=True, help="the person's email address")
    invite.add_argument("--name", default="", help="the person's name (optional)")

    resend = add("resend-invite", cmd_resend_invite)
    resend.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
    resend.add_argument("--email", required=True, help="the invited person's email address")

    listing = add("invites", cmd_invites)
    listing.add_argument("--org", metavar="SLUG", help="only this organisation's invitations")

    add("seed-demo", cmd_seed_demo)

    create_org = add("create-org", cmd_create_org)
    create_org.add_argument("--slug", required=True, help="short id, e.g. acme-isp")
    create_org.add_argument("--name", required=True, help="the name customers see")
    create_org.add_argument("--address", default="", help="postal address shown on invoices")
    create_org.add_argument("--email", default="", help="contact email shown to customers")
    create_org.add_argument("--phone", default="", help="contact phone shown to customers")
    create_org.add_argument("--colour", default="", metavar="#RRGGBB", help="brand colour")

    create_staff = add("create-staff", cmd_create_staff)
    create_staff.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
    create_staff.add_argument("--email", required=True, help="the staff member's sign-in email")
    create_staff.add_argument("--name", required=True, help="the name customers see on replies")
    create_staff.add_argument(
        "--role",
        choices=[role.value for role in StaffRole],
        help="agent: tickets, help articles, CSAT; admin: also customers, settings and the audit log "
        "(default: agent for new staff, unchanged for existing staff)",
    )
    create_staff.epilog = f"The password is read from {STAFF_PASSWORD_ENV}, or asked for in a terminal."
    cli_provider.register(commands)
    cli_payments.register(commands)
    cli_mail.register(commands)
    cli_notices.register(commands)
    cli_plans.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code (1 with a one-line reason on refusal)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except PortalError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0
