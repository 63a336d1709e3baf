"""The operator's command line: help, exit codes, and what each command prints and changes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from factories import PUBLIC_URL, make_customer, make_organisation, make_user, sent_mail, token_in
from sqlmodel import select

from portal_app.cli import main
from portal_app.models import Organisation, PortalUser
from portal_app.services.accounts.invites import InviteInfo, check_invite_token
from portal_app.services.accounts.passwords import verify_password

COMMANDS = ["invite", "resend-invite", "invites", "seed-demo", "create-org", "create-staff"]
REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bakery(db):
    return make_customer(db, make_organisation(db, slug="acme", name="Acme Broadband"), name="Riverside Bakery")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")

    assert code == 0
    assert out.startswith(f"usage: python -m portal_app.cli {command}")


def test_module_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "portal_app.cli", "--help"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0
    assert all(command in result.stdout for command in COMMANDS)


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("fly",), "invalid choice: 'fly'"),
        (("invite", "--org", "acme", "--email", "bob@example.com"), "required: --customer"),
        (("invite", "--org", "acme", "--customer", "seven", "--email", "b@example.com"), "invalid int value"),
    ],
)
def test_malformed_command_lines_exit_2_with_one_line(capsys, argv, reason):
    code, out, err = run(capsys, *argv)

    assert code == 2
    assert out == ""
    assert reason in err
    assert err.count("\n") == 1


def test_create_org(db, capsys):
    code, out, _ = run(
        capsys,
        *("create-org", "--slug", "acme", "--name", "Acme Broadband", "--email", "Help@Acme.example.com"),
        *("--phone", "+1 555 0100", "--address", "1 Main St", "--colour", "#1D4ED8"),
    )

    assert code == 0
    assert "Created organisation Acme Broadband (acme)" in out
    organisation = db.exec(select(Organisation)).one()
    assert (organisation.email, organisation.phone, organisation.address, organisation.brand_colour) == (
        "help@acme.example.com",
        "+1 555 0100",
        "1 Main St",
        "#1d4ed8",
    )


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (("--slug", "Acme Inc"), "The slug must be lower-case letters"),
        (("--slug", "acme", "--colour", "blue"), "The colour must look like #0f766e."),
        (("--slug", "acme", "--email", "help at acme"), "is not a valid email address"),
        (("--slug", "taken"), "An organisation with the slug 'taken' already exists."),
    ],
)
def test_create_org_refusals_exit_1_and_create_nothing(db, capsys, options, reason):
    make_organisation(db, slug="taken")

    code, out, err = run(capsys, "create-org", "--name", "Acme", *options)

    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert reason in err
    assert err.count("\n") == 1
    assert db.exec(select(Organisation.slug)).all() == ["taken"]


def test_invite_prints_the_emailed_link(db, capsys, bakery):
    code, out, _ = run(capsys, "invite", "--org", "acme", "--customer", str(bakery.id), "--email", "bob@example.com")

    assert code == 0
    assert "Invitation sent to bob@example.com." in out
    link = out.split("Link (valid 7 days): ")[1].strip()
    assert link.startswith(f"{PUBLIC_URL}/portal/accept-invite?token=")
    assert link in sent_mail()[0].get_content()
    info = check_invite_token(db, token_in(link))
    assert isinstance(info, InviteInfo)
    assert info.customer_name == "Riverside Bakery"


def test_invite_with_name(db, capsys, bakery):
    run(capsys, "invite", "--org", "acme", "--customer", str(bakery.id), "--email", "bob@example.com")
    code, _, _ = run(
        capsys,
        *("invite", "--org", "acme", "--customer", str(bakery.id)),
        *("--email", "eve@example.com", "--name", "Eve Baker"),
    )

    assert code == 0
    assert db.exec(select(PortalUser.name).where(PortalUser.email == "eve@example.com")).one() == "Eve Baker"


@pytest.mark.parametrize(
    ("org", "customer", "reason"),
    [("nope", None, "There is no organisation with the slug 'nope'."), ("acme", 999, "has no customer")],
)
def test_invite_refusals_exit_1(db, capsys, bakery, org, customer, reason):
    code, out, err = run(
        capsys, "invite", "--org", org, "--customer", str(customer or bakery.id), "--email", "bob@example.com"
    )

    assert code == 1
    assert out == ""
    assert reason in err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert sent_mail() == []


def test_resend_invite_prints_a_new_link(db, capsys, bakery):
    run(capsys, "invite", "--org", "acme", "--customer", str(bakery.id), "--email", "bob@example.com")

    code, out, _ = run(capsys, "resend-invite", "--org", "acme", "--email", "bob@example.com")

    assert code == 0
    assert "Invitation sent again to bob@example.com." in out
    link = out.split("Link (valid 7 days): ")[1].strip()
    assert sent_mail()[-1].get_content().count(link) == 1


def test_resend_without_pending_invite_exits_1(db, capsys, bakery):
    code, _, err = run(capsys, "resend-invite", "--org", "acme", "--email", "bob@example.com")

    assert code == 1
    assert err == "error: bob@example.com has no pending invitation to Acme Broadband.\n"


def test_invites_lists_pending_ones(db, capsys, bakery):
    globex = make_organisation(db, slug="globex", name="Globex")
    run(capsys, "invite", "--org", "acme", "--customer", str(bakery.id), "--email", "bob@example.com")
    run(
        capsys,
        "invite",
        "--org",
        "globex",
        "--customer",
        str(make_customer(db, globex).id),
        "--email",
        "e@x.io",
    )

    code, out, _ = run(capsys, "invites", "--org", "acme")

    assert code == 0
    header, row = out.splitlines()
    assert header.split() == [
        "Email",
        "Customer",
        "Organisation",
        "Sent",
        "(UTC)",
        "Expires",
        "(UTC)",
        "Status",
    ]
    assert row.startswith("bob@example.com  Riverside Bakery  Acme Broadband  ")
    assert row.endswith("Pending")
    assert len(run(capsys, "invites")[1].splitlines()) == 3


def test_invites_when_none_are_pending(db, capsys):
    assert run(capsys, "invites") == (0, "No pending invitations.\n", "")


def test_invites_for_unknown_organisation_exits_1(db, capsys):
    code, _, err = run(capsys, "invites", "--org", "nope")

    assert code == 1
    assert "no organisation" in err


@pytest.mark.parametrize(("created", "message"), [(True, "Demo data created."), (False, "already there")])
def test_seed_demo_calls_the_demo_module(db, capsys, monkeypatch, created, message):
    calls = []
    demo = types.ModuleType("portal_app.demo")
    demo.seed_demo = lambda session: calls.append(session) or created
    monkeypatch.setitem(sys.modules, "portal_app.demo", demo)

    code, out, _ = run(capsys, "seed-demo")

    assert code == 0
    assert message in out
    assert len(calls) == 1


def test_seed_demo_without_the_demo_module_exits_1(db, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "portal_app.demo", None)

    code, _, err = run(capsys, "seed-demo")

    assert code == 1
    assert err.startswith("error: The demo data")


STAFF_ARGS = ("create-staff", "--org", "acme", "--email", "Jamie@Acme.example", "--name", "Jamie Park")


def staff_user(db):
    db.expire_all()
    return db.exec(select(PortalUser).where(PortalUser.email == "jamie@acme.example")).one()


def test_create_staff_reads_the_password_from_the_environment_and_is_repeatable(db, capsys, bakery, monkeypatch):
    monkeypatch.setenv("PORTAL_STAFF_PASSWORD", "first staff password")

    code, out, err = run(capsys, *STAFF_ARGS)

    assert (code, err) == (0, "")
    assert out == f"Created staff user jamie@acme.example (agent); they sign in at {PUBLIC_URL}/staff\n"
    user = staff_user(db)
    assert (user.name, user.staff_organisation_id, user.staff_role) == ("Jamie Park", bakery.organisation_id, "agent")
    assert verify_password("first staff password", user.password_hash)

    monkeypatch.setenv("PORTAL_STAFF_PASSWORD", "second staff password")
    code, out, _ = run(capsys, *STAFF_ARGS[:-1], "J. Park")

    assert code == 0
    assert out.startswith("Updated staff user jamie@acme.example")
    user = staff_user(db)
    assert user.name == "J. Park"
    assert verify_password("second staff password", user.password_hash)
    assert len(db.exec(select(PortalUser)).all()) == 1


def test_create_staff_role_is_set_by_role_and_kept_without_it(db, capsys, bakery, monkeypatch):
    monkeypatch.setenv("PORTAL_STAFF_PASSWORD", "first staff password")

    code, out, _ = run(capsys, *STAFF_ARGS, "--role", "admin")
    assert code == 0
    assert out.startswith("Created staff user jamie@acme.example (admin);")
    code, out, _ = run(capsys, *STAFF_ARGS)  # an update without --role keeps the role
    assert out.startswith("Updated staff user jamie@acme.example (admin);")
    assert staff_user(db).staff_role == "admin"
    code, out, _ = run(capsys, *STAFF_ARGS, "--role", "agent")
    assert staff_user(db).staff_role == "agent"
    code, _, err = run(capsys, *STAFF_ARGS, "--role", "owner")
    assert code == 2
    assert "invalid choice: 'owner'" in err


def test_create_staff_prompts_twice_in_a_terminal(db, capsys, bakery, monkeypatch):
    monkeypatch.delenv("PORTAL_STAFF_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or "typed staff password")

    code, _, _ = run(capsys, *STAFF_ARGS)

    assert code == 0
    assert prompts == ["Password for Jamie@Acme.example: ", "Type it again: "]
    assert verify_password("typed staff password", staff_user(db).password_hash)


def test_create_staff_refuses_differing_passwords(db, capsys, bakery, monkeypatch):
    monkeypatch.delenv("PORTAL_STAFF_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter(["typed staff password", "typo staff password"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))

    code, out, err = run(capsys, *STAFF_ARGS)

    assert (code, out) == (1, "")
    assert err == "error: The two passwords differ; nothing changed.\n"
    assert db.exec(select(PortalUser)).all() == []


def test_create_staff_without_password_or_terminal_exits_1(db, capsys, bakery, monkeypatch):
    monkeypatch.delenv("PORTAL_STAFF_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))

    code, out, err = run(capsys, *STAFF_ARGS)

    assert (code, out) == (1, "")
    assert err == "error: Set PORTAL_STAFF_PASSWORD or run the command in a terminal to type the password.\n"
    assert db.exec(select(PortalUser)).all() == []


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (("--org", "nope", "--email", "jamie@acme.example", "--name", "Jamie"), "no organisation with the slug 'nope'"),
        (("--org", "acme", "--email", "owner@bakery.example", "--name", "Jamie"), "signs in as a customer"),
        (("--org", "acme", "--email", "jamie@acme.example", "--name", " "), "staff member's name"),
    ],
)
def test_create_staff_refusals_exit_1(db, capsys, bakery, monkeypatch, argv, reason):
    make_user(db, email="owner@bakery.example", customer=bakery)
    monkeypatch.setenv("PORTAL_STAFF_PASSWORD", "long enough password")

    code, out, err = run(capsys, "create-staff", *argv)

    assert (code, out) == (1, "")
    assert err.startswith("error: ")
    assert reason in err
    assert err.count("\n") == 1
    assert db.exec(select(PortalUser.staff_organisation_id)).all() == [None]


def test_create_staff_short_password_exits_1(db, capsys, bakery, monkeypatch):
    monkeypatch.setenv("PORTAL_STAFF_PASSWORD", "short")

    code, _, err = run(capsys, *STAFF_ARGS)

    assert code == 1
    assert err == "error: Password refused: Use at least 10 characters.\n"


def test_create_staff_requires_a_name(db, capsys):
    code, _, err = run(capsys, "create-staff", "--org", "acme", "--email", "jamie@acme.example")

    assert code == 2
    assert "required: --name" in err
