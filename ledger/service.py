"""LedgerService: the one place that writes.

Every public write is one transaction, checks the actor's permission, and appends
to the hash-chained history. Callers get frozen records back, never ORM objects.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, func, insert, select
from sqlalchemy.orm import Session, selectinload

from ledger import auth, backup, history, limits, login
from ledger.db import Database
from ledger.filenames import safe_attachment_name
from ledger.i18n import tr
from ledger.models import (
    AttachmentRow,
    ExplanationRow,
    HistoryRow,
    MealRow,
    PersonRow,
    PolicyRow,
    ReceptionRow,
    SettingRow,
    TargetRow,
    UserRow,
    ViolationRow,
)
from ledger.money import from_fen, to_fen
from ledger.normal_form import column_of as _column_of
from ledger.normal_form import normalized as _normalized
from ledger.policy import RULES, Policy, evaluate, load_default_policy, policy_in_force
from ledger.records import (
    CANTEEN_VENUE_TYPES,
    Assessment,
    Attachment,
    Bureau,
    HistoryEntry,
    ImportRow,
    LedgerQuery,
    LedgerRow,
    Meal,
    Person,
    Reception,
    Role,
    Status,
    User,
    Violation,
)
from ledger.text import clean_line, person_key
from ledger.validation import reception_problems

DEFAULT_REDUCTION = Decimal("0.20")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class LedgerError(Exception):
    """A refusal the user should read; ``str(error)`` is the Chinese message."""


class PermissionDenied(LedgerError):
    pass


class NotFound(LedgerError):
    pass


class StaleEdit(LedgerError):
    """The record changed since it was opened; nothing was written."""


class WorkflowError(LedgerError):
    pass


class AuthError(LedgerError):
    pass


class LoginThrottled(AuthError):
    def __init__(self, message: str, seconds: int) -> None:
        super().__init__(message)
        self.seconds = seconds


class InvalidReception(LedgerError):
    """Field-level problems: ``problems`` maps a Reception field name to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class ImportOutcome:
    row: int
    ref: str | None
    reception: Reception | None
    assessment: Assessment | None
    errors: tuple[Any, ...]  # CellError


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


_SORT_COLUMNS = {
    "ref": (ReceptionRow.year, ReceptionRow.seq),
    "reception_date": (ReceptionRow.reception_date, ReceptionRow.id),
    "visiting_unit": (ReceptionRow.visiting_unit, ReceptionRow.id),
    "activity": (ReceptionRow.activity, ReceptionRow.id),
    "guest_count": (ReceptionRow.guest_count, ReceptionRow.id),
    "companion_count": (ReceptionRow.companion_count, ReceptionRow.id),
    "total": (ReceptionRow.total_fen, ReceptionRow.id),
    "per_person": (
        ReceptionRow.total_fen
        * 1.0
        / func.nullif(ReceptionRow.guest_count + ReceptionRow.companion_count, 0),
        ReceptionRow.id,
    ),
    "status": (ReceptionRow.status, ReceptionRow.reception_date, ReceptionRow.id),  # rides the status index
    "violation_count": (ReceptionRow.violation_count, ReceptionRow.id),
    "compliant": (ReceptionRow.violation_count, ReceptionRow.id),
    "over_standard_amount": (ReceptionRow.over_standard_fen, ReceptionRow.id),
    "posted_on": (ReceptionRow.posted_on, ReceptionRow.id),
}


class LedgerService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.clock: Callable[[], datetime] = _now  # replaceable: the demo dates its records realistically
        self._policies: list[Policy] | None = None
        self._policy_stamp: tuple[Any, ...] | None = None
        self.policies()  # an empty ledger gets the default policy before any other write

    def _log(self, session: Session, **entry: Any) -> None:
        """Append to the history, timed by this service's clock."""
        history.append(session, at=self.clock(), **entry)

    # ================================================================== setup & users
    def has_users(self) -> bool:
        with self.db.read() as s:
            return s.scalar(select(func.count(UserRow.id))) > 0

    def setup(self, bureau: Bureau, username: str, display_name: str, password: str) -> User:
        """First start: the bureau's details and the first administrator."""
        with self.db.write() as s:
            if s.scalar(select(func.count(UserRow.id))):
                raise WorkflowError(tr("账本已经设置过管理员，请登录"))
            user = self._add_user(
                s, username, display_name, frozenset({Role.ADMIN}), password, actor=username
            )
            self._write_bureau(s, bureau, actor=username)
            return user

    def authenticate(self, username: str, password: str) -> User:
        """The same answer, cost and throttle for every name (see ledger.login)."""
        outcome = login.attempt(self.db, username, password, self.clock())
        if outcome.user is not None:
            return self._user(outcome.user)
        if outcome.wait:
            raise LoginThrottled(outcome.message, outcome.wait)
        raise AuthError(outcome.message)

    def user(self, username: str) -> User:
        with self.db.read() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == clean_line(username))).first()
            if row is None:
                raise NotFound(tr("没有用户“{name}”").format(name=username))
            return self._user(row)

    def users(self) -> list[User]:
        with self.db.read() as s:
            return [self._user(r) for r in s.scalars(select(UserRow).order_by(UserRow.id))]

    def add_user(
        self,
        actor: User | None,
        username: str,
        display_name: str,
        roles: Iterable[Role],
        password: str,
    ) -> User:
        """Add a user. With no user yet (first use), the first one must be an administrator."""
        roles = frozenset(roles)
        with self.db.write() as s:
            first = not s.scalar(select(func.count(UserRow.id)))
            if first:
                if Role.ADMIN not in roles:
                    raise PermissionDenied(tr("账本还没有用户：第一个用户必须是管理员（admin）"))
            else:
                self._require(s, actor, Role.ADMIN, tr("添加用户"))
            return self._add_user(
                s, username, display_name, roles, password, actor=actor.username if actor else username
            )

    def update_user(
        self,
        actor: User,
        username: str,
        *,
        display_name: str | None = None,
        roles: Iterable[Role] | None = None,
        active: bool | None = None,
    ) -> User:
        with self.db.write() as s:
            self._require(s, actor, Role.ADMIN, tr("修改用户"))
            row = self._user_row(s, username)
            before = self._user_snapshot(row)
            if display_name is not None:
                display_name = clean_line(display_name)
                if len(display_name) > limits.PERSON_NAME:
                    raise InvalidReception({"display_name": tr("最多 {n} 个字").format(n=limits.PERSON_NAME)})
                row.display_name = display_name or row.username
            if roles is not None:
                row.roles = auth.roles_text(frozenset(roles))
            if active is not None:
                row.active = active
            self._keep_one_admin(s, row)
            after = self._user_snapshot(row)
            if after != before:
                self._log(
                    s,
                    username=actor.username,
                    action="user_edit",
                    entity="user",
                    entity_id=row.id,
                    ref=row.username,
                    before=before,
                    after=after,
                )
            return self._user(row)

    def set_password(self, actor: User, username: str, new_password: str, old_password: str = "") -> None:
        """An administrator resets anyone's password; a user changes their own with the old one."""
        with self.db.write() as s:
            row = self._user_row(s, username)
            if actor.username == username and not self._has(s, actor, Role.ADMIN):
                if not auth.password_matches(row.password_hash, old_password):
                    raise AuthError(tr("原密码不正确"))
            elif actor.username != username:
                self._require(s, actor, Role.ADMIN, tr("重置密码"))
            before = self._user_snapshot(row)
            try:
                row.password_hash = auth.hash_password(new_password)
            except ValueError as exc:
                raise InvalidReception({"password": str(exc)}) from None
            login.clear_failures(s, row.username)
            self._log(
                s,
                username=actor.username,
                action="password",
                entity="user",
                entity_id=row.id,
                ref=row.username,
                before=before,
                after=self._user_snapshot(row),
            )

    def _add_user(
        self,
        s: Session,
        username: str,
        display_name: str,
        roles: frozenset[Role],
        password: str,
        *,
        actor: str,
    ) -> User:
        username, display_name = clean_line(username), clean_line(display_name)
        if not username:
            raise InvalidReception({"username": tr("请填写用户名")})
        for field_name, value in (("username", username), ("display_name", display_name)):
            if len(value) > limits.PERSON_NAME:
                raise InvalidReception({field_name: tr("最多 {n} 个字").format(n=limits.PERSON_NAME)})
        if not roles:
            raise InvalidReception({"roles": tr("请至少选择一个角色")})
        # "boss", "BOSS" and "ｂｏｓｓ" are one person: nobody gets a second account that only looks different
        key = person_key(username)
        for existing in s.scalars(select(UserRow.username)):
            if person_key(existing) == key:
                raise InvalidReception({"username": tr("用户名“{name}”已存在").format(name=existing)})
        try:
            password_hash = auth.hash_password(password)
        except ValueError as exc:
            raise InvalidReception({"password": str(exc)}) from None
        row = UserRow(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=password_hash,
            roles=auth.roles_text(roles),
            active=True,
            failed_logins=0,
            created_at=self.clock(),
        )
        s.add(row)
        s.flush()
        self._log(
            s,
            username=actor,
            action="user_add",
            entity="user",
            entity_id=row.id,
            ref=row.username,
            after=self._user_snapshot(row),
        )
        return self._user(row)

    def _keep_one_admin(self, s: Session, changed: UserRow) -> None:
        s.flush()
        admins = [
            r
            for r in s.scalars(select(UserRow).where(UserRow.active.is_(True)))
            if Role.ADMIN.value in r.roles.split(",")
        ]
        if not admins:
            raise WorkflowError(tr("至少需要保留一位启用的管理员"))

    @staticmethod
    def _user_snapshot(row: UserRow) -> dict[str, Any]:
        return {
            "username": row.username,
            "display_name": row.display_name,
            "roles": row.roles,
            "active": row.active,
            "password": hashlib.sha256(row.password_hash.encode()).hexdigest(),
        }

    @staticmethod
    def _user(row: UserRow) -> User:
        return User(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            roles=auth.parse_roles(row.roles),
            active=row.active,
        )

    def _user_row(self, s: Session, username: str) -> UserRow:
        row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            raise NotFound(tr("没有用户“{name}”").format(name=username))
        return row

    def _has(self, s: Session, actor: User | None, role: Role) -> bool:
        if actor is None:
            return False
        row = s.get(UserRow, actor.id)
        return bool(row and row.active and role.value in row.roles.split(","))

    def _require(self, s: Session, actor: User | None, role: Role, doing: str) -> None:
        """Permission check against the stored user, not the caller's copy."""
        if not self._has(s, actor, role):
            raise PermissionDenied(
                tr("{who}没有“{role}”角色，不能{doing}").format(
                    who=actor.label if actor else tr("未登录用户"), role=role.label, doing=doing
                )
            )

    # ================================================================== bureau & targets
    def bureau(self) -> Bureau:
        with self.db.read() as s:
            values = {r.key: r.value for r in s.scalars(select(SettingRow))}
        return Bureau(
            name=values.get("bureau_name", ""),
            supervision_phone=values.get("supervision_phone", ""),
            posting_days=int(values.get("posting_days", "5") or 5),
            address=values.get("address", ""),
        )

    def update_bureau(self, actor: User, bureau: Bureau) -> Bureau:
        with self.db.write() as s:
            self._require(s, actor, Role.ADMIN, tr("修改单位信息"))
            self._write_bureau(s, bureau, actor=actor.username)
        return self.bureau()

    def _write_bureau(self, s: Session, bureau: Bureau, *, actor: str) -> None:
        bureau = replace(
            bureau,
            name=clean_line(bureau.name),
            supervision_phone=clean_line(bureau.supervision_phone),
            address=clean_line(bureau.address),
        )
        problems = {}
        if len(bureau.name) > limits.UNIT or len(bureau.address) > limits.UNIT:
            problems["name" if len(bureau.name) > limits.UNIT else "address"] = tr("最多 {n} 个字").format(
                n=limits.UNIT
            )
        if not bureau.name.strip():
            problems["name"] = tr("请填写单位名称")
        if not 1 <= bureau.posting_days <= 30:
            problems["posting_days"] = tr("公示期应为 1 至 30 个工作日")
        phone = bureau.supervision_phone.strip()
        if phone and not _PHONE.fullmatch(phone):
            problems["supervision_phone"] = tr(
                "监督电话应为电话号码（数字，可含区号连字符、括号、空格或“转”分机），而不是“{v}”"
            ).format(v=phone)
        if problems:
            raise InvalidReception(problems)
        values = {
            "bureau_name": bureau.name.strip(),
            "supervision_phone": bureau.supervision_phone.strip(),
            "posting_days": str(bureau.posting_days),
            "address": bureau.address.strip(),
        }
        before = {r.key: r.value for r in s.scalars(select(SettingRow))}
        for key, value in values.items():
            s.merge(SettingRow(key=key, value=value))
        self._log(
            s,
            username=actor,
            action="bureau_edit",
            entity="bureau",
            entity_id=0,
            before=before or None,
            after=before | values,
        )

    def reduction_for(self, year: int) -> Decimal:
        with self.db.read() as s:
            row = s.get(TargetRow, year)
            return Decimal(row.reduction) if row else DEFAULT_REDUCTION

    def set_reduction(self, actor: User, year: int, reduction: Decimal) -> None:
        if not Decimal("0") <= reduction < Decimal("1"):
            raise InvalidReception({"reduction": tr("压减比例应在 0% 至 100% 之间")})
        with self.db.write() as s:
            self._require(s, actor, Role.ADMIN, tr("设置年度目标"))
            row = s.get(TargetRow, year)
            before = {"year": year, "reduction": row.reduction} if row else None
            text = f"{reduction.quantize(Decimal('0.0001')).normalize():f}"
            if row:
                row.reduction = text
            else:
                s.add(TargetRow(year=year, reduction=text))
            self._log(
                s,
                username=actor.username,
                action="target_set",
                entity="target",
                entity_id=year,
                ref=str(year),
                before=before,
                after={"year": year, "reduction": text},
            )

    # ================================================================== policies
    def policies(self) -> list[Policy]:
        """The policy versions, oldest first, re-read when another machine added one."""
        with self.db.read() as s:
            stamp = tuple(s.execute(select(func.count(PolicyRow.id), func.max(PolicyRow.id))).one())
            if self._policies is None or stamp != self._policy_stamp:
                rows = s.scalars(select(PolicyRow).order_by(PolicyRow.effective_from)).all()
                self._policies = [Policy.from_dict(json.loads(r.params)) for r in rows]
                self._policy_stamp = stamp
        if not self._policies:
            self._policies = [self._seed_default_policy()]
            self._policy_stamp = None
        return list(self._policies)

    def _judged_by(self) -> list[Policy]:
        """The cached versions for the rule engine (refreshed by ``policies()`` at each write)."""
        return self._policies if self._policies is not None else self.policies()

    def _seed_default_policy(self) -> Policy:
        default = load_default_policy()
        with self.db.write() as s:
            if not s.scalars(select(PolicyRow)).first():
                self._insert_policy(s, default, actor="system")
        return default

    def policy_for(self, on: date) -> Policy:
        return policy_in_force(self._judged_by(), on)

    def add_policy(self, actor: User, policy: Policy) -> Policy:
        """A new version; earlier versions are never changed."""
        try:
            policy.validate()
        except ValueError as exc:
            raise InvalidReception({"policy": str(exc)}) from None
        current = self.policies()
        with self.db.write() as s:
            self._require(s, actor, Role.ADMIN, tr("修改接待标准"))
            latest = max(p.effective_from for p in current)
            if policy.effective_from <= latest:
                raise InvalidReception(
                    {
                        "effective_from": tr(
                            "新版本的生效日期必须晚于现行版本（{d}），历史版本不可改写"
                        ).format(d=latest.isoformat())
                    }
                )
            judged = s.scalar(
                select(func.max(ReceptionRow.reception_date)).where(ReceptionRow.status != Status.DRAFT.value)
            )
            if judged is not None and policy.effective_from <= judged:
                raise InvalidReception(
                    {
                        "effective_from": tr(
                            "已有 {d} 的接待按现行标准提交或审核，新版本的生效日期须晚于此日，已审核的记录不可重新评判"
                        ).format(d=judged.isoformat())
                    }
                )
            self._insert_policy(s, policy, actor=actor.username)
        self._policies = None
        return policy

    def _insert_policy(self, s: Session, policy: Policy, *, actor: str) -> None:
        params = policy.to_dict()
        row = PolicyRow(
            effective_from=policy.effective_from,
            params=history.canonical(params),
            created_by=actor,
            created_at=self.clock(),
        )
        s.add(row)
        s.flush()
        self._log(
            s,
            username=actor,
            action="policy_add",
            entity="policy",
            entity_id=row.id,
            ref=policy.effective_from.isoformat(),
            after=params,
        )

    def assess(self, reception: Reception) -> Assessment:
        """The rule engine, with the policy in force on the reception date."""
        return evaluate(reception, self.policy_for(reception.reception_date))

    # ================================================================== reading receptions
    def get(self, reception_id: int) -> Reception:
        with self.db.read() as s:
            return self._record(self._row(s, reception_id))

    def get_by_ref(self, ref: str) -> Reception:
        with self.db.read() as s:
            row = s.scalars(select(ReceptionRow).where(ReceptionRow.ref == ref.strip())).first()
            if row is None:
                raise NotFound(tr("没有编号为 {ref} 的接待记录").format(ref=ref))
            return self._record(row)

    def receptions(
        self,
        query: LedgerQuery = LedgerQuery(),
        *,
        approved_only: bool = False,
        include_classified: bool = True,
    ) -> list[Reception]:
        """Whole records (without attachment lists), in date order: reports and exports.

        Read with plain Core queries, one per table, rather than through the ORM: a year of
        a busy ledger is tens of thousands of records.
        """
        table = ReceptionRow.__table__
        people_t, meals_t, explanations_t = PersonRow.__table__, MealRow.__table__, ExplanationRow.__table__
        with self.db.snapshot() as s:
            ids = self._filtered(select(ReceptionRow.id), query)
            if approved_only:
                ids = ids.where(ReceptionRow.status == Status.APPROVED.value)
            if not include_classified:
                ids = ids.where(ReceptionRow.classified.is_(False))
            chosen = ids.scalar_subquery()
            connection = s.connection()
            result = connection.execute(
                select(table)
                .where(table.c.id.in_(chosen))
                .order_by(table.c.reception_date, table.c.year, table.c.seq)
            )
            keys = list(result.keys())
            rows = [dict(zip(keys, r, strict=True)) for r in result]

            def grouped(*columns: Any, order: tuple[Any, ...]) -> dict[int, list[tuple[Any, ...]]]:
                out: dict[int, list[tuple[Any, ...]]] = {}
                child = columns[0].table
                stmt = select(*columns).where(child.c.reception_id.in_(chosen)).order_by(*order)
                for reception_id, *values in connection.execute(stmt):
                    out.setdefault(reception_id, []).append(tuple(values))
                return out

            people = grouped(
                people_t.c.reception_id,
                *(people_t.c[c] for c in _PERSON_COLUMNS),
                order=(people_t.c.reception_id, people_t.c.role, people_t.c.position),
            )
            meals = grouped(
                meals_t.c.reception_id,
                *(meals_t.c[c] for c in _MEAL_COLUMNS),
                order=(meals_t.c.reception_id, meals_t.c.position),
            )
            explanations = grouped(
                explanations_t.c.reception_id,
                explanations_t.c.rule,
                explanations_t.c.text,
                order=(explanations_t.c.reception_id, explanations_t.c.rule),
            )
        return [
            _to_record(r, people.get(r["id"], ()), meals.get(r["id"], ()), explanations.get(r["id"], ()), ())
            for r in rows
        ]

    def violations_of(self, reception_ids: Sequence[int]) -> dict[int, list[Violation]]:
        """The breaches recorded at the last save, by reception."""
        out: dict[int, list[Violation]] = {}
        with self.db.read() as s:
            for chunk_start in range(0, len(reception_ids), 500):
                chunk = list(reception_ids[chunk_start : chunk_start + 500])
                stmt = (
                    select(ViolationRow)
                    .where(ViolationRow.reception_id.in_(chunk))
                    .order_by(ViolationRow.reception_id, ViolationRow.position)
                )
                for v in s.scalars(stmt):
                    out.setdefault(v.reception_id, []).append(
                        Violation(
                            rule=v.rule,
                            message=v.message,
                            limit=v.limit_text,
                            actual=v.actual_text,
                            excess=from_fen(v.excess_fen),
                        )
                    )
        return out

    def count_and_total(self, query: LedgerQuery) -> tuple[int, Decimal]:
        with self.db.read() as s:
            stmt = self._filtered(
                select(func.count(ReceptionRow.id), func.coalesce(func.sum(ReceptionRow.total_fen), 0)),
                query,
            )
            count, total = s.execute(stmt).one()
            return int(count), from_fen(int(total))

    def ledger_rows(self, query: LedgerQuery, offset: int = 0, limit: int = 200) -> list[LedgerRow]:
        """One page of the ledger view, sorted and filtered in the database."""
        columns = _SORT_COLUMNS.get(query.sort, _SORT_COLUMNS["reception_date"])
        order = [c.desc() if query.descending else c.asc() for c in columns]
        with self.db.read() as s:
            stmt = self._filtered(
                select(
                    ReceptionRow.id,
                    ReceptionRow.ref,
                    ReceptionRow.reception_date,
                    ReceptionRow.visiting_unit,
                    ReceptionRow.activity,
                    ReceptionRow.guest_count,
                    ReceptionRow.companion_count,
                    ReceptionRow.total_fen,
                    ReceptionRow.status,
                    ReceptionRow.violation_count,
                    ReceptionRow.over_standard_fen,
                    ReceptionRow.classified,
                    ReceptionRow.posted_on,
                ),
                query,
            )
            stmt = stmt.order_by(*order).offset(offset).limit(limit)
            return [
                LedgerRow(
                    id=r[0],
                    ref=r[1],
                    reception_date=r[2],
                    visiting_unit=r[3],
                    activity=r[4],
                    guest_count=r[5],
                    companion_count=r[6],
                    total=from_fen(r[7]),
                    status=Status(r[8]),
                    violation_count=r[9],
                    over_standard_amount=from_fen(r[10]),
                    classified=r[11],
                    posted_on=r[12],
                )
                for r in s.execute(stmt)
            ]

    def years(self) -> list[int]:
        with self.db.read() as s:
            return sorted(s.scalars(select(ReceptionRow.year).distinct()).all(), reverse=True)

    def _filtered(self, stmt: Select[Any], q: LedgerQuery) -> Select[Any]:
        conditions = []
        if q.year:
            if q.month:
                start = date(q.year, q.month, 1)
                end = date(q.year + (q.month == 12), q.month % 12 + 1, 1)
            else:
                start, end = date(q.year, 1, 1), date(q.year + 1, 1, 1)
            conditions += [ReceptionRow.reception_date >= start, ReceptionRow.reception_date < end]
        if q.date_from:
            conditions.append(ReceptionRow.reception_date >= q.date_from)
        if q.date_to:
            conditions.append(ReceptionRow.reception_date <= q.date_to)
        if q.status:
            conditions.append(ReceptionRow.status == Status(q.status).value)
        if q.compliance == "compliant":
            conditions.append(ReceptionRow.violation_count == 0)
        elif q.compliance == "breach":
            conditions.append(ReceptionRow.violation_count > 0)
        if q.visiting_unit:
            conditions.append(ReceptionRow.visiting_unit == q.visiting_unit)
        text = q.text.strip().lower()
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(ReceptionRow.search_text.like(f"%{escaped}%", escape="\\"))
        if conditions:
            stmt = stmt.where(and_(*conditions))
        return stmt

    def history(self, reception_id: int | None = None) -> list[HistoryEntry]:
        with self.db.read() as s:
            stmt = select(HistoryRow).order_by(HistoryRow.id)
            if reception_id is not None:
                stmt = stmt.where(HistoryRow.entity == "reception", HistoryRow.entity_id == reception_id)
            return [history.to_entry(r) for r in s.scalars(stmt)]

    def attachment_content(self, attachment_id: int) -> bytes:
        with self.db.read() as s:
            row = s.get(AttachmentRow, attachment_id)
            if row is None:
                raise NotFound(tr("附件不存在"))
            return row.content

    # ================================================================== writing receptions
    def validate(self, reception: Reception, *, for_submit: bool = False) -> dict[str, str]:
        """Field problems (field name → message) of the reception as it would be stored."""
        return reception_problems(_normalized(reception), for_submit=for_submit)

    def save(self, actor: User, reception: Reception) -> Reception:
        """Create a draft (``id is None``) or save changes to a draft or returned reception."""
        self.policies()  # judged by the versions in force now, even one another machine just added
        problems = self.validate(reception)
        if problems:
            raise InvalidReception(problems)
        with self.db.write() as s:
            row = self._save_in(s, actor, reception)
            return self._record(row)

    def submit(self, actor: User, reception: Reception) -> Reception:
        """Save the given state and submit it for review, in one transaction.

        Refused until every breach found by the rules has its explanation (情况说明).
        """
        self.policies()
        problems = self.validate(reception, for_submit=True)
        if problems:
            raise InvalidReception(problems)
        missing = {
            v.rule: RULES[v.rule]
            for v in self.assess(reception).violations
            if not reception.explanations.get(v.rule, "").strip()
        }
        if missing:
            raise InvalidReception(
                {
                    f"explanations.{rule}": tr("请为“{rule}”填写情况说明后再提交").format(rule=label)
                    for rule, label in missing.items()
                }
            )
        with self.db.write() as s:
            row = self._save_in(s, actor, reception)
            return self._transition(
                s,
                row,
                actor,
                "submit",
                Status.SUBMITTED,
                submitted_by=actor.username,
                submitted_at=self.clock(),
            )

    def _save_in(self, s: Session, actor: User, reception: Reception) -> ReceptionRow:
        self._require(s, actor, Role.CLERK, tr("录入接待"))
        if reception.id is None:
            row = self._new_row(s, reception.reception_date, actor.username)
            self._apply(row, reception)
            if not row.clerk_name:
                row.clerk_name = actor.label
            s.flush()
            self._log(
                s,
                username=actor.username,
                action="create",
                entity="reception",
                entity_id=row.id,
                ref=row.ref,
                after=self._snapshot(row),
            )
            return row
        row = self._row_for_update(s, reception)
        if Status(row.status) not in (Status.DRAFT, Status.RETURNED):
            raise WorkflowError(
                tr("{ref} 状态为“{status}”，已锁定，不能修改").format(
                    ref=row.ref, status=Status(row.status).label
                )
            )
        before = self._snapshot(row)
        self._apply(row, reception)
        s.flush()
        after = self._snapshot(row)
        if after != before:
            row.version += 1
            self._log(
                s,
                username=actor.username,
                action="edit",
                entity="reception",
                entity_id=row.id,
                ref=row.ref,
                before=before,
                after=after,
            )
        return row

    def approve(
        self, actor: User, reception_id: int, comment: str = "", *, version: int | None = None
    ) -> Reception:
        with self.db.write() as s:
            self._require(s, actor, Role.APPROVER, tr("审核接待"))
            row = self._row(s, reception_id, lock=True)
            self._check_version(row, version)
            reason = self._approval_refusal(s, row, actor)
            if reason:
                raise PermissionDenied(reason)
            return self._transition(
                s,
                row,
                actor,
                "approve",
                Status.APPROVED,
                comment=comment,
                approved_by=actor.username,
                approved_at=self.clock(),
                review_comment=comment.strip(),
            )

    def approval_refusal(self, actor: User, reception: Reception) -> str | None:
        """Why ``actor`` may not approve this reception, or None if they may (for the GUI)."""
        if not actor.has(Role.APPROVER):
            return tr("您没有“分管领导”角色")
        if reception.status != Status.SUBMITTED:
            return tr("只有待审核的接待可以审核")
        if actor.username in (reception.created_by, reception.submitted_by) or (
            reception.id is not None and self._worked_on(reception.id, actor.username)
        ):
            return tr("此接待由您录入或提交，不能由您本人审核")
        return None

    def _worked_on(self, reception_id: int, username: str, s: Session | None = None) -> bool:
        """Whether ``username`` ever entered, edited, imported or submitted this reception."""
        stmt = select(func.count(HistoryRow.id)).where(
            HistoryRow.entity == "reception",
            HistoryRow.entity_id == reception_id,
            HistoryRow.username == username,
            HistoryRow.action.in_(_AUTHORING_ACTIONS),
        )
        if s is not None:
            return bool(s.scalar(stmt))
        with self.db.read() as session:
            return bool(session.scalar(stmt))

    def _approval_refusal(self, s: Session, row: ReceptionRow, actor: User) -> str | None:
        if Status(row.status) != Status.SUBMITTED:
            return tr("{ref} 状态为“{status}”，只有待审核的接待可以审核").format(
                ref=row.ref, status=Status(row.status).label
            )
        if actor.username in (row.created_by, row.submitted_by) or self._worked_on(row.id, actor.username, s):
            return tr("{ref} 由您录入或提交，不能由您本人审核").format(ref=row.ref)
        return None

    def return_reception(
        self, actor: User, reception_id: int, comment: str, *, version: int | None = None
    ) -> Reception:
        if not comment.strip():
            raise InvalidReception({"review_comment": tr("退回时请填写审核意见")})
        with self.db.write() as s:
            self._require(s, actor, Role.APPROVER, tr("退回接待"))
            row = self._row(s, reception_id, lock=True)
            self._check_version(row, version)
            if Status(row.status) != Status.SUBMITTED:
                raise WorkflowError(
                    tr("{ref} 状态为“{status}”，只有待审核的接待可以退回").format(
                        ref=row.ref, status=Status(row.status).label
                    )
                )
            return self._transition(
                s,
                row,
                actor,
                "return",
                Status.RETURNED,
                comment=comment.strip(),
                review_comment=comment.strip(),
            )

    def reopen(self, actor: User, reception_id: int, reason: str, *, version: int | None = None) -> Reception:
        """An approver sends an approved reception back for correction, with a reason."""
        if not reason.strip():
            raise InvalidReception({"review_comment": tr("重新打开时请填写理由")})
        with self.db.write() as s:
            self._require(s, actor, Role.APPROVER, tr("重新打开已审核的接待"))
            row = self._row(s, reception_id, lock=True)
            self._check_version(row, version)
            if Status(row.status) != Status.APPROVED:
                raise WorkflowError(tr("{ref} 尚未审核，无需重新打开").format(ref=row.ref))
            return self._transition(
                s,
                row,
                actor,
                "reopen",
                Status.RETURNED,
                comment=reason.strip(),
                review_comment=reason.strip(),
                approved_by="",
                approved_at=None,
                posted_on=None,  # the corrected figures must be posted again
            )

    def delete_draft(self, actor: User, reception_id: int) -> None:
        with self.db.write() as s:
            self._require(s, actor, Role.CLERK, tr("删除草稿"))
            row = self._row(s, reception_id, lock=True)
            if Status(row.status) != Status.DRAFT or row.submitted_at is not None:
                raise WorkflowError(tr("{ref} 已提交过审核，不能删除，只能修改").format(ref=row.ref))
            if row.created_by != actor.username and not self._has(s, actor, Role.ADMIN):
                raise PermissionDenied(tr("只能删除自己录入的草稿"))
            before = self._snapshot(row)
            self._log(
                s,
                username=actor.username,
                action="delete",
                entity="reception",
                entity_id=row.id,
                ref=row.ref,
                before=before,
                after=None,
            )
            s.delete(row)

    def add_attachment(
        self, actor: User, reception_id: int, filename: str, content: bytes, kind: str = "other"
    ) -> Reception:
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidReception({"attachments": tr("附件不能超过 20 MB")})
        filename = safe_attachment_name(filename)
        with self.db.write() as s:
            self._require(s, actor, Role.CLERK, tr("添加附件"))
            row = self._row(s, reception_id, lock=True)
            if Status(row.status) not in (Status.DRAFT, Status.RETURNED):
                raise WorkflowError(tr("{ref} 已锁定，不能添加附件").format(ref=row.ref))
            before = self._snapshot(row)
            row.attachments.append(
                AttachmentRow(
                    kind=kind,
                    filename=filename,
                    sha256=hashlib.sha256(content).hexdigest(),
                    size=len(content),
                    content=content,
                    added_at=self.clock(),
                )
            )
            row.version += 1
            s.flush()
            self._log(
                s,
                username=actor.username,
                action="attach",
                entity="reception",
                entity_id=row.id,
                ref=row.ref,
                before=before,
                after=self._snapshot(row),
                comment=filename,
            )
            return self._record(row)

    def remove_attachment(self, actor: User, attachment_id: int) -> Reception:
        with self.db.write() as s:
            self._require(s, actor, Role.CLERK, tr("删除附件"))
            att = s.get(AttachmentRow, attachment_id)
            if att is None:
                raise NotFound(tr("附件不存在"))
            row = self._row(s, att.reception_id, lock=True)
            if Status(row.status) not in (Status.DRAFT, Status.RETURNED):
                raise WorkflowError(tr("{ref} 已锁定，不能删除附件").format(ref=row.ref))
            before = self._snapshot(row)
            row.attachments.remove(att)
            row.version += 1
            s.flush()
            self._log(
                s,
                username=actor.username,
                action="detach",
                entity="reception",
                entity_id=row.id,
                ref=row.ref,
                before=before,
                after=self._snapshot(row),
                comment=att.filename,
            )
            return self._record(row)

    def mark_posted(self, actor: User, reception_ids: Iterable[int], posted_on: date) -> int:
        """Record that these approved receptions appeared on a printed public notice."""
        count = 0
        with self.db.write() as s:
            if not any(self._has(s, actor, role) for role in Role):
                raise PermissionDenied(tr("请先登录"))
            for rid in reception_ids:
                row = self._row(s, rid, lock=True)
                if Status(row.status) != Status.APPROVED or row.classified or row.posted_on:
                    continue
                before = self._snapshot(row)
                row.posted_on = posted_on
                row.version += 1
                s.flush()
                self._log(
                    s,
                    username=actor.username,
                    action="post",
                    entity="reception",
                    entity_id=row.id,
                    ref=row.ref,
                    before=before,
                    after=self._snapshot(row),
                )
                count += 1
        return count

    # ================================================================== import
    def import_rows(
        self,
        actor: User,
        rows: Iterable[ImportRow],
        *,
        historical: bool = False,
        allow_duplicates: bool = False,
        progress: Callable[[int, int], bool] | None = None,
    ) -> list[ImportOutcome]:
        """Add the readable rows as drafts, all in one transaction; list every row's outcome.

        ``rows`` may be a list or a stream (see reports.template.stream_import, which reads
        the workbook in another process while this one checks and stores). A row matching
        a stored reception (or an earlier row of the same sheet) on date, visiting unit and
        total is refused unless ``allow_duplicates``. With ``historical``, a row carrying
        审核人 enters as approved by that person. ``progress(done, total)`` may return False
        to cancel: nothing is committed then (total is 0 for a stream).
        """
        self.policies()
        total = len(rows) if isinstance(rows, Sized) else 0
        state = _ImportState(
            actor=actor, historical=historical, allow_duplicates=allow_duplicates, now=self.clock()
        )
        with self.db.write() as s:
            self._require(s, actor, Role.CLERK, tr("导入接待"))
            if historical and not (self._has(s, actor, Role.APPROVER) or self._has(s, actor, Role.ADMIN)):
                raise PermissionDenied(
                    tr("按纸质审核导入（--historical）会直接记为已审核，需要“分管领导”或“管理员”角色")
                )
            batch: list[ImportRow] = []
            for item in rows:
                batch.append(item)
                if len(batch) == _IMPORT_BATCH:
                    self._import_batch(s, state, batch)
                    batch = []
                    if progress and progress(len(state.outcomes), total) is False:
                        raise ImportCancelled(tr("导入已取消，未写入任何数据"))
            self._import_batch(s, state, batch)
            if progress and progress(len(state.outcomes), total or len(state.outcomes)) is False:
                raise ImportCancelled(tr("导入已取消，未写入任何数据"))
        return state.outcomes

    def _import_batch(self, s: Session, state: _ImportState, rows: list[ImportRow]) -> None:
        """Check and store one batch of worksheet rows inside the import's transaction."""
        from ledger.records import CellError

        dates = [r.reception.reception_date for r in rows if r.reception]
        if dates:
            stmt = select(
                ReceptionRow.reception_date,
                ReceptionRow.visiting_unit,
                ReceptionRow.total_fen,
                ReceptionRow.ref,
            ).where(ReceptionRow.reception_date >= min(dates), ReceptionRow.reception_date <= max(dates))
            for d, unit, total, ref in s.execute(stmt):
                state.existing.setdefault((d, person_key(unit), total), ref)
        actor, now = state.actor, state.now
        # accepted rows: (worksheet row, action, columns, children, stored record)
        accepted: list[tuple[int, str, dict[str, Any], dict[str, list[dict[str, Any]]], Reception]] = []
        for item in rows:
            r = _normalized(item.reception) if item.reception is not None else None
            errors = list(item.errors)
            if r is not None and not errors:
                key = (r.reception_date, person_key(r.visiting_unit), to_fen(r.total))
                if not state.allow_duplicates and key in state.existing:
                    errors.append(
                        CellError(
                            "接待日期",
                            tr("与已有接待 {ref} 重复（日期、来访单位、金额相同）").format(
                                ref=state.existing[key]
                            ),
                        )
                    )
                elif not state.allow_duplicates and key in state.seen_in_file:
                    errors.append(
                        CellError(
                            "接待日期",
                            tr("与本表第 {row} 行重复（日期、来访单位、金额相同）").format(
                                row=state.seen_in_file[key]
                            ),
                        )
                    )
                else:
                    state.seen_in_file[key] = item.row
                    problems = reception_problems(r)
                    errors += [CellError(_column_of(f), m) for f, m in problems.items()]
            approved_by = clean_line(item.approved_by)
            if r is not None and len(approved_by) > limits.PERSON_NAME:
                errors.append(CellError("审核人", tr("审核人最多 {n} 个字").format(n=limits.PERSON_NAME)))
            elif (
                r is not None
                and state.historical
                and approved_by
                and person_key(approved_by) in (person_key(actor.username), person_key(actor.display_name))
            ):
                errors.append(
                    CellError("审核人", tr("审核人不能是导入人本人（{name}）").format(name=approved_by))
                )
            if r is None or errors:
                state.outcomes.append(
                    ImportOutcome(item.row, None, r, self.assess(r) if r else None, tuple(errors))
                )
                continue
            year = r.reception_date.year
            if year not in state.next_seq:
                state.next_seq[year] = self._next_seq(s, year)
            seq = state.next_seq[year]
            state.next_seq[year] += 1
            stored = r
            workflow: dict[str, Any] = {
                "clerk_name": stored.clerk_name or actor.label,
                "ref": _ref(year, seq),
                "status": Status.DRAFT,
                "version": 1,
                "created_by": actor.username,
                "created_at": now,
                "submitted_by": "",
                "submitted_at": None,
                "approved_by": "",
                "approved_at": None,
                "review_comment": "",
                "posted_on": None,
            }
            action = "import"
            if state.historical and approved_by:
                approved_at = datetime.combine(item.approved_on or r.reception_date, datetime.min.time())
                workflow |= {
                    "status": Status.APPROVED,
                    "submitted_by": workflow["clerk_name"],
                    "submitted_at": approved_at,
                    "approved_by": approved_by,
                    "approved_at": approved_at,
                }
                action = "import_historical"
            record = Reception.from_storage(**(stored.__dict__ | workflow))
            assessment = self.assess(record)
            columns, children = _storage(record, assessment, workflow["ref"])
            del workflow["clerk_name"]
            columns |= workflow | {"status": workflow["status"].value, "year": year, "seq": seq}
            accepted.append((item.row, action, columns, children, record))
            state.outcomes.append(ImportOutcome(item.row, record.ref, record, assessment, ()))
        if not accepted:
            return
        # Core bulk inserts: an ORM unit of work costs several times more per row (a plain
        # executemany; the new ids are read back by reference, since RETURNING makes SQLite
        # insert row by row)
        connection = s.connection()
        table = ReceptionRow.__table__
        before = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        connection.execute(insert(table), [a[2] for a in accepted])
        found = dict(connection.execute(select(table.c.ref, table.c.id).where(table.c.id > before)).all())
        ids = [found[a[2]["ref"]] for a in accepted]
        for child, kind in (
            (PersonRow, "people"),
            (MealRow, "meals"),
            (ExplanationRow, "explanations"),
            (ViolationRow, "violations"),
        ):
            values = [
                c | {"reception_id": rid} for rid, a in zip(ids, accepted, strict=True) for c in a[3][kind]
            ]
            if values:
                connection.execute(insert(child.__table__), values)
        history.append_many(
            s,
            [
                {
                    "username": actor.username,
                    "action": action,
                    "entity": "reception",
                    "entity_id": rid,
                    "ref": record.ref,
                    "after": record.snapshot() | {"derived": _derived(columns, children["violations"])},
                    "at": now,
                    "comment": tr("第 {row} 行").format(row=row_number),
                }
                for rid, (row_number, action, columns, children, record) in zip(ids, accepted, strict=True)
            ],
        )

    # ================================================================== backup
    def backup(self, path: Path) -> dict[str, int]:
        """A consistent copy of the whole ledger in one SQLite file (a read: no actor needed)."""
        return backup.write_backup(self.db, path)

    def restore(
        self, actor: User | None, path: Path, *, replace_existing: bool = False, accept_older: bool = False
    ) -> backup.Restored:
        """Replace this ledger's contents with a backup, in one transaction.

        The backup is checked completely first (a private copy: the file is only read). An
        empty ledger accepts any good backup; a ledger in use needs ``replace_existing`` and an
        administrator, and is saved to an automatic backup first. A backup lacking history this
        machine has already verified needs ``accept_older``. The restore is appended to the
        restored history with the replaced and the restored heads.
        """

        def verify_copy(copy: Database, scratch: Path) -> history.VerifyResult:
            checker = object.__new__(LedgerService)  # no default policy seeded into the copy
            checker.db, checker.clock = copy, self.clock
            checker._anchor_path = lambda: scratch / "anchor.json"  # type: ignore[method-assign]
            return checker.verify()

        anchor_path = self._anchor_path()
        with backup.checked_backup(path, verify_copy) as checked:
            saved = None
            with self.db.write() as s:
                in_use = not backup.is_empty(s)
                if in_use:
                    if not replace_existing:
                        raise WorkflowError(tr("此账本已有数据；确认要用备份整体替换时请加 --replace"))
                    self._require(s, actor, Role.ADMIN, tr("用备份替换账本"))
                older = backup.older_than_seen(checked, history.read_anchor(anchor_path), s)
                if older and not accept_older:
                    raise backup.OlderBackup(
                        older + tr("；账本未改动。确认要用这份备份替换时请加 --accept-older")
                    )
                if in_use:
                    saved = backup.save_before_replacing(s, self.db, self.clock())
                replaced = backup.head_of(s) | {"auto_backup": str(saved or "")}
                counts = backup.replace_contents(s, checked.db)
                entry = history.append(
                    s,
                    at=self.clock(),
                    username=actor.username if actor else "system",
                    action="restore",
                    entity="ledger",
                    entity_id=None,
                    before=replaced,
                    after={"backup_head": checked.head_hash, "backup_entries": checked.entries},
                    comment=str(Path(path).name) + (f"；{older}" if older else ""),
                )
                head = (entry.id, entry.hash)
        history.write_anchor(anchor_path, head[0], head[1], self.clock())  # the head this restore made
        self._policies = None
        return backup.Restored(counts, saved, older)

    # ================================================================== verification
    def verify(self) -> history.VerifyResult:
        """Recompute the history chain and compare every record with its last entry."""
        result = history.VerifyResult()
        with self.db.read() as s:
            last = history.verify_chain(s, result)
            live: set[tuple[str, int]] = set()
            stmt = (
                select(ReceptionRow)
                .order_by(ReceptionRow.id)
                .options(
                    selectinload(ReceptionRow.people),
                    selectinload(ReceptionRow.meals),
                    selectinload(ReceptionRow.explanations),
                    selectinload(ReceptionRow.attachments),
                    selectinload(ReceptionRow.violations),
                )
            )
            for row in s.scalars(stmt).yield_per(1000):
                result.records += 1
                key = ("reception", row.id)
                live.add(key)
                if key not in last:
                    result.problems.append(
                        tr("接待 {ref}：历史中没有记录（在程序外插入）").format(ref=row.ref)
                    )
                    continue
                if last[key] != history.canonical(self._snapshot(row)):
                    result.problems.append(
                        tr("接待 {ref}：当前内容与最后一条历史记录不符（在程序外被改动）").format(ref=row.ref)
                    )
                elif any(hashlib.sha256(a.content).hexdigest() != a.sha256 for a in row.attachments):
                    result.problems.append(
                        tr("接待 {ref}：附件内容与登记的校验值不符（在程序外被改动）").format(ref=row.ref)
                    )
            for trow in s.scalars(select(TargetRow)):
                key = ("target", trow.year)
                live.add(key)
                if last.get(key) != history.canonical({"year": trow.year, "reduction": trow.reduction}):
                    result.problems.append(
                        tr("{year} 年的压减目标与历史记录不符（在程序外被改动）").format(year=trow.year)
                    )
            settings = {r.key: r.value for r in s.scalars(select(SettingRow))}
            if settings or ("bureau", 0) in last:
                live.add(("bureau", 0))
                if last.get(("bureau", 0)) != history.canonical(settings):
                    result.problems.append(
                        tr("单位信息（名称、监督电话、公示期）与历史记录不符（在程序外被改动）")
                    )
            for prow in s.scalars(select(PolicyRow)):
                key = ("policy", prow.id)
                live.add(key)
                if last.get(key) != prow.params:
                    result.problems.append(
                        tr("{d} 起执行的接待标准与历史记录不符（在程序外被改动）").format(
                            d=prow.effective_from
                        )
                    )
            for urow in s.scalars(select(UserRow)):
                key = ("user", urow.id)
                live.add(key)
                if last.get(key) != history.canonical(self._user_snapshot(urow)):
                    result.problems.append(
                        tr("用户 {name} 的资料与历史记录不符（在程序外被改动）").format(name=urow.username)
                    )
            for key, after in last.items():
                if key[0] in ("reception", "policy", "user", "target") and after and key not in live:
                    snapshot = json.loads(after)
                    name = (
                        snapshot.get("ref")
                        or snapshot.get("username")
                        or snapshot.get("effective_from")
                        or tr("{year} 年压减目标").format(year=snapshot.get("year"))
                    )
                    result.problems.append(tr("记录 {name} 已在程序外被删除").format(name=name))
            # the newest entries cut off together with the records they changed leave a shorter,
            # intact chain: compare with the head this machine saw at its last verification
            anchor = history.read_anchor(self._anchor_path())
            if anchor is not None:
                seen = s.scalar(select(HistoryRow.hash).where(HistoryRow.id == anchor["id"]))
                if seen != anchor["hash"]:
                    result.problems.append(
                        tr(
                            "历史记录第 {id} 条与本机上次校验（{at}）时所见不同或已不存在：历史记录在程序外被截断或改写"
                        ).format(id=anchor["id"], at=anchor["at"])
                    )
            head = s.execute(
                select(HistoryRow.id, HistoryRow.hash).order_by(HistoryRow.id.desc()).limit(1)
            ).first()
        if result.ok and head is not None:
            history.write_anchor(self._anchor_path(), head[0], head[1], self.clock())
        return result

    def _anchor_path(self) -> Path:
        """Where this machine keeps the history head it last verified, for this ledger."""
        folder = os.environ.get("LEDGER_ANCHOR_DIR")
        if not folder:
            from platformdirs import user_data_dir

            folder = str(Path(user_data_dir("ReceptionLedger", appauthor=False)) / "anchors")
        return Path(folder) / (hashlib.sha256(self.db.url.encode()).hexdigest()[:24] + ".json")

    # ================================================================== internals
    def _next_seq(self, s: Session, year: int) -> int:
        """The next number of the year; a deleted draft's number is never given out again."""
        stored = s.scalar(select(func.max(ReceptionRow.seq)).where(ReceptionRow.year == year)) or 0
        prefix = _ref(year, 0)[:-4]
        deleted = s.scalars(
            select(HistoryRow.ref).where(
                HistoryRow.entity == "reception",
                HistoryRow.action == "delete",
                HistoryRow.ref.startswith(prefix),
            )
        )
        return (
            max([stored, *(int(ref[len(prefix) :]) for ref in deleted if ref[len(prefix) :].isdigit())]) + 1
        )

    def _new_row(self, s: Session, on: date, username: str) -> ReceptionRow:
        year = on.year
        seq = self._next_seq(s, year)
        row = ReceptionRow(
            year=year,
            seq=seq,
            ref=_ref(year, seq),
            version=1,
            created_by=username,
            created_at=self.clock(),
            status=Status.DRAFT.value,
        )
        s.add(row)
        return row

    def _row(self, s: Session, reception_id: int | None, *, lock: bool = False) -> ReceptionRow:
        if reception_id is None:
            raise NotFound(tr("接待记录尚未保存"))
        stmt = select(ReceptionRow).where(ReceptionRow.id == reception_id)
        if lock:
            stmt = stmt.with_for_update()
        row = s.scalars(stmt).first()
        if row is None:
            raise NotFound(tr("接待记录不存在（可能已被删除）"))
        return row

    def _row_for_update(self, s: Session, reception: Reception) -> ReceptionRow:
        row = self._row(s, reception.id, lock=True)
        self._check_version(row, reception.version)
        return row

    def _check_version(self, row: ReceptionRow, version: int | None) -> None:
        if version is not None and row.version != version:
            last = row.submitted_by or row.created_by
            raise StaleEdit(
                tr(
                    "{ref} 已在别处被修改（您打开的是第 {mine} 版，现在是第 {theirs} 版）。"
                    "为避免覆盖他人的修改，本次未保存；请重新打开后再改。"
                ).format(ref=row.ref, mine=version, theirs=row.version, who=last)
            )

    def _transition(
        self,
        s: Session,
        row: ReceptionRow,
        actor: User,
        action: str,
        status: Status,
        *,
        comment: str = "",
        **changes: Any,
    ) -> Reception:
        before = self._snapshot(row)
        row.status = status.value
        for name, value in changes.items():
            setattr(row, name, value)
        row.version += 1
        s.flush()
        self._log(
            s,
            username=actor.username,
            action=action,
            entity="reception",
            entity_id=row.id,
            ref=row.ref,
            before=before,
            after=self._snapshot(row),
            comment=comment,
        )
        return self._record(row)

    def _apply(self, row: ReceptionRow, r: Reception) -> None:
        """Copy the recorded facts onto the row and recompute its derived columns."""
        stored = _normalized(r)
        columns, children = _storage(stored, self.assess(stored), row.ref or "")
        for name, value in columns.items():
            setattr(row, name, value)
        row.people = [PersonRow(**c) for c in children["people"]]
        row.meals = [MealRow(**c) for c in children["meals"]]
        row.explanations = [ExplanationRow(**c) for c in children["explanations"]]
        row.violations = [ViolationRow(**c) for c in children["violations"]]

    def _snapshot(self, row: ReceptionRow) -> dict[str, Any]:
        """What the history keeps of a reception: its facts, and the figures derived from them
        that lists, filters and paper read (so ``verify`` sees those altered too)."""
        violations = [
            {
                "rule": v.rule,
                "message": v.message,
                "limit_text": v.limit_text,
                "actual_text": v.actual_text,
                "excess_fen": v.excess_fen,
            }
            for v in sorted(row.violations, key=lambda v: v.position)
        ]
        return self._record(row).snapshot() | {
            "derived": _derived({c: getattr(row, c) for c in _DERIVED}, violations)
        }

    def _record(self, row: ReceptionRow, *, with_attachments: bool = True) -> Reception:
        attachments = (
            tuple(Attachment(a.id, a.kind, a.filename, a.sha256, a.size, a.added_at) for a in row.attachments)
            if with_attachments
            else ()
        )
        columns = {c: getattr(row, c) for c in _RECEPTION_COLUMNS}
        people = [
            tuple(getattr(p, c) for c in _PERSON_COLUMNS)
            for p in sorted(row.people, key=lambda p: (p.role, p.position))
        ]
        meals = [
            tuple(getattr(m, c) for c in _MEAL_COLUMNS) for m in sorted(row.meals, key=lambda m: m.position)
        ]
        explanations = [(e.rule, e.text) for e in row.explanations]
        return _to_record(columns, people, meals, explanations, attachments)


class ImportCancelled(LedgerError):
    pass


_PHONE = re.compile(r"(?=(?:\D*\d){5})[0-9０-９()（）+\-－—\s转]+")
_IMPORT_BATCH = 200
_AUTHORING_ACTIONS = ("create", "edit", "submit", "import", "import_historical", "attach", "detach")


@dataclass
class _ImportState:
    """What one import carries from batch to batch."""

    actor: User
    historical: bool
    allow_duplicates: bool
    now: datetime
    outcomes: list[ImportOutcome] = field(default_factory=list)
    existing: dict[tuple[date, str, int], str] = field(default_factory=dict)
    seen_in_file: dict[tuple[date, str, int], int] = field(default_factory=dict)
    next_seq: dict[int, int] = field(default_factory=dict)


_DERIVED = (
    "meal_fen",
    "tobacco_fen",
    "total_fen",
    "over_standard_fen",
    "violation_count",
    "canteen_meals",
    "meal_count",
    "search_text",
)


def _derived(columns: dict[str, Any], violations: list[dict[str, Any]]) -> dict[str, Any]:
    """The derived columns and breach rows of a reception, as the history keeps them."""
    return {c: columns[c] for c in _DERIVED} | {
        "violations": [
            [v["rule"], v["message"], v["limit_text"], v["actual_text"], v["excess_fen"]] for v in violations
        ]
    }


_PERSON_COLUMNS = ("role", "name", "unit", "title")
_MEAL_COLUMNS = (
    "meal_date",
    "kind",
    "venue",
    "venue_type",
    "diners",
    "amount_fen",
    "tobacco_fen",
    "invoice_no",
)
_RECEPTION_COLUMNS = tuple(c.key for c in ReceptionRow.__table__.columns)


def _to_record(
    row: dict[str, Any],
    people_rows: Iterable[tuple[Any, ...]],
    meal_rows: Iterable[tuple[Any, ...]],
    explanation_rows: Iterable[tuple[str, str]],
    attachments: tuple[Attachment, ...],
) -> Reception:
    """A frozen record from a reception's columns and its child rows (tuples in the order of
    _PERSON_COLUMNS and _MEAL_COLUMNS, already in their stored order)."""
    people: dict[str, list[Person]] = {"guest": [], "companion": [], "staff": []}
    for role, name, unit, title in people_rows:
        people.setdefault(role, []).append(Person(name, unit, title))
    return Reception.from_storage(
        id=row["id"],
        ref=row["ref"],
        reception_date=row["reception_date"],
        end_date=row["end_date"],
        visiting_unit=row["visiting_unit"],
        activity=row["activity"],
        activity_kind=row["activity_kind"],
        letter_no=row["letter_no"],
        letter_title=row["letter_title"],
        phone_record=row["phone_record"],
        guest_count=row["guest_count"],
        guests=tuple(people["guest"]),
        companion_count=row["companion_count"],
        companions=tuple(people["companion"]),
        staff=tuple(people["staff"]),
        meals=tuple(
            Meal(day, kind, venue, venue_type, diners, from_fen(amount), from_fen(tobacco), invoice)
            for day, kind, venue, venue_type, diners, amount, tobacco, invoice in meal_rows
        ),
        accommodation=from_fen(row["accommodation_fen"]),
        transport=from_fen(row["transport_fen"]),
        other_cost=from_fen(row["other_cost_fen"]),
        gift_amount=from_fen(row["gift_fen"]),
        gift_description=row["gift_description"],
        payment_method=row["payment_method"],
        classified=bool(row["classified"]),
        classified_reason=row["classified_reason"],
        remarks=row["remarks"],
        clerk_name=row["clerk_name"],
        explanations=dict(explanation_rows),
        status=Status(row["status"]),
        version=row["version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        submitted_by=row["submitted_by"],
        submitted_at=row["submitted_at"],
        approved_by=row["approved_by"],
        approved_at=row["approved_at"],
        review_comment=row["review_comment"],
        posted_on=row["posted_on"],
        attachments=attachments,
    )


def _storage(
    r: Reception, assessment: Assessment, ref: str
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The one mapping of a (normalised) reception onto its table row and child rows."""
    columns: dict[str, Any] = {
        "reception_date": r.reception_date,
        "end_date": r.end_date,
        "visiting_unit": r.visiting_unit,
        "activity": r.activity,
        "activity_kind": r.activity_kind,
        "letter_no": r.letter_no,
        "letter_title": r.letter_title,
        "phone_record": r.phone_record,
        "guest_count": r.guest_count,
        "companion_count": r.companion_count,
        "accommodation_fen": to_fen(r.accommodation),
        "transport_fen": to_fen(r.transport),
        "other_cost_fen": to_fen(r.other_cost),
        "gift_fen": to_fen(r.gift_amount),
        "gift_description": r.gift_description,
        "payment_method": r.payment_method,
        "classified": r.classified,
        "classified_reason": r.classified_reason,
        "remarks": r.remarks,
        "clerk_name": r.clerk_name,
        # derived, so lists, filters and totals are single indexed queries
        "meal_fen": to_fen(r.meal_total),
        "tobacco_fen": to_fen(r.tobacco_alcohol_total),
        "total_fen": to_fen(r.total),
        "over_standard_fen": to_fen(assessment.over_standard_amount),
        "violation_count": len(assessment.violations),
        "meal_count": len(r.meals),
        "canteen_meals": sum(1 for m in r.meals if m.venue_type in CANTEEN_VENUE_TYPES),
        "search_text": " ".join([ref, r.visiting_unit, r.activity, r.letter_no, r.letter_title]).lower(),
    }
    children: dict[str, list[dict[str, Any]]] = {
        "people": [
            {"role": role, "position": i, "name": p.name, "unit": p.unit, "title": p.title}
            for role, group in (("guest", r.guests), ("companion", r.companions), ("staff", r.staff))
            for i, p in enumerate(group)
        ],
        "meals": [
            {
                "position": i,
                "meal_date": m.date,
                "kind": m.kind,
                "venue": m.venue,
                "venue_type": m.venue_type,
                "diners": m.diners,
                "amount_fen": to_fen(m.amount),
                "tobacco_fen": to_fen(m.tobacco_alcohol),
                "invoice_no": m.invoice_no,
            }
            for i, m in enumerate(r.meals)
        ],
        "explanations": [{"rule": rule, "text": text} for rule, text in r.explanations.items()],
        "violations": [
            {
                "position": i,
                "rule": v.rule,
                "message": v.message,
                "limit_text": v.limit,
                "actual_text": v.actual,
                "excess_fen": to_fen(v.excess),
            }
            for i, v in enumerate(assessment.violations)
        ],
    }
    return columns, children


def _ref(year: int, seq: int) -> str:
    return f"JD-{year}-{seq:04d}"


def stored_policies(db: Database) -> list[Policy]:
    """The policy versions of a ledger, read without writing anything (``check --db``)."""
    try:
        with db.read() as s:
            rows = s.scalars(select(PolicyRow).order_by(PolicyRow.effective_from)).all()
            return [Policy.from_dict(json.loads(r.params)) for r in rows]
    except Exception:  # not a ledger (yet): the caller falls back to the default policy
        return []
