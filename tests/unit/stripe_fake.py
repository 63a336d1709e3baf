"""A local HTTP server that speaks the part of Stripe's API the portal calls, records requests, signs webhooks.

In tests: `with running(monkeypatch) as fake:` points the portal at it. For browser tests run it as a process:
`python -m tests.unit.stripe_fake --port 12111 --webhook-url http://127.0.0.1:3000/api/stripe/webhook
--webhook-secret whsec_test`; its Checkout pages (the session URL) have a Pay button that marks the session paid,
sends the signed checkout.session.completed webhook to the portal and redirects to the success URL.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import itertools
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_portal"
WEBHOOK_SECRET = "whsec_test_portal"
CARDS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_mastercard": ("mastercard", "4444"),
    "pm_card_chargeDeclined": ("visa", "0002"),
    "pm_card_authenticationRequired": ("visa", "3184"),
}
ERRORS = {
    "card_declined": (402, {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                            "message": "Your card was declined."}),
    "authentication_required": (402, {"type": "card_error", "code": "authentication_required",
                                      "decline_code": "authentication_required",
                                      "message": "Your card was declined. This transaction requires authentication."}),
    "idempotency_error": (400, {"type": "idempotency_error", "message": "Keys for idempotent requests can only be "
                                "used with the same parameters they were first used with."}),
    "server_error": (500, {"type": "api_error", "message": "An unknown error occurred."}),
}  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    """One request the fake received: form body (flat Stripe keys), connected account and idempotency key."""

    method: str
    path: str
    form: dict[str, str]
    account: str | None
    idempotency_key: str | None


class Stall:
    """Requests to a route wait unanswered until `release()`: Stripe slower than the portal's timeout."""

    def __init__(self, route: str) -> None:
        self.route = route
        self.held = 0
        self._gate = threading.Event()
        self._changed = threading.Condition()

    def matches(self, request: Request) -> bool:
        return f"{request.method} {request.path}"[: len(self.route)] == self.route

    def hold(self) -> None:
        with self._changed:
            self.held += 1
            self._changed.notify_all()
        self._gate.wait(timeout=60)

    def done(self) -> None:
        with self._changed:
            self.held -= 1
            self._changed.notify_all()

    def release(self) -> None:
        """Let the held requests through and wait until Stripe has handled them (as if it just was slow)."""
        self._gate.set()
        with self._changed:
            self._changed.wait_for(lambda: self.held == 0, timeout=60)


class StripeFake:
    """Stripe's API for checkout sessions, customers, payment intents, payment methods, setup intents, refunds."""

    def __init__(self, *, webhook_url: str = "", webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.requests: list[Recorded] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self._replies: dict[tuple[str | None, str], tuple[str, dict[str, str], int, dict[str, Any]]] = {}
        self._failures: list[tuple[str, str]] = []
        self._stalls: list[Stall] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = None
        self.url = ""

    # -- running ---------------------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on a thread; returns the base URL."""
        self._server = make_server(host, port, self.wsgi, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- test controls -----------------------------------------------------------------------------------------

    def fail_next(self, route: str, kind: str) -> None:
        """The next request to `route` ("POST /v1/payment_intents") fails with a Stripe error of ERRORS[kind]."""
        self._failures.append((route, kind))

    def stall(self, route: str) -> Stall:
        """Requests to `route` get no answer until the returned Stall is released (then they are handled)."""
        stall = Stall(route)
        self._stalls.append(stall)
        return stall

    def calls(self, route: str) -> list[Recorded]:
        """Requests received for "METHOD /path-prefix"."""
        method, _, prefix = route.partition(" ")
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def of_kind(self, prefix: str) -> list[dict[str, Any]]:
        """Objects created whose id starts with the prefix ("pi_", "cs_", "cus_")."""
        return [obj for key, obj in self.objects.items() if key.startswith(prefix)]

    def complete_session(self, session_id: str, *, card: str = "pm_card_visa") -> dict[str, Any]:
        """What paying on the hosted page does: the session is complete, with a succeeded PaymentIntent or a
        SetupIntent holding the card."""
        with self._lock:
            session = self.objects[session_id]
            session["status"] = "complete"
            if session["mode"] == "payment":
                intent = self._new(
                    "pi",
                    {
                        "object": "payment_intent",
                        "amount": session["amount_total"],
                        "amount_received": session["amount_total"],
                        "currency": session["currency"],
                        "status": "succeeded",
                        "payment_method": card,
                        "metadata": dict(session["_intent_metadata"]),
                    },
                )
                session["payment_intent"] = intent["id"]
                session["payment_status"] = "paid"
            else:
                setup = self._new(
                    "seti",
                    {
                        "object": "setup_intent",
                        "status": "succeeded",
                        "customer": session["customer"],
                        "payment_method": card,
                    },
                )
                self._payment_method(card)["customer"] = session["customer"]
                session["setup_intent"] = setup["id"]
                session["payment_status"] = "no_payment_required"
            return _public(session)

    def event(self, kind: str, obj: dict[str, Any], *, account: str | None, event_id: str = "") -> str:
        """A webhook payload for an event about `obj` on the connected account."""
        return json.dumps(
            {
                "id": event_id or f"evt_{next(self._ids):06d}",
                "object": "event",
                "type": kind,
                "account": account,
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "livemode": False,
                "pending_webhooks": 1,
                "data": {"object": _public(obj)},
            }
        )

    def send_webhook(self, payload: str, *, timestamp: int | None = None) -> int:
        """POST a signed payload to the configured webhook URL; returns the HTTP status."""
        request = urllib.request.Request(
            self.webhook_url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(payload, self.webhook_secret, timestamp),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    # -- the HTTP side ---------------------------------------------------------------------------------------------

    def wsgi(self, environ, start_response):
        request = Request(environ)
        stall = next((s for s in self._stalls if s.matches(request)), None)
        if stall is None:
            return self._dispatch(request)(environ, start_response)
        stall.hold()
        try:
            response = self._dispatch(request)
        finally:
            stall.done()
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/pay/"):
            return self._hosted(request, path.removeprefix("/pay/"))
        if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
            return _error(401, {"type": "invalid_request_error", "message": "Invalid API Key provided."})
        form = {key: request.form[key] for key in request.form}
        record = Recorded(
            request.method,
            path,
            form,
            request.headers.get("Stripe-Account"),
            request.headers.get("Idempotency-Key"),
        )
        with self._lock:
            self.requests.append(record)
            failure = next((f for f in self._failures if f[0] == f"{request.method} {path}"[: len(f[0])]), None)
            if failure is not None:
                self._failures.remove(failure)
                status, error = ERRORS[failure[1]]
                return _error(status, error)
            cache_key = (record.account, record.idempotency_key or "")
            if request.method == "POST" and record.idempotency_key and cache_key in self._replies:
                seen_path, seen_form, status, body = self._replies[cache_key]
                if (seen_path, seen_form) != (path, form):
                    status, error = ERRORS["idempotency_error"]
                    return _error(status, error)
                return _json(status, body, replayed=True)
            status, body = self._handle(request.method, path, form, record.account)
            if request.method == "POST" and record.idempotency_key and status < 500:
                self._replies[cache_key] = (path, form, status, body)
            return _json(status, body)

    def _handle(self, method: str, path: str, form: dict[str, str], account: str | None) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, _public(self._create_session(form, account))
        if method == "POST" and path == "/v1/customers":
            customer = self._new("cus", {"object": "customer", "name": form.get("name"), "email": form.get("email"),
                                         "metadata": _nested(form, "metadata")})  # fmt: skip
            return 200, customer
        if method == "POST" and path == "/v1/payment_intents":
            return self._create_intent(form)
        if method == "POST" and path == "/v1/refunds" and form.get("payment_intent") in self.objects:
            intent = self.objects[form["payment_intent"]]
            refund = self._new("re", {"object": "refund", "payment_intent": intent["id"], "status": "succeeded",
                                      "amount": int(form.get("amount") or intent["amount_received"]),
                                      "currency": intent["currency"], "reason": form.get("reason")})  # fmt: skip
            return 200, refund
        if method == "POST" and len(parts) == 4 and parts[1] == "payment_methods" and parts[3] == "detach":
            method_obj = self._payment_method(parts[2])
            method_obj["customer"] = None
            return 200, method_obj
        if method == "GET" and len(parts) == 3 and parts[1] == "payment_methods":
            return 200, self._payment_method(parts[2])
        if method == "GET" and len(parts) in (3, 4):
            obj = self.objects.get(parts[-1])
            if obj is not None:
                return 200, _public(obj)
        return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": f"No such object: {parts[-1]}"}}  # fmt: skip

    def _create_session(self, form: dict[str, str], account: str | None) -> dict[str, Any]:
        mode = form.get("mode", "payment")
        amount = int(form.get("line_items[0][price_data][unit_amount]", "0")) * int(
            form.get("line_items[0][quantity]", "1")
        )
        session = self._new(
            "cs_test",
            {
                "object": "checkout.session",
                "mode": mode,
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": amount if mode == "payment" else None,
                "currency": form.get("line_items[0][price_data][currency]") or form.get("currency"),
                "customer": form.get("customer"),
                "metadata": _nested(form, "metadata"),
                "client_reference_id": form.get("client_reference_id"),
                "success_url": form.get("success_url"),
                "cancel_url": form.get("cancel_url"),
                "payment_intent": None,
                "setup_intent": None,
                "_account": account,
                "_intent_metadata": _nested(form, "payment_intent_data[metadata]"),
            },
        )
        session["url"] = f"{self.url}/pay/{session['id']}"
        return session

    def _create_intent(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        method_id = form.get("payment_method", "")
        intent = self._new(
            "pi",
            {
                "object": "payment_intent",
                "amount": int(form.get("amount", "0")),
                "amount_received": 0,
                "currency": form.get("currency"),
                "customer": form.get("customer"),
                "payment_method": method_id,
                "metadata": _nested(form, "metadata"),
                "status": "succeeded",
            },
        )
        refusal = {
            "pm_card_chargeDeclined": "card_declined",
            "pm_card_authenticationRequired": "authentication_required",
        }
        if method_id in refusal:
            kind = refusal[method_id]
            intent["status"] = "requires_payment_method" if kind == "card_declined" else "requires_action"
            intent["last_payment_error"] = {"code": kind, "message": ERRORS[kind][1]["message"]}
            status, error = ERRORS[kind]
            return status, {"error": {**error, "payment_intent": intent}}
        intent["amount_received"] = intent["amount"]
        return 200, intent

    def _payment_method(self, method_id: str) -> dict[str, Any]:
        if method_id not in self.objects:
            brand, last4 = CARDS.get(method_id, ("visa", "4242"))
            self.objects[method_id] = {
                "id": method_id,
                "object": "payment_method",
                "type": "card",
                "customer": None,
                "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2030},
            }
        return self.objects[method_id]

    def _new(self, prefix: str, fields: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": f"{prefix}_{next(self._ids):06d}", "livemode": False, **fields}
        self.objects[obj["id"]] = obj
        return obj

    # -- the hosted Checkout page --------------------------------------------------------------------------------

    def _hosted(self, request: Request, session_id: str) -> Response:
        session = self.objects.get(session_id)
        if session is None:
            return Response("No such checkout session.", status=404)
        if request.method == "POST":
            if session["status"] != "open":
                return Response("This checkout session is no longer open.", status=409)
            completed = self.complete_session(session_id, card=request.form.get("card", "pm_card_visa"))
            if self.webhook_url:
                self.send_webhook(self.event("checkout.session.completed", completed, account=session["_account"]))
            target = (session["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", session_id)
            return Response(status=303, headers={"Location": target})
        return Response(_page(session), content_type="text/html; charset=utf-8")


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, f"{t}.{payload}")."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def _page(session: dict[str, Any]) -> str:
    title = "Pay" if session["mode"] == "payment" else "Save card"
    amount = ""
    if session["mode"] == "payment":
        currency = html.escape(str(session["currency"]).upper())
        amount = f"<p>Amount: {session['amount_total']} {currency} (minor units)</p>"
    cards = "".join(f'<option value="{pm}">{b.title()} ending {last4}</option>' for pm, (b, last4) in CARDS.items())
    cancel = html.escape(session.get("cancel_url") or "")
    return (
        f"<!doctype html><html><head><title>Stripe Checkout (test)</title></head><body>"
        f"<h1>Stripe Checkout (test)</h1>{amount}"
        f'<form method="post"><label>Card <select name="card">{cards}</select></label> '
        f'<button type="submit">{title}</button></form>'
        f'<p><a href="{cancel}">Cancel</a></p></body></html>'
    )


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def _nested(form: dict[str, str], prefix: str) -> dict[str, str]:
    """`metadata[invoice_id]=7` -> {"invoice_id": "7"} for the prefix "metadata"."""
    start = f"{prefix}["
    return {key[len(start) : -1]: value for key, value in form.items() if key.startswith(start) and key.endswith("]")
            and "[" not in key[len(start) : -1]}  # fmt: skip


def _json(status: int, body: dict[str, Any], *, replayed: bool = False) -> Response:
    headers = {"Request-Id": f"req_{time.time_ns()}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


def _error(status: int, error: dict[str, Any]) -> Response:
    return _json(status, {"error": error})


@dataclass(frozen=True)
class Scenario:
    """A customer of an organisation with card payments on, signed in, with one issued invoice."""

    principal: Any
    customer: Any
    organisation: Any
    invoice: Any


ACCOUNT = "acct_1TestProvider"


def scenario(db, *, currency: str = "EUR", total_minor: int = 5_000, autopay: bool = False, **invoice) -> Scenario:
    """Test data for payments (imports the portal lazily: the standalone server does not need it)."""
    from datetime import date

    from factories import make_customer, make_organisation, make_user

    from portal_app.models import Invoice
    from portal_app.services.accounts.sessions import Principal

    organisation = make_organisation(
        db,
        stripe_account_id=ACCOUNT,
        online_payments_enabled=True,
        autopay_allowed=autopay,
        email="billing@acme.example.com",
        phone="+1 555 0100",
    )
    customer = make_customer(db, organisation, currency=currency, email="owner@riverside.example.com")
    user = make_user(db, customer=customer)
    row = Invoice(
        customer_id=customer.id,
        number=invoice.pop("number", f"INV-{customer.id:04d}"),
        issued_on=invoice.pop("issued_on", date(2025, 1, 1)),
        due_on=invoice.pop("due_on", date(2025, 1, 31)),
        currency=currency,
        total_minor=total_minor,
        **invoice,
    )
    db.add(row)
    db.commit()
    principal = Principal(
        session_id=0,
        user_id=user.id,
        user_name=user.name,
        user_email=user.email,
        customer_id=customer.id,
        organisation_id=organisation.id,
    )
    return Scenario(principal=principal, customer=customer, organisation=organisation, invoice=row)


@contextmanager
def running(monkeypatch, *, webhook_url: str = "") -> Iterator[StripeFake]:
    """Start a fake and point the portal's Stripe settings at it for one test."""
    from portal_app.config import settings

    fake = StripeFake(webhook_url=webhook_url)
    monkeypatch.setenv("PORTAL_STRIPE_API_BASE", fake.start())
    monkeypatch.setenv("PORTAL_STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("PORTAL_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    settings.cache_clear()
    try:
        yield fake
    finally:
        fake.stop()
        settings.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description="A Stripe stand-in for browser tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="", help="where checkout.session.completed is POSTed")
    parser.add_argument("--webhook-secret", default=WEBHOOK_SECRET)
    args = parser.parse_args()
    fake = StripeFake(webhook_url=args.webhook_url, webhook_secret=args.webhook_secret)
    fake.url = f"http://{args.host}:{args.port}"
    server = make_server(args.host, args.port, fake.wsgi, threaded=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
