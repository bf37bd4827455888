"""Sign-in as an attacker probes it: unknown and real ids look the same, guessing is slowed
without locking the owner out, and parallel guesses cannot overrun the limit."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.accounts import AccountService, ScryptParams
from bot.db import open_database
from bot.errors import AccountLocked, LoginFailed, LoginRefused
from bot.settings import Settings

CHEAP = ScryptParams(n=2**8, r=8, p=1)


class Clock:
    def __init__(self):
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def db(tmp_path):
    with open_database(Settings.from_env(environ={"STUDYBOT_DATA_DIR": str(tmp_path)})) as database:
        yield database


def service(db, **kw):
    return AccountService(db, Settings.from_env(environ={}), **kw)


def attempt(accounts, user_id, password, source="10.0.0.1") -> tuple[str, float]:
    started = time.perf_counter()
    try:
        accounts.authenticate(user_id, password, source=source)
        message = "signed in"
    except LoginRefused as exc:
        message = f"{type(exc).__name__}: {exc}"
    return message, time.perf_counter() - started


def test_unknown_and_known_ids_cost_the_same_and_read_the_same(db):
    accounts = service(db)  # the real scrypt parameters: the cost an attacker would measure
    accounts.add_user("GD001", "张三", "广州市司法局", "officer", "the-right-password")
    known, unknown = [], []
    for i in range(20):  # interleaved, so load on the machine falls on both alike
        known.append(attempt(accounts, "GD001", f"wrong-{i}", source=f"k{i % 3}"))
        unknown.append(attempt(accounts, "NOBODY", f"wrong-{i}", source=f"u{i % 3}"))
    # Same messages, in the same order: including when the throttle starts to answer.
    assert [m.replace("GD001", "X") for m, _ in known] == [m for m, _ in unknown]
    assert any("LoginFailed" in m for m, _ in known) and any("AccountLocked" in m for m, _ in known)
    # Attempts that reach the password check cost one scrypt hash either way. The fastest of each
    # (load on the machine only ever adds time; a median of the few attempts before the lock-out
    # once differed by half under a parallel test run).
    checked_known = [t for m, t in known if "LoginFailed" in m]
    checked_unknown = [t for m, t in unknown if "LoginFailed" in m]
    a, b = min(checked_known), min(checked_unknown)
    assert abs(a - b) < 0.25 * max(a, b), (a, b)


def test_a_guesser_elsewhere_cannot_lock_the_owner_out(db):
    clock = Clock()
    accounts = service(db, now=clock, scrypt=CHEAP)
    owner = accounts.add_user("GD001", "张三", "广州市司法局", "officer", "the-right-password")
    for i in range(12):  # an attacker keeps guessing from one address, as fast as allowed
        with pytest.raises((LoginFailed, AccountLocked)) as refused:
            accounts.authenticate("GD001", f"guess-{i}", source="203.0.113.9")
        if isinstance(refused.value, AccountLocked) and i < 11:
            clock.advance(seconds=refused.value.wait_seconds)
    with pytest.raises(AccountLocked):
        accounts.authenticate("GD001", "the-right-password", source="203.0.113.9")
    # The owner, at their own desk, signs in at once.
    assert accounts.authenticate("GD001", "the-right-password", source="10.1.2.3") == owner


def test_the_owner_gets_in_after_the_delay_even_from_the_same_place(db):
    clock = Clock()
    accounts = service(db, now=clock, scrypt=CHEAP)
    owner = accounts.add_user("GD001", "张三", "广州市司法局", "officer", "the-right-password")
    for _ in range(6):
        with pytest.raises((LoginFailed, AccountLocked)):
            accounts.authenticate("GD001", "typo-password", source="10.1.2.3")
        clock.advance(seconds=1)
    with pytest.raises(AccountLocked) as waiting:
        accounts.authenticate("GD001", "the-right-password", source="10.1.2.3")
    clock.advance(seconds=waiting.value.wait_seconds)
    assert accounts.authenticate("GD001", "the-right-password", source="10.1.2.3") == owner


def test_one_place_guessing_many_accounts_is_slowed(db):
    clock = Clock()
    accounts = service(db, now=clock, scrypt=CHEAP)
    outcomes = []
    for i in range(25):
        try:
            accounts.authenticate(f"ID{i}", "guess-password", source="198.51.100.7")
            outcomes.append("in")
        except LoginFailed:
            outcomes.append("failed")
        except AccountLocked:
            outcomes.append("locked")
    assert outcomes[:19] == ["failed"] * 19 and set(outcomes[20:]) == {"locked"}


def test_many_successful_sign_ins_from_one_place_are_not_throttled(db):
    accounts = service(db, scrypt=CHEAP)
    for i in range(30):  # a training room behind one address
        accounts.add_user(f"GD{i:03d}", "某", "单位", "officer", "the-right-password", must_change=False)
    for i in range(30):
        assert accounts.authenticate(f"GD{i:03d}", "the-right-password", source="10.0.0.1").id == f"GD{i:03d}"
