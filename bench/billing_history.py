"""How long a billing-history page takes for 100 vs 20,000 invoices, first vs last page.

Run: `.venv/bin/python -m bench.billing_history [EMAIL ...]` against a database seeded with the
demo data (`make db`); `make bench` runs it on the bench database for hundred@bench.example
(100 invoices) and bulk@example.com (20,000). Prints a Markdown table for RESULTS.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from sqlalchemy import func
from sqlmodel import select

from portal_app.db import session_scope
from portal_app.models import Invoice, PortalUser
from portal_app.services.access import customer_scope
from portal_app.services.accounts import sessions
from portal_app.services.billing import invoices as billing
from portal_app.services.common.pagination import PageRequest

ROUNDS = 50


def _principal_for(email: str) -> sessions.Principal:
    with session_scope() as db:
        user = db.exec(select(PortalUser).where(PortalUser.email == email)).one()
        token = sessions.open_session(db, user.id, remember=False)
    with session_scope() as db:
        principal = sessions.resolve(db, token)
        sessions.end_session(db, token)
    assert principal is not None
    return principal


def _median_ms(call: Callable[[], object]) -> float:
    call()  # warm the caches once
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _measure(email: str) -> list[str]:
    principal = _principal_for(email)
    with session_scope() as db:
        customer = customer_scope(db, principal).customer
        count = db.exec(select(func.count()).where(Invoice.customer_id == customer.id)).one()
    lines = []
    for label, page in (("first", 1), ("middle", None), ("last", 10**9)):
        with session_scope() as db:
            _, info = billing.invoice_page(db, principal, PageRequest(page or 1, 10))
            number = page if page else max(1, info.total_pages // 2)

            def one_page(number: int = number) -> object:
                return billing.invoice_page(db, principal, PageRequest(number, 10))

            def pay_page(number: int = number) -> object:
                return billing.payment_page(db, principal, PageRequest(number, 10))

            lines.append(
                f"| {customer.name} | {count:,} | {label} | {_median_ms(one_page):.2f} | {_median_ms(pay_page):.2f} |"
            )
    return lines


def main(emails: list[str]) -> None:
    print("| customer | invoices | page | invoices page (ms, median) | payments page (ms, median) |")
    print("| --- | ---: | --- | ---: | ---: |")
    for email in emails:
        for line in _measure(email):
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:] or ["demo@example.com", "bulk@example.com"])
