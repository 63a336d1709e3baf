"""The provider's branding shown in the portal header, on the sign-in pages and on documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from portal_app.models import Organisation, PortalHost
from portal_app.services.accounts.logos import STORED_NAME, logo_file

DEFAULT_NAME = "Customer portal"
DEFAULT_COLOUR = "#0f766e"
LOGO_ROUTE = "/api/logos/{slug}"
HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MIN_CONTRAST = 4.5  # WCAG AA for text: white words on a button in the brand colour


@dataclass(frozen=True)
class Branding:
    """Name, logo, colour and contact details of the provider; `logo_file` is where its logo's file is on disk."""

    name: str = DEFAULT_NAME
    logo_url: str = ""
    colour: str = DEFAULT_COLOUR
    address: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    logo_file: str = ""
    slug: str = ""


def branding_of(organisation: Organisation | None) -> Branding:
    """The organisation's branding, or the neutral default when there is none."""
    if organisation is None:
        return Branding()
    stored = logo_file(organisation.logo_path)
    return Branding(
        name=organisation.name,
        logo_url=logo_url(organisation) if stored is not None else "",
        colour=organisation.brand_colour or DEFAULT_COLOUR,
        address=organisation.address,
        email=organisation.email,
        phone=organisation.phone,
        website=organisation.website,
        logo_file=str(stored) if stored is not None else "",
        slug=organisation.slug,
    )


def logo_url(organisation: Organisation) -> str:
    """Where browsers fetch the logo: an upload through the logo route (its name in the query, so a new logo is
    fetched afresh), a demo logo under assets/ as the static file it is."""
    path = organisation.logo_path or ""
    if STORED_NAME.match(path):
        return f"{LOGO_ROUTE.format(slug=organisation.slug)}?v={path[:12]}"
    return path


def sign_in_branding(db: Session, host: object, slug: object) -> Branding:
    """The look of the signed-out pages: the organisation named by `?org=<slug>`, else the one whose portal host
    name this is, else the neutral portal look (an unknown name says nothing about why)."""
    organisation = organisation_by_slug(db, slug) or _organisation_by_host(db, host)
    return branding_of(organisation)


def organisation_by_slug(db: Session, slug: object) -> Organisation | None:
    """The organisation with this public slug (what sign-in links and the logo route name), or None."""
    if not isinstance(slug, str) or not SLUG.match(slug.strip().lower()):
        return None
    return db.exec(select(Organisation).where(Organisation.slug == slug.strip().lower())).first()


def published_logo(db: Session, slug: object) -> Path | None:
    """The logo file of the organisation with this slug (logos are public: sign-in pages show them), or None."""
    organisation = organisation_by_slug(db, slug)
    return logo_file(organisation.logo_path) if organisation is not None else None


def host_name(host: object) -> str:
    """The host name of a Host header ("Portal.Example:8443" -> "portal.example")."""
    if not isinstance(host, str):
        return ""
    name = host.strip().lower()
    if name.startswith("["):  # an IPv6 literal is nobody's portal host
        return ""
    return name.rsplit(":", 1)[0].rstrip(".")[:253]


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on this #rrggbb colour (1 to 21)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def _organisation_by_host(db: Session, host: object) -> Organisation | None:
    name = host_name(host)
    if not name:
        return None
    mapping = db.get(PortalHost, name)
    return db.get(Organisation, mapping.organisation_id) if mapping is not None else None
