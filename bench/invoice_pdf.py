"""Invoice PDF render time for a 1-line and a 200-line invoice (reportlab, fonts embedded).

Run: `.venv/bin/python -m bench.invoice_pdf` (part of `make bench`). Prints a Markdown table.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from portal_app.pdf.invoice import render_invoice_pdf
from portal_app.services.accounts.branding import Branding
from portal_app.services.billing.invoice_documents import BillTo, DocumentLine, InvoiceDocument
from portal_app.services.billing.invoice_status import InvoiceStatus

ROUNDS = 20


def _document(line_count: int) -> InvoiceDocument:
    lines = tuple(
        DocumentLine(
            description=f"Managed service item {n}",
            quantity=2,
            unit_price_minor=1_250,
            tax_rate_bp=2_000,
            tax_minor=500,
            amount_minor=2_500,
        )
        for n in range(line_count)
    )
    subtotal = sum(line.amount_minor for line in lines)
    tax = sum(line.tax_minor for line in lines)
    return InvoiceDocument(
        invoice_id=1,
        number="NWF-2026-0001",
        status=InvoiceStatus.ISSUED,
        issued_on=date(2026, 11, 1),
        due_on=date(2026, 11, 1) + timedelta(days=14),
        currency="USD",
        locale="en_US",
        provider=Branding(name="Northwind Fiber", address="455 Market Street\nPortland, OR 97204"),
        logo_file=None,
        customer=BillTo(name="Alex Morgan", address="2178 Willow Creek Road", email="alex@example.com", phone=""),
        lines=lines,
        subtotal_minor=subtotal,
        tax_minor=tax,
        total_minor=subtotal + tax,
        paid_minor=0,
        balance_minor=subtotal + tax,
        payment_instructions=("Please pay by bank transfer.",),
    )


def main() -> None:
    print("| invoice | median (ms) | max (ms) | size (KiB) |")
    print("| --- | ---: | ---: | ---: |")
    for count in (1, 200):
        doc = _document(count)
        pdf = render_invoice_pdf(doc)  # the first render also loads the fonts
        samples = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            render_invoice_pdf(doc)
            samples.append((time.perf_counter() - start) * 1000)
        print(
            f"| {count} line{'s' if count > 1 else ''} | {statistics.median(samples):.0f} | "
            f"{max(samples):.0f} | {len(pdf) / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
