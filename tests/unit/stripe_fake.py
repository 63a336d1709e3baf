"""A local HTTP server that speaks the part of Stripe's API the portal calls, records requests, signs webhooks.

It keeps Stripe's contract: each request is checked against the installed SDK's parameter types
(stripe_contract.py) and refused with Stripe's 400 otherwise; an Idempotency-Key replays its stored answer (500s
and card declines too) and refuses other parameters (`idempotency_error`); objects belong to the connected account
of the Stripe-Account header that made them, and are not found from another. Amounts under Stripe's minimum charge
are refused (`amount_too_small`); Checkout Sessions expire (`expires_at`, 24 hours unless asked otherwise; then the
`checkout.session.expired` event); events carry the installed SDK's API version and `livemode`.

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
from dataclasses import dataclass, replace
from typing import Any

import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

try:
    from stripe_contract import ContractError, check_request, check_shape
    from stripe_fake_connect import CONNECT_NOUNS, connect_answer, connected_account
except ImportError:  # run as `python -m tests.unit.stripe_fake`
    from tests.unit.stripe_contract import ContractError, check_request, check_shape
    from tests.unit.stripe_fake_connect import CONNECT_NOUNS, connect_answer, connected_account

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
    "lock_timeout": (429, {"type": "invalid_request_error", "code": "lock_timeout",
                           "message": "This object cannot be accessed right now because another API request or "
                           "Stripe process is currently accessing it. Retry the request."}),
}  # fmt: skip
# Stripe's minimum charge per currency in minor units, as https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
# lists it. Transcribed here on its own (the portal keeps its copy in services/billing/minimums.py); a test compares.
MINIMUM_CHARGE = {"USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500,
                  "DKK": 250, "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000,
                  "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50,
                  "THB": 1000}  # fmt: skip
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
                          "XAF", "XOF", "XPF"})  # fmt: skip
SESSION_LIFETIME = 24 * 3600  # a Checkout Session expires 24 hours after it is made unless `expires_at` says sooner
NOUNS = {"sessions": "checkout.session", "customers": "customer", "payment_intents": "payment_intent",
         "refunds": "refund", "setup_intents": "setupintent"}  # fmt: skip
# Refused before Stripe runs the endpoint (like its rate limiter): never stored under an Idempotency-Key, and
# Stripe-Should-Retry tells the SDK whether to try again. The other kinds happen while the endpoint runs: stored.
BEFORE_EXECUTION = {"idempotency_error": "false", "lock_timeout": "true"}


@dataclass(frozen=True)
class Recorded:
    """One request the fake received: form body or query (flat Stripe keys), connected account, idempotency key."""

    method: str
    path: str
    form: dict[str, str]
    account: str | None
    idempotency_key: str | None
    replayed: bool = False


@dataclass(frozen=True)
class Reply:
    """What Stripe stored under an Idempotency-Key: the request it answered and its answer."""

    request: tuple[str, str, dict[str, str]]
    status: int
    body: dict[str, Any]


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
        self.refused: list[tuple[Recorded, dict[str, Any]]] = []  # requests outside Stripe's contract, with the error
        self.outbox: list[str] = []  # events Stripe emitted for what requests did (refunds), sent if webhook_url is set
        self._emitted: list[str] = []
        self._replies: dict[tuple[str | None, str], Reply] = {}
        self._failures: list[tuple[str, str]] = []
        self._stalls: list[Stall] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = None
        self.url = ""
        self.clock = time.time  # Stripe's "now": a test may move it forward, then call expire_due()

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
        """The next request to `route` ("POST /v1/payment_intents") fails with a Stripe error of ERRORS[kind].

        Kinds in BEFORE_EXECUTION are refused before the idempotency layer; the others are what the endpoint
        answers, stored under the request's Idempotency-Key (a replay of the key does not use up another).
        """
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
            account = session["_account"]
            if session["mode"] == "payment":
                intent = self._new(
                    "pi",
                    account,
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
                    account,
                    {
                        "object": "setup_intent",
                        "status": "succeeded",
                        "customer": session["customer"],
                        "payment_method": card,
                    },
                )
                method = self._payment_method(card, account)
                assert method is not None, f"{card} belongs to another account"
                method["customer"] = session["customer"]
                session["setup_intent"] = setup["id"]
                session["payment_status"] = "no_payment_required"
            return _public(session)

    def expire_session(self, session_id: str) -> dict[str, Any]:
        """What Stripe does at `expires_at` (or on `sessions.expire`): an open session becomes "expired" and
        `checkout.session.expired` goes to the webhook URL (if set). Returns the session as Stripe shows it."""
        with self._lock:
            session = self.objects[session_id]
            expired = session["status"] == "open"
            if expired:
                session["status"] = "expired"
                session["url"] = None
            public = _public(session)
        if expired and self.webhook_url:
            self.send_webhook(self.event("checkout.session.expired", public, account=session["_account"]))
        return public

    def expire_due(self) -> list[str]:
        """Expire every open session whose `expires_at` has passed on `clock`; returns their ids."""
        now = self.clock()
        due = [k for k, o in list(self.objects.items()) if _is_open_session(o) and o["expires_at"] <= now]
        for session_id in due:
            self.expire_session(session_id)
        return due

    def event(
        self, kind: str, obj: dict[str, Any], *, account: str | None, event_id: str = "", livemode: bool = False
    ) -> str:
        """A webhook payload for an event about `obj` on the connected account, in the SDK's API version
        (livemode False: the fake is Stripe's test mode; True pretends a live event reached the endpoint)."""
        return json.dumps(
            {
                "id": event_id or f"evt_{next(self._ids):06d}",
                "object": "event",
                "type": kind,
                "account": account,
                "api_version": stripe.api_version,
                "created": int(self.clock()),
                "livemode": livemode,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "data": {"object": {**_public(obj), **({"livemode": livemode} if "livemode" in obj else {})}},
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
        pairs = list((request.args if request.method == "GET" else request.form).items(multi=True))
        record = Recorded(
            request.method,
            path,
            dict(pairs),
            request.headers.get("Stripe-Account"),
            request.headers.get("Idempotency-Key"),
        )
        self.expire_due()  # what Stripe did meanwhile (outside the lock: it may send webhooks)
        with self._lock:
            self.requests.append(record)
            response = self._answer(record, pairs)
            emitted, self._emitted = self._emitted, []
        if emitted and self.webhook_url:  # after answering, as Stripe does: the caller may not have committed yet
            threading.Thread(target=self._send_all, args=(emitted,), daemon=True).start()
        return response

    def _emit(self, kind: str, obj: dict[str, Any], account: str | None) -> str:
        """An event Stripe sends about what just happened: kept in `outbox`, sent to webhook_url after the answer."""
        payload = self.event(kind, obj, account=account)
        self.outbox.append(payload)
        self._emitted.append(payload)
        return payload

    def _send_all(self, payloads: list[str]) -> None:
        for payload in payloads:
            try:
                self.send_webhook(payload)
            except OSError:
                break  # the portal is not listening: Stripe would retry later; the test reads `outbox` instead

    def _answer(self, record: Recorded, pairs: list[tuple[str, str]]) -> Response:
        """Like Stripe: the contract check and early refusals, then the idempotency layer, then the endpoint."""
        try:
            params = check_request(record.method, record.path, pairs)
            _check_minimum(record.path, params)
        except ContractError as exc:
            self.refused.append((record, exc.error))
            return _json(exc.status, exc.body())
        early = self._injected(record, before_execution=True)
        if early is not None:
            status, error = ERRORS[early]
            return _json(status, {"error": error}, should_retry=BEFORE_EXECUTION[early])
        idempotent = record.method == "POST" and bool(record.idempotency_key)
        cache_key = (record.account, record.idempotency_key or "")
        seen = self._replies.get(cache_key) if idempotent else None
        if seen is not None:
            if seen.request != (record.method, record.path, record.form):
                status, error = ERRORS["idempotency_error"]
                message = f"{error['message']} Try using a key other than '{record.idempotency_key}' if you meant "
                return _error(status, {**error, "message": message + "to execute a different request."})
            self.requests[-1] = replace(record, replayed=True)
            return _json(seen.status, seen.body, replayed=True)
        failure = self._injected(record, before_execution=False)
        if failure is not None:
            status, error = ERRORS[failure]
            body: dict[str, Any] = {"error": error}
        else:
            status, body = self._handle(record.method, record.path, params, record.account)
            if status == 200 and params.get("expand"):
                body = self._expanded(body, params["expand"], record.account)
        if idempotent:
            self._replies[cache_key] = Reply((record.method, record.path, record.form), status, body)
        return _json(status, body)

    def _injected(self, record: Recorded, *, before_execution: bool) -> str | None:
        """The kind of the first failure queued by fail_next for this request, taken off the queue."""
        route = f"{record.method} {record.path}"
        for failure in self._failures:
            if route[: len(failure[0])] == failure[0] and (failure[1] in BEFORE_EXECUTION) == before_execution:
                self._failures.remove(failure)
                return failure[1]
        return None

    def _handle(self, method: str, path: str, params: dict[str, Any], account: str | None) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[1] in CONNECT_NOUNS:
            return connect_answer(self, method, parts, params, account)
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params, account)
        if method == "POST" and path == "/v1/customers":
            fields = {"object": "customer", "name": params.get("name"), "email": params.get("email"),
                      "metadata": params.get("metadata") or {}}  # fmt: skip
            return 200, self._new("cus", account, fields)
        if method == "POST" and path == "/v1/payment_intents":
            return self._create_intent(params, account)
        if method == "POST" and path == "/v1/refunds":
            return self._refund(params, account)
        if parts[1] == "payment_methods":
            method_obj = self._payment_method(parts[2], account)
            if method_obj is None:
                return _missing(404, "PaymentMethod", parts[2], "id")
            if method == "POST":  # detach
                method_obj["customer"] = None
            return 200, _public(method_obj)
        obj = self._find(parts[-1], account)
        if obj is None:
            return _missing(404, NOUNS.get(parts[-2], parts[-2]), parts[-1], "id")
        return 200, _public(obj)

    def _expanded(self, body: dict[str, Any], paths: list[str], account: str | None) -> dict[str, Any]:
        """The response with the ids named by `expand[]` ("payment_intent", "setup_intent.payment_method")
        replaced by their objects, as Stripe does; an id of another account stays an id."""
        body = json.loads(json.dumps(body))
        for path in paths:
            node: Any = body
            for key in path.split("."):
                if not isinstance(node, dict):
                    break
                value = node.get(key)
                if isinstance(value, str):
                    card = value.startswith("pm_")
                    found = self._payment_method(value, account) if card else self._find(value, account)
                    if found is not None:
                        value = node[key] = _public(found)
                node = value
        return body

    def _find(self, object_id: Any, account: str | None) -> dict[str, Any] | None:
        """The object with this id on this connected account (Stripe-Account): another account's is not found."""
        obj = self.objects.get(str(object_id or ""))
        return obj if obj is not None and obj.get("_account") == account else None

    def _create_session(self, params: dict[str, Any], account: str | None) -> tuple[int, dict[str, Any]]:
        mode = params.get("mode", "payment")
        customer = params.get("customer")
        if customer and self._find(customer, account) is None:
            return _missing(400, "customer", customer, "customer")
        if mode == "setup" and not params.get("currency") and "allowed_payment_method_types" not in params:
            return 400, {"error": {"type": "invalid_request_error", "code": "parameter_missing", "param": "currency",
                                   "message": "Missing required param: currency."}}  # fmt: skip
        item = (params.get("line_items") or [{}])[0]
        price = item.get("price_data") or {}
        amount = int(price.get("unit_amount", "0")) * int(item.get("quantity", "1"))
        created = int(self.clock())
        session = self._new(
            "cs_test",
            account,
            {
                "object": "checkout.session",
                "mode": mode,
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": amount if mode == "payment" else None,
                "currency": price.get("currency") or params.get("currency"),
                "customer": customer,
                "metadata": params.get("metadata") or {},
                "client_reference_id": params.get("client_reference_id"),
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "created": created,
                "expires_at": int(params.get("expires_at") or created + SESSION_LIFETIME),
                "payment_intent": None,
                "setup_intent": None,
                "_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata") or {},
            },
        )
        session["url"] = f"{self.url}/pay/{session['id']}"
        return 200, _public(session)

    def _create_intent(self, params: dict[str, Any], account: str | None) -> tuple[int, dict[str, Any]]:
        method_id = params.get("payment_method", "")
        customer = params.get("customer")
        if customer and self._find(customer, account) is None:
            return _missing(400, "customer", customer, "customer")
        if method_id and self._payment_method(method_id, account) is None:
            return _missing(400, "payment_method", method_id, "payment_method")
        intent = self._new(
            "pi",
            account,
            {
                "object": "payment_intent",
                "amount": int(params["amount"]),
                "amount_received": 0,
                "currency": params["currency"],
                "customer": customer,
                "payment_method": method_id,
                "metadata": params.get("metadata") or {},
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
            return status, {"error": {**error, "payment_intent": _public(intent)}}
        intent["amount_received"] = intent["amount"]
        return 200, _public(intent)

    def _refund(self, params: dict[str, Any], account: str | None) -> tuple[int, dict[str, Any]]:
        """A refund of a PaymentIntent on the account; never more than was received (Stripe refuses that)."""
        intent = self._find(params.get("payment_intent"), account)
        if intent is None:
            return _missing(400, "payment_intent", params.get("payment_intent"), "payment_intent")
        left = intent["amount_received"] - intent.get("_refunded", 0)
        amount = int(params.get("amount") or left)
        if left <= 0 or amount > left:
            message = f"The charge of PaymentIntent {intent['id']} has already been refunded."
            return 400, {
                "error": {"type": "invalid_request_error", "code": "charge_already_refunded", "message": message}
            }
        intent["_refunded"] = intent.get("_refunded", 0) + amount
        fields = {
            "object": "refund",
            "payment_intent": intent["id"],
            "charge": _charge_id(intent),
            "status": "succeeded",
            "amount": amount,
            "currency": intent["currency"],
            "reason": params.get("reason"),
            "metadata": params.get("metadata") or {},
        }
        refund = self._new("re", account, fields)
        self._emit("refund.created", refund, account)
        self._emit("charge.refunded", self.charge_of(intent), account)
        return 200, _public(refund)

    def charge_of(self, intent: dict[str, Any]) -> dict[str, Any]:
        """The Charge of a succeeded PaymentIntent as Stripe shows it in charge events (with its refunded total)."""
        received, refunded = intent["amount_received"], intent.get("_refunded", 0)
        return {
            "id": _charge_id(intent),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": received,
            "amount_refunded": refunded,
            "refunded": received > 0 and refunded >= received,
            "captured": True,
            "paid": True,
            "status": "succeeded",
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "metadata": dict(intent.get("metadata") or {}),
            "created": intent["created"],
            "livemode": False,
        }

    def fail_refund(self, refund_id: str, reason: str = "expired_or_canceled_card") -> list[str]:
        """What Stripe does when the card's bank sends a refund back (even one that had succeeded): the refund is
        "failed" with the reason, the money is back on the account, and refund.failed, refund.updated and
        charge.refund.updated go out (returned, and sent to webhook_url if set)."""
        with self._lock:
            refund = self.objects[refund_id]
            refund["status"], refund["failure_reason"] = "failed", reason
            intent = self.objects[refund["payment_intent"]]
            intent["_refunded"] = intent.get("_refunded", 0) - refund["amount"]
            kinds = ("refund.failed", "refund.updated", "charge.refund.updated")
            sent = [self._emit(kind, refund, refund["_account"]) for kind in kinds]
            self._emitted = []
        if self.webhook_url:
            self._send_all(sent)
        return sent

    def dispute(
        self,
        intent_id: str,
        status: str = "needs_response",
        *,
        amount: int | None = None,
        dispute_id: str = "",
        reason: str = "fraudulent",
    ) -> dict[str, Any]:
        """A Dispute of the PaymentIntent's charge as Stripe's `charge.dispute.*` events carry it (not stored: the
        portal never asks Stripe for disputes)."""
        intent = self.objects[intent_id]
        return {
            "id": dispute_id or f"dp_{next(self._ids):06d}",
            "object": "dispute",
            "amount": intent["amount_received"] if amount is None else amount,
            "currency": intent["currency"],
            "charge": _charge_id(intent),
            "payment_intent": intent_id,
            "status": status,
            "reason": reason,
            "is_charge_refundable": False,
            "metadata": {},
            "created": int(self.clock()),
            "livemode": False,
        }

    def _payment_method(self, method_id: str, account: str | None) -> dict[str, Any] | None:
        """A test card (`pm_card_visa`, ...) on the account, made on first use; None if it is another account's."""
        if method_id not in self.objects:
            brand, last4 = CARDS.get(method_id, ("visa", "4242"))
            self.objects[method_id] = {
                "id": method_id,
                "object": "payment_method",
                "type": "card",
                "customer": None,
                "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2030},
                "livemode": False,
                "created": int(self.clock()),
                "_account": account,
            }
        return self._find(method_id, account)

    def _new(self, prefix: str, account: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": f"{prefix}_{next(self._ids):06d}", "created": int(self.clock()), "livemode": False, **fields,
               "_account": account}  # fmt: skip
        if fields["object"] == "refund":
            del obj["livemode"]  # a Refund has no livemode field
        self.objects[obj["id"]] = obj
        return obj

    # -- the hosted Checkout page --------------------------------------------------------------------------------

    def _hosted(self, request: Request, session_id: str) -> Response:
        self.expire_due()
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
        if session["status"] == "expired":
            return Response("This checkout session has expired.", status=410, content_type="text/plain")
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


def _charge_id(intent: dict[str, Any]) -> str:
    """The id of the PaymentIntent's (one) Charge."""
    return "ch_" + intent["id"].removeprefix("pi_")


def _is_open_session(obj: dict[str, Any]) -> bool:
    return obj.get("object") == "checkout.session" and obj.get("status") == "open"


def _check_minimum(path: str, params: dict[str, Any]) -> None:
    """Stripe's refusal of a charge under the currency's minimum (`amount_too_small`, with the param)."""
    if path == "/v1/payment_intents":
        amount, currency, param = int(params.get("amount") or 0), str(params.get("currency", "")), "amount"
        message = "Amount must be at least {minimum} {currency}"
    elif path == "/v1/checkout/sessions" and params.get("mode", "payment") == "payment":
        items = params.get("line_items") or []
        prices = [(item.get("price_data") or {}, int(item.get("quantity") or 1)) for item in items]
        amount = sum(int(price.get("unit_amount") or 0) * quantity for price, quantity in prices)
        currency = str((prices[0][0] if prices else {}).get("currency") or params.get("currency") or "")
        param = "line_items[0][price_data][unit_amount]"
        message = "The Checkout Session's total amount due must add up to at least {minimum} {currency}"
    else:
        return
    minimum = MINIMUM_CHARGE.get(currency.upper(), 1)
    if amount < minimum:
        shown = str(minimum) if currency.upper() in ZERO_DECIMAL else f"{minimum // 100}.{minimum % 100:02d}"
        raise ContractError(
            message.format(minimum=shown, currency=currency.lower()), param=param, code="amount_too_small"
        )


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def _missing(status: int, kind: str, object_id: Any, param: str) -> tuple[int, dict[str, Any]]:
    """Stripe's answer for an id it does not know on this account: 404 for the URL's object, 400 for a param."""
    error = {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "param": param,
        "message": f"No such {kind}: '{object_id}'",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
    }
    return status, {"error": error}


def _json(status: int, body: dict[str, Any], *, replayed: bool = False, should_retry: str = "") -> Response:
    headers = {"Request-Id": f"req_{time.time_ns()}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    if should_retry:
        headers["Stripe-Should-Retry"] = should_retry
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
        stripe_charges_enabled=True,  # Stripe has enabled card payments on the connected account
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
        assert not fake.refused, f"requests outside Stripe's contract: {fake.refused}"
        for obj in list(fake.objects.values()):
            check_shape(_public(obj))  # every answer had the shape of its SDK resource class
    finally:
        fake.stop()
        settings.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description="A Stripe stand-in for browser tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="", help="where checkout.session.completed is POSTed")
    parser.add_argument("--webhook-secret", default=WEBHOOK_SECRET)
    parser.add_argument(
        "--connected-account", action="append", default=[], help="an acct_ id connected to the platform, charges on"
    )
    args = parser.parse_args()
    fake = StripeFake(webhook_url=args.webhook_url, webhook_secret=args.webhook_secret)
    fake.url = f"http://{args.host}:{args.port}"
    for account_id in args.connected_account:
        connected_account(fake, account_id)
    server = make_server(args.host, args.port, fake.wsgi, threaded=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
