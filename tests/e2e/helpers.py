"""What the browser tests share: Chromium settings, sign-in, screenshots, axe-core and the mail sink."""

from __future__ import annotations

import email
import re
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

DEMO_PASSWORD = "portal-demo"
DEMO = "demo@example.com"  # Alex Morgan, Northwind Fiber
MULTI = "multi@example.com"  # Sam Rivera, customer of Northwind Fiber and Harbor Web Studio
UNLINKED = "unlinked@example.com"  # Jordan Lee, no customer record
CUSTOMER_PAGES = (
    "/portal",
    "/portal/services",
    "/portal/billing",
    "/portal/billing/history",
    "/portal/projects",
    "/portal/support",
    "/portal/support/all",
    "/portal/help",
    "/portal/profile",
)

URL_PATTERN = re.compile(r"https?://[^\s<>\"')]+")
# React attaches its props to a DOM node once it has hydrated it; before that a click does nothing
# (or submits the form natively), so forms wait for this.
# The page root's data-hydrated turns "true" once the page's on_load handlers have run: an event
# sent earlier would be queued before them, and they may reset what it set.
HYDRATED = "sel => { const el = document.querySelector(sel); \
return !!el && Object.keys(el).some(k => k.startsWith('__reactProps')) \
&& !!document.querySelector('.page-root[data-hydrated=\"true\"]'); }"


def at_path(path: str, query: str = "") -> re.Pattern[str]:
    """A URL pattern for a portal path (the production server adds a trailing slash)."""
    tail = rf"\?{query}" if query else r"(?:[?#].*)?"
    return re.compile(rf"^https?://[^/]+{re.escape(path.rstrip('/'))}/?{tail}$")


def wait_hydrated(page: Page, selector: str) -> None:
    """Wait until React has taken over the element (its event handlers are live)."""
    page.wait_for_function(HYDRATED, arg=selector)


def h1(page: Page, name: str):
    """The page's main heading with exactly this text."""
    return page.get_by_role("heading", name=name, exact=True, level=1)


def sign_in(
    page: Page, email_address: str, password: str, remember: bool = False, *, heading: str | None = "Overview"
) -> None:
    """Fill the sign-in form (opening it unless already there) and wait for the page it leads to.

    heading: the h1 expected after signing in; None to wait only for leaving the sign-in page.
    """
    if "/portal/login" not in page.url:
        page.goto("/portal/login")
    wait_hydrated(page, "#email")
    page.fill("#email", email_address)
    page.fill("#password", password)
    if remember:
        page.check("#remember")
    page.get_by_role("button", name="Sign in").click()
    if heading is None:
        expect(page).not_to_have_url(re.compile(r"/portal/login"))
    else:
        expect(h1(page, heading)).to_be_visible()


def snap(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page; fail listing every serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # not add_script_tag: the CSP refuses inline scripts
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + (n.failureSummary || "")
                    .replace(/\\s+/g, " ").slice(0, 240)),
            }));
        }"""
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"- [{v['impact']}] {v['id']}: {v['help']}\n" + "\n".join(f"    {node}" for node in v["nodes"]) for v in serious
    )
    assert not serious, f"axe-core found {len(serious)} serious/critical problem(s) on {page.url}:\n{report}"


def assert_fits_phone(page: Page) -> None:
    """At 390 px wide the page must not scroll sideways; names the elements that stick out."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return
    culprits = page.evaluate(
        """limit => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > limit + 1)
            .slice(0, 8)
            .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ` +
                       `right=${Math.round(el.getBoundingClientRect().right)}`)""",
        PHONE["width"],
    )
    raise AssertionError(f"{page.url} is {width}px wide at a {PHONE['width']}px viewport; sticking out: {culprits}")


def page_problems(page: Page, name: str, *, axe: bool = True) -> list[str]:
    """Screenshot the page at 1280 and 390 px, run axe at both, check the phone layout; list problems.

    For tests that go on after a page: collect, carry on, and assert at the end.
    """
    problems: list[str] = []
    try:
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            snap(page, f"{name}-{size['width']}")
            checks = [assert_accessible] if axe else []
            if size == PHONE:
                checks.append(assert_fits_phone)
            for check in checks:
                try:
                    check(page)
                except AssertionError as problem:
                    problems.append(f"{name} at {size['width']} px: {problem}")
    finally:
        page.set_viewport_size(DESKTOP)
    return problems


def check_page(page: Page, name: str, *, axe: bool = True) -> None:
    """Screenshots at both widths, axe-core and the phone layout; fails listing every problem."""
    problems = page_problems(page, name, axe=axe)
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class Received:
    """One message the SMTP server accepted."""

    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class MailSink:
    """An aiosmtpd handler keeping every message; tests wait on it from their own thread."""

    def __init__(self) -> None:
        self.port = 0
        self._messages: list[Received] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        """aiosmtpd hook: parse and keep the message."""
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        with self._changed:
            self._messages.append(Received(tuple(a.lower() for a in envelope.rcpt_tos), message))
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def count(self) -> int:
        """How many messages arrived so far (pass it as `after` to wait for a newer one)."""
        with self._changed:
            return len(self._messages)

    def wait_for(self, address: str, *, after: int = 0, timeout: float = 30) -> EmailMessage:
        """The first message to the address among those arriving after the first `after` ones."""
        address = address.lower()

        def find() -> EmailMessage | None:
            return next((r.message for r in self._messages[after:] if address in r.rcpt_tos), None)

        with self._changed:
            if not self._changed.wait_for(lambda: find() is not None, timeout=timeout):
                raise AssertionError(f"no email to {address} within {timeout:.0f} s")
            return find()


def first_link(message: EmailMessage) -> str:
    """The first http(s) URL in the message's text."""
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    match = URL_PATTERN.search(text)
    assert match, f"no link in the email {message['Subject']!r}:\n{text}"
    return match.group(0)
