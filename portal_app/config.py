"""Settings read once from the environment, with documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# What the running portal writes (the SQLite database with its -wal/-shm files, the mail outbox, the secret key)
# stays in var/, outside the sources `reflex run` watches (rxconfig.py), so writing it never reloads the backend.
VAR = ROOT / "var"
DEFAULT_DB_URL = f"sqlite:///{VAR / 'portal.db'}"
DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"
LOCAL_HOSTS = ("localhost", "127.0.0.1")
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Settings:
    """Every setting the portal reads; README lists them all."""

    db_url: str
    public_url: str
    smtp_url: str | None
    mail_from: str
    outbox_dir: Path
    attachments_dir: Path  # ticket attachments (served by /api/attachments/{id}, never as static files)
    logos_dir: Path  # uploaded company logos (served by /api/logos/{slug}, never as static files)
    session_days_remembered: int
    session_hours_browser: int
    # Idle limits: a session nobody used for this long ends, whatever its absolute expiry.
    session_idle_minutes_browser: int
    session_idle_days_remembered: int
    login_max_failures: int
    login_lockout_minutes: int
    bcrypt_rounds: int
    # Online payments: the platform's secret key (empty: no card payments anywhere), the webhook signing
    # secret of the /api/stripe/webhook endpoint, and the API base (tests point it at a local fake).
    stripe_secret_key: str
    stripe_webhook_secret: str
    stripe_api_base: str
    # Browser origins allowed to call the API and open the event websocket (CORS and Socket.IO), and
    # how many reverse proxies in front append to X-Forwarded-For (0: the header is ignored).
    allowed_origins: tuple[str, ...]
    trusted_proxy_hops: int

    @property
    def https(self) -> bool:
        """Whether browsers reach the portal over HTTPS (then HSTS is sent)."""
        return self.public_url.startswith("https://")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def origin_of(url: str) -> str:
    """The browser origin of a URL: scheme://host[:port], the default port left out."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = "" if parts.port in (None, DEFAULT_PORTS.get(scheme)) else f":{parts.port}"
    return f"{scheme}://{host}{port}"


def _allowed_origins(public_url: str) -> tuple[str, ...]:
    """PORTAL_ALLOWED_ORIGINS (comma-separated), else the public URL's origin (both loopback names locally)."""
    raw = os.environ.get("PORTAL_ALLOWED_ORIGINS") or ""
    if raw.strip():
        return tuple(origin_of(origin) for origin in raw.split(",") if origin.strip())
    origin = origin_of(public_url)
    parts = urlsplit(origin)
    if parts.hostname not in LOCAL_HOSTS:
        return (origin,)
    port = f":{parts.port}" if parts.port else ""
    return tuple(f"{parts.scheme}://{host}{port}" for host in LOCAL_HOSTS)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this process (read once)."""
    public_url = (os.environ.get("PORTAL_PUBLIC_URL") or "http://localhost:3000").rstrip("/")
    return Settings(
        db_url=os.environ.get("REFLEX_DB_URL") or DEFAULT_DB_URL,
        public_url=public_url,
        smtp_url=os.environ.get("PORTAL_SMTP_URL") or None,
        mail_from=os.environ.get("PORTAL_MAIL_FROM") or "Portal <no-reply@portal.localhost>",
        outbox_dir=Path(os.environ.get("PORTAL_OUTBOX_DIR") or VAR / "outbox"),
        attachments_dir=Path(os.environ.get("PORTAL_ATTACHMENTS_DIR") or VAR / "attachments"),
        logos_dir=Path(os.environ.get("PORTAL_LOGOS_DIR") or VAR / "logos"),
        session_days_remembered=_int("PORTAL_SESSION_DAYS_REMEMBERED", 30),
        session_hours_browser=_int("PORTAL_SESSION_HOURS_BROWSER", 12),
        session_idle_minutes_browser=_int("PORTAL_SESSION_IDLE_MINUTES_BROWSER", 30),
        session_idle_days_remembered=_int("PORTAL_SESSION_IDLE_DAYS_REMEMBERED", 7),
        login_max_failures=_int("PORTAL_LOGIN_MAX_FAILURES", 5),
        login_lockout_minutes=_int("PORTAL_LOGIN_LOCKOUT_MINUTES", 15),
        bcrypt_rounds=_int("PORTAL_BCRYPT_ROUNDS", 12),
        stripe_secret_key=os.environ.get("PORTAL_STRIPE_SECRET_KEY") or "",
        stripe_webhook_secret=os.environ.get("PORTAL_STRIPE_WEBHOOK_SECRET") or "",
        stripe_api_base=(os.environ.get("PORTAL_STRIPE_API_BASE") or DEFAULT_STRIPE_API_BASE).rstrip("/"),
        allowed_origins=_allowed_origins(public_url),
        trusted_proxy_hops=max(0, _int("PORTAL_TRUSTED_PROXY_HOPS", 0)),
    )
