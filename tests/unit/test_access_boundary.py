"""The access module is the only place that turns an id it was given into an owned row.

Elsewhere, code reads owned rows (customers, invoices, payments, services, projects, tickets,
articles...) only through a row it already holds: `db.get(Customer, invoice.customer_id)` follows a
foreign key and is fine; `db.get(Invoice, invoice_id)` with an id from a caller is not, nor is a
`where(Invoice.id == invoice_id)` or a `where(Invoice.customer_id == customer_id)` on a raw id passed
in. This test reads the source (AST) of every module and fails on such a lookup outside
`portal_app/services/access.py`; a second test proves it finds each kind of lookup.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "portal_app"
ACCESS_MODULE = PACKAGE / "services" / "access.py"
OWNED = {
    "Article",
    "AuthSession",
    "Customer",
    "Invoice",
    "InvoiceLine",
    "Membership",
    "Organisation",
    "Payment",
    "PaymentAttempt",
    "PortalUser",
    "Project",
    "Service",
    "StripeCustomer",
    "Ticket",
    "TicketMessage",
}
OWNER_COLUMNS = {"customer_id", "organisation_id"}
# Modules that may look rows up by ids they were given, and why.
EXEMPT = {
    "services/access.py": "the access point itself",
    "services/accounts/sessions.py": "resolves who the principal is: the membership join is that check",
}
EXEMPT_PACKAGES = {
    "models": "table definitions, no lookups",
    "demo": "writes the demo data set; serves no request",
}


def _is_id_column(node: ast.AST, columns: set[str]) -> str | None:
    """'Invoice.id' for `Invoice.id` or `col(Invoice.id)` when the column is one of `columns` of an owned table."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "col" and node.args:
        node = node.args[0]
    if (
        isinstance(node, ast.Attribute)
        and node.attr in columns
        and isinstance(node.value, ast.Name)
        and node.value.id in OWNED
    ):
        return f"{node.value.id}.{node.attr}"
    return None


def _in_hand(node: ast.AST) -> bool:
    """Whether the value is a field of a row in hand (`invoice.customer_id`) or another column (a join)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "col" and node.args:
        node = node.args[0]
    return isinstance(node, ast.Attribute)


def lookups_by_given_id(source: str) -> list[str]:
    """Every by-id lookup of an owned table on a value that did not come from a row in hand, as 'line: what'."""
    found: list[str] = []
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        parameters = {a.arg for a in (*function.args.args, *function.args.kwonlyargs, *function.args.posonlyargs)}
        for node in ast.walk(function):
            found.extend(_findings(node, parameters))
    return sorted(set(found))


def _findings(node: ast.AST, parameters: set[str]) -> list[str]:
    out = []
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and len(node.args) == 2
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id in OWNED
        and not _in_hand(node.args[1])
    ):
        out.append(f"{node.lineno}: get({node.args[0].id}, {ast.unparse(node.args[1])})")
    if isinstance(node, ast.Compare) and len(node.comparators) == 1:
        left, right = node.left, node.comparators[0]
        for column, value in ((left, right), (right, left)):
            by_id = _is_id_column(column, {"id"})
            if by_id and not _in_hand(value):
                out.append(f"{node.lineno}: {by_id} == {ast.unparse(value)}")
            by_owner = _is_id_column(column, OWNER_COLUMNS)
            if by_owner and isinstance(value, ast.Name) and value.id in parameters:
                out.append(f"{node.lineno}: {by_owner} == {value.id} (a raw id passed in)")
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "in_"
        and _is_id_column(node.func.value, {"id"})
        and node.args
        and not _in_hand(node.args[0])
        and not _is_query(node.args[0])
    ):
        out.append(f"{node.lineno}: {_is_id_column(node.func.value, {'id'})}.in_({ast.unparse(node.args[0])})")
    return out


def _is_query(node: ast.AST) -> bool:
    """A sub-select (`select(...)...`) scopes itself: its own where clause is checked where it is written."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "select"


def _modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).as_posix() not in EXEMPT
        and path.relative_to(PACKAGE).parts[0] not in EXEMPT_PACKAGES
    )


@pytest.mark.parametrize("module", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_only_the_access_module_looks_owned_rows_up_by_given_ids(module: Path) -> None:
    assert lookups_by_given_id(module.read_text()) == [], (
        f"{module.relative_to(PACKAGE)} looks owned rows up by ids it was given: "
        "use portal_app/services/access.py (or a row it returned)"
    )


def test_the_check_finds_each_kind_of_lookup() -> None:
    source = """
def read(db, principal, invoice_id, customer_id):
    db.get(Invoice, invoice_id)
    db.get(Ticket, int("7"))
    select(Invoice).where(Invoice.id == invoice_id)
    select(Ticket).where(col(Ticket.id) == 3)
    select(Payment).where(col(Payment.id).in_(ids))
    select(Service).where(Service.customer_id == customer_id)

def fine(db, invoice, scope):
    db.get(Customer, invoice.customer_id)
    select(Invoice).where(Invoice.id == invoice.id, Invoice.customer_id == scope.customer.id)
    select(Ticket).where(col(Ticket.id).in_(select(Ticket.id).where(Ticket.customer_id == scope.customer.id)))
"""
    assert lookups_by_given_id(source) == [
        "3: get(Invoice, invoice_id)",
        "4: get(Ticket, int('7'))",
        "5: Invoice.id == invoice_id",
        "6: Ticket.id == 3",
        "7: Payment.id.in_(ids)",
        "8: Service.customer_id == customer_id (a raw id passed in)",
    ]


def test_the_access_module_exists_where_the_check_says() -> None:
    assert ACCESS_MODULE.is_file()
    assert lookups_by_given_id(ACCESS_MODULE.read_text())  # it is the one place that does this
