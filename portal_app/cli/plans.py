"""Provider commands for the catalogue of service plans (`plans add`, `plans import`, `plans list`), added by
`register(commands)`."""

from __future__ import annotations

import argparse
from pathlib import Path

from portal_app.cli.provider import IMPORT_RULES, _run_import
from portal_app.db import session_scope
from portal_app.models import BillingCycle
from portal_app.services.billing.service_plans import plan_lines, save_plan
from portal_app.services.imports.plans import import_plans

PLAN_COLUMNS = (
    "name, price, currency (required); billing_cycle (Monthly/Quarterly/Yearly/One-off), description, "
    "status (Active/Retired)."
)


def cmd_plans_add(args: argparse.Namespace) -> None:
    """Add a plan customers can ask for, or change the plan of that name (price, cycle, description, retired)."""
    with session_scope() as db:
        added = save_plan(
            db,
            args.org,
            args.name,
            price=args.price,
            currency=args.currency,
            cycle=args.cycle,
            description=args.description,
            active=not args.retired,
        )
    print(f"Plan {args.name.strip()!r} {'added' if added else 'updated'}.")


def cmd_plans_import(args: argparse.Namespace) -> None:
    """Create or update plans (by name) from a CSV file."""
    _run_import(import_plans, "Plans", args)


def cmd_plans_list(args: argparse.Namespace) -> None:
    """List the organisation's plans: name, price, Active or Retired."""
    with session_scope() as db:
        lines = plan_lines(db, args.org)
    if not lines:
        print("No plans yet: add one with `plans add`.")
        return
    rows = [("Plan", "Price", "Status", "Description")]
    rows += [(line.name, line.price, line.status, line.description) for line in lines]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def register(commands: argparse._SubParsersAction) -> None:
    """Add `plans add`, `plans import` and `plans list` to the CLI's subcommands."""
    help_text = "The catalogue of service plans customers can move to."
    plans = commands.add_parser("plans", help=help_text, description=help_text)
    actions = plans.add_subparsers(dest="plans_command", required=True, metavar="ACTION", parser_class=type(plans))
    for name, handler in (("add", cmd_plans_add), ("import", cmd_plans_import), ("list", cmd_plans_list)):
        doc = (handler.__doc__ or "").strip()
        action = actions.add_parser(name, help=doc, description=doc)
        action.set_defaults(handler=handler)
        action.add_argument("--org", required=True, metavar="SLUG", help="the organisation's slug")
        if name == "add":
            action.add_argument("--name", required=True, help="the plan's name, e.g. 'Fiber 2 Gbps'")
            action.add_argument("--price", required=True, help="the price in major units, e.g. 99.00")
            action.add_argument("--currency", required=True, help="ISO 4217 code, e.g. USD")
            action.add_argument(
                "--cycle", default="Monthly", choices=[c.value for c in BillingCycle], help="default: Monthly"
            )
            action.add_argument("--description", default="", help="what the plan includes")
            action.add_argument("--retired", action="store_true", help="no longer offered to customers")
        if name == "import":
            action.add_argument("file", type=Path, metavar="FILE", help="the CSV file")
            action.epilog = f"Columns: {PLAN_COLUMNS} {IMPORT_RULES}"
