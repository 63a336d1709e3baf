"""The provider's branding shown in the portal header and on documents."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.models import Organisation

DEFAULT_NAME = "Customer portal"
DEFAULT_COLOUR = "#0f766e"


@dataclass(frozen=True)
class Branding:
    """Name, logo, colour and contact details of the provider."""

    name: str = DEFAULT_NAME
    logo_url: str = ""
    colour: str = DEFAULT_COLOUR
    address: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""


def branding_of(organisation: Organisation | None) -> Branding:
    """The organisation's branding, or the neutral default when there is none."""
    if organisation is None:
        return Branding()
    return Branding(
        name=organisation.name,
        logo_url=organisation.logo_path or "",
        colour=organisation.brand_colour or DEFAULT_COLOUR,
        address=organisation.address,
        email=organisation.email,
        phone=organisation.phone,
        website=organisation.website,
    )
