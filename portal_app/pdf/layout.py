"""What every portal document shares: the provider's colours, its letterhead block, the page and the footer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from pathlib import Path

from babel.core import Locale
from lxml import etree
from PIL import Image as PILImage
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from svglib.svglib import svg2rlg

from portal_app.pdf.fonts import BOLD, REGULAR, markup, register_fonts
from portal_app.services.accounts.branding import DEFAULT_COLOUR, Branding
from portal_app.services.common.money import safe_locale

log = logging.getLogger("portal.pdf")

MARGIN = 18 * mm
FOOTER_Y = 10 * mm
LOGO_MAX = (60 * mm, 16 * mm)
LOGO_FORM = "provider-logo"
INK = colors.HexColor("#0f172a")
MUTED = colors.HexColor("#475569")
LETTER_TERRITORIES = frozenset({"US", "CA", "MX", "PH"})


@dataclass(frozen=True)
class Look:
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
    def of(cls, colour: str) -> Look:
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


class Document:
    """A branded document being built: its page (Letter or A4 by the locale), margins and numbered footer.

    `width` is what the story may use; `render(story, footer)` lays it out and returns the PDF bytes.
    """

    def __init__(self, *, locale: str, colour: str, title: str, author: str, subject: str) -> None:
        register_fonts()
        self.look = Look.of(colour)
        self._buffer = BytesIO()
        self._template = BaseDocTemplate(
            self._buffer,
            pagesize=_page_size(locale),
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            author=author,
            subject=subject,
            creator="Portal",
            initialFontName=REGULAR,  # no unembedded base-14 font in the file
        )
        frame = Frame(MARGIN, MARGIN, self._template.width, self._template.height, 0, 0, 0, 0, id="body")
        self._template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self.width: float = self._template.width

    def render(self, story: list[Flowable], footer: str) -> bytes:
        """The PDF of the story, each page with the footer text and 'Page X of Y' (blocking)."""
        line = Paragraph(markup(footer), self.look.footer)
        self._template.build(story, canvasmaker=partial(_NumberedCanvas, footer=line, brand=self.look.brand))
        return self._buffer.getvalue()


def provider_block(provider: Branding, logo_file: Path | None, look: Look) -> list[Flowable]:
    """The letterhead's left side: logo (or monogram and name), the provider's name, address and contacts.

    The logo is the organisation's own (`provider.logo_file`: PNG, JPEG or SVG), else `logo_file`; one that cannot
    be read leaves the monogram and name, never an error."""
    contact = " · ".join(part for part in (provider.email, provider.phone, provider.website) if part)
    chosen = Path(provider.logo_file) if provider.logo_file else logo_file
    logo = _logo(chosen) if chosen is not None else None
    block: list[Flowable] = [logo or _monogram_and_name(provider.name, look)]
    if logo is not None:  # the monogram letterhead already shows the name
        block.append(Paragraph(f"<b>{markup(provider.name)}</b>", look.small))
    if provider.address:
        block.append(Paragraph(markup(provider.address), look.small))
    if contact:
        block.append(Paragraph(markup(contact), look.small))
    return block


def letterhead(
    provider: Branding,
    logo_file: Path | None,
    look: Look,
    width: float,
    *,
    title: str,
    facts: list[tuple[str, str]],
    styles: dict[int, ParagraphStyle] | None = None,
) -> Table:
    """The top of a document: the provider's block on the left; the title and labelled facts (the first in bold,
    any in `styles` by its position in its own style) on the right."""
    chosen = styles or {}
    rows = [
        [
            Paragraph(label, look.small),
            Paragraph(markup(value), chosen.get(n, look.strong_right if n == 0 else look.right)),
        ]
        for n, (label, value) in enumerate(facts)
    ]
    meta = Table(rows, colWidths=[26 * mm, 40 * mm], hAlign="RIGHT", style=cells(padding=1.5))
    right = [Paragraph(markup(title), look.title), Spacer(0, 2 * mm), meta]
    left = provider_block(provider, logo_file, look)
    return Table([[left, right]], colWidths=[width - 70 * mm, 70 * mm], style=cells(padding=0))


def party_and_figure(
    look: Look, width: float, *, label: str, party: Sequence[str], figure_label: str, figure: str, note: str
) -> Table:
    """Who the document is for (`label`, the name in bold, then address lines) beside a tinted box with one big
    figure, its label and a note."""
    name, *details = party
    left: list[Flowable] = [
        Paragraph(markup(label), look.label),
        Spacer(0, 1 * mm),
        Paragraph(f"<b>{markup(name)}</b>", look.body),
    ]
    left += [Paragraph(markup(text), look.body) for text in details if text]
    box = Table(
        [
            [Paragraph(markup(figure_label), look.label_right)],
            [Paragraph(markup(figure), look.big)],
            [Paragraph(markup(note), look.small_right)],
        ],
        colWidths=[62 * mm],
        hAlign="RIGHT",
        style=cells(padding=2, background=look.tint),
    )
    return Table([[left, box]], colWidths=[width - 66 * mm, 66 * mm], style=cells(padding=0))


def cells(*, padding: float, valign: str = "TOP", background: colors.Color | None = None) -> TableStyle:
    """A table style with the portal's font, the given padding and, optionally, one background."""
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


def _logo(path: Path) -> Flowable | None:
    """The logo file scaled into the letterhead's logo box: an SVG as a vector drawing, PNG or JPEG as an image;
    None when the file is missing or cannot be read."""
    try:
        if path.suffix.lower() == ".svg":
            drawing = svg2rlg(str(path))
            if drawing is None or drawing.width <= 0 or drawing.height <= 0:
                return None
            drawing.initialFontName = REGULAR
            _use_portal_fonts(drawing)
            return _SvgLogo(drawing, _fit(drawing.width, drawing.height))
        data = path.read_bytes()
        with PILImage.open(BytesIO(data)) as picture:
            picture.load()  # a truncated or corrupt file fails here, not halfway through the PDF
            width, height = picture.size
    except (
        OSError,
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        SyntaxError,
        etree.LxmlError,
        PILImage.DecompressionBombError,
    ):
        log.warning("logo %s cannot be drawn; the letterhead shows the name", path.name)
        return None
    scale = _fit(width, height)
    return Image(BytesIO(data), width=width * scale, height=height * scale, hAlign="LEFT")


def _use_portal_fonts(node: object) -> None:
    """Set the SVG's text in the portal's embedded fonts (svglib falls back to unembedded Helvetica)."""
    if isinstance(node, String):
        node.fontName = BOLD if "bold" in node.fontName.lower() else REGULAR
    for child in getattr(node, "contents", ()):
        _use_portal_fonts(child)


def _fit(width: float, height: float) -> float:
    return min(LOGO_MAX[0] / width, LOGO_MAX[1] / height)


def _monogram_and_name(name: str, look: Look) -> Flowable:
    """A monogram in the brand colour beside the name, for a provider without a (readable) logo."""
    monogram = _Monogram(name[:1].upper() or "?", look.brand, look.on_brand)
    return Table(
        [[monogram, Paragraph(markup(name), look.name)]],
        colWidths=[monogram.size + 3 * mm, None],
        hAlign="LEFT",
        style=cells(padding=0, valign="MIDDLE"),
    )


class _SvgLogo(Flowable):
    """An SVG logo converted by svglib, drawn once into a form XObject and placed from there."""

    def __init__(self, drawing: Drawing, scale: float) -> None:
        super().__init__()
        self.drawing, self.scale = drawing, scale
        self.width, self.height = drawing.width * scale, drawing.height * scale
        self.hAlign = "LEFT"

    def wrap(self, _avail_width: float, _avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.beginForm(LOGO_FORM, lowerx=0, lowery=0, upperx=self.width, uppery=self.height)
        canvas.scale(self.scale, self.scale)
        renderPDF.draw(self.drawing, canvas, 0, 0)
        canvas.endForm()
        canvas.doForm(LOGO_FORM)


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
