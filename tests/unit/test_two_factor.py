"""Two-factor setup, switching off, recovery codes, and the checks of a second step."""

from __future__ import annotations

import getpass

import pytest
from factories import make_user, sent_mail
from sqlmodel import select
from totp_helpers import STEP, freeze_clock, principal_of, stored_secret, turn_on

from portal_app.cli import main
from portal_app.models import AuthSession, RecoveryCode, TwoFactor
from portal_app.services.accounts import recovery_codes, totp, two_factor
from portal_app.services.accounts.two_factor import TwoFactorError

PASSWORD = "correct horse battery"


@pytest.fixture
def person(db, monkeypatch):
    freeze_clock(monkeypatch)
    return make_user(db, email="ann@example.com")


def test_setup_keeps_the_secret_pending_and_sealed_until_a_code_confirms_it(db, person):
    principal = principal_of(db, person)
    setup = two_factor.start_setup(db, principal)
    db.commit()

    secret = stored_secret(db, person.id, pending=True)
    assert setup.secret.replace(" ", "") == secret
    assert setup.qr_code.startswith("data:image/svg+xml")
    row = db.get(TwoFactor, person.id)
    assert secret not in row.pending_secret  # sealed at rest
    assert row.secret is None
    assert not two_factor.is_enabled(db, person.id)

    with pytest.raises(TwoFactorError, match="not correct"):
        two_factor.confirm_setup(db, principal, totp.code_at(secret, STEP - 5))
    assert not two_factor.is_enabled(db, person.id)

    codes = two_factor.confirm_setup(db, principal, totp.code_at(secret, STEP))
    db.commit()
    assert two_factor.is_enabled(db, person.id)
    assert two_factor.status(db, principal) == two_factor.Status(enabled=True, recovery_codes_left=10)
    assert len(set(codes)) == 10
    assert stored_secret(db, person.id) == secret
    assert db.get(TwoFactor, person.id).pending_secret is None


def test_a_new_setup_replaces_the_pending_secret_and_cancel_forgets_it(db, person):
    principal = principal_of(db, person)
    two_factor.start_setup(db, principal)
    db.commit()
    first = stored_secret(db, person.id, pending=True)
    two_factor.start_setup(db, principal)
    db.commit()
    assert stored_secret(db, person.id, pending=True) != first
    with pytest.raises(TwoFactorError):  # a code of the abandoned secret does not confirm
        two_factor.confirm_setup(db, principal, totp.code_at(first, STEP))

    two_factor.cancel_setup(db, principal)
    db.commit()
    assert db.get(TwoFactor, person.id) is None
    with pytest.raises(TwoFactorError, match="start again"):
        two_factor.confirm_setup(db, principal, "123456")


def test_setup_is_refused_while_it_is_on(db, person):
    turn_on(db, person)
    with pytest.raises(TwoFactorError, match="already on"):
        two_factor.start_setup(db, principal_of(db, person))


def test_recovery_codes_are_stored_only_as_hashes(db, person):
    _secret, codes = turn_on(db, person)
    stored = {row.code_hash for row in db.exec(select(RecoveryCode)).all()}
    assert len(stored) == 10
    assert not any(code in stored or code.replace("-", "") in stored for code in codes)


def test_an_app_code_counts_once_and_the_neighbouring_steps_are_accepted(db, person, monkeypatch):
    secret, _codes = turn_on(db, person)  # confirmed with the code of STEP
    assert not two_factor.check_second_step(db, person.id, totp.code_at(secret, STEP))  # already used

    freeze_clock(monkeypatch, STEP + 1)
    code = totp.code_at(secret, STEP + 1)
    assert two_factor.check_second_step(db, person.id, code[:3] + " " + code[3:])
    assert not two_factor.check_second_step(db, person.id, code)  # replay within its window

    freeze_clock(monkeypatch, STEP + 3)
    assert not two_factor.check_second_step(db, person.id, totp.code_at(secret, STEP + 1))  # too old
    assert two_factor.check_second_step(db, person.id, totp.code_at(secret, STEP + 4))  # the app's clock runs ahead
    assert not two_factor.check_second_step(db, person.id, totp.code_at(secret, STEP + 3))  # older than the last used

    freeze_clock(monkeypatch, STEP + 10)
    assert not two_factor.check_second_step(db, person.id, totp.code_at(secret, STEP + 12))  # too far ahead
    assert two_factor.check_second_step(db, person.id, totp.code_at(secret, STEP + 9))  # a little behind
    assert not two_factor.check_second_step(db, person.id, "not a code")


def test_a_recovery_code_works_once_however_it_is_typed(db, person):
    _secret, codes = turn_on(db, person)
    principal = principal_of(db, person)
    typed = "  " + codes[0].upper().replace("-", " ") + " "
    assert two_factor.check_second_step(db, person.id, typed)
    assert not two_factor.check_second_step(db, person.id, codes[0])
    assert two_factor.check_second_step(db, person.id, codes[1])
    assert two_factor.status(db, principal).recovery_codes_left == 8
    assert not two_factor.check_second_step(db, person.id, "abcd-efgh-jkmn")


def test_codes_of_another_person_do_not_count(db, person):
    secret, codes = turn_on(db, person)
    other = make_user(db, email="bo@example.com")
    _other_secret, _other_codes = turn_on(db, other)
    assert not two_factor.check_second_step(db, other.id, codes[0])
    assert not two_factor.check_second_step(db, other.id, totp.code_at(secret, STEP + 1))


def test_a_sealed_secret_opens_only_for_its_owner_and_under_its_key(db, person, monkeypatch):
    secret, _codes = turn_on(db, person)
    other = make_user(db, email="bo@example.com")
    db.add(TwoFactor(portal_user_id=other.id, secret=db.get(TwoFactor, person.id).secret))
    db.commit()
    code = totp.code_at(secret, STEP + 1)
    assert not two_factor.check_second_step(db, other.id, code)  # copied to another row: does not open

    monkeypatch.setenv("PORTAL_SECRET_KEY", "another installation key")
    assert not two_factor.check_second_step(db, person.id, code)
    monkeypatch.undo()
    freeze_clock(monkeypatch)
    assert two_factor.check_second_step(db, person.id, code)


def test_turning_off_needs_the_password_or_a_current_code(db, person, monkeypatch):
    secret, _codes = turn_on(db, person)
    principal = principal_of(db, person)
    for wrong in ("not the password", "", totp.code_at(secret, STEP)):  # the last was used to confirm
        with pytest.raises(TwoFactorError, match="neither your current password"):
            two_factor.disable(db, principal, wrong)
    assert two_factor.is_enabled(db, person.id)

    two_factor.disable(db, principal, PASSWORD)
    db.commit()
    assert not two_factor.is_enabled(db, person.id)
    assert recovery_codes.remaining(db, person.id) == 0
    with pytest.raises(TwoFactorError, match="already off"):
        two_factor.disable(db, principal, PASSWORD)

    freeze_clock(monkeypatch, STEP + 20)
    secret, _codes = turn_on(db, person, STEP + 20)
    freeze_clock(monkeypatch, STEP + 21)
    two_factor.disable(db, principal, totp.code_at(secret, STEP + 21))
    db.commit()
    assert not two_factor.is_enabled(db, person.id)


def test_new_recovery_codes_replace_the_old_ones(db, person):
    _secret, old = turn_on(db, person)
    principal = principal_of(db, person)
    with pytest.raises(TwoFactorError):
        two_factor.renew_recovery_codes(db, principal, "not the password")
    new = two_factor.renew_recovery_codes(db, principal, PASSWORD)
    db.commit()
    assert not set(new) & set(old)
    assert not two_factor.check_second_step(db, person.id, old[0])
    assert two_factor.check_second_step(db, person.id, new[0])


def test_recovery_codes_need_two_factor_on(db, person):
    with pytest.raises(TwoFactorError, match="Turn on"):
        two_factor.renew_recovery_codes(db, principal_of(db, person), PASSWORD)


def test_turning_two_factor_on_and_off_tells_the_person(db, person, monkeypatch):
    turn_on(db, person)
    assert sent_mail()[-1]["Subject"] == "Two-factor sign-in is on"
    freeze_clock(monkeypatch, STEP + 1)

    two_factor.disable(db, principal_of(db, person), PASSWORD)

    assert sent_mail()[-1]["To"] == person.email
    assert sent_mail()[-1]["Subject"] == "Two-factor sign-in is off"


def test_the_provider_resets_a_lost_second_factor_from_the_command_line(db, person, caplog, capsys):
    turn_on(db, person)
    principal = principal_of(db, person)

    assert main(["reset-two-factor", "--email", person.email.upper()]) == 0

    db.expire_all()
    assert not two_factor.is_enabled(db, person.id)
    assert db.get(AuthSession, principal.session_id) is None
    assert db.exec(select(RecoveryCode).where(RecoveryCode.portal_user_id == person.id)).all() == []
    assert sent_mail()[-1]["Subject"] == "Two-factor sign-in was reset"
    assert [r.getMessage() for r in caplog.records if r.name == "portal.audit"] == [
        f"two-factor sign-in of {person.email} reset by {getpass.getuser()} at the command line"
    ]
    assert "is off" in capsys.readouterr().out
    assert main(["reset-two-factor", "--email", person.email]) == 0
    assert "nothing changed" in capsys.readouterr().out
