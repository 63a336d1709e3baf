"""Settings → Company profile in the browser: an admin uploads a logo (a bad one is refused at the field), changes
the name and the brand colour (a too-light one is refused); a fresh browser then sees them on
/portal/login?org=<slug>, and the customer's invoice PDF carries the logo.

The test brings its own organisation, so renaming it changes nothing the other browser tests rely on."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import create_engine
from sqlmodel import Session, select

from portal_app.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Membership,
    Organisation,
    PortalUser,
    StaffRole,
)

from .helpers import DEMO, DEMO_PASSWORD, check_page, h1, sign_in, wait_hydrated

COLOUR = "#6d28d9"  # violet: white text on it reads well
COLOUR_RGB = "rgb(109, 40, 217)"


def _brightline(portal_db: Path) -> tuple[str, str, str]:
    """A new organisation with an admin, and a customer with a person and an invoice: (slug, admin, customer's
    person); both sign in with the demo password."""
    tag = uuid.uuid4().hex[:6]
    slug, admin, person = f"brightline-{tag}", f"admin-{tag}@brightline.example", f"pat-{tag}@example.com"
    engine = create_engine(f"sqlite:///{portal_db}")
    with Session(engine) as db:
        password_hash = db.exec(select(PortalUser.password_hash).where(PortalUser.email == DEMO)).one()
        organisation = Organisation(slug=slug, name=f"Brightline {tag}", brand_colour="#0f766e")
        db.add(organisation)
        db.flush()
        db.add(
            PortalUser(
                email=admin,
                name="Bri Admin",
                password_hash=password_hash,
                staff_organisation_id=organisation.id,
                staff_role=StaffRole.ADMIN,
            )
        )
        customer = Customer(organisation_id=organisation.id, name="Pat's Plumbing", email=person)
        user = PortalUser(email=person, name="Pat", password_hash=password_hash)
        db.add_all([customer, user])
        db.flush()
        db.add(Membership(portal_user_id=user.id, customer_id=customer.id))
        invoice = Invoice(
            customer_id=customer.id,
            number=f"BRI-{tag}",
            state=InvoiceState.ISSUED,
            issued_on=date(2026, 11, 1),
            due_on=date(2026, 11, 30),
            currency="USD",
            total_minor=4_900,
        )
        db.add(invoice)
        db.flush()
        db.add(InvoiceLine(invoice_id=invoice.id, description="Fiber 300", unit_price_minor=4_900, amount_minor=4_900))
        db.commit()
    engine.dispose()
    return slug, admin, person


def _png() -> bytes:
    """A 240 x 60 wordmark: white "Brightline" on the brand colour."""
    picture = Image.new("RGB", (240, 60), COLOUR)
    ImageDraw.Draw(picture).text((20, 12), "Brightline", fill="white", font=ImageFont.load_default(size=30))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _choose_logo(page: Page, name: str, mime: str, content: bytes) -> None:
    page.locator("input[type=file]").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])


def _save(page: Page, **fields: str) -> None:
    for name, value in fields.items():
        page.fill(f"#company-{name}", value)
    page.get_by_role("button", name="Save company profile").click()


def test_admin_brands_the_portal_and_a_fresh_browser_and_the_invoice_pdf_show_it(
    page: Page, portal_db: Path, open_context
) -> None:
    slug, admin, person = _brightline(portal_db)
    tag = slug.rsplit("-", 1)[1]
    new_name = f"Brightline Fiber {tag}"

    page.goto("/staff/settings/company")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff%2Fsettings%2Fcompany"))
    sign_in(page, admin, DEMO_PASSWORD, heading="Settings → Company profile")
    settings = page.get_by_role("navigation", name="Settings")
    expect(settings.get_by_text("Company profile", exact=True)).to_have_attribute("aria-current", "page")
    wait_hydrated(page, "#company-name")

    # A bad logo is refused at the field, and nothing is stored.
    evil = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><script>alert(1)</script></svg>'
    _choose_logo(page, "logo.svg", "image/svg+xml", evil)
    expect(page.locator("#company-logo-file-error")).to_contain_text("scripts")
    expect(page.locator("#current-logo")).to_have_count(0)

    _choose_logo(page, "brightline.png", "image/png", _png())
    expect(page.get_by_role("status").filter(has_text="Logo saved.")).to_be_visible()
    logo = page.locator("#current-logo")
    expect(logo).to_have_attribute("src", re.compile(rf"^/api/logos/{slug}\?v="))
    page.wait_for_function("() => document.querySelector('#current-logo').naturalWidth === 240")

    # A colour white text cannot be read on is refused at its field; a dark one is saved with the new name.
    _save(page, name=new_name, colour="#fde047")
    expect(page.locator("#company-colour-error")).to_contain_text("too light")
    _save(page, name=new_name, colour=COLOUR, hosts=f"portal.{slug}.example")
    expect(page.get_by_role("status").filter(has_text="Company profile saved.")).to_be_visible()
    expect(page.locator("#letterhead-preview")).to_contain_text(new_name)
    check_page(page, "console-company-profile")

    # A fresh browser, signed out, sees the brand on the customer's sign-in page, and keeps it on forgot password.
    visitor = open_context().new_page()
    visitor.goto(f"/portal/login?org={slug}")
    wait_hydrated(visitor, "#email")
    brand_logo = visitor.locator("#sign-in-logo")
    expect(brand_logo).to_have_attribute("alt", new_name)
    visitor.wait_for_function("() => document.querySelector('#sign-in-logo').naturalWidth === 240")
    expect(visitor.get_by_role("button", name="Sign in")).to_have_css("background-color", COLOUR_RGB)
    check_page(visitor, "sign-in-branded")
    visitor.get_by_role("link", name="Forgot password?").click()
    expect(h1(visitor, "Forgot password")).to_be_visible()
    expect(visitor).to_have_url(re.compile(rf"/portal/forgot-password/?\?org={slug}$"))
    expect(visitor.locator("#sign-in-logo")).to_have_attribute("alt", new_name)

    # An unknown organisation gets the neutral look, and says nothing about why.
    stranger = open_context().new_page()
    stranger.goto("/portal/login?org=no-such-provider")
    wait_hydrated(stranger, "#email")
    expect(stranger.get_by_text("Customer portal", exact=True)).to_be_visible()
    expect(stranger.locator("#sign-in-logo")).to_have_count(0)

    # The customer signs in there: the portal header shows the logo and the invoice PDF carries it.
    visitor.goto(f"/portal/login?org={slug}")
    sign_in(visitor, person, DEMO_PASSWORD)
    visitor.goto("/portal/billing")
    expect(visitor.get_by_role("banner").get_by_role("img", name=new_name)).to_be_visible()
    row = visitor.get_by_role("region", name="Recent invoices").locator("tbody tr").first
    href = row.get_by_role("link").first.get_attribute("href")
    response = visitor.request.get(href)
    assert response.status == 200
    first_page = PdfReader(io.BytesIO(response.body())).pages[0]
    kinds = [ref.get_object()["/Subtype"] for ref in first_page["/Resources"]["/XObject"].values()]
    assert "/Image" in kinds
    assert new_name in " ".join(first_page.extract_text().split())
