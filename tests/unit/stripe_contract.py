"""Stripe's request contract, taken from the installed SDK's generated parameter types (`stripe.params`).

`check_request(method, path, pairs)` decodes Stripe's form encoding (`a[b][0][c]=x`, `expand[]=y`) and walks the
endpoint's TypedDict; a request outside it raises ContractError carrying the 400 body Stripe sends
(`invalid_request_error` with `code` and `param`). Validation happens before Stripe's idempotency layer: such an
answer is never stored under an Idempotency-Key.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any, Literal, NotRequired, Required, Union

import stripe.params as p
from stripe._request_options import RequestOptions
from stripe._stripe_context import StripeContext
from stripe._stripe_object import UntypedStripeObject
from stripe.params import checkout
from typing_extensions import is_typeddict

ID = r"[^/]+"
# Every endpoint the portal calls (see `grep -rn "client()" portal_app`), with the type its SDK method takes.
ROUTES: tuple[tuple[str, str, type], ...] = (
    ("POST", "/v1/accounts", p.AccountCreateParams),
    ("GET", f"/v1/accounts/{ID}", p.AccountRetrieveParams),
    ("POST", "/v1/account_links", p.AccountLinkCreateParams),
    ("POST", "/v1/checkout/sessions", checkout.SessionCreateParams),
    ("GET", f"/v1/checkout/sessions/{ID}", checkout.SessionRetrieveParams),
    ("POST", "/v1/customers", p.CustomerCreateParams),
    ("GET", f"/v1/customers/{ID}", p.CustomerRetrieveParams),
    ("POST", "/v1/payment_intents", p.PaymentIntentCreateParams),
    ("GET", f"/v1/payment_intents/{ID}", p.PaymentIntentRetrieveParams),
    ("POST", f"/v1/payment_methods/{ID}/detach", p.PaymentMethodDetachParams),
    ("GET", f"/v1/payment_methods/{ID}", p.PaymentMethodRetrieveParams),
    ("POST", "/v1/refunds", p.RefundCreateParams),
    ("GET", f"/v1/refunds/{ID}", p.RefundRetrieveParams),
    ("GET", f"/v1/setup_intents/{ID}", p.SetupIntentRetrieveParams),
)
# Names the SDK's RequestOptions adds to every params type: options, never body parameters.
OPTION_KEYS = frozenset(RequestOptions.__annotations__)
DOCS = "https://stripe.com/docs/error-codes/"
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


class ContractError(Exception):
    """A request Stripe refuses before running it: the HTTP status and the `error` object of its body."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None, status: int = 400):
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
        if code:
            self.error["code"] = code
            self.error["doc_url"] = DOCS + code.replace("_", "-")
        if param is not None:
            self.error["param"] = param

    def body(self) -> dict[str, Any]:
        return {"error": dict(self.error)}


def params_type(method: str, path: str) -> type | None:
    """The SDK's params TypedDict for an endpoint, or None when the portal has no business calling it."""
    for route_method, pattern, params in ROUTES:
        if route_method == method and re.fullmatch(pattern, path):
            return params
    return None


def check_request(method: str, path: str, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The decoded parameters of a request that keeps the contract; ContractError otherwise."""
    params = params_type(method, path)
    if params is None:
        raise ContractError(
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/.",
            status=404,
        )
    decoded = decode(pairs)
    check(params, decoded)
    return decoded


# -- Stripe's form encoding ----------------------------------------------------------------------------------------


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Form or query pairs as nested data: `a[b][0][c]=x` -> {"a": {"b": [{"c": "x"}]}}; `a[]=x` appends."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        segments = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))] if match else [key]
        node = tree
        for depth, name in enumerate(segments):
            segment = name or str(len(node))  # `[]`: the next element
            if depth == len(segments) - 1:
                if isinstance(node.get(segment), dict):
                    raise ContractError("Invalid hash", param=_bracketed(segments))
                node[segment] = value
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise ContractError("Invalid hash", param=_bracketed(segments[: depth + 1]))
                node = child
    return _lists(tree)


def _lists(node: Any) -> Any:
    """Levels keyed 0..n-1 become lists (in index order), recursively."""
    if not isinstance(node, dict):
        return node
    items = {key: _lists(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items) and sorted(int(k) for k in items) == list(range(len(items))):
        return [items[str(i)] for i in range(len(items))]
    return items


def _bracketed(segments: list[str]) -> str:
    if not segments:
        return ""
    return segments[0] + "".join(f"[{s}]" for s in segments[1:])


# -- the SDK's types -------------------------------------------------------------------------------------------------


@cache
def _fields(typed_dict: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's parameters with their types, and the required ones (RequestOptions' names left out)."""
    hints = typing.get_type_hints(
        typed_dict, localns={"StripeContext": StripeContext, "Mapping": typing.Mapping}, include_extras=True
    )
    options = OPTION_KEYS if set(typed_dict.__annotations__) >= OPTION_KEYS else frozenset()
    fields = {name: _bare(tp) for name, tp in hints.items() if name not in options}
    return fields, frozenset(typed_dict.__required_keys__) - options


def _bare(tp: Any) -> Any:
    """The type without NotRequired / Required / Annotated."""
    while typing.get_origin(tp) in (NotRequired, Required, typing.Annotated):
        tp = typing.get_args(tp)[0]
    return tp


def check(typed_dict: type, params: dict[str, Any]) -> None:
    """Raise ContractError for the first parameter outside the TypedDict, as Stripe reports it."""
    _check_object(typed_dict, params, "")


def _check_object(typed_dict: type, value: Any, param: str) -> None:
    if not isinstance(value, dict):
        raise ContractError("Invalid object", param=param)
    fields, required = _fields(typed_dict)
    for key in value:
        if key not in fields:
            name = _child(param, key)
            raise ContractError(f"Received unknown parameter: {name}", param=name, code="parameter_unknown")
    for key in sorted(required):
        if key not in value:
            name = _child(param, key)
            raise ContractError(f"Missing required param: {name}.", param=name, code="parameter_missing")
    for key, item in value.items():
        _check_value(fields[key], item, _child(param, key), required=key in required)


def _child(param: str, key: str | int) -> str:
    return f"{param}[{key}]" if param else str(key)


def _check_value(tp: Any, value: Any, param: str, *, required: bool = False) -> None:
    origin = typing.get_origin(tp)
    if tp is Any:
        return
    if origin in (Union, types.UnionType):
        _check_union(typing.get_args(tp), value, param, required=required)
    elif origin is Literal:
        allowed = [str(a).lower() if isinstance(a, bool) else str(a) for a in typing.get_args(tp)]
        if value not in allowed:
            raise ContractError(f"Invalid {param}: must be one of {_one_of(allowed)}", param=param)
    elif origin is list:
        if not isinstance(value, list):
            raise ContractError("Invalid array", param=param)
        (item,) = typing.get_args(tp)
        for index, element in enumerate(value):
            _check_value(item, element, f"{param}[{index}]")
    elif origin in (dict, UntypedStripeObject) or tp is UntypedStripeObject:
        _check_mapping(typing.get_args(tp)[-1] if typing.get_args(tp) else str, value, param)
    elif is_typeddict(tp):
        _check_object(tp, value, param)
    else:
        _check_scalar(tp, value, param, required=required)


def _check_union(members: tuple[Any, ...], value: Any, param: str, *, required: bool) -> None:
    literals = [m for m in members if typing.get_origin(m) is Literal]
    if value == "" and any("" in typing.get_args(m) for m in literals):
        return  # the empty string unsets an emptyable parameter
    members = tuple(m for m in members if typing.get_args(m) != ("",))
    if any(a != "" for m in literals for a in typing.get_args(m)):
        members = tuple(m for m in members if m is not str)  # `Literal[...] | str` is the SDK's catch-all: strict
    errors: list[ContractError] = []
    for member in sorted(members, key=lambda m: not _same_shape(m, value)):
        try:
            _check_value(member, value, param, required=required)
            return
        except ContractError as exc:
            errors.append(exc)
    raise errors[0]


def _same_shape(tp: Any, value: Any) -> bool:
    origin = typing.get_origin(tp)
    if isinstance(value, list):
        return origin is list
    if isinstance(value, dict):
        return is_typeddict(tp) or origin in (dict, UntypedStripeObject)
    return not is_typeddict(tp) and origin not in (list, dict, UntypedStripeObject)


def _check_mapping(value_type: Any, value: Any, param: str) -> None:
    if isinstance(value, list):
        value = {str(i): v for i, v in enumerate(value)}
    if not isinstance(value, dict):
        raise ContractError("Invalid object", param=param)
    for key, item in value.items():
        if value_type is str and isinstance(item, str):
            continue  # metadata values may be empty: that unsets the key
        _check_value(value_type, item, f"{param}[{key}]")


def _check_scalar(tp: Any, value: Any, param: str, *, required: bool) -> None:
    if not isinstance(value, str):
        kind = "string" if tp is str else getattr(tp, "__name__", "value").lower()
        raise ContractError(f"Invalid {kind}: {value!r}", param=param)
    if value == "":
        if required:
            raise ContractError(
                f"Invalid {param}: must be a non-empty string", param=param, code="parameter_invalid_string_empty"
            )
        raise ContractError(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a parameter; "
            f"however '{param}' cannot be unset. You should remove '{param}' from your request or supply a "
            "non-empty value.",
            param=param,
            code="parameter_invalid_empty",
        )
    if tp is bool and value not in ("true", "false"):
        raise ContractError(f"Invalid boolean: {value}", param=param)
    if tp is int and not _INTEGER.match(value):
        raise ContractError(f"Invalid integer: {value}", param=param, code="parameter_invalid_integer")
    if tp in (float, Decimal) and not _DECIMAL.match(value):
        raise ContractError(f"Invalid decimal: {value}", param=param)


def _one_of(values: list[str]) -> str:
    shown = [v for v in values if v]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f", or {shown[-1]}"


# -- the shapes of Stripe's answers ---------------------------------------------------------------------------------

# Each object the test server answers with: the SDK's resource class and its id prefix.
RESOURCES: dict[str, tuple[str, str]] = {
    "account": ("stripe.Account", "acct_"),
    "checkout.session": ("stripe.checkout.Session", "cs_"),
    "customer": ("stripe.Customer", "cus_"),
    "event": ("stripe.Event", "evt_"),
    "payment_intent": ("stripe.PaymentIntent", "pi_"),
    "payment_method": ("stripe.PaymentMethod", "pm_"),
    "refund": ("stripe.Refund", "re_"),
    "setup_intent": ("stripe.SetupIntent", "seti_"),
}


class ShapeError(AssertionError):
    """An answer the SDK's resource class does not describe: an invented field or a value of the wrong type."""


def resource_class(name: str) -> type:
    """The SDK class of an `object` name ("checkout.session" -> stripe.checkout.Session)."""
    import stripe

    dotted = RESOURCES[name][0].split(".")[1:]
    found: Any = stripe
    for part in dotted:
        found = getattr(found, part)
    return found


def check_shape(obj: dict[str, Any]) -> None:
    """Raise ShapeError unless `obj` has the shape of its SDK resource class: its `object`, its id prefix, only
    fields the class declares, each of the declared type (an expandable field: its id, or the object expanded)."""
    name = obj.get("object")
    if name not in RESOURCES:
        raise ShapeError(f"unknown object {name!r}")
    prefix = RESOURCES[name][1]
    if not str(obj.get("id", "")).startswith(prefix):
        raise ShapeError(f"{name} id {obj.get('id')!r} does not start with {prefix}")
    _check_fields(resource_class(name), obj, name)


@cache
def _hints(klass: type) -> dict[str, Any]:
    """A resource class's field types; names the SDK imports only for type checkers count as Any."""
    import stripe
    import stripe.checkout
    import stripe.test_helpers

    class Names(dict):
        def __missing__(self, key: str) -> Any:
            for module in (stripe, stripe.checkout, stripe.test_helpers):
                if hasattr(module, key):
                    return getattr(module, key)
            return Any

    hints = typing.get_type_hints(klass, localns=Names(vars(klass)))
    return {key: tp for key, tp in hints.items() if key != "OBJECT_NAME"}


def _check_fields(klass: type, obj: Any, path: str) -> None:
    if not isinstance(obj, dict):
        raise ShapeError(f"{path}: expected an object, got {obj!r}")
    hints = _hints(klass)
    for key, value in obj.items():
        if key not in hints:
            raise ShapeError(f"{path}.{key}: {klass.__qualname__} has no such field")
        if not _fits(hints[key], value, f"{path}.{key}"):
            raise ShapeError(f"{path}.{key}: {value!r} is not a {hints[key]}")


def _fits(tp: Any, value: Any, path: str) -> bool:
    from stripe._stripe_object import StripeObject

    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if origin in (Union, types.UnionType):
        members = typing.get_args(tp)
        if any(typing.get_origin(m) is Literal for m in members):
            members = tuple(m for m in members if m is not str)  # `Literal[...] | str` is the SDK's catch-all: strict
        return any(_fits(member, value, path) for member in members)
    if tp is type(None):
        return value is None
    if origin is Literal:
        return value in typing.get_args(tp)
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp in (float, Decimal):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is list:
        (item,) = typing.get_args(tp)
        return isinstance(value, list) and all(_fits(item, v, f"{path}[]") for v in value)
    if origin in (dict, UntypedStripeObject) or tp is UntypedStripeObject:
        return isinstance(value, dict)
    if isinstance(tp, type) and issubclass(tp, StripeObject):
        if not isinstance(value, dict):
            return False
        _check_fields(tp, value, path)
        return True
    return True
