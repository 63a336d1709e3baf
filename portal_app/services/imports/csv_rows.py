"""Reading an imported CSV file into numbered rows, refusing files that cannot be imported at all."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from portal_app.errors import PortalError

_EXTRA = "\x00extra"  # DictReader's key for values beyond the header


@dataclass(frozen=True)
class Row:
    """One data row: `number` is the line it starts on (the header is line 1), values are trimmed."""

    number: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


def decode(data: str | bytes) -> str:
    """The file's text: bytes must be UTF-8 (a byte-order mark is dropped)."""
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PortalError(
                f"The file is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                "save it as CSV UTF-8."
            ) from None
    return data.removeprefix("\ufeff")


def read_rows(
    data: str | bytes, *, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[Row], list[tuple[int, str]]]:
    """Every non-blank row of the file (keyed by lower-cased column names), and the rows that cannot be split.

    The header must name every required column, may name the optional ones, and nothing else
    (PortalError otherwise). A row with more values than the header has columns is reported as a
    problem (row number, message); missing trailing values are empty.
    """
    reader = csv.DictReader(io.StringIO(decode(data), newline=""), restkey=_EXTRA, restval="")
    try:
        header = reader.fieldnames
        if not header:
            raise PortalError("The file is empty; the first line must name the columns.")
        reader.fieldnames = columns = [name.strip().lower() for name in header]
        _check_header(columns, required, optional)
        rows = []
        problems = []
        previous_line = reader.line_num
        for record in reader:
            raw_lines = sum(value.count("\n") for value in _cells(record))
            number = max(previous_line + 1, reader.line_num - raw_lines)
            previous_line = reader.line_num
            extra = record.pop(_EXTRA, None)
            if extra is not None:
                count = len(columns) + len(extra)
                problems.append((number, f"has {count} values but the header names {len(columns)} columns"))
                continue
            values = {column: (value or "").strip() for column, value in record.items()}
            if any(values.values()):
                rows.append(Row(number, values))
    except csv.Error as exc:
        raise PortalError(f"The file is not valid CSV (line {reader.line_num}: {exc}).") from None
    return rows, problems


def _cells(record: dict[str, str | list[str]]) -> list[str]:
    cells: list[str] = []
    for value in record.values():
        cells.extend(value if isinstance(value, list) else [value or ""])
    return cells


def _check_header(columns: list[str], required: Sequence[str], optional: Sequence[str]) -> None:
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise PortalError(f"The header names {', '.join(duplicates)} more than once.")
    missing = [name for name in required if name not in columns]
    if missing:
        raise PortalError(f"The header lacks the required column(s) {', '.join(missing)}.")
    unknown = [name for name in columns if name not in required and name not in optional]
    if unknown:
        expected = ", ".join([*required, *optional])
        raise PortalError(f"Unknown column(s) {', '.join(repr(name) for name in unknown)}; the columns are {expected}.")
