"""The receipt PDF: the provider's letterhead, who paid, how much, for which invoice, how and when."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Spacer, Table

from portal_app.pdf.fonts import markup
from portal_app.pdf.layout import Document, Look, cells, letterhead, party_and_figure
from portal_app.services.billing.receipts import ReceiptDocument
from portal_app.services.common.dates import show_date, show_datetime
from portal_app.services.common.money import format_money


def render_receipt_pdf(doc: ReceiptDocument) -> bytes:
    """The receipt as PDF bytes (blocking: call it off the event loop)."""
    pdf = Document(
        locale=doc.locale,
        colour=doc.provider.colour,
        title=f"Receipt {doc.number}",
        author=doc.provider.name,
        subject=f"Receipt {doc.number} for {doc.payer.name}",
    )
    look, width = pdf.look, pdf.width
    story: list[Flowable] = [
        _letterhead(doc, look, width),
        Spacer(0, 5 * mm),
        HRFlowable(width="100%", thickness=2, color=look.brand, spaceAfter=5 * mm),
        _payer_and_amount(doc, look, width),
        Spacer(0, 7 * mm),
        _details(doc, look, width),
        Spacer(0, 8 * mm),
        *_closing(doc, look),
    ]
    return pdf.render(story, f"{doc.provider.name} · Receipt {doc.number}")


def _letterhead(doc: ReceiptDocument, look: Look, width: float) -> Table:
    facts = [("Receipt number", doc.number), ("Paid", show_date(doc.paid_at.date(), doc.locale))]
    if doc.invoice_number:
        facts.append(("Invoice", doc.invoice_number))
    return letterhead(doc.provider, doc.logo_file, look, width, title="Receipt", facts=facts)


def _payer_and_amount(doc: ReceiptDocument, look: Look, width: float) -> Table:
    payer = doc.payer
    return party_and_figure(
        look,
        width,
        label="RECEIVED FROM",
        party=[payer.name, payer.address, payer.email, payer.phone],
        figure_label="AMOUNT PAID",
        figure=_money(doc),
        note=doc.paid_with,
    )


def _details(doc: ReceiptDocument, look: Look, width: float) -> Table:
    """The payment's particulars, one labelled row each."""
    facts = [
        ("Invoice", doc.invoice_number or "—"),
        ("Amount", _money(doc)),
        ("Paid with", doc.paid_with or "—"),
        ("Date", f"{show_datetime(doc.paid_at, doc.locale)} UTC"),
        (doc.reference_label, doc.reference or "—"),
    ]
    rows = [[Paragraph(label, look.small), Paragraph(markup(value), look.body)] for label, value in facts]
    style = cells(padding=4)
    style.add("ROWBACKGROUNDS", (0, 0), (-1, -1), [look.tint, None])
    style.add("LINEBELOW", (0, -1), (-1, -1), 0.75, look.brand)
    return Table(rows, colWidths=[45 * mm, width - 45 * mm], style=style)


def _closing(doc: ReceiptDocument, look: Look) -> list[Flowable]:
    provider = doc.provider
    contact = " · ".join(part for part in (provider.email, provider.phone, provider.website) if part)
    paragraphs = [doc.later] if doc.later else []
    paragraphs.append(f"Questions about this payment? Contact {provider.name}" + (f": {contact}" if contact else "."))
    return [
        Paragraph("Thank you for your payment", look.heading),
        *(Paragraph(markup(text), look.body) for text in paragraphs),
    ]


def _money(doc: ReceiptDocument) -> str:
    return format_money(doc.amount_minor, doc.currency, doc.locale)
