"""Settings → Company profile (services/console/company_profile.py, services/accounts/logos.py): every field is
checked before anything changes, logos are checked from their content, only the organisation's admins reach it,
and every change is audited."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import reflex as rx
from factories import make_organisation, make_user, principal_for
from PIL import Image
from sqlmodel import select
from test_handler_guards import fresh_state, run

from portal_app.config import settings
from portal_app.errors import PortalError
from portal_app.models import AuditEntry, Organisation, PortalHost, PortalUser, StaffRole
from portal_app.services.access import NotAdmin
from portal_app.services.accounts import sessions
from portal_app.services.accounts.branding import branding_of, contrast_with_white
from portal_app.services.console.company_profile import (
    ProfileChange,
    company_profile,
    remove_logo,
    save_company_profile,
    save_logo,
)
from portal_app.state.staff_company import StaffCompanyState

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    b'<rect width="40" height="40" fill="#0f766e"/><text x="48" y="26">Acme</text></svg>'
)


@pytest.fixture(autouse=True)
def logos_dir(env, monkeypatch):
    folder = env / "logos"
    monkeypatch.setenv("PORTAL_LOGOS_DIR", str(folder))
    settings.cache_clear()
    return folder


@pytest.fixture
def admin(db, acme):
    user = make_user(db, email="ada@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    return principal_for(db, user)


def png(size: tuple[int, int] = (200, 50)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#0f766e").save(out, format="PNG")
    return out.getvalue()


def change(**fields: object) -> ProfileChange:
    values = {
        "name": "Acme Broadband",
        "address": "1 Main Street\nSpringfield",
        "email": "Help@Acme.example",
        "phone": "+1 555 0100",
        "website": "acme.example",
        "colour": "#0F766E",
        "hosts": "Portal.Acme.example\nportal.acme.example",
    }
    return ProfileChange(**(values | fields))


def audit(db) -> list[tuple[str, str]]:
    return [(entry.action, entry.detail) for entry in db.exec(select(AuditEntry).order_by(AuditEntry.id))]


def test_saving_the_profile_normalises_each_field_and_is_audited(db, acme, admin):
    shown = save_company_profile(db, admin, change(), client_ip="203.0.113.9")
    db.commit()

    assert shown.email == "help@acme.example"
    assert shown.website == "https://acme.example"
    assert shown.colour == "#0f766e"
    assert shown.hosts == "portal.acme.example"
    assert db.exec(select(PortalHost.host).where(PortalHost.organisation_id == acme.id)).all() == [
        "portal.acme.example"
    ]
    [(action, detail)] = audit(db)
    assert action == "Changed company profile"
    assert "address" in detail and "host names" in detail
    assert db.exec(select(AuditEntry.client_ip)).one() == "203.0.113.9"


def test_saving_the_same_profile_again_writes_no_second_entry(db, acme, admin):
    save_company_profile(db, admin, change())
    db.commit()
    save_company_profile(db, admin, change())
    db.commit()
    assert len(audit(db)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "  ", "Enter the company name."),
        ("colour", "teal", "six hex digits"),
        ("colour", "#fde047", "too light"),  # yellow: white text on it cannot be read
        ("colour", "#22c55e", "needs at least 4.5:1"),
        ("email", "help at acme", "valid email address"),
        ("phone", "call us", "phone number"),
        ("website", "javascript:alert(1)", "website's address"),
        ("hosts", "https://portal.acme.example/login", "host names only"),
        ("hosts", "portal", "not a valid host name"),
        ("hosts", "10.0.0.1", "not a host name"),
        ("hosts", "bad_host.example", "not a valid host name"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_changes_nothing(db, acme, admin, field, value, message):
    before = (acme.name, acme.brand_colour, acme.email)
    with pytest.raises(PortalError, match=message) as refused:
        save_company_profile(db, admin, change(**{field: value}))
    db.rollback()
    assert refused.value.field == field
    db.refresh(acme)
    assert (acme.name, acme.brand_colour, acme.email) == before
    assert audit(db) == []


def test_the_contrast_rule_follows_wcag():
    assert contrast_with_white("#000000") == pytest.approx(21)
    assert contrast_with_white("#ffffff") == pytest.approx(1)
    assert contrast_with_white("#0f766e") > 4.5 > contrast_with_white("#14b8a6")


def test_a_host_name_belongs_to_one_organisation_only(db, acme, admin):
    harbor = make_organisation(db, slug="harbor", name="Harbor Web Studio")
    db.add(PortalHost(host="portal.harbor.example", organisation_id=harbor.id))
    db.commit()
    with pytest.raises(PortalError, match="already used by another organisation") as refused:
        save_company_profile(db, admin, change(hosts="portal.acme.example\nPORTAL.HARBOR.EXAMPLE"))
    db.rollback()
    assert refused.value.field == "hosts"
    assert db.exec(select(PortalHost.organisation_id).where(PortalHost.host == "portal.harbor.example")).one() == (
        harbor.id
    )


def test_host_names_can_be_replaced_and_cleared(db, acme, admin):
    save_company_profile(db, admin, change(hosts="a.acme.example b.acme.example"))
    db.commit()
    shown = save_company_profile(db, admin, change(hosts="b.acme.example, c.acme.example"))
    db.commit()
    assert shown.hosts == "b.acme.example\nc.acme.example"
    assert save_company_profile(db, admin, change(hosts="")).hosts == ""


@pytest.mark.parametrize("role", [StaffRole.AGENT, None])
def test_agents_and_customers_cannot_read_or_change_the_profile(db, acme, bea, role):
    agent = principal_for(db, make_user(db, email="ag@acme.example", staff_organisation_id=acme.id, staff_role=role))
    for who in (agent, bea):
        with pytest.raises(NotAdmin):
            company_profile(db, who)
        with pytest.raises(NotAdmin):
            save_company_profile(db, who, change(name="Taken over"))
        with pytest.raises(NotAdmin):
            save_logo(db, who, "logo.png", png())
    db.refresh(acme)
    assert acme.name == "Acme Broadband"
    assert acme.logo_path is None


def test_an_admin_changes_only_their_own_organisation(db, acme, admin):
    harbor = make_organisation(db, slug="harbor", name="Harbor Web Studio")
    save_company_profile(db, admin, change(name="Acme Fibre"))
    save_logo(db, admin, "logo.png", png())
    db.commit()
    db.refresh(harbor)
    assert (harbor.name, harbor.logo_path) == ("Harbor Web Studio", None)
    assert db.get(Organisation, acme.id).name == "Acme Fibre"
    assert {entry.organisation_id for entry in db.exec(select(AuditEntry))} == {acme.id}


@pytest.mark.parametrize(("filename", "content", "kind"), [("logo.PNG", png(), "png"), ("mark.svg", SVG, "svg")])
def test_a_logo_is_stored_outside_the_static_files_under_a_random_name(
    db, acme, admin, logos_dir, filename, content, kind
):
    url = save_logo(db, admin, filename, content, client_ip="203.0.113.9").logo_url
    db.commit()
    db.refresh(acme)

    stored = logos_dir / acme.logo_path
    assert stored.read_bytes() == content
    assert stored.suffix == f".{kind}" and filename.split(".")[0] not in stored.name
    assert url.startswith(f"/api/logos/{acme.slug}?v=")
    assert branding_of(acme).logo_file == str(stored)
    assert audit(db) == [("Changed company logo", f"{kind.upper()} logo, {len(content):,} bytes")]


def test_a_new_logo_replaces_the_old_file_and_removing_it_goes_back_to_the_name(db, acme, admin, logos_dir):
    save_logo(db, admin, "one.png", png())
    db.commit()
    first = logos_dir / db.get(Organisation, acme.id).logo_path
    save_logo(db, admin, "two.svg", SVG)
    db.commit()
    assert not first.exists()
    shown = remove_logo(db, admin)
    db.commit()
    assert (shown.has_logo, shown.logo_url) == (False, "")
    assert list(logos_dir.iterdir()) == []
    assert [action for action, _ in audit(db)][-1] == "Removed company logo"


JPEG = io.BytesIO()
Image.new("RGB", (64, 64), "#123456").save(JPEG, format="JPEG")


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("logo.svg", png(), "named logo.svg but is a PNG image"),
        ("logo.png", JPEG.getvalue(), "named logo.png but is a JPEG image"),
        ("logo.svg", SVG.replace(b"</svg>", b"<script>alert(1)</script></svg>"), "scripts"),
        ("logo.svg", SVG.replace(b"<rect ", b'<rect onload="alert(1)" '), "scripts"),
        ("logo.svg", SVG.replace(b"</svg>", b'<image href="https://evil.example/x.png"/></svg>'), "other files"),
        (
            "logo.svg",
            SVG.replace(b"</svg>", b'<use xlink:href="other.svg#a" xmlns:xlink="http://www.w3.org/1999/xlink"/></svg>'),
            "other files",
        ),
        (
            "logo.svg",
            SVG.replace(b"</svg>", b"<style>@import url(https://evil.example/a.css);</style></svg>"),
            "other files",
        ),
        ("logo.svg", SVG.replace(b"</svg>", b"<foreignObject><div/></foreignObject></svg>"), "scripts"),
        ("logo.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "boom">]>' + SVG, "scripts"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect", "not a readable SVG"),
        ("logo.png", png((5000, 40)), "at most 4000"),
        ("logo.png", png()[:60], "not a readable PNG"),
        ("logo.gif", b"GIF89a" + bytes(100), "not a PNG, JPEG or SVG"),
        ("logo.html", b"<html><script>alert(1)</script></html>", "not a PNG, JPEG or SVG"),
        ("logo.png", png() + bytes(1_000_001), "larger than 1 MB"),
        ("logo.png", b"", "Choose a PNG"),
    ],
)
def test_bad_logos_are_refused_and_nothing_is_stored(db, acme, admin, logos_dir, filename, content, message):
    with pytest.raises(PortalError, match=message) as refused:
        save_logo(db, admin, filename, content)
    db.rollback()
    assert refused.value.field == "logo"
    db.refresh(acme)
    assert acme.logo_path is None
    assert not logos_dir.exists() or list(logos_dir.iterdir()) == []
    assert audit(db) == []


class _Untouchable(io.BytesIO):
    """An upload that must not be read: the handler checks who is asking first."""

    def read(self, *_args):
        raise AssertionError("the upload was read before the session was checked")


def _upload(db, principal_email: str, upload: rx.UploadFile) -> StaffCompanyState:
    user = db.exec(select(PortalUser).where(PortalUser.email == principal_email)).one()
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    state = fresh_state(StaffCompanyState, token)
    run(StaffCompanyState.event_handlers["upload_logo"], state, [[upload]])
    return state


def test_the_upload_handler_stores_an_admins_logo(db, acme, admin, logos_dir):
    state = _upload(db, "ada@acme.example", rx.UploadFile(file=io.BytesIO(png()), path=Path("wordmark.png")))
    db.expire_all()
    assert db.get(Organisation, acme.id).logo_path.endswith(".png")
    assert state.notice.startswith("Logo saved.")
    assert state.logo_src.endswith(branding_of(db.get(Organisation, acme.id)).logo_url)


def test_the_upload_handler_refuses_at_the_field(db, acme, admin, logos_dir):
    state = _upload(db, "ada@acme.example", rx.UploadFile(file=io.BytesIO(png()), path=Path("wordmark.svg")))
    assert "is a PNG image" in state.field_errors["company-logo-file"]
    assert db.get(Organisation, acme.id).logo_path is None


@pytest.mark.parametrize("role", [StaffRole.AGENT, None])
def test_the_upload_handler_reads_nothing_for_an_agent(db, acme, logos_dir, role):
    make_user(db, email="ag@acme.example", staff_organisation_id=acme.id, staff_role=role)
    _upload(db, "ag@acme.example", rx.UploadFile(file=_Untouchable(png()), path=Path("logo.png")))
    assert db.get(Organisation, acme.id).logo_path is None
    assert not logos_dir.exists()
