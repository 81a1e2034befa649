"""What every room behind the front desk shares: the database, the clock, the history and
the permission check against the stored user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ledger import history
from ledger.db import Database
from ledger.errors import PermissionDenied
from ledger.i18n import tr
from ledger.models import HistoryRow, SealedYearRow, SettingRow, UserRow
from ledger.records import Role, User


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass
class Desk:
    db: Database
    clock: Callable[[], datetime] = field(default=now)  # replaceable: the demo dates its records
    # the signing keys unlocked in this session (by login or by creating the user), by user
    # name: they live only in this process's memory (see ledger.signing)
    keys: dict[str, Any] = field(default_factory=dict)

    def log(self, session: Session, **entry: Any) -> HistoryRow:
        """Append to the history, timed by this desk's clock, hashed by the chosen algorithm."""
        return history.append(session, at=self.clock(), algo=chain_algo(session), **entry)


CRYPTO_SETTING = "crypto"  # "" SHA-256 + Ed25519 (default), "gm" SM3 + SM2 (国密)


def chain_algo(session: Session) -> str:
    """The hash of new history entries: "" (SHA-256) or "sm3" when 国密 is chosen."""
    row = session.get(SettingRow, CRYPTO_SETTING)
    return "sm3" if row is not None and row.value == "gm" else ""


def sealed(s: Session, year: int) -> bool:
    """Whether ``year`` is sealed (archived: its receptions and plans are an administrator's)."""
    return s.get(SealedYearRow, year) is not None


def has(s: Session, actor: User | None, role: Role) -> bool:
    if actor is None:
        return False
    row = s.get(UserRow, actor.id)
    return bool(row and row.active and role.value in row.roles.split(","))


def require(s: Session, actor: User | None, role: Role, doing: str) -> None:
    """Permission check against the stored user, not the caller's copy."""
    if not has(s, actor, role):
        raise PermissionDenied(
            tr("{who}没有“{role}”角色，不能{doing}").format(
                who=actor.label if actor else tr("未登录用户"), role=role.label, doing=doing
            )
        )
