"""The life of a reception: draft → submitted → approved or returned, attachments, posting.

Each write is one transaction opened here, permission-checked against the stored user, and
recorded by ``_record_change`` (the one place that writes a reception change and its history
entry). A reception is normalised, validated and judged by the rule engine once per write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import signing
from ledger.desk import Desk, has, require, sealed
from ledger.errors import InvalidReception, NotFound, PermissionDenied, WorkflowError
from ledger.filenames import safe_attachment_name
from ledger.i18n import tr
from ledger.letters import Letters
from ledger.lifecycle import check_version, next_number, worked_on
from ledger.mapping import apply, normalized, record_of, ref, snapshot
from ledger.models import AttachmentRow, HistoryRow, ReceptionRow
from ledger.money import fmt, from_fen
from ledger.plans import documents_evidence, usable_plan_problem
from ledger.policy import RULES
from ledger.queries import reception_row
from ledger.records import ATTACHMENT_KINDS, Assessment, Attachment, Reception, Role, Status, User
from ledger.settings import Settings
from ledger.text import clean_prose
from ledger.validation import reception_problems, submission_problems

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# what counts as having worked on a reception (such a person may not approve it)
AUTHORING_ACTIONS = (
    "create",
    "edit",
    "submit",
    "withdraw",
    "import",
    "import_historical",
    "attach",
    "detach",
)
# a file added with a save: (file name, content, kind — a key of ATTACHMENT_KINDS)
NewAttachment = tuple[str, bytes, str]


class Workflow:
    def __init__(self, desk: Desk, settings: Settings, letters: Letters) -> None:
        self.desk = desk
        self.settings = settings
        self.letters = letters

    # ------------------------------------------------------------------ drafts and submission
    def save(
        self, actor: User, reception: Reception, new_attachments: Sequence[NewAttachment] = ()
    ) -> Reception:
        """Create a draft (``id is None``) or save changes to a draft or returned reception;
        ``new_attachments`` (files chosen on a form not saved yet) are written with it, in the
        same transaction: nothing is stored unless all of it is."""
        self.settings.policies()  # judged by the versions in force now, even one another machine just added
        files = [_checked_attachment(*f) for f in new_attachments]
        stored = self._with_stored_attachments(normalized(reception))
        problems = reception_problems(stored)
        if problems:
            raise InvalidReception(problems)
        assessment = self.settings.assess(_with_pending(stored, files))
        with self.desk.db.write() as s:
            if self.settings.refreshed_in(s):  # a version another desk added meanwhile judges it
                assessment = self.settings.assess(_with_pending(stored, files), s)
            row, record = self._save_in(s, actor, stored, assessment)
            for name, content, kind in files:
                record = self._attach_in(s, row, actor, name, content, kind)
            return record

    def submit(
        self, actor: User, reception: Reception, new_attachments: Sequence[NewAttachment] = ()
    ) -> Reception:
        """Save the given state (and ``new_attachments``) and submit it for review, in one
        transaction.

        Refused until every breach found by the rules has its explanation (情况说明).
        """
        self.settings.policies()
        files = [_checked_attachment(*f) for f in new_attachments]
        stored = _with_pending(self._with_stored_attachments(normalized(reception)), files)
        with self.desk.db.read() as s:
            assessment = self._judged_for_submit(s, stored)
        with self.desk.db.write() as s:
            if self.settings.refreshed_in(s):  # a version another desk added meanwhile judges it
                assessment = self._judged_for_submit(s, stored)
            row, record = self._save_in(s, actor, _without_pending(stored), assessment)
            for name, content, kind in files:
                record = self._attach_in(s, row, actor, name, content, kind)
            return self._transition(
                s,
                row,
                actor,
                "submit",
                Status.SUBMITTED,
                before=snapshot(row, record),
                submitted_by=actor.username,
                submitted_at=self.desk.clock(),
            )

    def _judged_for_submit(self, s: Session, stored: Reception) -> Assessment:
        """The rules' verdict on a reception about to be submitted; refused (InvalidReception,
        at the fields) while a field, a document the policy requires or a breach's explanation
        is missing."""
        problems = reception_problems(stored, for_submit=True)
        evidence = documents_evidence(s, stored.letter_no, stored.plan_id)
        problems.update(submission_problems(stored, self.settings.policy_for(stored.reception_date), evidence))
        if problems:
            raise InvalidReception(problems)
        assessment = self.settings.assess(stored, s)
        missing = {
            v.rule: RULES[v.rule] for v in assessment.violations if not stored.explanations.get(v.rule, "")
        }
        if missing:
            raise InvalidReception(
                {
                    f"explanations.{rule}": tr("请为“{rule}”填写情况说明后再提交").format(rule=label)
                    for rule, label in missing.items()
                }
            )
        return assessment

    def _with_stored_attachments(self, stored: Reception) -> Reception:
        """The record with the attachments it has in the ledger (the rules read their kinds)."""
        if stored.id is None:
            return stored
        with self.desk.db.read() as s:
            row = s.get(ReceptionRow, stored.id)
            if row is None:
                return stored
            attachments = tuple(
                Attachment(a.id, a.kind, a.filename, a.sha256, a.size, a.added_at) for a in row.attachments
            )
        return stored if attachments == stored.attachments else replace(stored, attachments=attachments)

    def _reassess(self, s: Session, row: ReceptionRow) -> None:
        """Judge a row again after its attachments changed (the documents and pre-approval rules)."""
        record = record_of(row)
        apply(row, record, self.settings.assess(record, s))

    def _save_in(
        self, s: Session, actor: User, stored: Reception, assessment: Assessment
    ) -> tuple[ReceptionRow, Reception]:
        """Write a normalised reception onto a new or existing row; return the row and its record."""
        require(s, actor, Role.CLERK, tr("录入接待"))
        _open_for_entry(s, stored.reception_date.year, stored.id)
        if stored.plan_id is not None:
            problem = usable_plan_problem(s, stored.plan_id, stored.id)
            if problem:
                raise InvalidReception({"plan_id": problem})
        if stored.id is None:
            row = self._new_row(s, stored.reception_date, actor.username)
            apply(row, stored, assessment)
            self._link_letter(s, actor, row)
            if not row.clerk_name:
                row.clerk_name = actor.label
            s.flush()
            return row, self._record_change(s, row, actor, "create", before=None, bump=False)
        row = reception_row(s, stored.id, lock=True)
        check_version(row, stored.version)
        if Status(row.status) not in (Status.DRAFT, Status.RETURNED):
            raise WorkflowError(
                tr("{ref} 状态为“{status}”，已锁定，不能修改").format(
                    ref=row.ref, status=Status(row.status).label
                )
            )
        if row.plan_id is not None and stored.plan_id != row.plan_id:
            raise InvalidReception(
                {"plan_id": tr("{ref} 已据接待审批单登记，不能改为其他审批单或取消").format(ref=row.ref)}
            )
        paid_fen = row.total_fen
        before = snapshot(row)
        apply(row, stored, assessment)
        if row.reimbursement_no and row.total_fen != paid_fen:
            raise InvalidReception(
                {
                    "meals": tr(
                        "{ref} 已登记报销（凭证号 {no}，合计 {paid} 元）：金额不能再改，只能更正其他内容"
                    ).format(ref=row.ref, no=row.reimbursement_no, paid=fmt(from_fen(paid_fen)))
                }
            )
        self._link_letter(s, actor, row)
        s.flush()
        record = record_of(row)
        if snapshot(row, record) == before:
            return row, record  # nothing changed: no new version, no history entry
        return row, self._record_change(s, row, actor, "edit", before=before)

    def _link_letter(self, s: Session, actor: User, row: ReceptionRow) -> None:
        """Link the reception to its letter in the register (registering a new one)."""
        row.letter_id = self.letters.link_in(
            s, actor, row.letter_no, title=row.letter_title, unit=row.visiting_unit
        )

    # ------------------------------------------------------------------ review
    def approve(
        self, actor: User, reception_id: int, comment: str = "", *, version: int | None = None
    ) -> Reception:
        comment = clean_prose(comment).strip()  # stored in the ledger's one normal form
        with self.desk.db.write() as s:
            require(s, actor, Role.APPROVER, tr("审核接待"))
            row = reception_row(s, reception_id, lock=True)
            check_version(row, version)
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
                approved_at=self.desk.clock(),
                review_comment=comment.strip(),
            )

    def approval_refusal(self, actor: User, reception: Reception) -> str | None:
        """Why ``actor`` may not approve this reception, or None if they may (for the GUI)."""
        if not actor.has(Role.APPROVER):
            return tr("您没有“分管领导”角色")
        if reception.status != Status.SUBMITTED:
            return tr("只有待审核的接待可以审核")
        if actor.username in (reception.created_by, reception.submitted_by):
            return tr("此接待由您录入或提交，不能由您本人审核")
        with self.desk.db.read() as s:
            if reception.id is not None and worked_on(s, "reception", reception.id, actor.username, AUTHORING_ACTIONS):
                return tr("此接待由您录入或提交，不能由您本人审核")
            in_sealed = _sealed_years(s, reception.reception_date.year, reception.id)
            if in_sealed and not actor.has(Role.ADMIN):
                return _sealed_refusal(in_sealed[0])
        return None

    def _approval_refusal(self, s: Session, row: ReceptionRow, actor: User) -> str | None:
        if Status(row.status) != Status.SUBMITTED:
            return tr("{ref} 状态为“{status}”，只有待审核的接待可以审核").format(
                ref=row.ref, status=Status(row.status).label
            )
        if self._own(s, row, actor):
            return tr("{ref} 由您录入或提交，不能由您本人审核").format(ref=row.ref)
        in_sealed = _sealed_years(s, row.reception_date.year, row.id)
        if in_sealed and not has(s, actor, Role.ADMIN):
            return _sealed_refusal(in_sealed[0])
        return None

    @staticmethod
    def _own(s: Session, row: ReceptionRow, actor: User) -> bool:
        """Whether ``actor`` entered, submitted or edited this reception: they may not review it."""
        return actor.username in (row.created_by, row.submitted_by) or worked_on(
            s, "reception", row.id, actor.username, AUTHORING_ACTIONS
        )

    def return_reception(
        self, actor: User, reception_id: int, comment: str, *, version: int | None = None
    ) -> Reception:
        comment = clean_prose(comment).strip()  # stored in the ledger's one normal form
        if not comment:
            raise InvalidReception({"review_comment": tr("退回时请填写审核意见")})
        with self.desk.db.write() as s:
            require(s, actor, Role.APPROVER, tr("退回接待"))
            row = reception_row(s, reception_id, lock=True)
            check_version(row, version)
            if Status(row.status) != Status.SUBMITTED:
                raise WorkflowError(
                    tr("{ref} 状态为“{status}”，只有待审核的接待可以退回").format(
                        ref=row.ref, status=Status(row.status).label
                    )
                )
            # a return is a review too, signed as one: the author takes it back with 撤回
            if self._own(s, row, actor):
                raise PermissionDenied(
                    tr("{ref} 由您录入或提交，不能由您本人退回：请用“撤回”收回后修改").format(ref=row.ref)
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
        reason = clean_prose(reason).strip()  # stored in the ledger's one normal form
        if not reason:
            raise InvalidReception({"review_comment": tr("重新打开时请填写理由")})
        with self.desk.db.write() as s:
            row = reception_row(s, reception_id, lock=True)
            # its date's year (its number's is the year it was first typed in)
            in_sealed = _sealed_years(s, row.reception_date.year, row.id)
            if in_sealed:  # archived: closed to all but an administrator
                require(s, actor, Role.ADMIN, tr("重新打开已封存年度（{year} 年）的接待").format(year=in_sealed[0]))
            else:
                require(s, actor, Role.APPROVER, tr("重新打开已审核的接待"))
            check_version(row, version)
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

    # ------------------------------------------------------------------ deleting, attachments, posting
    def delete_draft(self, actor: User, reception_id: int) -> None:
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("删除草稿"))
            row = reception_row(s, reception_id, lock=True)
            if Status(row.status) != Status.DRAFT or row.submitted_at is not None:
                raise WorkflowError(
                    tr("{ref} 已提交过审核，编号已用出，不能删除；不再使用时请作废（写明理由）").format(
                        ref=row.ref
                    )
                )
            if row.created_by != actor.username and not has(s, actor, Role.ADMIN):
                raise PermissionDenied(tr("只能删除自己录入的草稿"))
            self._record_change(s, row, actor, "delete", before=snapshot(row), after=None, bump=False)
            s.delete(row)

    def add_attachment(
        self, actor: User, reception_id: int, filename: str, content: bytes, kind: str = "other"
    ) -> Reception:
        filename, content, kind = _checked_attachment(filename, content, kind)
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("添加附件"))
            row = self._unlocked_row(s, reception_id, tr("{ref} 已锁定，不能添加附件"))
            return self._attach_in(s, row, actor, filename, content, kind)

    def _attach_in(
        self, s: Session, row: ReceptionRow, actor: User, filename: str, content: bytes, kind: str
    ) -> Reception:
        """Add a checked file to a row in the open transaction: judged again, an "attach" entry."""
        before = snapshot(row)
        row.attachments.append(
            AttachmentRow(
                kind=kind,
                filename=filename,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                content=content,
                added_at=self.desk.clock(),
            )
        )
        s.flush()
        self._reassess(s, row)
        return self._record_change(s, row, actor, "attach", before=before, comment=filename)

    def remove_attachment(self, actor: User, attachment_id: int) -> Reception:
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("删除附件"))
            attachment = s.get(AttachmentRow, attachment_id)
            if attachment is None:
                raise NotFound(tr("附件不存在"))
            row = self._unlocked_row(s, attachment.reception_id, tr("{ref} 已锁定，不能删除附件"))
            before = snapshot(row)
            row.attachments.remove(attachment)
            s.flush()
            self._reassess(s, row)
            return self._record_change(s, row, actor, "detach", before=before, comment=attachment.filename)

    def mark_posted(self, actor: User, reception_ids: Iterable[int], posted_on: date) -> int:
        """Record that these approved receptions appeared on a printed public notice."""
        count = 0
        with self.desk.db.write() as s:
            if not any(has(s, actor, role) for role in Role):
                raise PermissionDenied(tr("请先登录"))
            for rid in reception_ids:
                row = reception_row(s, rid, lock=True)
                if Status(row.status) != Status.APPROVED or row.classified or row.posted_on:
                    continue
                before = snapshot(row)
                row.posted_on = posted_on
                self._record_change(s, row, actor, "post", before=before)
                count += 1
        return count

    # ------------------------------------------------------------------ internals
    def _transition(
        self,
        s: Session,
        row: ReceptionRow,
        actor: User,
        action: str,
        status: Status,
        *,
        comment: str = "",
        before: dict[str, Any] | None = None,
        **changes: Any,
    ) -> Reception:
        before = before if before is not None else snapshot(row)
        row.status = status.value
        for name, value in changes.items():
            setattr(row, name, value)
        return self._record_change(s, row, actor, action, before=before, comment=comment)

    def _record_change(
        self,
        s: Session,
        row: ReceptionRow,
        actor: User,
        action: str,
        *,
        before: dict[str, Any] | None,
        after: Any = ...,
        comment: str = "",
        bump: bool = True,
    ) -> Reception:
        """The one writer of a reception change: a new version, and its history entry with the
        state before and after. Returns the record as now stored."""
        if bump:
            row.version += 1
        s.flush()
        record = record_of(row)
        entry = self.desk.log(
            s,
            username=actor.username,
            action=action,
            entity="reception",
            entity_id=row.id,
            ref=row.ref,
            before=before,
            after=snapshot(row, record) if after is ... else after,
            comment=comment,
        )
        signing.sign_entry(self.desk, s, entry, actor)
        return record

    def _unlocked_row(self, s: Session, reception_id: int, locked_message: str) -> ReceptionRow:
        row = reception_row(s, reception_id, lock=True)
        if Status(row.status) not in (Status.DRAFT, Status.RETURNED):
            raise WorkflowError(locked_message.format(ref=row.ref))
        _open_for_entry(s, row.reception_date.year, row.id)  # attachments too
        return row

    def _new_row(self, s: Session, on: date, username: str) -> ReceptionRow:
        seq = next_seq(s, on.year)
        row = ReceptionRow(
            year=on.year,
            seq=seq,
            ref=ref(on.year, seq),
            version=1,
            created_by=username,
            created_at=self.desk.clock(),
            status=Status.DRAFT.value,
        )
        s.add(row)
        return row


def next_seq(s: Session, year: int) -> int:
    """The next reception number of the year; a deleted draft's number is never given out again."""
    return next_number(s, "reception", ReceptionRow.seq, ReceptionRow.year, year, ref(year, 0)[:-4])


def _checked_attachment(filename: str, content: bytes, kind: str = "other") -> NewAttachment:
    """A file as it may be stored (its name made safe), or the refusal of its size or kind."""
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InvalidReception({"attachments": tr("附件不能超过 20 MB")})
    if kind not in ATTACHMENT_KINDS:
        raise InvalidReception(
            {
                "attachments": tr("未知的附件类型“{v}”（可选：{kinds}）").format(
                    v=kind, kinds="、".join(ATTACHMENT_KINDS.values())
                )
            }
        )
    return safe_attachment_name(filename), content, kind


_PENDING = -1  # the id of a file not stored yet, in the record judged before a save


def _with_pending(stored: Reception, files: Sequence[NewAttachment]) -> Reception:
    """The record as it will be with ``files``: the rules read the kinds of its attachments."""
    if not files:
        return stored
    pending = tuple(
        Attachment(_PENDING, kind, name, hashlib.sha256(content).hexdigest(), len(content))
        for name, content, kind in files
    )
    return replace(stored, attachments=stored.attachments + pending)


def _without_pending(stored: Reception) -> Reception:
    kept = tuple(a for a in stored.attachments if a.id != _PENDING)
    return stored if len(kept) == len(stored.attachments) else replace(stored, attachments=kept)


def _approved_years(s: Session, reception_id: int) -> set[int]:
    """The years of the dates this reception had when it was approved (reopened since)."""
    entries = select(HistoryRow.after).where(
        HistoryRow.entity == "reception",
        HistoryRow.entity_id == reception_id,
        HistoryRow.action.in_(("approve", "import_historical")),
    )
    years = set()
    for after in s.scalars(entries):
        try:
            years.add(int(json.loads(after or "{}")["reception_date"][:4]))
        except (ValueError, KeyError, TypeError):
            continue
    return years


def _sealed_years(s: Session, year: int, reception_id: int | None) -> list[int]:
    """The sealed years a decision on this reception touches: its date's, and those it was
    approved in before (a correction moved out of a sealed year still changes that year)."""
    years = {year} | (_approved_years(s, reception_id) if reception_id is not None else set())
    return sorted(y for y in years if sealed(s, y))


def _open_for_entry(s: Session, year: int, reception_id: int | None) -> None:
    """A reception dated in a sealed year is written there only as the correction of one
    approved in that year (reopened by an administrator): no new one, no other year's moved in."""
    if sealed(s, year) and (reception_id is None or year not in _approved_years(s, reception_id)):
        raise InvalidReception(
            {
                "reception_date": tr(
                    "{year} 年已封存（年度已归档）：不能再登记或提交该年度的接待；草稿可删除或作废"
                ).format(year=year)
            }
        )


def _sealed_refusal(year: int) -> str:
    return tr("{year} 年已封存（年度已归档）：该年度接待的审核须由管理员进行").format(year=year)
