"""The invoice PDF: the provider's letterhead, the customer's billing details, lines, totals and how to pay."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Paragraph, Spacer, Table

from portal_app.pdf.fonts import BOLD, markup, plain
from portal_app.pdf.layout import INK, MUTED, Document, Look, cells, letterhead, party_and_figure
from portal_app.services.billing.invoice_documents import DocumentLine, InvoiceDocument
from portal_app.services.billing.invoice_status import InvoiceStatus
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money, safe_locale

STATUS_COLOURS = {
    InvoiceStatus.PAID: colors.HexColor("#15803d"),
    InvoiceStatus.PARTIALLY_PAID: colors.HexColor("#b45309"),
    InvoiceStatus.OVERDUE: colors.HexColor("#b91c1c"),
    InvoiceStatus.VOID: MUTED,
    InvoiceStatus.ISSUED: INK,
}


def render_invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice as PDF bytes (blocking: call it off the event loop)."""
    pdf = Document(
        locale=doc.locale,
        colour=doc.provider.colour,
        title=f"Invoice {doc.number}",
        author=doc.provider.name,
        subject=f"Invoice {doc.number} for {doc.customer.name}",
    )
    look, width = pdf.look, pdf.width
    story = [
        _letterhead(doc, look, width),
        Spacer(0, 5 * mm),
        HRFlowable(width="100%", thickness=2, color=look.brand, spaceAfter=5 * mm),
        _billing(doc, look, width),
        Spacer(0, 7 * mm),
        _lines_table(doc, look, width),
        Spacer(0, 5 * mm),
        KeepTogether(_totals(doc, look)),
        Spacer(0, 8 * mm),
        KeepTogether(_instructions(doc, look)),
    ]
    return pdf.render(story, f"{doc.provider.name} · Invoice {doc.number}")


def _letterhead(doc: InvoiceDocument, look: Look, width: float) -> Table:
    facts = [
        ("Invoice number", doc.number),
        ("Issued", show_date(doc.issued_on, doc.locale)),
        ("Due", show_date(doc.due_on, doc.locale)),
        ("Status", doc.status.value),
    ]
    status_style = ParagraphStyle("status", look.strong_right, textColor=STATUS_COLOURS[doc.status])
    return letterhead(doc.provider, doc.logo_file, look, width, title="Invoice", facts=facts, styles={3: status_style})


def _billing(doc: InvoiceDocument, look: Look, width: float) -> Table:
    customer = doc.customer
    if doc.status in {InvoiceStatus.PAID, InvoiceStatus.VOID}:
        note = "Paid in full" if doc.status == InvoiceStatus.PAID else "Void: nothing is due"
    else:
        note = f"Due {show_date(doc.due_on, doc.locale)}"
    return party_and_figure(
        look,
        width,
        label="BILL TO",
        party=[customer.name, customer.address, customer.email, customer.phone],
        figure_label="BALANCE DUE",
        figure=_money(doc, doc.balance_minor),
        note=note,
    )


def _lines_table(doc: InvoiceDocument, look: Look, width: float) -> Table:
    """Line items; figures are plain cell strings (much faster than Paragraphs) unless they need the fallback font."""
    numeric = [14 * mm, 28 * mm, 28 * mm, 30 * mm]
    header = ["Description", "Qty", "Unit price", "Tax", "Amount"]
    rows = [_line_row(doc, line, look) for line in doc.lines] or [[Paragraph("No line items.", look.small)]]
    style = cells(padding=4)
    for command in (
        ("FONTSIZE", (0, 0), (-1, -1), look.body.fontSize),
        ("LEADING", (0, 0), (-1, -1), look.body.leading),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("TEXTCOLOR", (0, 0), (-1, 0), look.on_brand),
        ("BACKGROUND", (0, 0), (-1, 0), look.brand),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, look.tint]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.75, look.brand),
    ):
        style.add(*command)
    return Table([header, *rows], colWidths=[width - sum(numeric), *numeric], repeatRows=1, style=style)


def _line_row(doc: InvoiceDocument, line: DocumentLine, look: Look) -> list[str | Paragraph]:
    locale = safe_locale(doc.locale)
    tax = "—"
    if line.tax_rate_bp or line.tax_minor:
        rate = format_percent(Decimal(line.tax_rate_bp).scaleb(-4), format="#,##0.##%", locale=locale)
        tax = f"{_money(doc, line.tax_minor)}\n{rate}"
    figures = (
        format_decimal(line.quantity, locale=locale),
        _money(doc, line.unit_price_minor),
        tax,
        _money(doc, line.amount_minor),
    )
    return [
        Paragraph(markup(line.description), look.body),
        *(text if plain(text) else Paragraph(markup(text), look.right) for text in figures),
    ]


def _totals(doc: InvoiceDocument, look: Look) -> list[Flowable]:
    figures = [
        ("Subtotal", doc.subtotal_minor),
        ("Tax", doc.tax_minor),
        ("Total", doc.total_minor),
        ("Amount paid", doc.paid_minor),
        ("Balance due", doc.balance_minor),
    ]
    rows = []
    for label, amount in figures:
        strong = label in {"Total", "Balance due"}
        rows.append(
            [
                Paragraph(f"<b>{label}</b>" if strong else label, look.body),
                Paragraph(markup(_money(doc, amount)), look.strong_right if strong else look.right),
            ]
        )
    style = cells(padding=3)
    style.add("LINEABOVE", (0, 2), (-1, 2), 0.75, INK)
    style.add("BACKGROUND", (0, 4), (-1, 4), look.tint)
    style.add("LINEABOVE", (0, 4), (-1, 4), 1.5, look.brand)
    return [Table(rows, colWidths=[38 * mm, 42 * mm], hAlign="RIGHT", style=style)]


def _instructions(doc: InvoiceDocument, look: Look) -> list[Flowable]:
    return [
        Paragraph("Payment instructions", look.heading),
        *(Paragraph(markup(text), ParagraphStyle("p", look.body, spaceAfter=3)) for text in doc.payment_instructions),
    ]


def _money(doc: InvoiceDocument, amount_minor: int) -> str:
    return format_money(amount_minor, doc.currency, doc.locale)
