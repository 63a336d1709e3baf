"""The invoice PDF: the provider's letterhead, the customer's billing details, lines, totals and how to pay."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from io import BytesIO
from pathlib import Path

from babel.core import Locale
from babel.numbers import format_decimal, format_percent
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from portal_app.pdf.fonts import BOLD, REGULAR, markup, plain, register_fonts
from portal_app.services.accounts.branding import DEFAULT_COLOUR
from portal_app.services.billing.invoice_documents import DocumentLine, InvoiceDocument
from portal_app.services.billing.invoice_status import InvoiceStatus
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money, safe_locale

MARGIN = 18 * mm
FOOTER_Y = 10 * mm
LOGO_MAX = (60 * mm, 16 * mm)
INK = colors.HexColor("#0f172a")
MUTED = colors.HexColor("#475569")
RULE = colors.HexColor("#e2e8f0")
LETTER_TERRITORIES = frozenset({"US", "CA", "MX", "PH"})
STATUS_COLOURS = {
    InvoiceStatus.PAID: colors.HexColor("#15803d"),
    InvoiceStatus.PARTIALLY_PAID: colors.HexColor("#b45309"),
    InvoiceStatus.OVERDUE: colors.HexColor("#b91c1c"),
    InvoiceStatus.VOID: MUTED,
    InvoiceStatus.ISSUED: INK,
}


def render_invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice as PDF bytes (blocking: call it off the event loop)."""
    register_fonts()
    look = _Look.of(doc.provider.colour)
    buffer = BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=_page_size(doc.locale),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Invoice {doc.number}",
        author=doc.provider.name,
        subject=f"Invoice {doc.number} for {doc.customer.name}",
        creator="Portal",
        initialFontName=REGULAR,  # no unembedded base-14 font in the file
    )
    frame = Frame(MARGIN, MARGIN, template.width, template.height, 0, 0, 0, 0, id="body")
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    width = template.width
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
    footer = Paragraph(markup(f"{doc.provider.name} · Invoice {doc.number}"), look.footer)
    template.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer, brand=look.brand))
    return buffer.getvalue()


@dataclass(frozen=True)
class _Look:
    """The provider's colours and the paragraph styles built on them."""

    brand: colors.Color
    accent: colors.Color
    tint: colors.Color
    on_brand: colors.Color
    body: ParagraphStyle
    small: ParagraphStyle
    label: ParagraphStyle
    label_right: ParagraphStyle
    small_right: ParagraphStyle
    right: ParagraphStyle
    strong_right: ParagraphStyle
    head: ParagraphStyle
    head_right: ParagraphStyle
    name: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    big: ParagraphStyle
    footer: ParagraphStyle

    @classmethod
    def of(cls, colour: str) -> _Look:
        brand = _brand_colour(colour)
        light = _luminance(brand) >= 0.6
        on_brand = INK if light else colors.white
        accent = colors.Color(*(0.45 * c for c in brand.rgb())) if light else brand  # readable on white
        body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12, textColor=INK)
        small = ParagraphStyle("small", body, fontSize=8, leading=10.5, textColor=MUTED)
        right = ParagraphStyle("right", body, alignment=TA_RIGHT)
        label = ParagraphStyle("label", small, fontName=BOLD, fontSize=7.5, textColor=MUTED)
        head = ParagraphStyle("head", body, fontName=BOLD, fontSize=8.5, textColor=on_brand)
        return cls(
            brand=brand,
            accent=accent,
            tint=colors.Color(*(0.9 + 0.1 * c for c in brand.rgb())),
            on_brand=on_brand,
            body=body,
            small=small,
            label=label,
            label_right=ParagraphStyle("label_right", label, alignment=TA_RIGHT),
            small_right=ParagraphStyle("small_right", small, alignment=TA_RIGHT),
            right=right,
            strong_right=ParagraphStyle("strong_right", right, fontName=BOLD),
            head=head,
            head_right=ParagraphStyle("head_right", head, alignment=TA_RIGHT),
            name=ParagraphStyle("name", body, fontName=BOLD, fontSize=15, leading=18, textColor=accent),
            title=ParagraphStyle("title", body, fontName=BOLD, fontSize=22, leading=26, alignment=TA_RIGHT),
            heading=ParagraphStyle("heading", body, fontName=BOLD, fontSize=10, leading=14, textColor=accent),
            big=ParagraphStyle("big", right, fontName=BOLD, fontSize=16, leading=20, textColor=accent),
            footer=ParagraphStyle("footer", small, fontSize=7.5, leading=9),
        )


def _letterhead(doc: InvoiceDocument, look: _Look, width: float) -> Table:
    provider = doc.provider
    contact = " · ".join(part for part in (provider.email, provider.phone, provider.website) if part)
    left: list[Flowable] = [_logo(doc.logo_file, provider.name, look)]
    if doc.logo_file is not None:  # the monogram letterhead already shows the name
        left.append(Paragraph(f"<b>{markup(provider.name)}</b>", look.small))
    if provider.address:
        left.append(Paragraph(markup(provider.address), look.small))
    if contact:
        left.append(Paragraph(markup(contact), look.small))
    status_style = ParagraphStyle("status", look.strong_right, textColor=STATUS_COLOURS[doc.status])
    meta = Table(
        [
            [Paragraph("Invoice number", look.small), Paragraph(markup(doc.number), look.strong_right)],
            [Paragraph("Issued", look.small), Paragraph(markup(show_date(doc.issued_on, doc.locale)), look.right)],
            [Paragraph("Due", look.small), Paragraph(markup(show_date(doc.due_on, doc.locale)), look.right)],
            [Paragraph("Status", look.small), Paragraph(doc.status.value, status_style)],
        ],
        colWidths=[26 * mm, 40 * mm],
        hAlign="RIGHT",
        style=_cells(padding=1.5),
    )
    right = [Paragraph("Invoice", look.title), Spacer(0, 2 * mm), meta]
    return Table([[left, right]], colWidths=[width - 70 * mm, 70 * mm], style=_cells(padding=0))


def _logo(logo_file: Path | None, name: str, look: _Look) -> Flowable:
    """The raster logo when there is one, else a monogram in the brand colour beside the name."""
    if logo_file is not None:
        img_w, img_h = ImageReader(str(logo_file)).getSize()
        scale = min(LOGO_MAX[0] / img_w, LOGO_MAX[1] / img_h)
        return Image(str(logo_file), width=img_w * scale, height=img_h * scale, hAlign="LEFT")
    monogram = _Monogram(name[:1].upper() or "?", look.brand, look.on_brand)
    return Table(
        [[monogram, Paragraph(markup(name), look.name)]],
        colWidths=[monogram.size + 3 * mm, None],
        hAlign="LEFT",
        style=_cells(padding=0, valign="MIDDLE"),
    )


class _Monogram(Flowable):
    """A rounded square in the brand colour with the provider's initial."""

    size = 9 * mm

    def __init__(self, initial: str, fill: colors.Color, ink: colors.Color) -> None:
        super().__init__()
        self.initial, self.fill, self.ink = initial, fill, ink

    def wrap(self, _avail_width: float, _avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFillColor(self.fill)
        canvas.roundRect(0, 0, self.size, self.size, 2 * mm, stroke=0, fill=1)
        para = Paragraph(
            markup(self.initial),
            ParagraphStyle("initial", fontName=BOLD, fontSize=15, leading=15, alignment=TA_CENTER, textColor=self.ink),
        )
        _, height = para.wrapOn(canvas, self.size, self.size)
        para.drawOn(canvas, 0, (self.size - height) / 2 + 1)


def _billing(doc: InvoiceDocument, look: _Look, width: float) -> Table:
    customer = doc.customer
    left: list[Flowable] = [
        Paragraph("BILL TO", look.label),
        Spacer(0, 1 * mm),
        Paragraph(f"<b>{markup(customer.name)}</b>", look.body),
    ]
    left += [Paragraph(markup(text), look.body) for text in (customer.address, customer.email, customer.phone) if text]
    if doc.status in {InvoiceStatus.PAID, InvoiceStatus.VOID}:
        note = "Paid in full" if doc.status == InvoiceStatus.PAID else "Void: nothing is due"
    else:
        note = f"Due {show_date(doc.due_on, doc.locale)}"
    box = Table(
        [
            [Paragraph("BALANCE DUE", look.label_right)],
            [Paragraph(markup(_money(doc, doc.balance_minor)), look.big)],
            [Paragraph(markup(note), look.small_right)],
        ],
        colWidths=[62 * mm],
        hAlign="RIGHT",
        style=_cells(padding=2, background=look.tint),
    )
    return Table([[left, box]], colWidths=[width - 66 * mm, 66 * mm], style=_cells(padding=0))


def _lines_table(doc: InvoiceDocument, look: _Look, width: float) -> Table:
    """Line items; figures are plain cell strings (much faster than Paragraphs) unless they need the fallback font."""
    numeric = [14 * mm, 28 * mm, 28 * mm, 30 * mm]
    header = ["Description", "Qty", "Unit price", "Tax", "Amount"]
    rows = [_line_row(doc, line, look) for line in doc.lines] or [[Paragraph("No line items.", look.small)]]
    style = _cells(padding=4)
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


def _line_row(doc: InvoiceDocument, line: DocumentLine, look: _Look) -> list[str | Paragraph]:
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


def _totals(doc: InvoiceDocument, look: _Look) -> list[Flowable]:
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
    style = _cells(padding=3)
    style.add("LINEABOVE", (0, 2), (-1, 2), 0.75, INK)
    style.add("BACKGROUND", (0, 4), (-1, 4), look.tint)
    style.add("LINEABOVE", (0, 4), (-1, 4), 1.5, look.brand)
    return [Table(rows, colWidths=[38 * mm, 42 * mm], hAlign="RIGHT", style=style)]


def _instructions(doc: InvoiceDocument, look: _Look) -> list[Flowable]:
    return [
        Paragraph("Payment instructions", look.heading),
        *(Paragraph(markup(text), ParagraphStyle("p", look.body, spaceAfter=3)) for text in doc.payment_instructions),
    ]


class _NumberedCanvas(Canvas):
    """Holds pages back until the end so each footer can say 'Page X of Y'."""

    def __init__(self, *args, footer: Paragraph, brand: colors.Color, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._footer, self._brand = footer, brand
        self._pages: list[dict] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        page_width = self._pagesize[0]
        self.setStrokeColor(self._brand)
        self.setLineWidth(0.75)
        self.line(MARGIN, FOOTER_Y + 5 * mm, page_width - MARGIN, FOOTER_Y + 5 * mm)
        _, height = self._footer.wrapOn(self, page_width - 2 * MARGIN - 30 * mm, 10 * mm)
        self._footer.drawOn(self, MARGIN, FOOTER_Y + 3.5 * mm - height)
        self.setFont(REGULAR, 7.5)
        self.setFillColor(MUTED)
        self.drawRightString(page_width - MARGIN, FOOTER_Y + 1 * mm, f"Page {number} of {total}")


def _cells(*, padding: float, valign: str = "TOP", background: colors.Color | None = None) -> TableStyle:
    commands: list[tuple] = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # tables set a cell font even around Paragraphs
        ("VALIGN", (0, 0), (-1, -1), valign),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    if background is not None:
        commands.append(("BACKGROUND", (0, 0), (-1, -1), background))
    return TableStyle(commands)


def _money(doc: InvoiceDocument, amount_minor: int) -> str:
    return format_money(amount_minor, doc.currency, doc.locale)


def _page_size(locale: str) -> tuple[float, float]:
    """US Letter where it is the norm (by the customer's locale territory), A4 elsewhere."""
    return LETTER if Locale.parse(safe_locale(locale)).territory in LETTER_TERRITORIES else A4


def _brand_colour(value: str) -> colors.Color:
    try:
        return colors.HexColor(value if len(value) == 7 and value.startswith("#") else DEFAULT_COLOUR)
    except ValueError:
        return colors.HexColor(DEFAULT_COLOUR)


def _luminance(colour: colors.Color) -> float:
    red, green, blue = colour.rgb()
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
