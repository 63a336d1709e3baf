"""Reflex 0.10's websocket protocol as the browser speaks it, as plain data (no socket here).

What the compiled frontend (utils/state.js and utils/context.jsx of the build) sends:

- socket.io on the Engine.IO path `/_event`, namespace `/_event`, with `?token=<uuid>` (one per
  browser tab, kept in sessionStorage) and, in the CONNECT packet's `auth`, the boot event
  `<root>.hydrate_and_load` with the cookie-backed vars in `payload.vars` (that is how the
  `portal_session` cookie reaches the backend) plus the compiled state schema and hashes.
- every event as `{"name": "<state full name>.<handler>", "payload": {...}, "router_data":
  {"pathname", "asPath", "query"}}`; the token is not repeated (the connection carries it).
- a client-side navigation as two events: `update_vars_internal` (the cookies again) and
  `on_load_internal`; the backend then runs the page's on_load handlers and finally
  `set_is_hydrated(True)`.

The backend answers with `{"delta": {...}, "events": [...]}` updates, one per handler that
changed something. Reflex 0.10 no longer marks a final update (`StateUpdate.final` is
deprecated and unused), so an event is done when the update it ends with arrives: the root
state's `is_hydrated` turning true for a hydrate or a navigation, the handler's own delta for
a plain event, a `_redirect` for a sign-in.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from reflex.state import OnLoadInternalState, State, UpdateVarsInternalState
from reflex_base.constants import CompileVars
from reflex_base.constants.state import FIELD_MARKER

from bench.floor import FloorState
from portal_app.state.billing import HistoryState
from portal_app.state.login import LoginState
from portal_app.state.overview import OverviewState
from portal_app.state.session import SessionCookies, SessionState
from portal_app.state.support import SupportState, ThreadState

NAMESPACE = "/_event"
ROOT = State.get_full_name()
SESSION = SessionState.get_full_name()
LOGIN = LoginState.get_full_name()
OVERVIEW = OverviewState.get_full_name()
HISTORY = HistoryState.get_full_name()
SUPPORT = SupportState.get_full_name()
THREAD = ThreadState.get_full_name()
FLOOR = FloorState.get_full_name()
COOKIES = SessionCookies.get_full_name()
SESSION_COOKIE = f"{COOKIES}.browser_token{FIELD_MARKER}"
REMEMBER_COOKIE = f"{COOKIES}.remembered_token{FIELD_MARKER}"
IS_HYDRATED = f"{CompileVars.IS_HYDRATED}{FIELD_MARKER}"
# The floor tabs sit on a path with no page: no on_load, so their hydrate is the framework's alone.
FLOOR_PATH = "/portal/bench-floor"
# The ids of the toasts sent when a handler raises: Reflex's own, and the portal's outage message.
ERROR_TOASTS = ("backend_error", "portal-unavailable")


def field(name: str) -> str:
    """A var's key in a delta (Reflex suffixes every field name)."""
    return f"{name}{FIELD_MARKER}"


def router_data(path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """What `withRouterData` in state.js attaches: pathname, asPath and query (URL + route params)."""
    pathname, _, search = path.partition("?")
    query = dict(parse_qsl(search)) | (params or {})
    data: dict[str, Any] = {"pathname": pathname, "asPath": path}
    if query:
        data["query"] = query
    return data


def event(name: str, path: str, payload: dict[str, Any] | None = None, params: dict[str, str] | None = None) -> dict:
    """One event as the browser emits it on the `event` channel."""
    message: dict[str, Any] = {"name": name, "router_data": router_data(path, params)}
    if payload:
        message["payload"] = payload
    return message


def hydrate_auth(path: str, cookies: dict[str, str], schema: str | None, hashes: list[str] | None) -> dict:
    """The CONNECT packet's auth: the boot `hydrate_and_load` event (cookies in `vars`) and the schema."""
    payload: dict[str, Any] = {}
    if cookies:
        payload[CompileVars.PAYLOAD_VARS] = dict(cookies)
    if hashes:
        payload[CompileVars.PAYLOAD_HASHES] = list(hashes)
    auth: dict[str, Any] = {
        CompileVars.CONNECT_AUTH_EVENT: event(f"{ROOT}.{CompileVars.HYDRATE_AND_LOAD}", path, payload)
    }
    if schema:
        auth[CompileVars.CONNECT_AUTH_STATE_SCHEMA] = schema
    return auth


def navigation(path: str, cookies: dict[str, str], params: dict[str, str] | None = None) -> list[dict]:
    """The events of a client-side navigation (`onLoadInternalEvent` in the compiled context)."""
    events = []
    if cookies:
        name = f"{UpdateVarsInternalState.get_full_name()}.update_vars_internal"
        events.append(event(name, path, {CompileVars.PAYLOAD_VARS: dict(cookies)}, params))
    events.append(event(f"{OnLoadInternalState.get_full_name()}.on_load_internal", path, None, params))
    return events


def sign_in(email: str, password: str) -> dict:
    """The sign-in form's submit on the login page."""
    form = {"email": email, "password": password}
    return event(f"{LOGIN}.sign_in", "/portal/login", {"form": form})


def ping(path: str) -> dict:
    """The floor's trivial event."""
    return event(f"{FLOOR}.ping", path)


def history_path(page: int) -> str:
    """The billing history page showing invoice page `page`."""
    return f"/portal/billing/history?{urlencode({'invoices': page})}"


def delta_of(update: dict, state: str) -> dict[str, Any]:
    """The part of an update's delta for one state (empty when it did not change)."""
    return (update.get("delta") or {}).get(state) or {}


def hydrated(update: dict) -> bool:
    """Whether the update sets the root state's `is_hydrated` to true (a page load has finished)."""
    return delta_of(update, ROOT).get(IS_HYDRATED) is True


def redirect_target(update: dict) -> str | None:
    """The path of a `_redirect` event in the update, if any."""
    for item in update.get("events") or ():
        if item.get("name") == "_redirect":
            return str((item.get("payload") or {}).get("path", ""))
    return None


def is_error(update: dict) -> bool:
    """Whether the update carries an error toast (a handler raised)."""
    return any(toast in repr(item.get("payload")) for item in update.get("events") or () for toast in ERROR_TOASTS)


def compiled_schema(context_source: str) -> tuple[str | None, list[str] | None]:
    """The state schema and initial-state hashes the compiled frontend sends with its first hydrate."""
    schema = re.search(r'stateSchema = "([^"]+)"', context_source)
    hashes = re.search(r"initialStateHashes = \[([^\]]*)\]", context_source)
    hash_list = re.findall(r'"([^"]+)"', hashes.group(1)) if hashes else None
    return (schema.group(1) if schema else None), hash_list
