"""Logging in: one answer, one cost and one throttle for every name, existing or not.

An unknown, a disabled and an existing user with a wrong password get the same message
after the same argon2 work (a dummy hash stands in for the missing one), and wrong tries
are counted per normalised name in ``login_failures`` whether a user of that name exists
or not, so neither the message, the time taken nor the throttle tells which names exist.

The throttle only slows guessing: the wait grows with the failures in a row but never
exceeds ``MAX_DELAY_SECONDS``, and a streak whose last failure is older than
``FAILURE_WINDOW`` counts no more. Whoever types wrong passwords under someone's name can
keep them out for at most that fixed time. The counts live in the ledger database, so
every desk and process sharing the ledger sees the same ones.

A successful login with no failures to forget only reads; in the window, a login while
another desk writes (an import) waits for it first, so that a wrong password is counted before
it is answered (``attempt``'s ``wait``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledger import auth
from ledger.db import Database, ReadOnlyLedger, StoppedWaiting, when_free
from ledger.i18n import tr
from ledger.models import LoginFailureRow, UserRow
from ledger.text import clean_line, person_key

FREE_ATTEMPTS = 3  # wrong passwords in a row before any wait
MAX_DELAY_SECONDS = 30  # the longest wait, after any number of failures
FAILURE_WINDOW = timedelta(minutes=15)  # a streak this old no longer counts
T = TypeVar("T")


@dataclass(frozen=True)
class LoginOutcome:
    """``user`` when the password was right; else the message and the seconds to wait."""

    user: UserRow | None
    message: str = ""
    wait: int = 0


def failure_key(username: str) -> str:
    """The name failures are counted under: the way names of people compare (ledger.text)."""
    return person_key(username)[:64]


def delay(failures: int) -> int:
    """Seconds to wait before the next try after so many failures in a row."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS)


def _streak(row: LoginFailureRow | None, now: datetime) -> int:
    if row is None or abs(now - row.last_at) > FAILURE_WINDOW:
        return 0
    return row.count


def attempt(
    db: Database,
    username: str,
    password: str,
    now: datetime,
    wait: Callable[[], bool] | None = None,
) -> LoginOutcome:
    """The verdict on one try. While another desk holds the write lock (an import), the try
    waits for it through ``wait`` (the window's dialog, see ``when_free``) before the password
    is judged, since a wrong one must be counted under the lock: one whose user stops waiting
    is not completed (``StoppedWaiting``) and tells nothing of the password, whether it was
    right or wrong, so that stopping never bypasses the count nor answers a guess."""
    key = failure_key(username)
    with db.read() as s:
        user = s.scalars(select(UserRow).where(UserRow.username == clean_line(username))).first()
        failures = s.get(LoginFailureRow, key)
        streak = _streak(failures, now)
        if streak:  # another desk's clock may run ahead: never more than the full wait
            elapsed = int((now - failures.last_at).total_seconds())
            remaining = min(delay(streak), delay(streak) - elapsed)
        else:
            remaining = 0
    if remaining > 0:
        return LoginOutcome(
            None, tr("该用户名登录失败次数过多，请 {n} 秒后再试").format(n=remaining), remaining
        )
    if wait is not None and not wait():
        raise StoppedWaiting(tr("未登录：已不再等待另一处写入"))
    usable = user is not None and user.active
    stored = user.password_hash if user is not None and usable else auth.dummy_hash()
    if auth.password_matches(stored, password) and usable:
        if failures is not None:
            with suppress(ReadOnlyLedger):  # nothing can be written there: kept, and never counted
                _written(db, wait, lambda s: clear_failures(s, username))
        return LoginOutcome(user)
    streak = _record_failure(db, key, now, wait)
    seconds = delay(streak)
    if seconds:
        message = tr("用户名或密码不正确；已连续错误 {n} 次，请 {s} 秒后再试").format(n=streak, s=seconds)
        return LoginOutcome(None, message, seconds)
    return LoginOutcome(None, tr("用户名或密码不正确"))


def _record_failure(db: Database, key: str, now: datetime, wait: Callable[[], bool] | None) -> int:
    """Count one more failure under ``key``; the streak so far (1 on a read-only ledger)."""

    def count(s: Session) -> int:
        row = s.get(LoginFailureRow, key)
        streak = _streak(row, now) + 1
        if row is None:
            s.add(LoginFailureRow(name=key, count=streak, last_at=now))
        else:
            row.count, row.last_at = streak, now
        # names nobody tried for a while are forgotten, so guessed names do not pile up
        s.execute(delete(LoginFailureRow).where(LoginFailureRow.last_at < now - FAILURE_WINDOW))
        return streak

    try:
        return _written(db, wait, count)
    except ReadOnlyLedger:  # nothing can be written here: no throttle, but the same answer
        return 1


def _written(db: Database, wait: Callable[[], bool] | None, work: Callable[[Session], T]) -> T:
    """``work`` in a write transaction; with ``wait``, once no other desk writes (``when_free``)."""

    def write() -> T:
        with db.write() as s:
            return work(s)

    return write() if wait is None else when_free(write, wait, db.at_once)


def clear_failures(s: Session, username: str) -> None:
    """Forget the wrong tries under ``username`` (a right password, a new password)."""
    s.execute(delete(LoginFailureRow).where(LoginFailureRow.name == failure_key(username)))
