"""Stripe Connect in the test server: connected accounts and their onboarding links, in the SDK's shapes.

`accounts.create` / `accounts.retrieve` are platform calls (no Stripe-Account header). An account the platform
created, or one a test connected with `connected_account` (as if linked in the Dashboard), can be read; any other
`acct_` id gets the 403 Stripe sends for an account the key has no access to. `account_links.create` answers with
a single-use `url` that expires after LINK_LIFETIME (links are not objects Stripe keeps: they are not stored).
`set_status` changes what Stripe says about an account and returns the `account.updated` event payload.
"""

from __future__ import annotations

from typing import Any

CONNECT_NOUNS = frozenset({"accounts", "account_links"})
LINK_LIFETIME = 300  # Stripe: an Account Link's URL is valid for a few minutes
# What Stripe asks of a new account before it can take payments (Stripe lists them all as past due at first).
NEW_ACCOUNT_DUE = ["business_profile.url", "business_type", "external_account", "tos_acceptance.date",
                   "tos_acceptance.ip"]  # fmt: skip
ACCOUNT_TYPES = {"full": "standard", "express": "express", "none": "custom"}


def connect_answer(fake: Any, method: str, parts: list[str], params: dict[str, Any], account: str | None):
    """Stripe's answer to a Connect request (called by StripeFake._handle with its lock held)."""
    if account is not None:
        message = "The test server serves accounts and account links on the platform key only (no Stripe-Account)."
        return 400, {"error": {"type": "invalid_request_error", "message": message}}
    if parts[1] == "account_links":
        return _account_link(fake, params)
    if method == "POST":
        return 200, _create(fake, params)
    found = _account(fake, parts[2])
    return (200, _public(found)) if found is not None else _no_access(parts[2])


def connected_account(fake: Any, account_id: str | None = None, **status: Any) -> dict[str, Any]:
    """An account connected to the platform outside the portal (Dashboard, OAuth), with the id given or a new one:
    charges and payouts enabled and nothing due unless `status` says otherwise (the keys set_status takes).
    Returns it as Stripe shows it."""
    with fake._lock:
        created = _create(fake, {"controller": {"stripe_dashboard": {"type": "full"}}})
        account = fake.objects.pop(created["id"])
        account["id"] = account_id or created["id"]
        fake.objects[account["id"]] = account
        _apply(account, {"charges_enabled": True, "payouts_enabled": True, "details_submitted": True,
                         "currently_due": [], "past_due": [], "disabled_reason": None, **status})  # fmt: skip
        return _public(account)


def set_status(fake: Any, account_id: str, **status: Any) -> str:
    """Change what Stripe says about the account (charges_enabled, payouts_enabled, details_submitted,
    currently_due, past_due, disabled_reason, current_deadline) and return the `account.updated` event for it."""
    with fake._lock:
        account = fake.objects[account_id]
        _apply(account, status)
        public = _public(account)
    return fake.event("account.updated", public, account=account_id)


def _create(fake: Any, params: dict[str, Any]) -> dict[str, Any]:
    controller = params.get("controller") or {}
    dashboard = (controller.get("stripe_dashboard") or {}).get("type", "full")
    fields = {
        "object": "account",
        "business_profile": {"name": (params.get("business_profile") or {}).get("name"), "url": None},
        "business_type": params.get("business_type"),
        "capabilities": {},
        "charges_enabled": False,
        "controller": {
            "fees": {"payer": (controller.get("fees") or {}).get("payer", "account")},
            "is_controller": True,
            "losses": {"payments": (controller.get("losses") or {}).get("payments", "stripe")},
            "requirement_collection": controller.get("requirement_collection", "stripe"),
            "stripe_dashboard": {"type": dashboard},
            "type": "application",
        },
        "country": params.get("country", "US"),
        "details_submitted": False,
        "email": params.get("email"),
        "metadata": params.get("metadata") or {},
        "payouts_enabled": False,
        "requirements": _requirements(NEW_ACCOUNT_DUE, NEW_ACCOUNT_DUE, "requirements.past_due"),
        "future_requirements": _requirements([], [], None),
        "type": ACCOUNT_TYPES.get(dashboard, "none"),
    }
    account = fake._new("acct", None, fields)
    del account["livemode"]  # an Account has no livemode field
    return _public(account)


def _requirements(currently_due: list[str], past_due: list[str], disabled_reason: str | None) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(currently_due),
        "disabled_reason": disabled_reason,
        "errors": [],
        "eventually_due": list(currently_due),
        "past_due": list(past_due),
        "pending_verification": [],
    }


def _apply(account: dict[str, Any], status: dict[str, Any]) -> None:
    requirements = account["requirements"]
    for key, value in status.items():
        if key in ("charges_enabled", "payouts_enabled", "details_submitted"):
            account[key] = bool(value)
        elif key in ("currently_due", "past_due"):
            requirements[key] = list(value)
            requirements["eventually_due"] = sorted(set(requirements["eventually_due"]) | set(value))
        elif key in ("disabled_reason", "current_deadline"):
            requirements[key] = value
        else:
            raise KeyError(f"not an account status: {key}")


def _account_link(fake: Any, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """An Account Link; `account_update` only where the platform collects requirements, as Stripe allows."""
    account = _account(fake, params["account"])
    if account is None:
        return _server()._missing(400, "account", params["account"], "account")
    if params["type"] == "account_update" and account["controller"]["requirement_collection"] != "application":
        message = (
            "You cannot create `account_update` type Account Links for accounts with access to a Stripe Dashboard."
        )
        return 400, {"error": {"type": "invalid_request_error", "param": "type", "message": message}}
    created = int(fake.clock())
    number = next(fake._ids)
    url = f"{fake.url}/connect/setup/{account['id']}/{number:06d}"
    return 200, {"object": "account_link", "created": created, "expires_at": created + LINK_LIFETIME, "url": url}


def _account(fake: Any, account_id: str) -> dict[str, Any] | None:
    found = fake._find(account_id, None)
    return found if found is not None and found.get("object") == "account" else None


def _no_access(account_id: str) -> tuple[int, dict[str, Any]]:
    """Stripe's answer when the platform key cannot read an account (not connected to it, or no such account)."""
    message = (
        f"The provided key 'sk_test_********rtal' does not have access to account '{account_id}' (or that account "
        "does not exist). Application access may have been revoked."
    )
    return 403, {"error": {"type": "invalid_request_error", "code": "account_invalid", "message": message,
                           "doc_url": "https://stripe.com/docs/error-codes/account-invalid"}}  # fmt: skip


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return _server()._public(obj)


def _server() -> Any:
    """tests/unit/stripe_fake.py, imported when first needed (it imports this module)."""
    try:
        import stripe_fake
    except ImportError:  # run as `python -m tests.unit.stripe_fake`
        from tests.unit import stripe_fake
    return stripe_fake
