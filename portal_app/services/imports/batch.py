"""What every CSV import shares: the report, row problems, the customer look-up and the all-or-nothing commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.models import Customer, Organisation
from portal_app.services.imports.csv_rows import Row
from portal_app.services.imports.values import BadValue

T = TypeVar("T")
CHUNK = 500  # values per IN (...) query
CONCURRENT_CHANGE = "Someone changed the same records while the file was imported; nothing was imported. Run it again."


@dataclass
class ImportReport:
    """What an import did; when it has errors nothing was written and the counts are zero."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        """E.g. '12 created, 3 updated, 0 skipped'."""
        return f"{self.created} created, {self.updated} updated, {self.skipped} skipped"


class Problems:
    """Row-level problems, reported in file order as 'row 4: ...'."""

    def __init__(self, found: Iterable[tuple[int, str]] = ()) -> None:
        self._found = list(found)

    def __len__(self) -> int:
        return len(self._found)

    def add(self, row: Row, message: str) -> None:
        self._found.append((row.number, message))

    def lines(self) -> list[str]:
        return numbered(self._found)

    def parse(self, row: Row, parser: Callable[..., T], *args: object) -> T | None:
        """The parsed cell, or None after noting why it cannot be used."""
        try:
            return parser(*args)
        except BadValue as exc:
            self.add(row, str(exc))
            return None

    def required(self, row: Row, column: str, parser: Callable[..., T], *args: object) -> T | None:
        """parse(row, parser, row[column], *args), where an empty cell is a problem too."""
        if not row[column]:
            self.add(row, f"{column} is required")
            return None
        return self.parse(row, parser, row[column], *args)

    def repeated(self, row: Row, first_rows: dict[object, int], key: object, label: str) -> bool:
        """True (after noting it) when an earlier row of the file has the same key."""
        if key in first_rows:
            self.add(row, f"{label} is already on row {first_rows[key]}")
            return True
        first_rows[key] = row.number
        return False


def numbered(found: Iterable[tuple[int, str]]) -> list[str]:
    """'row N: message' lines sorted by row (stable within a row)."""
    return [f"row {number}: {message}" for number, message in sorted(found, key=lambda item: item[0])]


class Customers:
    """The organisation's customers by reference, to resolve a row's customer_reference."""

    def __init__(self, db: Session, organisation: Organisation) -> None:
        self.organisation = organisation
        self.by_reference: dict[str, Customer] = {
            customer.reference: customer
            for customer in db.exec(
                select(Customer).where(
                    Customer.organisation_id == organisation.id, col(Customer.reference).is_not(None)
                )
            )
        }

    def of_row(self, problems: Problems, row: Row) -> Customer | None:
        """The customer the row's customer_reference names, or None after noting the problem."""
        reference = row["customer_reference"]
        if not reference:
            problems.add(row, "customer_reference is required")
            return None
        customer = self.by_reference.get(reference)
        if customer is None:
            problems.add(
                row, f"customer_reference {reference!r} is not a customer of {self.organisation.name} (import it first)"
            )
        return customer


def changes(record: object, fields: dict[str, object]) -> dict[str, object]:
    """The fields whose value differs from the record's."""
    return {name: value for name, value in fields.items() if getattr(record, name) != value}


def assign(record: object, fields: dict[str, object]) -> None:
    for name, value in fields.items():
        setattr(record, name, value)


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """The items in slices small enough for an IN (...) query."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def finish(db: Session, problems: Problems, apply: Callable[[ImportReport], None]) -> ImportReport:
    """Write nothing when a row is bad; otherwise apply the changes and commit them as one transaction."""
    if problems:
        db.rollback()
        return ImportReport(errors=problems.lines())
    report = ImportReport()
    try:
        apply(report)
        db.commit()
    except IntegrityError:
        db.rollback()
        raise PortalError(CONCURRENT_CHANGE) from None
    except BaseException:
        db.rollback()
        raise
    return report
