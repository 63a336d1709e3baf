"""Settings → Company profile in the console: the organisation's name, contact details, brand colour, portal host
names and logo, each change checked and audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.mail.addresses import normalise_address
from portal_app.models import Organisation, PortalHost
from portal_app.services.access import StaffScope, admin_scope
from portal_app.services.accounts.branding import HEX_COLOUR, MIN_CONTRAST, branding_of, contrast_with_white
from portal_app.services.accounts.logos import check_logo, forget_logo, store_logo
from portal_app.services.accounts.sessions import Principal
from portal_app.services.console.audit import AuditAction, record

MAX_HOSTS = 5
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
PHONE = re.compile(r"^[0-9+()./ -]{4,40}$")
LIMITS = {"name": 120, "address": 400, "phone": 40, "website": 200}


@dataclass(frozen=True)
class CompanyProfile:
    """What the company profile page shows and its form starts from."""

    slug: str
    name: str
    address: str
    email: str
    phone: str
    website: str
    colour: str
    hosts: str  # one per line
    logo_url: str
    has_logo: bool


@dataclass(frozen=True)
class ProfileChange:
    """The form as submitted (every value as the browser sent it; checked here)."""

    name: object
    address: object
    email: object
    phone: object
    website: object
    colour: object
    hosts: object


def company_profile(db: Session, principal: Principal) -> CompanyProfile:
    """The administrator's organisation's profile."""
    return _profile(db, admin_scope(db, principal).organisation)


def save_company_profile(
    db: Session, principal: Principal, change: ProfileChange, *, client_ip: str = ""
) -> CompanyProfile:
    """Check every field (a refusal names its field and changes nothing), save, and audit what changed."""
    staff = admin_scope(db, principal)
    organisation = staff.organisation
    values = {
        "name": _text(change.name, "name", required="Enter the company name."),
        "address": _text(change.address, "address"),
        "email": _email(change.email),
        "phone": _phone(change.phone),
        "website": _website(change.website),
        "brand_colour": _colour(change.colour),
    }
    hosts = _hosts(db, organisation, change.hosts)
    changed = [field for field, value in values.items() if getattr(organisation, field) != value]
    for field in changed:
        setattr(organisation, field, values[field])
    old_hosts = _host_names(db, organisation)
    if hosts != old_hosts:
        _replace_hosts(db, organisation, old_hosts, hosts)
        changed.append("host names")
    if changed:
        db.add(organisation)
        _audit(
            db,
            staff,
            AuditAction.COMPANY_PROFILE,
            client_ip,
            "Changed " + ", ".join(f.replace("_", " ") for f in changed),
        )
    return _profile(db, organisation)


def save_logo(
    db: Session, principal: Principal, filename: object, content: object, *, client_ip: str = ""
) -> CompanyProfile:
    """Check and store an uploaded logo as the organisation's (the old upload's file is removed); the profile as it
    now stands."""
    staff = admin_scope(db, principal)
    if not isinstance(filename, str) or not isinstance(content, bytes):
        raise PortalError("Choose a PNG, JPEG or SVG file for the logo.", field="logo")
    logo = check_logo(filename, content)
    organisation = staff.organisation
    previous = organisation.logo_path
    organisation.logo_path = store_logo(logo)
    db.add(organisation)
    _audit(db, staff, AuditAction.COMPANY_LOGO, client_ip, f"{logo.kind.upper()} logo, {len(content):,} bytes")
    db.flush()
    forget_logo(previous)
    return _profile(db, organisation)


def remove_logo(db: Session, principal: Principal, *, client_ip: str = "") -> CompanyProfile:
    """Go back to the name-only letterhead and sign-in page."""
    staff = admin_scope(db, principal)
    organisation = staff.organisation
    if organisation.logo_path:
        previous, organisation.logo_path = organisation.logo_path, None
        db.add(organisation)
        _audit(db, staff, AuditAction.COMPANY_LOGO_REMOVED, client_ip, "")
        db.flush()
        forget_logo(previous)
    return _profile(db, organisation)


def _audit(db: Session, staff: StaffScope, action: AuditAction, client_ip: str, detail: str) -> None:
    record(db, staff, action, client_ip=client_ip, detail=detail)


def _profile(db: Session, organisation: Organisation) -> CompanyProfile:
    branding = branding_of(organisation)
    return CompanyProfile(
        slug=organisation.slug,
        name=organisation.name,
        address=organisation.address,
        email=organisation.email,
        phone=organisation.phone,
        website=organisation.website,
        colour=organisation.brand_colour,
        hosts="\n".join(_host_names(db, organisation)),
        logo_url=branding.logo_url,
        has_logo=bool(branding.logo_url),
    )


def _text(raw: object, field: str, *, required: str = "") -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if required and not text:
        raise PortalError(required, field=field)
    if len(text) > LIMITS[field]:
        raise PortalError(f"Keep this under {LIMITS[field]} characters.", field=field)
    return text


def _email(raw: object) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return ""
    address = normalise_address(text)
    if address is None:
        raise PortalError("Enter a valid email address, like support@example.com.", field="email")
    return address


def _phone(raw: object) -> str:
    text = _text(raw, "phone")
    if text and (not PHONE.match(text) or sum(c.isdigit() for c in text) < 4):
        raise PortalError("Enter a phone number with digits, like +1 555 0100.", field="phone")
    return text


def _website(raw: object) -> str:
    text = _text(raw, "website")
    if not text:
        return ""
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or " " in text:
        raise PortalError("Enter the website's address, like https://northwind.example.", field="website")
    return text


def _colour(raw: object) -> str:
    text = raw.strip().lower() if isinstance(raw, str) else ""
    if not HEX_COLOUR.match(text):
        raise PortalError("Enter the colour as # and six hex digits, like #0f766e.", field="colour")
    ratio = contrast_with_white(text)
    if ratio < MIN_CONTRAST:
        raise PortalError(
            f"{text} is too light: white text on it has a contrast of {ratio:.1f}:1 and needs at least "
            f"{MIN_CONTRAST}:1 to be readable. Choose a darker shade.",
            field="colour",
        )
    return text


def _hosts(db: Session, organisation: Organisation, raw: object) -> list[str]:
    text = raw if isinstance(raw, str) else ""
    names: list[str] = []
    for entry in re.split(r"[\s,]+", text.strip()):
        if entry:
            name = _host(entry)
            if name not in names:
                names.append(name)
    if len(names) > MAX_HOSTS:
        raise PortalError(f"Enter at most {MAX_HOSTS} host names.", field="hosts")
    if names:
        taken = db.exec(
            select(PortalHost.host).where(
                col(PortalHost.host).in_(names), PortalHost.organisation_id != organisation.id
            )
        ).first()
        if taken is not None:
            raise PortalError(f"{taken} is already used by another organisation's portal.", field="hosts")
    return sorted(names)


def _host(entry: str) -> str:
    name = entry.lower().rstrip(".")
    if "/" in name or ":" in name or "@" in name:
        raise PortalError(
            f"Enter host names only, like portal.northwind.example ({entry[:80]} is not one).", field="hosts"
        )
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise PortalError(f"{entry[:80]} is not a valid host name.", field="hosts") from None
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(HOST_LABEL.match(label) for label in labels):
        raise PortalError(f"{entry[:80]} is not a valid host name, like portal.northwind.example.", field="hosts")
    if labels[-1].isdigit():
        raise PortalError(f"{entry[:80]} is an address, not a host name.", field="hosts")
    return name


def _host_names(db: Session, organisation: Organisation) -> list[str]:
    return list(
        db.exec(select(PortalHost.host).where(PortalHost.organisation_id == organisation.id).order_by(PortalHost.host))
    )


def _replace_hosts(db: Session, organisation: Organisation, old: list[str], new: list[str]) -> None:
    for name in set(old) - set(new):
        mapping = db.get(PortalHost, name)
        if mapping is not None:
            db.delete(mapping)
    for name in set(new) - set(old):
        db.add(PortalHost(host=name, organisation_id=organisation.id))
    db.flush()
