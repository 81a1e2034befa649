"""Logging in: the same answer for every name, and a throttle that only slows guessing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher

from ledger import auth, login
from ledger.service import AuthError, LedgerService, LoginThrottled
from tests.conftest import PASSWORD, Team

START = datetime(2025, 3, 5, 9, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(service: LedgerService) -> Clock:
    clock = Clock()
    service.clock = clock
    return clock


def answers(service: LedgerService, name: str, password: str, tries: int) -> list[str]:
    said = []
    for _ in range(tries):
        with pytest.raises(AuthError) as refused:
            service.authenticate(name, password)
        said.append(str(refused.value))
    return said


def test_unknown_disabled_and_wrong_password_get_the_same_answers(
    service: LedgerService, team: Team, clock: Clock
) -> None:
    service.update_user(team.admin, "wang", active=False)
    wrong = answers(service, "li", "wrong-password", 3)
    unknown = answers(service, "nobody", "wrong-password", 3)
    disabled = answers(service, "wang", PASSWORD, 3)  # even with the right password
    assert wrong == unknown == disabled
    assert wrong[0] == "用户名或密码不正确"
    assert wrong[2] == "用户名或密码不正确；已连续错误 3 次，请 2 秒后再试"
    for name in ("li", "nobody", "wang"):  # and the same throttle for each
        with pytest.raises(LoginThrottled, match="该用户名登录失败次数过多，请 2 秒后再试") as slowed:
            service.authenticate(name, PASSWORD)
        assert slowed.value.seconds == 2


def test_many_failures_keep_the_right_password_out_for_at_most_the_cap(
    service: LedgerService, team: Team, clock: Clock
) -> None:
    wait = 0
    for _ in range(40):  # an attacker tries as soon as each wait ends
        clock.advance(wait)
        with pytest.raises(AuthError) as refused:
            service.authenticate("li", "guess")
        wait = refused.value.seconds if isinstance(refused.value, LoginThrottled) else 0
        assert wait <= login.MAX_DELAY_SECONDS
    with pytest.raises(LoginThrottled) as slowed:
        service.authenticate("li", PASSWORD)
    assert slowed.value.seconds == login.MAX_DELAY_SECONDS
    clock.advance(login.MAX_DELAY_SECONDS)
    assert service.authenticate("li", PASSWORD).username == "li"
    # and the streak is forgotten: the next wrong try is a plain one again
    assert answers(service, "li", "guess", 1) == ["用户名或密码不正确"]


def test_old_failures_no_longer_count(service: LedgerService, team: Team, clock: Clock) -> None:
    answers(service, "li", "guess", 5)
    clock.advance(login.FAILURE_WINDOW.total_seconds() + 1)
    assert answers(service, "li", "guess", 1) == ["用户名或密码不正确"]


def test_names_are_counted_normalised(service: LedgerService, team: Team, clock: Clock) -> None:
    answers(service, "Nobody", "guess", 2)
    assert answers(service, " ｎｏｂｏｄｙ ", "guess", 1) == [
        "用户名或密码不正确；已连续错误 3 次，请 2 秒后再试"
    ]


def test_a_new_password_clears_the_failures(service: LedgerService, team: Team, clock: Clock) -> None:
    answers(service, "li", "guess", 3)
    service.set_password(team.admin, "li", "another-secret")
    assert service.authenticate("li", "another-secret").username == "li"


def test_the_dummy_hash_follows_the_current_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    other = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    first = auth.dummy_hash()
    assert first == auth.dummy_hash() and "m=1024,t=1" in first
    monkeypatch.setattr(auth, "_hasher", other)
    assert "m=2048,t=2" in auth.dummy_hash()
    assert not auth.password_matches(auth.dummy_hash(), "")


def test_a_clock_behind_the_last_failure_waits_no_longer_than_the_cap(
    service: LedgerService, team: Team, clock: Clock
) -> None:
    answers(service, "li", "guess", 3)
    clock.advance(-600)  # another desk whose clock is ten minutes behind
    with pytest.raises(LoginThrottled) as slowed:
        service.authenticate("li", PASSWORD)
    assert slowed.value.seconds == 2


def test_changing_ones_password_tries_the_old_one_as_a_login_is_tried(
    service: LedgerService, team: Team, clock: Clock
) -> None:
    """An unattended desk where someone is logged in is no free guessing: the old password of a
    password change is counted and throttled with the logins of that name."""
    said = []
    for _ in range(4):
        with pytest.raises(AuthError) as refused:
            service.set_password(team.clerk, "li", "a-new-pass-1", "a-guess")
        said.append(str(refused.value))
    assert said[:2] == ["原密码不正确"] * 2
    assert said[2] == "原密码不正确或错误次数过多：请 2 秒后再试"
    assert said[3] == "原密码不正确或错误次数过多：请 2 秒后再试"  # the right one would wait too
    with pytest.raises(LoginThrottled):
        service.authenticate("li", PASSWORD)  # the same count as the login's
    clock.advance(3)
    service.set_password(team.clerk, "li", "a-new-pass-1", PASSWORD)
    assert service.authenticate("li", "a-new-pass-1").username == "li"
