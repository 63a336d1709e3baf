"""Reflex configuration: database and Redis come from REFLEX_* environment variables.

CORS (the API's Access-Control-Allow-Origin and Socket.IO's check of the event websocket's Origin)
admits only the portal's own origins: PORTAL_ALLOWED_ORIGINS, else the origin of PORTAL_PUBLIC_URL.
"""

import os
from pathlib import Path

import reflex as rx

from portal_app.config import DEFAULT_DB_URL, settings

# The repo installs its own pinned bun (Reflex's download needs the open internet).
_REPO_BUN = Path(__file__).resolve().parent / ".tools" / "node_modules" / ".bin" / "bun"
_bun = {"bun_path": _REPO_BUN} if _REPO_BUN.exists() else {}

_redis_url = os.environ.get("REFLEX_REDIS_URL") or None

config = rx.Config(
    app_name="portal_app",
    db_url=os.environ.get("REFLEX_DB_URL") or DEFAULT_DB_URL,
    redis_url=_redis_url,
    # One process without Redis keeps tab state in memory (bench/RESULTS.md: the disk manager's
    # pickle file per state and event cost a fifth of a busy worker). Nothing is lost on a restart
    # that matters: who is signed in lives in the database, and the browser sends its cookie again.
    # Several workers need Redis, which then holds the state.
    state_manager_mode="redis" if _redis_url else "memory",
    cors_allowed_origins=list(settings().allowed_origins),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    **_bun,
)
