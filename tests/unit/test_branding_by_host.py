"""The signed-out pages show the provider chosen by ?org=<slug> or by the host name the portal is reached at
(services/accounts/branding.py, state/sign_in_branding.py); anything unknown gets the neutral look. The logo they
show comes from the public route GET /api/logos/{slug} (api/logos.py)."""

from __future__ import annotations

import asyncio

import pytest
from factories import make_organisation
from reflex.istate.data import RouterData
from reflex.state import State
from starlette.testclient import TestClient

from portal_app.api import api_app
from portal_app.config import settings
from portal_app.models import PortalHost
from portal_app.services.accounts.branding import DEFAULT_NAME, host_name, sign_in_branding
from portal_app.state.sign_in_branding import SignInBrandingState

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"/></svg>'


@pytest.fixture
def logos_dir(env, monkeypatch):
    folder = env / "logos"
    folder.mkdir()
    monkeypatch.setenv("PORTAL_LOGOS_DIR", str(folder))
    settings.cache_clear()
    return folder


@pytest.fixture
def northwind(db, logos_dir):
    (logos_dir / f"{'a' * 32}.svg").write_bytes(SVG)
    organisation = make_organisation(
        db, slug="northwind", name="Northwind Fiber", brand_colour="#1d4ed8", logo_path=f"{'a' * 32}.svg"
    )
    db.add(PortalHost(host="portal.northwind.example", organisation_id=organisation.id))
    db.commit()
    return organisation


@pytest.fixture
def harbor(db):
    return make_organisation(db, slug="harbor", name="Harbor Web Studio", brand_colour="#7c2d12")


def test_the_host_name_chooses_the_organisation(db, northwind):
    branding = sign_in_branding(db, "Portal.Northwind.Example:443", "")
    assert (branding.name, branding.colour, branding.slug) == ("Northwind Fiber", "#1d4ed8", "northwind")
    assert branding.logo_url == f"/api/logos/northwind?v={'a' * 12}"


def test_org_in_the_address_chooses_the_organisation_even_on_another_host(db, northwind, harbor):
    assert sign_in_branding(db, "localhost", "harbor").name == "Harbor Web Studio"
    assert sign_in_branding(db, "portal.northwind.example", "Harbor").name == "Harbor Web Studio"


@pytest.mark.parametrize(
    ("host", "slug"),
    [
        ("localhost:3000", ""),
        ("portal.unknown.example", ""),
        ("localhost", "no-such-org"),
        ("localhost", "../northwind"),
        ("localhost", "northwind' OR 1=1 --"),
        (None, {"slug": "northwind"}),
        ("[::1]:3000", ""),
    ],
)
def test_anything_unknown_gets_the_neutral_look(db, northwind, host, slug):
    branding = sign_in_branding(db, host, slug)
    assert (branding.name, branding.logo_url, branding.slug) == (DEFAULT_NAME, "", "")


def test_host_names_are_read_without_port_case_or_trailing_dot():
    assert host_name("Portal.Example.:8443") == "portal.example"
    assert host_name("portal.example") == "portal.example"
    assert host_name(42) == ""


def _page_state(origin: str, path: str) -> SignInBrandingState:
    root = State(_reflex_internal_init=True)
    state = root.get_substate(SignInBrandingState.get_full_name().split(".")[1:])
    router = RouterData.from_router_data({"headers": {"origin": origin}, "asPath": path})
    asyncio.run(state._show_branding_for(router))
    return state


def test_the_sign_in_page_state_takes_the_look_from_its_address(db, northwind, harbor):
    by_host = _page_state("https://portal.northwind.example", "/portal/login")
    assert (by_host.brand_name, by_host.brand_colour, by_host.brand_query) == ("Northwind Fiber", "#1d4ed8", "")
    assert by_host.brand_logo.endswith(f"/api/logos/northwind?v={'a' * 12}")  # on the API port in dev mode

    by_slug = _page_state("http://localhost:3000", "/portal/forgot-password?org=harbor")
    assert (by_slug.brand_name, by_slug.brand_logo, by_slug.brand_query) == ("Harbor Web Studio", "", "?org=harbor")

    neutral = _page_state("http://localhost:3000", "/portal/login?org=nobody")
    assert (neutral.brand_name, neutral.brand_logo, neutral.brand_colour, neutral.brand_query) == ("", "", "", "")


def test_the_logo_route_serves_an_svg_as_an_image_only(db, northwind):
    answer = TestClient(api_app).get("/api/logos/northwind")
    assert answer.status_code == 200
    assert answer.content == SVG
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["x-content-type-options"] == "nosniff"
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy


def test_the_logo_route_serves_png_with_its_type(db, logos_dir, harbor):
    png = b"\x89PNG\r\n\x1a\n" + bytes(20)
    (logos_dir / f"{'b' * 32}.png").write_bytes(png)
    harbor.logo_path = f"{'b' * 32}.png"
    db.add(harbor)
    db.commit()
    answer = TestClient(api_app).get("/api/logos/harbor")
    assert (answer.status_code, answer.headers["content-type"], answer.content) == (200, "image/png", png)


@pytest.mark.parametrize("slug", ["harbor", "nobody", "..%2F..%2Fetc", "northwind%00"])
def test_no_logo_is_a_plain_404(db, northwind, harbor, slug):
    answer = TestClient(api_app).get(f"/api/logos/{slug}")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/plain")


def test_a_missing_logo_file_is_a_404_not_an_error(db, northwind, logos_dir):
    (logos_dir / f"{'a' * 32}.svg").unlink()
    assert TestClient(api_app).get("/api/logos/northwind").status_code == 404
    assert sign_in_branding(db, "portal.northwind.example", "").logo_url == ""
