"""The load benchmark's pure parts: the browser's event payloads, update reading, statistics, report."""

from __future__ import annotations

import math

from bench import protocol
from bench.profile import bucket_of
from bench.profile import summarize as summarize_profile
from bench.report import BEGIN, END, merge
from bench.stats import percentile, ratio, summarize
from bench.workload import expect_value, merged_delta


def test_percentile_uses_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_summary_counts_failed_and_dropped_events_and_the_rate():
    summary = summarize([10.0, 20.0, 30.0, 40.0], [None, "failed: wrong page", None, "dropped: no update"], 2.0)
    assert (summary.events, summary.failed, summary.dropped) == (4, 1, 1)
    assert summary.per_second == 2.0
    assert summary.p50 == 20.0
    assert not summary.clean


def test_ratio_to_the_floor():
    assert ratio(30.0, 10.0) == "3.0x"
    assert ratio(30.0, 0.0) == "n/a"
    assert ratio(math.nan, 10.0) == "n/a"


def test_navigation_sends_the_cookies_then_on_load_with_router_data_like_the_browser():
    cookies = {protocol.SESSION_COOKIE: "opaque-token"}
    update_vars, on_load = protocol.navigation("/portal/support/7", cookies, {"ticket_id": "7"})
    assert update_vars["name"].endswith(".update_vars_internal")
    assert update_vars["payload"] == {"vars": cookies}
    assert on_load["name"].endswith(".on_load_internal")
    assert on_load["router_data"] == {
        "pathname": "/portal/support/7",
        "asPath": "/portal/support/7",
        "query": {"ticket_id": "7"},
    }


def test_router_data_carries_the_query_string():
    data = protocol.router_data(protocol.history_path(3))
    assert data == {
        "pathname": "/portal/billing/history",
        "asPath": "/portal/billing/history?invoices=3",
        "query": {"invoices": "3"},
    }


def test_hydrate_rides_in_the_connect_auth_with_cookies_schema_and_hashes():
    auth = protocol.hydrate_auth("/portal", {protocol.SESSION_COOKIE: "t"}, "abc", ["h1"])
    assert auth["state_schema"] == "abc"
    assert auth["event"]["name"] == f"{protocol.ROOT}.hydrate_and_load"
    assert auth["event"]["payload"] == {"vars": {protocol.SESSION_COOKIE: "t"}, "hashes": ["h1"]}
    assert "payload" not in protocol.hydrate_auth("/portal", {}, None, None)["event"]


def test_handler_events_are_named_by_the_states_full_name():
    assert protocol.ping("/x")["name"] == f"{protocol.FLOOR}.ping"
    assert protocol.FLOOR.startswith(f"{protocol.SESSION}.")
    sign_in = protocol.sign_in("a@example.com", "secret")
    assert sign_in["name"] == f"{protocol.LOGIN}.sign_in"
    assert sign_in["payload"] == {"form": {"email": "a@example.com", "password": "secret"}}


def test_reading_updates():
    done = {"delta": {protocol.ROOT: {protocol.IS_HYDRATED: True}}}
    assert protocol.hydrated(done)
    assert not protocol.hydrated({"delta": {protocol.ROOT: {protocol.IS_HYDRATED: False}}})
    redirect = {"events": [{"name": "_redirect", "payload": {"path": "/portal"}}]}
    assert protocol.redirect_target(redirect) == "/portal"
    assert protocol.redirect_target(done) is None
    assert protocol.is_error({"events": [{"name": "_call_function", "payload": {"id": "backend_error"}}]})
    assert not protocol.is_error(redirect)


def test_page_checks_see_the_merged_delta():
    field = protocol.field("invoice_page")
    updates = [{"delta": {protocol.HISTORY: {field: 1}}}, {"delta": {protocol.HISTORY: {field: 2}}}]
    assert merged_delta(updates, protocol.HISTORY) == {field: 2}
    assert expect_value(protocol.HISTORY, "invoice_page", 2)(updates) is None
    assert expect_value(protocol.HISTORY, "invoice_page", 3)(updates) == "invoice_page is 2, expected 3"


def test_compiled_schema_is_read_from_the_build():
    source = 'export const stateSchema = "f00d"\nexport const initialStateHashes = ["a1", "b2"]\n'
    assert protocol.compiled_schema(source) == ("f00d", ["a1", "b2"])
    assert protocol.compiled_schema("") == (None, None)


def test_profile_buckets_by_the_leaf_most_known_frame_and_skips_idle_waits():
    raw = [
        "run (granian/x.py:1);load_history (portal_app/state/billing.py:9);execute (sqlalchemy/engine/base.py:3) 5",
        "run (granian/x.py:1);load_history (portal_app/state/billing.py:9) 3",
        "run (granian/x.py:1);EpollSelector.select (selectors.py:468) 40",
    ]
    profile = summarize_profile(raw)
    assert profile.samples == 8
    assert dict(profile.buckets) == {"database: SQLAlchemy + driver": 5, "portal code (states, services)": 3}
    assert bucket_of(["main (x.py:1)"]) == "other (stdlib, pydantic, ...)"


def test_report_replaces_only_the_generated_block():
    existing = f"# Results\n\n{BEGIN}\nold numbers\n{END}\n\n## Notes\nkept\n"
    merged = merge("new numbers", existing)
    assert "new numbers" in merged and "old numbers" not in merged
    assert merged.endswith("## Notes\nkept\n")
    first = merge("fresh", "# Results\n\n## Notes\nkept\n")
    assert first.startswith(f"# Results\n\n{BEGIN}\nfresh\n{END}")
    assert first.endswith("## Notes\nkept\n")
