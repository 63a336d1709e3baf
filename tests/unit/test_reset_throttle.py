"""Forgot-password requests are limited per account (quietly) and per client address (visibly)."""

from __future__ import annotations

from datetime import timedelta

from portal_app.models import AuthThrottle
from portal_app.models.base import utcnow
from portal_app.services.accounts import throttle


def test_an_account_gets_three_links_an_hour_and_the_rest_quietly_nothing(db):
    verdicts = [throttle.spend_reset_request(db, "alex@example.com", "203.0.113.5") for _ in range(5)]
    assert [v.send for v in verdicts] == [True, True, True, False, False]
    assert all(v.retry_minutes == 0 for v in verdicts)  # the page answers the same: nothing is revealed
    assert throttle.spend_reset_request(db, "sam@example.com", "203.0.113.5").send  # other accounts unaffected


def test_a_client_address_asking_too_often_is_told_to_wait(db):
    for n in range(throttle.RESETS_PER_CLIENT):
        assert throttle.spend_reset_request(db, f"person{n}@example.com", "198.51.100.7").retry_minutes == 0
    refused = throttle.spend_reset_request(db, "another@example.com", "198.51.100.7")
    assert refused.retry_minutes == 60 and not refused.send
    assert db.get(AuthThrottle, "reset-account:another@example.com") is None  # a refused request counts nothing
    assert throttle.spend_reset_request(db, "another@example.com", "198.51.100.8").send  # other addresses go on


def test_the_limits_start_again_after_an_hour(db):
    for _ in range(throttle.RESETS_PER_ACCOUNT):
        throttle.spend_reset_request(db, "alex@example.com", "")
    assert not throttle.spend_reset_request(db, "alex@example.com", "").send
    row = db.get(AuthThrottle, "reset-account:alex@example.com")
    row.window_started_at = utcnow() - timedelta(hours=1, seconds=1)
    db.add(row)
    db.flush()
    assert throttle.spend_reset_request(db, "alex@example.com", "").send


def test_reset_counters_do_not_lock_sign_in(db):
    for _ in range(throttle.RESETS_PER_ACCOUNT + 2):
        throttle.spend_reset_request(db, "alex@example.com", "203.0.113.5")
    keys = throttle.throttle_keys("alex@example.com", "203.0.113.5")
    assert throttle.locked_until(db, keys) is None
    assert throttle.delay_seconds(db, keys) == 0.0
