"""The bureau's settings: its details, the yearly reduction targets and the versioned policy
(the caps the rule engine judges by)."""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ledger import history, limits, queries
from ledger.db import Database, DatabaseError
from ledger.desk import Desk, require
from ledger.errors import ChangedElsewhere, InvalidReception
from ledger.i18n import tr
from ledger.merging import POLICY_LABELS, changed_at_field, clashes
from ledger.models import PlanRow, PolicyRow, ReceptionRow, SealedYearRow, SettingRow, TargetRow
from ledger.plans import pre_approval_in
from ledger.policy import Policy, evaluate, load_default_policy, policy_in_force
from ledger.records import Assessment, Bureau, Reception, Role, Status, User
from ledger.text import clean_line
from ledger.workdays import WorkCalendar

_PHONE = re.compile(r"(?=(?:\D*\d){5})[0-9０-９()（）+\-－—\s转]+")


def local_holidays(text: str) -> tuple[date, ...]:
    out = []
    for part in text.split(","):
        try:
            out.append(date.fromisoformat(part.strip()))
        except ValueError:
            continue
    return tuple(sorted(set(out)))


class Settings:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._policies: list[Policy] | None = None
        self._policy_stamp: tuple[Any, ...] | None = None

    def bureau(self) -> Bureau:
        with self.desk.db.read() as s:
            return _bureau_in(s)

    def change_bureau(self, actor: User, *, since: Bureau | None = None, **changes: object) -> Bureau:
        """Only the given details, the others as stored at the moment of the write. ``since``: the
        details as the face read them; a detail another desk changed since, to something else than
        ``changes`` gives, is refused at its field (``ChangedElsewhere``) and nothing is written."""
        with self.desk.db.write() as s:
            require(s, actor, Role.ADMIN, tr("修改单位信息"))
            stored = _bureau_in(s)
            wanted = _cleaned(replace(stored, **changes))  # type: ignore[arg-type]
            if since is not None:
                clash = clashes(_cleaned(since), stored, wanted, changes)
                if clash:
                    raise ChangedElsewhere(
                        {f: changed_at_field(getattr(stored, f), getattr(since, f)) for f in clash}, stored
                    )
            self.write_bureau(s, wanted, actor=actor.username)
        return self.bureau()

    def update_bureau(self, actor: User, bureau: Bureau) -> Bureau:
        with self.desk.db.write() as s:
            require(s, actor, Role.ADMIN, tr("修改单位信息"))
            self.write_bureau(s, bureau, actor=actor.username)
        return self.bureau()

    def write_bureau(self, s: Session, bureau: Bureau, *, actor: str) -> None:
        bureau = _cleaned(bureau)
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
        if len(bureau.local_holidays) > 366:
            problems["local_holidays"] = tr("本地假日最多 366 天")
        if problems:
            raise InvalidReception(problems)
        values = {
            "bureau_name": bureau.name.strip(),
            "supervision_phone": bureau.supervision_phone.strip(),
            "posting_days": str(bureau.posting_days),
            "address": bureau.address.strip(),
        }
        before = {r.key: r.value for r in s.scalars(select(SettingRow))}
        if bureau.local_holidays or "local_holidays" in before:  # a ledger without any keeps no key
            values["local_holidays"] = ",".join(d.isoformat() for d in sorted(set(bureau.local_holidays)))
        for key, value in values.items():
            s.merge(SettingRow(key=key, value=value))
        self.desk.log(
            s,
            username=actor,
            action="bureau_edit",
            entity="bureau",
            entity_id=0,
            before=before or None,
            after=before | values,
        )

    def work_calendar(self) -> WorkCalendar:
        """China's working days with this bureau's local holidays."""
        return WorkCalendar(self.bureau().local_holidays)

    def reduction_for(self, year: int) -> Decimal:
        with self.desk.db.read() as s:
            return queries.reduction_for(s, year)

    def set_reduction(self, actor: User, year: int, reduction: Decimal, *, since: Decimal | None = None) -> None:
        """``since``: the year's reduction as the face read it; when another desk set another one
        since (not this one), nothing is written (``ChangedElsewhere`` at ``reduction``)."""
        if not Decimal("0") <= reduction < Decimal("1"):
            raise InvalidReception({"reduction": tr("压减比例应在 0% 至 100% 之间")})
        with self.desk.db.write() as s:
            require(s, actor, Role.ADMIN, tr("设置年度目标"))
            stored = queries.reduction_for(s, year)
            if since is not None and stored not in (since, reduction):
                percent = lambda d: f"{(d * 100).normalize():f}%"  # noqa: E731
                raise ChangedElsewhere({"reduction": changed_at_field(percent(stored), percent(since))}, stored)
            row = s.get(TargetRow, year)
            before = {"year": year, "reduction": row.reduction} if row else None
            text = f"{reduction.quantize(Decimal('0.0001')).normalize():f}"
            if row:
                row.reduction = text
            else:
                s.add(TargetRow(year=year, reduction=text))
            self.desk.log(
                s,
                username=actor.username,
                action="target_set",
                entity="target",
                entity_id=year,
                ref=str(year),
                before=before,
                after={"year": year, "reduction": text},
            )

    def policies(self) -> list[Policy]:
        """The policy versions, oldest first, re-read when another machine added one."""
        with self.desk.db.read() as s:
            self.refreshed_in(s)
        if not self._policies:
            self._policies = [self._seed_default_policy()]
            self._policy_stamp = None
        return list(self._policies)

    def forget_policies(self) -> None:
        """Read the versions again at the next use (the ledger was replaced by a restore)."""
        self._policies = None

    def _judged_by(self) -> list[Policy]:
        """The cached versions for the rule engine (refreshed by ``policies()`` at each write)."""
        return self._policies if self._policies is not None else self.policies()

    def _seed_default_policy(self) -> Policy:
        default = load_default_policy()
        with self.desk.db.write() as s:
            if not s.scalars(select(PolicyRow)).first():
                self._insert_policy(s, default, actor="system")
        return default

    def policy_for(self, on: date) -> Policy:
        return policy_in_force(self._judged_by(), on)

    def add_policy(self, actor: User, policy: Policy, *, since: Policy | None = None) -> Policy:
        """A new version; earlier versions are never changed. ``since``: the version the face
        started from (``policy`` is it with the user's changes); when another desk added a version
        meanwhile, the changes go onto that one, as stored at the moment of the write, and a
        field both changed differently is refused (``ChangedElsewhere``, nothing written)."""
        current = self.policies()
        with self.desk.db.write() as s:
            require(s, actor, Role.ADMIN, tr("修改接待标准"))
            stored = _latest_policy_in(s) or max(current, key=lambda p: p.effective_from)
            if since is not None and since.to_dict() != stored.to_dict():
                policy = _policy_onto(since, stored, policy)
            try:
                policy.validate()
            except ValueError as exc:
                raise InvalidReception({"policy": str(exc)}) from None
            latest = max(stored.effective_from, *(p.effective_from for p in current))
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
            # a plan is judged by the version in force on its first day, like a reception
            # (a returned plan is judged again when it is submitted again; a void one never is)
            judged_plans = PlanRow.status.in_((Status.SUBMITTED.value, Status.APPROVED.value))
            planned = s.scalar(select(func.max(PlanRow.start_date)).where(judged_plans))
            if planned is not None and policy.effective_from <= planned:
                raise InvalidReception(
                    {
                        "effective_from": tr(
                            "已有 {d} 起的接待审批单按现行标准报批或批准，新版本的生效日期须晚于此日，已批准的审批单不可重新评判"
                        ).format(d=planned.isoformat())
                    }
                )
            self._insert_policy(s, policy, actor=actor.username)
        self._policies = None
        return policy

    def refreshed_in(self, s: Session) -> bool:
        """Whether another desk added a policy version since these were read (then read again
        from ``s``): ``policies`` asks before each write; a write asks again under its lock,
        for judging its record again by a version committed in between."""
        stamp = tuple(s.execute(select(func.count(PolicyRow.id), func.max(PolicyRow.id))).one())
        if self._policies is not None and stamp == self._policy_stamp:
            return False
        rows = s.scalars(select(PolicyRow).order_by(PolicyRow.effective_from)).all()
        # (none stored yet: ``policies`` seeds the default; a write keeps what it judged by)
        self._policies = [Policy.from_dict(json.loads(r.params)) for r in rows] or self._policies
        self._policy_stamp = stamp
        return True

    def _insert_policy(self, s: Session, policy: Policy, *, actor: str) -> None:
        params = policy.to_dict()
        row = PolicyRow(
            effective_from=policy.effective_from,
            params=history.canonical(params),
            created_by=actor,
            created_at=self.desk.clock(),
        )
        s.add(row)
        s.flush()
        self.desk.log(
            s,
            username=actor,
            action="policy_add",
            entity="policy",
            entity_id=row.id,
            ref=policy.effective_from.isoformat(),
            after=params,
        )

    def assess(self, reception: Reception, session: Session | None = None) -> Assessment:
        """The rule engine, with the policy in force on the reception date and what the ledger
        knows of the plan the reception was started from (read in ``session`` when given)."""
        policy = self.policy_for(reception.reception_date)
        if reception.plan_id is None or not policy.check_pre_approval:
            return evaluate(reception, policy)
        if session is not None:
            return evaluate(reception, policy, pre_approval_in(session, reception.plan_id))
        with self.desk.db.read() as s:
            return evaluate(reception, policy, pre_approval_in(s, reception.plan_id))


def stored_policies(db: Database, *, strict: bool = False) -> list[Policy]:
    """The policy versions of a ledger, read without writing anything (``check --db``).

    Something that is not a ledger (unreachable, no policy table, unreadable versions) gives
    [] (the caller falls back to the default policy), or with ``strict`` a DatabaseError
    saying why."""
    try:
        with db.read() as s:
            rows = s.scalars(select(PolicyRow).order_by(PolicyRow.effective_from)).all()
            return [Policy.from_dict(json.loads(r.params)) for r in rows]
    except Exception as exc:
        if not strict:
            return []
        raise _not_a_ledger(exc) from None


def stored_sealed_years(db: Database) -> set[int]:
    """The sealed (archived) years of a ledger, closed to imports, read without writing anything;
    something that is not a ledger is a DatabaseError saying why (as ``stored_policies``)."""
    try:
        with db.read() as s:
            if not inspect(s.connection()).has_table(SealedYearRow.__tablename__):
                return set()  # a ledger from before years were sealed (an import would migrate it)
            return set(s.scalars(select(SealedYearRow.year)))
    except Exception as exc:
        raise _not_a_ledger(exc) from None


def _not_a_ledger(exc: Exception) -> DatabaseError:
    reason = " ".join(str(exc).split())[:300] or type(exc).__name__
    return DatabaseError(tr("不是可用的台账（{reason}）").format(reason=reason))


def _bureau_in(s: Session) -> Bureau:
    """The bureau's details as stored, read in ``s``."""
    values = {r.key: r.value for r in s.scalars(select(SettingRow))}
    return Bureau(
        name=values.get("bureau_name", ""),
        supervision_phone=values.get("supervision_phone", ""),
        posting_days=int(values.get("posting_days", "5") or 5),
        address=values.get("address", ""),
        local_holidays=local_holidays(values.get("local_holidays", "")),
    )


def _cleaned(bureau: Bureau) -> Bureau:
    """The details in the form they are stored and compared in."""
    return replace(
        bureau,
        name=clean_line(bureau.name).strip(),
        supervision_phone=clean_line(bureau.supervision_phone).strip(),
        address=clean_line(bureau.address).strip(),
        local_holidays=tuple(sorted(set(bureau.local_holidays))),
    )


def _latest_policy_in(s: Session) -> Policy | None:
    row = s.scalars(select(PolicyRow).order_by(PolicyRow.effective_from.desc(), PolicyRow.id.desc())).first()
    return Policy.from_dict(json.loads(row.params)) if row is not None else None


def _policy_onto(since: Policy, stored: Policy, policy: Policy) -> Policy:
    """``policy``'s changes from ``since`` put onto ``stored`` (another desk's newer version), or
    ``ChangedElsewhere`` naming the fields both changed to different values."""
    names = [f.name for f in fields(Policy) if f.name != "effective_from"]
    changed = [n for n in names if getattr(policy, n) != getattr(since, n)]
    clash = clashes(since, stored, policy, changed)
    if clash:
        labels = "、".join(dict.fromkeys(POLICY_LABELS.get(n, n) for n in clash))
        raise ChangedElsewhere(
            {
                "policy": tr(
                    "另一处已新增 {d} 起执行的版本“{name}”，其中 {labels} 也改了，与此处填写的不同。"
                    "未保存：表格中已列出该版本，请核对；再次保存将以此处填写的为准"
                ).format(d=stored.effective_from.isoformat(), name=stored.name, labels=labels)
            },
            stored,
        )
    return replace(stored, effective_from=policy.effective_from, **{n: getattr(policy, n) for n in changed})
