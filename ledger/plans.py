"""The life of a pre-approval (接待审批): draft → submitted → approved or returned; withdrawn,
voided or deleted; and what a reception needs of it.

The same rules as for receptions: each write is one transaction, permission-checked against
the stored user, recorded in the history (entity ``plan``) with the plan's snapshot before
and after; submit, approve, return, reopen, withdraw and void are signed; nobody approves a
plan they wrote or submitted; an approved plan is locked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import signing
from ledger.desk import Desk, has, require, sealed
from ledger.errors import InvalidReception, NotFound, PermissionDenied, WorkflowError
from ledger.i18n import tr
from ledger.letters import Letters, has_scan
from ledger.lifecycle import check_version, next_number, worked_on
from ledger.models import PlanRow, ReceptionRow, one_of
from ledger.money import from_fen, to_fen
from ledger.preapproval import (
    Actual,
    Plan,
    PreApproval,
    meals_json,
    normalized_plan,
    people_json,
    plan_of_row,
    plan_problems,
    plan_ref,
    plan_snapshot,
    reception_from_plan,
)
from ledger.records import Role, Status, User
from ledger.text import clean_prose
from ledger.validation import reception_problems

AUTHORING = ("create", "edit", "submit", "withdraw")


def _apply(row: PlanRow, p: Plan) -> None:
    row.start_date, row.end_date = p.start_date, p.end_date
    row.visiting_unit, row.activity, row.activity_kind = p.visiting_unit, p.activity, p.activity_kind
    row.letter_no, row.phone_record, row.guest_origin = p.letter_no, p.phone_record, p.guest_origin
    row.guest_count, row.companion_count = p.guest_count, p.companion_count
    row.people = json.dumps(people_json(p), ensure_ascii=False)
    row.meals = json.dumps(meals_json(p.meals), ensure_ascii=False)
    row.lodging_persons, row.lodging_nights = p.lodging_persons, p.lodging_nights
    row.budget_fen = to_fen(p.budget)
    row.remarks = p.remarks


def receptions_of(s: Session, plan_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """The refs of the receptions (not void) started from each plan."""
    ids = list(plan_ids)
    out: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        rows = s.execute(
            select(ReceptionRow.plan_id, ReceptionRow.ref)
            .where(
                ReceptionRow.plan_id.in_(ids[start : start + 500]), ReceptionRow.status != Status.VOID.value
            )
            .order_by(ReceptionRow.id)
        )
        for pid, ref in rows:
            out.setdefault(pid, []).append(ref)
    return {k: tuple(v) for k, v in out.items()}


def problems_of(plan: Plan, *, for_submit: bool = False) -> dict[str, str]:
    """The plan's field problems, and what would stop the reception started from it from
    being saved (a name or unit longer than a reception takes): an approved plan always starts
    a reception that can be saved."""
    out = plan_problems(plan, for_submit=for_submit)
    for key, message in reception_problems(reception_from_plan(plan)).items():
        group = key.split("[")[0].split(".")[0]
        if group in ("guests", "companions"):
            out.setdefault(group, message)
    return out


def actuals_of(s: Session, plan_ids: list[int]) -> dict[int, list[Actual]]:
    """The figures of the receptions (not void) started from each plan: one query."""
    r = ReceptionRow
    rows = s.execute(
        select(
            r.plan_id,
            r.ref,
            r.reception_date,
            r.status,
            r.guest_count,
            r.companion_count,
            r.meal_count,
            r.meal_fen,
            r.lodging_persons,
            r.lodging_nights,
            r.total_fen,
        )
        .where(one_of(r.plan_id, list(plan_ids), s.get_bind().dialect.name), r.status != Status.VOID.value)
        .order_by(r.id)
    )
    out: dict[int, list[Actual]] = {}
    for pid, ref, day, status, guests, companions, meals, meal_fen, persons, nights, total in rows:
        out.setdefault(pid, []).append(
            Actual(
                ref,
                day,
                Status(status),
                guests,
                companions,
                meals,
                from_fen(meal_fen),
                persons * nights,
                from_fen(total),
            )
        )
    return out


def pre_approval_in(s: Session, plan_id: int | None) -> PreApproval | None:
    """What the rule ``pre_approval_missing`` reads of a reception's plan."""
    if plan_id is None:
        return None
    row = s.execute(
        select(PlanRow.ref, PlanRow.status, PlanRow.approved_at).where(PlanRow.id == plan_id)
    ).first()
    if row is None:
        return None
    ref, status, approved_at = row
    approved = status == Status.APPROVED.value
    return PreApproval(ref, approved, approved_at.date() if approved and approved_at else None)


class Plans:
    def __init__(self, desk: Desk, letters: Letters) -> None:
        self.desk = desk
        self.letters = letters

    # ------------------------------------------------------------------ reading
    def all(self, year: int | None = None, status: Status | None = None) -> list[Plan]:
        with self.desk.db.read() as s:
            stmt = select(PlanRow).order_by(PlanRow.start_date.desc(), PlanRow.id.desc())
            if year is not None:
                stmt = stmt.where(PlanRow.year == year)
            if status is not None:
                stmt = stmt.where(PlanRow.status == status.value)
            rows = s.scalars(stmt).all()
            used = receptions_of(s, [r.id for r in rows])
            return [plan_of_row(r, used.get(r.id, ())) for r in rows]

    def years(self, status: Status | None = None) -> set[int]:
        with self.desk.db.read() as s:
            stmt = select(PlanRow.year).distinct()
            if status is not None:
                stmt = stmt.where(PlanRow.status == status.value)
            return set(s.scalars(stmt))

    def count(self, status: Status) -> int:
        with self.desk.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(PlanRow).where(PlanRow.status == status.value)) or 0)

    def chunks(self, year: int, chunk: int = 2000) -> Iterator[list[tuple[Plan, list[Actual]]]]:
        """The plans of ``year`` in number order, ``chunk`` at a time, each with the figures of the
        receptions started from it, read at one moment: the workbook writes a year of them
        without holding them all."""
        with self.desk.db.snapshot() as s:
            ids = list(s.scalars(select(PlanRow.id).where(PlanRow.year == year).order_by(PlanRow.seq)))
            for start in range(0, len(ids), chunk):
                part = ids[start : start + chunk]
                table = PlanRow.__table__
                # Core rows (the columns by name, as plan_of_row reads them): no ORM objects to build
                chosen = one_of(table.c.id, part, s.get_bind().dialect.name)
                rows = s.execute(select(table).where(chosen).order_by(table.c.seq)).all()
                actual = actuals_of(s, part)  # the started receptions' refs are theirs too
                yield [
                    (plan_of_row(r, tuple(a.ref for a in actual.get(r.id, []))), actual.get(r.id, []))  # type: ignore[arg-type]
                    for r in rows
                ]

    def get(self, plan_id: int) -> Plan:
        with self.desk.db.read() as s:
            row = _row(s, plan_id)
            return plan_of_row(row, receptions_of(s, [row.id]).get(row.id, ()))

    def get_by_ref(self, ref: str) -> Plan:
        with self.desk.db.read() as s:
            row = s.scalars(select(PlanRow).where(PlanRow.ref == ref.strip().upper())).first()
            if row is None:
                raise NotFound(tr("找不到接待审批 {ref}").format(ref=ref))
            return plan_of_row(row, receptions_of(s, [row.id]).get(row.id, ()))

    def approval_refusal(self, actor: User, plan: Plan) -> str | None:
        if not actor.has(Role.APPROVER):
            return tr("您没有“分管领导”角色")
        if plan.status != Status.SUBMITTED:
            return tr("只有待审批的接待审批单可以审批")
        if actor.username in (plan.created_by, plan.submitted_by):
            return tr("此审批单由您填写或提交，不能由您本人审批")
        with self.desk.db.read() as s:
            if plan.id is not None and worked_on(s, "plan", plan.id, actor.username, AUTHORING):
                return tr("此审批单由您填写或提交，不能由您本人审批")
            year = plan.start_date.year
            if sealed(s, year) and not actor.has(Role.ADMIN):
                return tr("{year} 年已封存（年度已归档）：该年度审批单的审批须由管理员进行").format(year=year)
        return None

    # ------------------------------------------------------------------ drafts and submission
    def save(self, actor: User, plan: Plan) -> Plan:
        stored = normalized_plan(plan)
        found = problems_of(stored)
        if found:
            raise InvalidReception(found)
        with self.desk.db.write() as s:
            return self._save_in(s, actor, stored)[1]

    def submit(self, actor: User, plan: Plan) -> Plan:
        stored = normalized_plan(plan)
        found = problems_of(stored, for_submit=True)
        if found:
            raise InvalidReception(found)
        with self.desk.db.write() as s:
            row, _ = self._save_in(s, actor, stored)
            before = plan_snapshot(row)
            return self._transition(
                s,
                row,
                actor,
                "submit",
                Status.SUBMITTED,
                before=before,
                submitted_by=actor.username,
                submitted_at=self.desk.clock(),
            )

    def _save_in(self, s: Session, actor: User, stored: Plan) -> tuple[PlanRow, Plan]:
        require(s, actor, Role.CLERK, tr("填写接待审批单"))
        year = stored.start_date.year
        if sealed(s, year) and not (
            stored.id is not None and worked_on(s, "plan", stored.id, None, ("approve",))
        ):  # only a plan of the year an administrator reopened is written there again
            raise InvalidReception(
                {
                    "start_date": tr(
                        "{year} 年已封存（年度已归档）：不能再填写或报批该年度的接待审批单；草稿可删除或作废"
                    ).format(year=year)
                }
            )
        if stored.id is None:
            year = stored.start_date.year
            seq = _next_seq(s, year)
            row = PlanRow(
                year=year,
                seq=seq,
                ref=plan_ref(year, seq),
                version=1,
                status=Status.DRAFT.value,
                created_by=actor.username,
                created_at=self.desk.clock(),
                submitted_by="",
                approved_by="",
                review_comment="",
                void_reason="",
            )
            _apply(row, stored)
            row.letter_id = self.letters.link_in(s, actor, stored.letter_no, unit=stored.visiting_unit)
            s.add(row)
            s.flush()
            return row, self._record(s, row, actor, "create", None)
        row = _row(s, stored.id, lock=True)
        check_version(row, stored.version)
        if Status(row.status) not in (Status.DRAFT, Status.RETURNED):
            raise WorkflowError(
                tr("{ref} 状态为“{status}”，已锁定，不能修改").format(
                    ref=row.ref, status=Status(row.status).label
                )
            )
        if stored.start_date.year != row.year:
            raise InvalidReception(
                {
                    "start_date": tr("审批单编号按年度编排：{ref} 只能改在 {year} 年内").format(
                        ref=row.ref, year=row.year
                    )
                }
            )
        before = plan_snapshot(row)
        _apply(row, stored)
        row.letter_id = self.letters.link_in(s, actor, stored.letter_no, unit=stored.visiting_unit)
        s.flush()
        if plan_snapshot(row) == before:
            return row, plan_of_row(row)
        row.version += 1
        return row, self._record(s, row, actor, "edit", before)

    # ------------------------------------------------------------------ review
    def approve(self, actor: User, plan_id: int, comment: str = "", *, version: int | None = None) -> Plan:
        comment = clean_prose(comment).strip()  # stored in the ledger's one normal form
        with self.desk.db.write() as s:
            require(s, actor, Role.APPROVER, tr("审批接待审批单"))
            row = _row(s, plan_id, lock=True)
            check_version(row, version)
            if Status(row.status) != Status.SUBMITTED:
                raise WorkflowError(
                    tr("{ref} 状态为“{status}”，只有待审批的可以审批").format(
                        ref=row.ref, status=Status(row.status).label
                    )
                )
            _not_own(s, row, actor, tr("{ref} 由您填写或提交，不能由您本人审批"))
            if sealed(s, row.year):
                require(s, actor, Role.ADMIN, tr("审批已封存年度（{year} 年）的接待审批单").format(year=row.year))
            return self._transition(
                s,
                row,
                actor,
                "approve",
                Status.APPROVED,
                comment=comment.strip(),
                approved_by=actor.username,
                approved_at=self.desk.clock(),
                review_comment=comment.strip(),
            )

    def return_plan(self, actor: User, plan_id: int, comment: str, *, version: int | None = None) -> Plan:
        comment = clean_prose(comment).strip()  # stored in the ledger's one normal form
        if not comment:
            raise InvalidReception({"review_comment": tr("退回时请填写审核意见")})
        with self.desk.db.write() as s:
            require(s, actor, Role.APPROVER, tr("退回接待审批单"))
            row = _row(s, plan_id, lock=True)
            check_version(row, version)
            if Status(row.status) != Status.SUBMITTED:
                raise WorkflowError(
                    tr("{ref} 状态为“{status}”，只有待审批的可以退回").format(
                        ref=row.ref, status=Status(row.status).label
                    )
                )
            # a return is a review too, signed as one: the author takes a plan back with 撤回
            _not_own(s, row, actor, tr("{ref} 由您填写或提交，不能由您本人退回：请用“撤回”收回后修改"))
            return self._transition(
                s,
                row,
                actor,
                "return",
                Status.RETURNED,
                comment=comment.strip(),
                review_comment=comment.strip(),
            )

    def reopen(self, actor: User, plan_id: int, reason: str, *, version: int | None = None) -> Plan:
        """The leader sends an approved plan back for a change, while no reception uses it."""
        reason = clean_prose(reason).strip()  # stored in the ledger's one normal form
        if not reason:
            raise InvalidReception({"review_comment": tr("重新打开时请填写理由")})
        with self.desk.db.write() as s:
            row = _row(s, plan_id, lock=True)
            refusal = _reopen_refusal(s, row, actor)
            if isinstance(refusal, PermissionDenied):
                raise refusal
            check_version(row, version)
            if refusal is not None:
                raise refusal
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
            )

    def reopen_refusal(self, actor: User, plan: Plan) -> str | None:
        """Why ``actor`` may not reopen this plan as stored now (None: they may): the words
        ``reopen`` refuses with, for the buttons' tooltips."""
        if plan.id is None:
            return tr("接待审批单尚未保存")
        with self.desk.db.read() as s:
            try:
                refusal = _reopen_refusal(s, _row(s, plan.id), actor)
            except NotFound as exc:
                return str(exc)
        return str(refusal) if refusal is not None else None

    # ------------------------------------------------------------------ withdraw, void, delete
    def withdraw(self, actor: User, plan_id: int, *, version: int | None = None) -> Plan:
        """Take back a submitted plan before the leader acts on it."""
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("撤回接待审批单"))
            row = _row(s, plan_id, lock=True)
            check_version(row, version)
            if Status(row.status) != Status.SUBMITTED:
                raise WorkflowError(
                    tr("{ref} 状态为“{status}”，只有待审批的可以撤回").format(
                        ref=row.ref, status=Status(row.status).label
                    )
                )
            return self._transition(s, row, actor, "withdraw", Status.DRAFT)

    def void(self, actor: User, plan_id: int, reason: str, *, version: int | None = None) -> Plan:
        """Void a plan that will not be used: it keeps its number and shows as 已作废."""
        if not reason.strip():
            raise InvalidReception({"void_reason": tr("作废时请填写理由")})
        with self.desk.db.write() as s:
            row = _row(s, plan_id, lock=True)
            check_version(row, version)
            status = Status(row.status)
            if status == Status.APPROVED and sealed(s, row.year):
                require(s, actor, Role.ADMIN, tr("作废已封存年度（{year} 年）已批准的接待审批单").format(year=row.year))
            elif status == Status.APPROVED:
                require(s, actor, Role.APPROVER, tr("作废已批准的接待审批单"))
            else:
                require(s, actor, Role.CLERK, tr("作废接待审批单"))
            if status in (Status.SUBMITTED, Status.VOID):
                raise WorkflowError(
                    tr("{ref} 待审批中，请先撤回再作废").format(ref=row.ref)
                    if status == Status.SUBMITTED
                    else tr("{ref} 已作废").format(ref=row.ref)
                )
            used = receptions_of(s, [row.id]).get(row.id)
            if used:
                raise WorkflowError(
                    tr("{ref} 已用于接待 {refs}，不能作废").format(ref=row.ref, refs="、".join(used))
                )
            return self._transition(
                s, row, actor, "void", Status.VOID, comment=reason.strip(), void_reason=reason.strip()
            )

    def delete(self, actor: User, plan_id: int) -> None:
        """Delete a draft never submitted (its number is never given out again)."""
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("删除接待审批单"))
            row = _row(s, plan_id, lock=True)
            if Status(row.status) != Status.DRAFT or row.submitted_at is not None:
                raise WorkflowError(tr("{ref} 已提交过审批，不能删除，只能作废").format(ref=row.ref))
            if row.created_by != actor.username and not has(s, actor, Role.ADMIN):
                raise PermissionDenied(tr("只能删除自己填写的审批单"))
            entry = self.desk.log(
                s,
                username=actor.username,
                action="delete",
                entity="plan",
                entity_id=row.id,
                ref=row.ref,
                before=plan_snapshot(row),
                after=None,
            )
            signing.sign_entry(self.desk, s, entry, actor)
            s.delete(row)

    # ------------------------------------------------------------------ internals
    def _transition(
        self,
        s: Session,
        row: PlanRow,
        actor: User,
        action: str,
        status: Status,
        *,
        comment: str = "",
        before: dict[str, Any] | None = None,
        **changes: Any,
    ) -> Plan:
        before = before if before is not None else plan_snapshot(row)
        row.status = status.value
        for name, value in changes.items():
            setattr(row, name, value)
        row.version += 1
        return self._record(s, row, actor, action, before, comment)

    def _record(
        self,
        s: Session,
        row: PlanRow,
        actor: User,
        action: str,
        before: dict[str, Any] | None,
        comment: str = "",
    ) -> Plan:
        s.flush()
        record = plan_of_row(row, receptions_of(s, [row.id]).get(row.id, ()))
        entry = self.desk.log(
            s,
            username=actor.username,
            action=action,
            entity="plan",
            entity_id=row.id,
            ref=row.ref,
            before=before,
            after=record.snapshot(),
            comment=comment,
        )
        signing.sign_entry(self.desk, s, entry, actor)
        return record


def _row(s: Session, plan_id: int | None, *, lock: bool = False) -> PlanRow:
    if plan_id is None:
        raise NotFound(tr("接待审批单尚未保存"))
    stmt = select(PlanRow).where(PlanRow.id == plan_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalars(stmt).first()
    if row is None:
        raise NotFound(tr("接待审批单不存在（可能已被删除）"))
    return row


def _reopen_refusal(s: Session, row: PlanRow, actor: User) -> WorkflowError | PermissionDenied | None:
    """Reopening needs the approver (an administrator in a sealed year), an approved plan and
    no reception started from it."""
    try:
        if sealed(s, row.year):
            require(s, actor, Role.ADMIN, tr("重新打开已封存年度的接待审批单"))
        else:
            require(s, actor, Role.APPROVER, tr("重新打开已批准的接待审批单"))
    except PermissionDenied as exc:
        return exc
    if Status(row.status) != Status.APPROVED:
        return WorkflowError(tr("{ref} 尚未批准，无需重新打开").format(ref=row.ref))
    used = receptions_of(s, [row.id]).get(row.id)
    if used:
        return WorkflowError(
            tr("{ref} 已用于接待 {refs}，不能再改").format(ref=row.ref, refs="、".join(used))
        )
    return None


def _next_seq(s: Session, year: int) -> int:
    """The next plan number of the year; a deleted draft's number is never given out again."""
    return next_number(s, "plan", PlanRow.seq, PlanRow.year, year, plan_ref(year, 0)[:-4])


def usable_plan_problem(s: Session, plan_id: int, reception_id: int | None) -> str | None:
    """Why a reception (``reception_id``, None when new) may not be started from this plan."""
    row = s.get(PlanRow, plan_id)
    if row is None:
        return tr("所选接待审批单不存在")
    if Status(row.status) != Status.APPROVED:
        return tr("{ref} 尚未批准（{status}），不能据此登记接待").format(
            ref=row.ref, status=Status(row.status).label
        )
    others = s.scalars(
        select(ReceptionRow.ref).where(
            ReceptionRow.plan_id == plan_id,
            ReceptionRow.status != Status.VOID.value,
            *([ReceptionRow.id != reception_id] if reception_id is not None else []),
        )
    ).all()
    if others:
        return tr("{ref} 已用于接待 {refs}（一事一批）").format(ref=row.ref, refs="、".join(others))
    return None


def documents_evidence(s: Session, letter_no: str, plan_id: int | None) -> frozenset[str]:
    """The document kinds the ledger holds for a reception outside its attachments: the
    letter's scan in the register (公函) and its approved plan (审批单)."""
    kinds = set()
    if letter_no and has_scan(s, letter_no):
        kinds.add("letter")
    found = pre_approval_in(s, plan_id)
    if found is not None and found.approved:
        kinds.add("approval")
    return frozenset(kinds)


def _not_own(s: Session, row: PlanRow, actor: User, refusal: str) -> None:
    """Nobody reviews (approves or returns) a plan they filled in or submitted."""
    if actor.username in (row.created_by, row.submitted_by) or worked_on(s, "plan", row.id, actor.username, AUTHORING):
        raise PermissionDenied(refusal.format(ref=row.ref))
