"""A portal served over https refuses to start while demo accounts keep the password the README publishes."""

from __future__ import annotations

import pytest
from factories import make_user

from portal_app.services.accounts.demo_accounts import (
    PUBLISHED_PASSWORD,
    PublishedPasswordsInUse,
    published_password_accounts,
    refuse_published_passwords,
)


@pytest.fixture
def demo_people(db):
    make_user(db, email="demo@example.com", password=PUBLISHED_PASSWORD)
    make_user(db, email="staff@example.com", password="a password of its own")
    make_user(db, email="gone@example.com", password=PUBLISHED_PASSWORD, is_active=False)
    make_user(db, email="ann@bakery.example", password=PUBLISHED_PASSWORD)  # not a demo account


def test_only_active_demo_accounts_with_the_published_password_count(db, demo_people):
    assert published_password_accounts(db) == ["demo@example.com"]


def test_a_public_portal_with_them_refuses_to_start_and_says_what_to_do(db, demo_people):
    with pytest.raises(PublishedPasswordsInUse, match=r"demo@example.com .*deactivate-user"):
        refuse_published_passwords(db, "https://portal.northwind.example")


def test_a_local_portal_starts_with_the_demo_data(db, demo_people):
    refuse_published_passwords(db, "http://localhost:3000")
