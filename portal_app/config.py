"""Settings read once from the environment, with documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = f"sqlite:///{ROOT / 'portal.db'}"
DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"


@dataclass(frozen=True)
class Settings:
    """Every setting the portal reads; README lists them all."""

    db_url: str
    public_url: str
    smtp_url: str | None
    mail_from: str
    outbox_dir: Path
    session_days_remembered: int
    session_hours_browser: int
    login_max_failures: int
    login_lockout_minutes: int
    bcrypt_rounds: int
    # Online payments: the platform's secret key (empty: no card payments anywhere), the webhook signing
    # secret of the /api/stripe/webhook endpoint, and the API base (tests point it at a local fake).
    stripe_secret_key: str
    stripe_webhook_secret: str
    stripe_api_base: str


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings(
        db_url=os.environ.get("REFLEX_DB_URL") or DEFAULT_DB_URL,
        public_url=(os.environ.get("PORTAL_PUBLIC_URL") or "http://localhost:3000").rstrip("/"),
        smtp_url=os.environ.get("PORTAL_SMTP_URL") or None,
        mail_from=os.environ.get("PORTAL_MAIL_FROM") or "Portal <no-reply@portal.localhost>",
        outbox_dir=Path(os.environ.get("PORTAL_OUTBOX_DIR") or ROOT / "var" / "outbox"),
        session_days_remembered=_int("PORTAL_SESSION_DAYS_REMEMBERED", 30),
        session_hours_browser=_int("PORTAL_SESSION_HOURS_BROWSER", 12),
        login_max_failures=_int("PORTAL_LOGIN_MAX_FAILURES", 5),
        login_lockout_minutes=_int("PORTAL_LOGIN_LOCKOUT_MINUTES", 15),
        bcrypt_rounds=_int("PORTAL_BCRYPT_ROUNDS", 12),
        stripe_secret_key=os.environ.get("PORTAL_STRIPE_SECRET_KEY") or "",
        stripe_webhook_secret=os.environ.get("PORTAL_STRIPE_WEBHOOK_SECRET") or "",
        stripe_api_base=(os.environ.get("PORTAL_STRIPE_API_BASE") or DEFAULT_STRIPE_API_BASE).rstrip("/"),
    )
