"""Markdown to safe HTML for help-center articles: CommonMark without raw HTML, then an nh3 allow-list."""

from __future__ import annotations

import re
from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    *(f"h{level}" for level in range(2, 7)),
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "a",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"
TEXT_TOKENS = ("text", "text_special", "code_inline")
_SPACES = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _source(text: object) -> str:
    """Markdown source as text: anything but a string is empty, and a lone surrogate (not valid Unicode, so
    nh3 cannot take it) becomes U+FFFD, as CommonMark does with NUL."""
    return _SURROGATES.sub("\ufffd", text) if isinstance(text, str) else ""


@cache
def _parser() -> MarkdownIt:
    """CommonMark with raw HTML switched off, plus GitHub-style tables."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: object) -> str:
    """Article Markdown as sanitised HTML. The page title is the only h1: when the text uses # headings,
    every heading moves one level down."""
    tokens = _parser().parse(_source(text))
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    if any(token.tag == "h1" for token in headings):
        for token in headings:
            token.tag = f"h{min(6, int(token.tag[1]) + 1)}"
    raw = _parser().renderer.render(tokens, _parser().options, {})
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def plain_text(text: object) -> str:
    """The readable text of article Markdown on one line (paragraph text first, headings left out)."""
    tokens = _parser().parse(_source(text))
    paragraphs: list[str] = []
    for index, token in enumerate(tokens):
        if token.type == "inline" and index and tokens[index - 1].type == "paragraph_open":
            paragraphs.append(
                "".join(
                    child.content if child.type in TEXT_TOKENS else " "
                    for child in token.children or []
                    if child.type in (*TEXT_TOKENS, "softbreak", "hardbreak")
                )
            )
    return _SPACES.sub(" ", " ".join(paragraphs)).strip()


def excerpt(text: object, length: int = 160) -> str:
    """The first `length` characters of the article's plain text, cut at a word, with an ellipsis when cut."""
    plain = plain_text(text)
    if len(plain) <= length:
        return plain
    cut = plain[:length].rsplit(" ", 1)[0].rstrip(" ,.;:-")
    return f"{cut}…"
