"""The provider commands (imports, deactivate-user, delete-customer, the Stripe account) through an argparse CLI
like cli.py's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from factories import make_customer, make_organisation, make_user
from sqlmodel import select
from stripe_fake_connect import connected_account, set_status

from portal_app.cli import Parser
from portal_app.cli import provider as cli_provider
from portal_app.errors import PortalError
from portal_app.models import Customer, Invoice, Organisation, Payment, PortalUser, Service

FIXTURES = Path(__file__).parent / "fixtures"
COMMANDS = [
    "import-customers",
    "import-services",
    "import-invoices",
    "import-payments",
    "deactivate-user",
    "delete-customer",
    "stripe-connect",
    "stripe-link",
    "stripe-status",
]


def build_parser() -> Parser:
    """The same wiring as portal_app.cli.main.build_parser, with only the provider commands."""
    parser = Parser(prog="python -m portal_app.cli")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    cli_provider.register(commands)
    return parser


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run a command as portal_app.cli.main.main does; returns (exit code, stdout, stderr)."""
    try:
        args = build_parser().parse_args(list(argv))
        args.handler(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    except PortalError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


def csv(name: str) -> str:
    return str(FIXTURES / name)


@pytest.fixture
def acme(db):
    return make_organisation(db, slug="acme", name="Acme Broadband")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")

    assert code == 0
    assert out.startswith(f"usage: python -m portal_app.cli {command}")


def test_import_help_lists_the_columns(capsys):
    _, out, _ = run(capsys, "import-invoices", "--help")

    assert "unit_price" in out
    assert "nothing is imported" in out


def test_the_command_list_describes_every_command(capsys):
    _, out, _ = run(capsys, "--help")

    assert all(command in out for command in COMMANDS)


def test_the_whole_import_sequence_prints_summaries_and_is_safe_to_repeat(db, acme, capsys):
    steps = [
        ("import-customers", "customers.csv", "Customers: 3 created, 0 updated, 0 skipped."),
        ("import-services", "services.csv", "Services: 3 created, 0 updated, 0 skipped."),
        ("import-invoices", "invoices.csv", "Invoices: 4 created, 0 updated, 0 skipped."),
        ("import-payments", "payments.csv", "Payments: 4 created, 0 updated, 0 skipped."),
    ]
    for command, name, summary in steps:
        assert run(capsys, command, "--org", "acme", csv(name)) == (0, summary + "\n", "")

    for command, name, _summary in steps:
        code, out, _ = run(capsys, command, "--org", "acme", csv(name))
        assert code == 0
        assert out.startswith(f"{command.removeprefix('import-').capitalize()}: 0 created, 0 updated,")

    assert len(db.exec(select(Customer)).all()) == 3
    assert len(db.exec(select(Service)).all()) == 3
    assert len(db.exec(select(Invoice)).all()) == 4
    assert len(db.exec(select(Payment)).all()) == 4


def test_an_import_with_bad_rows_prints_each_and_exits_1(db, acme, capsys):
    code, out, err = run(capsys, "import-customers", "--org", "acme", csv("customers_bad.csv"))

    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[:2] == ["row 2: email 'not-an-email' is not a valid email address", "row 3: name is required"]
    assert len(lines) == 7
    assert lines[-1] == f"error: 6 problem(s) in {csv('customers_bad.csv')}; nothing was imported."
    assert db.exec(select(Customer)).all() == []


def test_overpayment_is_printed_as_a_warning(db, acme, capsys):
    for command, name in [("import-customers", "customers.csv"), ("import-invoices", "invoices.csv")]:
        run(capsys, command, "--org", "acme", csv(name))

    code, out, err = run(capsys, "import-payments", "--org", "acme", csv("payments_changed.csv"))

    assert code == 0
    assert out == "Payments: 5 created, 0 updated, 0 skipped.\n"
    assert err == "warning: row 6: invoice INV-1001 is overpaid by $8.35 (paid $70.00 of $61.65)\n"


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (("import-customers", "--org", "acme", "missing.csv"), "error: missing.csv: no such file.\n"),
        (("import-customers", "--org", "nope", csv("customers.csv")), "error: There is no organisation with the slug"),
        (("import-services", "--org", "acme", csv("customers.csv")), "error: The header lacks the required column(s)"),
    ],
)
def test_bad_input_exits_1_with_one_line(db, acme, capsys, argv, reason):
    code, out, err = run(capsys, *argv)

    assert code == 1
    assert out == ""
    assert err.startswith(reason)
    assert err.count("\n") == 1


def test_a_directory_is_not_a_file(db, acme, capsys, tmp_path):
    code, _, err = run(capsys, "import-payments", "--org", "acme", str(tmp_path))

    assert code == 1
    assert err.startswith(f"error: {tmp_path}: cannot be read")


def test_a_file_that_is_not_utf8_is_refused(db, acme, capsys, tmp_path):
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("reference,name\nC-1,Café\n".encode("latin-1"))

    code, _, err = run(capsys, "import-customers", "--org", "acme", str(latin1))

    assert code == 1
    assert "error: The file is not UTF-8 text" in err


def test_missing_options_exit_2(capsys):
    code, _, err = run(capsys, "import-customers", csv("customers.csv"))

    assert code == 2
    assert "the following arguments are required: --org" in err
    assert err.count("\n") == 1


def test_deactivate_user_then_delete_customer(db, acme, capsys):
    run(capsys, "import-customers", "--org", "acme", csv("customers.csv"))
    bakery = db.exec(select(Customer).where(Customer.reference == "C-001")).one()
    user = make_user(db, email="alice@example.com", customer=bakery)
    bakery_id, user_id = bakery.id, user.id

    blocked = run(capsys, "delete-customer", "--org", "acme", "--customer", "C-001")
    deactivated = run(capsys, "deactivate-user", "--email", "Alice@Example.com")
    again = run(capsys, "deactivate-user", "--email", "alice@example.com")
    deleted = run(capsys, "delete-customer", "--org", "acme", "--customer", "C-001")
    gone = run(capsys, "delete-customer", "--org", "acme", "--customer", "C-001")

    assert blocked == (
        1,
        "",
        "error: Customer Riverside Bakery (C-001) still has an active portal user (alice@example.com); "
        "deactivate the user first.\n",
    )
    assert deactivated[0] == 0
    assert deactivated[1].startswith("Deactivated alice@example.com;")
    assert again == (0, "alice@example.com was already deactivated; nothing changed.\n", "")
    assert deleted[0] == 0
    assert deleted[1].startswith("Deleted customer C-001 of acme")
    assert gone == (1, "", "error: Acme Broadband has no customer 'C-001'.\n")
    db.expire_all()
    assert db.get(Customer, bakery_id) is None
    assert db.get(PortalUser, user_id).is_active is False


def test_deactivating_an_unknown_user_exits_1(db, capsys):
    assert run(capsys, "deactivate-user", "--email", "nobody@example.com") == (
        1,
        "",
        "error: There is no portal user with the email nobody@example.com.\n",
    )


def test_delete_customer_by_id(db, acme, capsys):
    customer_id = make_customer(db, acme, name="No Reference Ltd").id

    code, _, _ = run(capsys, "delete-customer", "--org", "acme", "--customer", str(customer_id))

    assert code == 0
    db.expire_all()
    assert db.get(Customer, customer_id) is None


# -- the Stripe account ----------------------------------------------------------------------------------------------


def test_stripe_connect_creates_the_account_and_prints_the_onboarding_link(db, acme, fake, capsys):
    code, out, err = run(capsys, "stripe-connect", "acme", "--country", "GB")

    assert (code, err) == (0, "")
    db.expire_all()
    account = db.get(Organisation, acme.id).stripe_account_id
    lines = out.splitlines()
    assert lines[0] == f"Stripe account of Acme Broadband: {account}."
    assert lines[1].startswith("Open this link to give Stripe your details (it works once, until ")
    assert lines[2].startswith(f"{fake.url}/connect/setup/{account}/")
    assert lines[3].endswith("or run: stripe-status acme")


def test_stripe_link_uses_an_existing_account_and_prints_its_status(db, acme, fake, capsys):
    account = connected_account(fake, payouts_enabled=False, currently_due=["external_account"])

    code, out, _ = run(capsys, "stripe-link", "acme", account["id"])

    assert code == 0
    assert out.splitlines()[0] == f"Acme Broadband now uses Stripe account {account['id']}."
    assert "Card payments: enabled." in out
    assert "Stripe still needs: a bank account for payouts." in out
    db.expire_all()
    assert db.get(Organisation, acme.id).stripe_charges_enabled is True


def test_stripe_link_refuses_an_account_the_platform_cannot_read(db, acme, fake, capsys):
    code, out, err = run(capsys, "stripe-link", "acme", "acct_1NotOurs")

    assert (code, out) == (1, "")
    assert err.startswith("error: Stripe does not let this platform read acct_1NotOurs")
    db.expire_all()
    assert db.get(Organisation, acme.id).stripe_account_id is None


def test_stripe_status_reads_stripe_again_and_prints_it_in_words(db, acme, fake, capsys):
    account = connected_account(fake)
    run(capsys, "stripe-link", "acme", account["id"])
    set_status(fake, account["id"], charges_enabled=False, disabled_reason="requirements.past_due",
               past_due=["individual.verification.document"])  # fmt: skip

    code, out, _ = run(capsys, "stripe-status", "acme")

    assert code == 0
    assert out.splitlines()[1:] == [
        "Card payments: not enabled, so customers are not offered card or automatic payments.",
        "Payouts to your bank: enabled.",
        "Stripe has restricted the account: information Stripe asked for is overdue (listed below).",
        "Overdue, Stripe needs now: a photo ID of the account holder.",
    ]


def test_stripe_commands_name_a_missing_organisation_or_account(db, acme, fake, capsys):
    assert run(capsys, "stripe-status", "nowhere") == (
        1,
        "",
        "error: There is no organisation with the slug 'nowhere'.\n",
    )
    code, _, err = run(capsys, "stripe-status", "acme")
    assert (code, err) == (1, "error: Acme Broadband has no Stripe account yet: connect one with stripe-connect or "
                           "stripe-link.\n")  # fmt: skip
