"""The console's CSV imports: the CLI's import functions, checked first without writing, then imported all or nothing
with an audit entry; files that cannot be read are refused with a clear reason; administrators only."""

from __future__ import annotations

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlalchemy import func
from sqlmodel import SQLModel, select

from portal_app.errors import PortalError
from portal_app.models import AuditEntry, Customer, Service, StaffRole
from portal_app.services.access import NotAdmin
from portal_app.services.console.imports import MAX_BYTES, RowProblem, check_import, import_kinds, run_import

IP = "203.0.113.9"
GOOD = b"reference,name,email\nC-1,Corner Cafe,hello@corner.example\nC-2,Mill Lane Books,\n"
BAD = b"reference,name,email\nC-1,Corner Cafe,hello@corner.example\nC-2,,not-an-email\nC-3,Harbour Deli,\n"


@pytest.fixture
def admin(db, acme):
    user = make_user(db, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    return principal_for(db, user)


def row_counts(db) -> dict[str, int]:
    db.expire_all()
    return {t.name: db.exec(select(func.count()).select_from(t)).one() for t in SQLModel.metadata.sorted_tables}


def customers(db) -> list[tuple[str | None, str]]:
    db.expire_all()
    return [(c.reference, c.name) for c in db.exec(select(Customer).order_by(Customer.reference)).all()]


def test_a_file_with_bad_rows_reports_each_line_and_reason_and_writes_nothing(db, admin):
    before = row_counts(db)
    check = check_import(db, admin, "customers", "customers.csv", BAD)
    assert not check.ok
    assert check.problems == [
        RowProblem(3, "name is required"),
        RowProblem(3, "email 'not-an-email' is not a valid email address"),
    ]
    assert (check.created, check.updated) == (0, 0)
    done = run_import(db, admin, "customers", "customers.csv", BAD, client_ip=IP)
    db.commit()  # what the unit of work does when the service returns
    assert done.problems == check.problems
    assert row_counts(db) == before


def test_the_check_says_what_would_happen_then_the_import_writes_it_with_an_audit_entry(db, acme, bakery, admin):
    make_customer(db, acme, name="Corner", reference="C-1")
    before = row_counts(db)
    check = check_import(db, admin, "customers", "customers.csv", GOOD)
    db.commit()
    assert (check.ok, check.created, check.updated, check.skipped) == (True, 1, 1, 0)
    assert row_counts(db) == before

    done = run_import(db, admin, "customers", " customers.csv ", GOOD, client_ip=IP)
    db.commit()
    assert (done.ok, done.created, done.updated, done.file_name) == (True, 1, 1, "customers.csv")
    assert customers(db) == [(None, "Riverside Bakery"), ("C-1", "Corner Cafe"), ("C-2", "Mill Lane Books")]
    [entry] = db.exec(select(AuditEntry)).all()
    assert (entry.action, entry.staff_email, entry.client_ip) == ("Imported CSV", "robin@acme.example", IP)
    assert entry.detail == "Customers from customers.csv: 1 created, 1 updated, 0 skipped"

    again = run_import(db, admin, "customers", "customers.csv", GOOD, client_ip=IP)
    assert (again.created, again.updated, again.skipped) == (0, 0, 2)


def test_services_go_to_the_admins_organisation_only(db, acme, admin):
    make_customer(db, acme, name="Corner", reference="C-1")
    make_customer(db, make_organisation(db, name="Harbor"), name="Harbor client", reference="H-1")
    text = b"customer_reference,name,status\nC-1,Fibre 500,Active\nH-1,Fibre 900,Active\n"
    check = check_import(db, admin, "services", "services.csv", text)
    assert check.problems == [
        RowProblem(3, "customer_reference 'H-1' is not a customer of Acme Broadband (import it first)")
    ]
    assert db.exec(select(Service)).all() == []


@pytest.mark.parametrize(
    ("kind", "name", "data", "reason"),
    [
        ("customers", "big.csv", b"reference,name\n" + b"C,x\n" * (MAX_BYTES // 4), "larger than 5 MB"),
        ("customers", "latin.csv", "reference,name\nC-1,Café\n".encode("latin-1"), "not UTF-8 text"),
        ("customers", "logo.png", GOOD, "Choose a .csv file"),
        ("customers", "binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "Choose a .csv file"),
        ("customers", "empty.csv", b"  \n", "The file is empty"),
        ("customers", "wrong.csv", b"id,title\n1,x\n", r"The header lacks the required column\(s\) reference, name"),
        ("people", "customers.csv", GOOD, "Choose what the file contains"),
        ("customers", "customers.csv", "not bytes", "Choose a .csv file"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_the_reason(db, admin, kind, name, data, reason):
    before = row_counts(db)
    for step in (check_import, run_import):
        with pytest.raises(PortalError, match=reason):
            step(db, admin, kind, name, data)
        db.rollback()
    assert row_counts(db) == before


def test_only_administrators_import(db, acme, bea):
    agent = principal_for(
        db, make_user(db, email="jamie@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT)
    )
    for principal in (agent, bea):
        with pytest.raises(NotAdmin):
            import_kinds(db, principal)
        with pytest.raises(NotAdmin):
            check_import(db, principal, "customers", "customers.csv", GOOD)
        with pytest.raises(NotAdmin):
            run_import(db, principal, "customers", "customers.csv", GOOD, client_ip=IP)
    db.commit()
    assert customers(db) == [(None, "Riverside Bakery")]
    assert db.exec(select(AuditEntry)).all() == []


def test_every_kind_shows_the_columns_its_import_takes(db, admin):
    kinds = {kind.key: kind for kind in import_kinds(db, admin)}
    assert list(kinds) == ["customers", "services", "invoices", "payments"]
    assert kinds["customers"].columns.startswith("reference, name (required)")
    assert "customer_reference" in kinds["services"].columns
    assert all(kind.columns for kind in kinds.values())
