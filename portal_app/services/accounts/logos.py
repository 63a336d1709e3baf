"""Company logos: an upload checked from its content (PNG, JPEG or a safe SVG), stored under PORTAL_LOGOS_DIR with
a random name, and found again for the logo route, the sign-in pages and the PDF letterhead."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from lxml import etree
from PIL import Image, UnidentifiedImageError
from svglib.svglib import svg2rlg

from portal_app.config import ROOT, settings
from portal_app.errors import PortalError

MAX_BYTES = 1_000_000
MAX_SIDE = 4000  # pixels, either way
MIN_SIDE = 16
ASSETS = ROOT / "assets"
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "svg": "image/svg+xml"}
NAMED = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".svg": "svg"}
READABLE = {"png": "PNG image", "jpg": "JPEG image", "svg": "SVG drawing"}
TYPE_NAMES = {"png": "a PNG image", "jpg": "a JPEG image", "svg": "an SVG drawing"}
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|svg)$")
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run script, embed other documents or pull in other files: an SVG with any of them is refused.
UNSAFE_ELEMENTS = frozenset({"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"})
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
CHOOSE_FILE = "Choose a PNG, JPEG or SVG file for the logo."
NOT_AN_IMAGE = "This file is not a PNG, JPEG or SVG image. Choose a PNG, JPEG or SVG file for the logo."
TOO_BIG = "The logo is larger than 1 MB. Choose a smaller file."
UNSAFE_SVG = "This SVG contains scripts, links or references to other files, which a logo may not have."
BROKEN = "This file is not a readable {kind}. Save it again from your drawing program, or choose another file."


@dataclass(frozen=True)
class CheckedLogo:
    """An upload that passed every check: its kind ("png", "jpg" or "svg") and its bytes."""

    kind: str
    content: bytes


def check_logo(filename: str, content: bytes) -> CheckedLogo:
    """The upload as a logo, or a PortalError(field="logo") saying what is wrong: the type is read from the bytes
    (the name's extension must agree), the size and the image's sides are limited, and an SVG must be plain
    drawing (no scripts, event attributes, external references or entities)."""
    if not content:
        raise PortalError(CHOOSE_FILE, field="logo")
    if len(content) > MAX_BYTES:
        raise PortalError(TOO_BIG, field="logo")
    kind = _kind_of(content)
    named = NAMED.get(Path(filename).suffix.lower())
    if kind is None:
        raise PortalError(NOT_AN_IMAGE, field="logo")
    if named is not None and named != kind:
        raise PortalError(
            f"The file is named {Path(filename).name[:80]} but is {TYPE_NAMES[kind]}. Choose the file again with "
            "the right name, or another file.",
            field="logo",
        )
    if kind == "svg":
        _check_svg(content)
    else:
        _check_raster(content, kind)
    return CheckedLogo(kind=kind, content=content)


def store_logo(logo: CheckedLogo) -> str:
    """Write the logo under the logos folder with a random name; that name (what Organisation.logo_path keeps)."""
    folder = settings().logos_dir
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{logo.kind}"
    partial = folder / f".{name}.part"
    partial.write_bytes(logo.content)
    partial.replace(folder / name)
    return name


def forget_logo(logo_path: str | None) -> None:
    """Remove an uploaded logo's file (a demo logo under assets/ stays); a file already gone is fine."""
    if logo_path and STORED_NAME.match(logo_path):
        (settings().logos_dir / logo_path).unlink(missing_ok=True)


def logo_file(logo_path: str | None) -> Path | None:
    """The file of an organisation's logo: an uploaded one in the logos folder, or a demo logo under assets/
    ("/name.svg"); None when there is none or it is missing."""
    if not logo_path:
        return None
    if STORED_NAME.match(logo_path):
        path = settings().logos_dir / logo_path
    elif logo_path.startswith("/"):
        path = (ASSETS / logo_path.lstrip("/")).resolve()
        if not path.is_relative_to(ASSETS.resolve()) or path.suffix.lower() not in NAMED:
            return None
    else:
        return None
    return path if path.is_file() else None


def content_type(path: Path) -> str:
    """The Content-Type a logo file is served with."""
    return CONTENT_TYPES[NAMED[path.suffix.lower()]]


def _kind_of(content: bytes) -> str | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in content[:4096].lower():
        return "svg"
    return None


def _check_raster(content: bytes, kind: str) -> None:
    try:
        with Image.open(BytesIO(content)) as image:
            if (image.format or "").upper() != {"png": "PNG", "jpg": "JPEG"}[kind]:
                raise PortalError(NOT_AN_IMAGE, field="logo")
            width, height = image.size
            _check_sides(width, height)
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as broken:
        raise PortalError(BROKEN.format(kind=READABLE[kind]), field="logo") from broken


def _check_sides(width: float, height: float) -> None:
    if width > MAX_SIDE or height > MAX_SIDE:
        raise PortalError(
            f"The logo is {width:.0f} by {height:.0f} pixels: at most {MAX_SIDE} either way.", field="logo"
        )
    if width < MIN_SIDE or height < MIN_SIDE:
        raise PortalError(f"The logo is too small: at least {MIN_SIDE} pixels either way.", field="logo")


def _check_svg(content: bytes) -> None:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as broken:
        raise PortalError(BROKEN.format(kind=READABLE["svg"]), field="logo") from broken
    if root.tag != f"{{{SVG_NS}}}svg":
        raise PortalError(BROKEN.format(kind=READABLE["svg"]), field="logo")
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or b"<!ENTITY" in content.upper():
        raise PortalError(UNSAFE_SVG, field="logo")
    for node in root.iter():
        if not isinstance(node.tag, str):  # comments are fine; processing instructions and entities are not
            if isinstance(node, etree._ProcessingInstruction | etree._Entity):
                raise PortalError(UNSAFE_SVG, field="logo")
            continue
        if etree.QName(node).localname in UNSAFE_ELEMENTS or _unsafe_attributes(node):
            raise PortalError(UNSAFE_SVG, field="logo")
        if etree.QName(node).localname == "style" and _external(node.text or ""):
            raise PortalError(UNSAFE_SVG, field="logo")
    for sibling in (*_siblings(root, "getprevious"), *_siblings(root, "getnext")):
        if isinstance(sibling, etree._ProcessingInstruction):
            raise PortalError(UNSAFE_SVG, field="logo")
    drawing = svg2rlg(BytesIO(content))
    if drawing is None or drawing.width <= 0 or drawing.height <= 0:
        raise PortalError(BROKEN.format(kind=READABLE["svg"]), field="logo")


def _unsafe_attributes(node: etree._Element) -> bool:
    for name, value in node.attrib.items():
        local = etree.QName(name).localname.lower()
        if local.startswith("on"):
            return True
        if (name == XLINK_HREF or local == "href") and not value.strip().startswith("#"):
            return True
        if _external(value):
            return True
    return False


def _external(text: str) -> bool:
    """Whether CSS or an attribute refers to anything but a fragment of the drawing itself."""
    return bool(EXTERNAL_URL.search(text)) or "@import" in text.lower()


def _siblings(root: etree._Element, step: str) -> list[etree._Element]:
    found, node = [], getattr(root, step)()
    while node is not None:
        found.append(node)
        node = getattr(node, step)()
    return found
