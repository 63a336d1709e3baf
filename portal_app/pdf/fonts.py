"""Embedded TrueType fonts for documents, and safe Paragraph markup that falls back to CJK glyphs."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = "PortalSans"
BOLD = "PortalSans-Bold"
FALLBACK = "PortalFallback"


@lru_cache(maxsize=1)
def register_fonts() -> frozenset[int]:
    """Register DejaVu Sans (regular, bold) and Droid Sans Fallback once; returns DejaVu's code points."""
    regular = TTFont(REGULAR, FONTS / "DejaVuSans.ttf")
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, FONTS / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFont(TTFont(FALLBACK, FONTS / "DroidSansFallbackFull.ttf"))
    for bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD)):
        addMapping(REGULAR, bold, italic, name)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FALLBACK, bold, italic, FALLBACK)
    return frozenset(regular.face.charToGlyph)


def plain(text: str) -> bool:
    """Whether the regular font draws every character, so the text can go into a table cell as is."""
    covered = register_fonts()
    return all(char == "\n" or ord(char) in covered for char in text)


def markup(text: str) -> str:
    """Literal text as Paragraph markup: XML-escaped, newlines as breaks, CJK runs in the fallback font."""
    covered = register_fonts()
    parts: list[str] = []
    fallback_run: list[str] = []
    for char in text.replace("\r\n", "\n").replace("\t", " "):
        if char == "\n" or ord(char) in covered:
            if fallback_run:
                parts.append(_in_fallback(fallback_run))
                fallback_run = []
            parts.append("<br/>" if char == "\n" else escape(char))
        elif unicodedata.category(char) != "Cc":  # other control characters are dropped
            fallback_run.append(char)
    if fallback_run:
        parts.append(_in_fallback(fallback_run))
    return "".join(parts)


def _in_fallback(chars: list[str]) -> str:
    return f'<font name="{FALLBACK}">{escape("".join(chars))}</font>'
