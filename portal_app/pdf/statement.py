"""The statement PDF: the provider's letterhead, the customer, and per currency the opening balance, every invoice
and payment with the running balance, the closing balance and the ageing of what is owed."""

from __future__ import annotations

from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Paragraph, Spacer, Table

from portal_app.pdf.fonts import BOLD, markup, plain
from portal_app.pdf.layout import INK, Document, Look, cells, letterhead, party_and_figure
from portal_app.services.billing.statements import AGEING, CurrencyStatement, StatementDocument, StatementEntry
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money

ROWS_PER_TABLE = 40  # long statements are laid out as many small tables: reportlab splits each in no time
HEADER = ["Date", "Description", "Charges", "Payments", "Balance"]


def render_statement_pdf(doc: StatementDocument) -> bytes:
    """The statement as PDF bytes (blocking: call it off the event loop)."""
    period = f"{show_date(doc.period.start, doc.locale)} to {show_date(doc.period.end, doc.locale)}"
    pdf = Document(
        locale=doc.locale,
        colour=doc.provider.colour,
        title=f"Statement {period}",
        author=doc.provider.name,
        subject=f"Statement of account for {doc.customer.name}, {period}",
    )
    look, width = pdf.look, pdf.width
    customer = doc.customer
    owed = " + ".join(
        format_money(s.closing_minor, s.currency, doc.locale) for s in doc.sections if s.closing_minor
    ) or format_money(0, doc.sections[0].currency, doc.locale)
    story: list[Flowable] = [
        letterhead(
            doc.provider,
            doc.logo_file,
            look,
            width,
            title="Statement",
            facts=[
                ("From", show_date(doc.period.start, doc.locale)),
                ("To", show_date(doc.period.end, doc.locale)),
            ],
        ),
        Spacer(0, 5 * mm),
        HRFlowable(width="100%", thickness=2, color=look.brand, spaceAfter=5 * mm),
        party_and_figure(
            look,
            width,
            label="STATEMENT FOR",
            party=(customer.name, customer.address, customer.email, customer.phone),
            figure_label="CLOSING BALANCE",
            figure=owed,
            note=f"On {show_date(doc.period.end, doc.locale)}",
        ),
    ]
    several = len(doc.sections) > 1
    for section in doc.sections:
        story += _section(doc, section, look, width, several)
    return pdf.render(story, f"{doc.provider.name} · Statement for {customer.name} · {period}")


def _section(
    doc: StatementDocument, section: CurrencyStatement, look: Look, width: float, several: bool
) -> list[Flowable]:
    """One currency: its activity tables (opening and closing balance rows around the entries), then ageing."""
    title = f"Account activity in {section.currency}" if several else "Account activity"
    rows: list[list] = [
        [_date(doc, doc.period.start), "Opening balance", "", "", _money(doc, section, section.opening_minor)]
    ]
    rows += [_entry_row(doc, section, entry, look) for entry in section.entries]
    rows.append([_date(doc, doc.period.end), "Closing balance", "", "", _money(doc, section, section.closing_minor)])
    tables = [
        _activity_table(
            rows[start : start + ROWS_PER_TABLE],
            look,
            width,
            first=start == 0,
            last=start + ROWS_PER_TABLE >= len(rows),
        )
        for start in range(0, len(rows), ROWS_PER_TABLE)
    ]
    return [
        Spacer(0, 7 * mm),
        Paragraph(markup(title), look.heading),
        Spacer(0, 2 * mm),
        *tables,
        Spacer(0, 5 * mm),
        KeepTogether(_ageing(doc, section, look, width)),
    ]


def _entry_row(doc: StatementDocument, section: CurrencyStatement, entry: StatementEntry, look: Look) -> list:
    return [
        _date(doc, entry.on),
        Paragraph(markup(entry.description), look.body),
        _money(doc, section, entry.charge_minor) if entry.charge_minor else "",
        _money(doc, section, entry.credit_minor) if entry.credit_minor else "",
        _money(doc, section, entry.balance_minor),
    ]


def _activity_table(rows: list[list], look: Look, width: float, *, first: bool, last: bool) -> Table:
    """Some rows of the activity under the brand-coloured header; the opening and closing rows in bold."""
    numeric = [27 * mm, 27 * mm, 29 * mm]
    style = cells(padding=3)
    for command in (
        ("FONTSIZE", (0, 0), (-1, -1), look.body.fontSize),
        ("LEADING", (0, 0), (-1, -1), look.body.leading),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("TEXTCOLOR", (0, 0), (-1, 0), look.on_brand),
        ("BACKGROUND", (0, 0), (-1, 0), look.brand),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, look.tint]),
    ):
        style.add(*command)
    if first:
        style.add("FONTNAME", (0, 1), (-1, 1), BOLD)
    if last:
        style.add("FONTNAME", (0, -1), (-1, -1), BOLD)
        style.add("LINEABOVE", (0, -1), (-1, -1), 0.75, INK)
        style.add("LINEBELOW", (0, -1), (-1, -1), 1.5, look.brand)
    return Table(
        [HEADER, *rows], colWidths=[24 * mm, width - 24 * mm - sum(numeric), *numeric], repeatRows=1, style=style
    )


def _ageing(doc: StatementDocument, section: CurrencyStatement, look: Look, width: float) -> list[Flowable]:
    """What is owed at the end of the period by days past its due date."""
    header = [*AGEING, "Total owed"]
    figures = [_money(doc, section, amount) for amount in (*section.ageing, sum(section.ageing))]
    style = cells(padding=3)
    for command in (
        ("FONTSIZE", (0, 0), (-1, -1), look.small.fontSize),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("TEXTCOLOR", (0, 0), (-1, 0), look.on_brand),
        ("BACKGROUND", (0, 0), (-1, 0), look.brand),
        ("BACKGROUND", (0, 1), (-1, 1), look.tint),
        ("FONTNAME", (-1, 1), (-1, 1), BOLD),
    ):
        style.add(*command)
    return [
        Paragraph(f"Ageing on {markup(show_date(doc.period.end, doc.locale))}", look.heading),
        Spacer(0, 2 * mm),
        Table([header, figures], colWidths=[width / len(header)] * len(header), style=style),
    ]


def _date(doc: StatementDocument, value: date) -> str | Paragraph:
    return _cell(show_date(value, doc.locale), doc)


def _money(doc: StatementDocument, section: CurrencyStatement, amount_minor: int) -> str | Paragraph:
    return _cell(format_money(amount_minor, section.currency, doc.locale), doc, right=True)


def _cell(text: str, doc: StatementDocument, *, right: bool = False) -> str | Paragraph:
    """A plain cell string (much faster than a Paragraph) unless the text needs the fallback font."""
    if plain(text):
        return text
    look = Look.of(doc.provider.colour)
    return Paragraph(markup(text), look.right if right else look.body)
