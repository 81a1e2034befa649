"""LedgerService: the front desk, and the one place the faces write through.

Each public method is a few lines that hand the work to the room that does it — users
(ledger.users), the bureau's settings and policy (ledger.settings), every read
(ledger.queries), a reception's life (ledger.workflow), imports (ledger.importing),
backups (ledger.backup) and the history with its verification (ledger.history). Every
write is one transaction, checks the actor's permission against the stored user, and
appends to the hash-chained history. Callers get frozen records back, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from ledger import anchors, autobackup, backup, changes, history, queries, writing
from ledger.corrections import Corrections
from ledger.db import Database
from ledger.desk import Desk, require
from ledger.disclosure import Disclosure, year_disclosure
from ledger.errors import (
    AuthError,
    ImportCancelled,
    InvalidReception,
    LedgerError,
    LoginThrottled,
    NotFound,
    PermissionDenied,
    StaleEdit,
    WorkflowError,
)
from ledger.i18n import tr
from ledger.importing import Importer, ImportOutcome
from ledger.letters import Letters
from ledger.mapping import normalized
from ledger.models import FingerprintRow, UserRow
from ledger.plans import Plans, documents_evidence, problems_of, usable_plan_problem
from ledger.policy import Policy
from ledger.preapproval import (
    Actual,
    Letter,
    LetterUse,
    Plan,
    PlanLine,
    comparison,
    normalized_plan,
    reception_from_plan,
)
from ledger.queries import DEFAULT_REDUCTION
from ledger.records import (
    Assessment,
    Bureau,
    HistoryEntry,
    ImportRow,
    LedgerQuery,
    LedgerRow,
    LedgerSummary,
    Reception,
    Role,
    Status,
    User,
    Violation,
)
from ledger.risks import Risk, RiskBook
from ledger.settings import Settings, stored_policies
from ledger.trust import AnchorAnswer, Stamp, Trust
from ledger.users import Users
from ledger.validation import reception_problems, submission_problems
from ledger.workdays import WorkCalendar
from ledger.workflow import MAX_ATTACHMENT_BYTES, NewAttachment, Workflow

__all__ = [
    "DEFAULT_REDUCTION",
    "MAX_ATTACHMENT_BYTES",
    "AuthError",
    "ImportCancelled",
    "ImportOutcome",
    "InvalidReception",
    "LedgerError",
    "LedgerService",
    "LoginThrottled",
    "NotFound",
    "PermissionDenied",
    "StaleEdit",
    "WorkflowError",
    "stored_policies",
]


class LedgerService:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.describe_writer = self.writing_now  # a write refused after waiting says who imports
        self._desk = Desk(db)
        self._users = Users(self._desk)
        self._settings = Settings(self._desk)
        self._letters = Letters(self._desk)
        self._plans = Plans(self._desk, self._letters)
        self._workflow = Workflow(self._desk, self._settings, self._letters)
        self._corrections = Corrections(self._workflow)
        self._importer = Importer(self._desk, self._settings)
        self._risks = RiskBook(db)
        self._trust = Trust(self._desk)
        self.policies()  # an empty ledger gets the default policy before any other write

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._desk.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:  # the demo dates its records realistically
        self._desk.clock = clock

    # ================================================================== setup & users
    def has_users(self) -> bool:
        return self._users.any()

    def setup(self, bureau: Bureau, username: str, display_name: str, password: str) -> User:
        """First start: the bureau's details and the first administrator, in one transaction."""
        with self.db.write() as s:
            if s.scalar(select(func.count(UserRow.id))):
                raise WorkflowError(tr("账本已经设置过管理员，请登录"))
            user = self._users.add_in(s, username, display_name, frozenset({Role.ADMIN}), password, actor=username)
            self._settings.write_bureau(s, bureau, actor=username)
            return user

    def authenticate(self, username: str, password: str, wait: Callable[[], bool] | None = None) -> User:
        return self._users.authenticate(username, password, wait)

    def forget_keys(self) -> None:
        """Log out: the signing keys unlocked in this session leave memory (ledger.signing)."""
        self._desk.keys.clear()

    def user(self, username: str) -> User:
        return self._users.user(username)

    def users(self) -> list[User]:
        return self._users.all()

    def add_user(
        self, actor: User | None, username: str, display_name: str, roles: Iterable[Role], password: str
    ) -> User:
        return self._users.add(actor, username, display_name, roles, password)

    def update_user(
        self,
        actor: User,
        username: str,
        *,
        display_name: str | None = None,
        roles: Iterable[Role] | None = None,
        active: bool | None = None,
        roles_since: Iterable[Role] | None = None,
    ) -> User:
        """``roles_since``: the roles as the face read them; only the roles ticked or unticked since
        change, the others stay as stored (another desk's change to them is kept)."""
        return self._users.update(
            actor, username, display_name=display_name, roles=roles, active=active, roles_since=roles_since
        )

    def set_password(self, actor: User, username: str, new_password: str, old_password: str = "") -> None:
        self._users.set_password(actor, username, new_password, old_password)

    # ================================================================== bureau, targets, policies
    def bureau(self) -> Bureau:
        return self._settings.bureau()

    def update_bureau(self, actor: User, bureau: Bureau) -> Bureau:
        return self._settings.update_bureau(actor, bureau)

    def change_bureau(self, actor: User, *, since: Bureau | None = None, **changes: object) -> Bureau:
        """Only the given details (name, supervision_phone, posting_days, address, local_holidays),
        the others as stored at the moment of the write (another desk's change to them stays);
        with ``since`` (as read), one another desk changed otherwise is ``ChangedElsewhere``."""
        return self._settings.change_bureau(actor, since=since, **changes)

    def work_calendar(self) -> WorkCalendar:
        """The bureau's working-day calendar: the State Council's schedule and its local holidays."""
        return self._settings.work_calendar()

    def reduction_for(self, year: int) -> Decimal:
        return self._settings.reduction_for(year)

    def set_reduction(self, actor: User, year: int, reduction: Decimal, *, since: Decimal | None = None) -> None:
        self._settings.set_reduction(actor, year, reduction, since=since)

    def policies(self) -> list[Policy]:
        return self._settings.policies()

    def policy_for(self, on: date) -> Policy:
        return self._settings.policy_for(on)

    def add_policy(self, actor: User, policy: Policy, *, since: Policy | None = None) -> Policy:
        return self._settings.add_policy(actor, policy, since=since)

    def assess(self, reception: Reception) -> Assessment:
        """The rule engine, with the policy in force on the reception date."""
        return self._settings.assess(reception)

    # ================================================================== supervision
    def risks(self, year: int) -> list[Risk]:
        """The supervision warnings (疑点) of the year, by the policy in force on Dec 31."""
        return self._risks.year(year, self.policies(), self.work_calendar(), self.clock().date())

    def disclosure(self, year: int) -> Disclosure:
        """The year's 三公经费 disclosure of reception spending, read at one moment."""
        with self.db.snapshot() as s:
            return year_disclosure(s, year, self.clock().date())

    def risks_of(self, reception: Reception) -> list[Risk]:
        """The warnings naming this stored reception (none for one not saved yet)."""
        if not reception.ref:
            return []
        return [r for r in self.risks(reception.reception_date.year) if reception.ref in r.refs]

    # ================================================================== reading
    def get(self, reception_id: int) -> Reception:
        with self.db.read() as s:
            return queries.get(s, reception_id)

    def get_by_ref(self, ref: str) -> Reception:
        with self.db.read() as s:
            return queries.get_by_ref(s, ref)

    def receptions(
        self,
        query: LedgerQuery = LedgerQuery(),
        *,
        approved_only: bool = False,
        include_classified: bool = True,
    ) -> list[Reception]:
        """Whole records (without attachment lists) in date order, read at one moment: reports."""
        with self.db.snapshot() as s:
            return queries.receptions(
                s, query, approved_only=approved_only, include_classified=include_classified
            )

    def receptions_in_chunks(
        self,
        query: LedgerQuery = LedgerQuery(),
        *,
        approved_only: bool = False,
        include_classified: bool = True,
        chunk: int = 2000,
    ) -> Iterator[tuple[list[Reception], dict[int, list[Violation]]]]:
        """What ``receptions`` returns, with each record's breaches, ``chunk`` records at a time
        read at one moment: a year of a province's ledger (100,000 records) is written out
        without ever being held whole."""
        with self.db.snapshot() as s:
            ids = queries.reception_ids(
                s, query, approved_only=approved_only, include_classified=include_classified
            )
            for start in range(0, len(ids), chunk):
                part = ids[start : start + chunk]
                yield queries.receptions_by_ids(s, part), queries.violations_of(s, part)

    def history_head(self) -> int:
        """The id of the last history entry: where ``changes_since`` starts."""
        with self.db.read() as s:
            return changes.head(s)

    def changes_since(self, after: int) -> changes.Changes:
        """What other desks changed after history entry ``after`` (this desk's writes left out)."""
        with self.db.read() as s:
            return changes.since(s, after, self.db.own_writes)

    def violations_of(self, reception_ids: Sequence[int]) -> dict[int, list[Violation]]:
        with self.db.read() as s:
            return queries.violations_of(s, reception_ids)

    def count_and_total(self, query: LedgerQuery) -> tuple[int, Decimal]:
        with self.db.read() as s:
            return queries.count_and_total(s, query)

    def ledger_summary(self, query: LedgerQuery) -> LedgerSummary:
        """The ledger view's status bar: exact, or "more than N" for a broad search."""
        with self.db.read() as s:
            return queries.ledger_summary(s, query)

    def ledger_rows(self, query: LedgerQuery, offset: int = 0, limit: int = 200) -> list[LedgerRow]:
        with self.db.read() as s:
            return queries.ledger_rows(s, query, offset, limit)

    def years(self) -> list[int]:
        with self.db.read() as s:
            return queries.years(s)

    def history(self, reception_id: int | None = None) -> list[HistoryEntry]:
        with self.db.read() as s:
            return queries.history_entries(s, reception_id)

    def attachment_content(self, attachment_id: int) -> bytes:
        with self.db.read() as s:
            return queries.attachment_content(s, attachment_id)

    # ================================================================== a reception's life
    def validate(self, reception: Reception, *, for_submit: bool = False) -> dict[str, str]:
        """Field problems (field name → message) of the reception as it would be stored."""
        stored = normalized(reception)
        problems = reception_problems(stored, for_submit=for_submit)
        if for_submit:
            problems.update(
                submission_problems(stored, self.policy_for(stored.reception_date), self._evidence(stored))
            )
        return problems

    def missing_documents(self, reception: Reception) -> tuple[str, ...]:
        """The document kinds (ATTACHMENT_KINDS keys) the policy requires that this reception
        lacks: its attachments, its letter's scan in the register and its approved plan count."""
        return self.policy_for(reception.reception_date).documents.missing(reception, self._evidence(reception))

    def _evidence(self, reception: Reception) -> frozenset[str]:
        with self.db.read() as s:
            return documents_evidence(s, reception.letter_no, reception.plan_id)

    def save(
        self, actor: User, reception: Reception, new_attachments: Sequence[NewAttachment] = ()
    ) -> Reception:
        """Save a draft; ``new_attachments`` [(file name, bytes, kind)] are stored with it, in
        the same transaction (a new form's files: no record exists until the user saves)."""
        return self._workflow.save(actor, reception, new_attachments)

    def submit(
        self, actor: User, reception: Reception, new_attachments: Sequence[NewAttachment] = ()
    ) -> Reception:
        return self._workflow.submit(actor, reception, new_attachments)

    def approve(
        self, actor: User, reception_id: int, comment: str = "", *, version: int | None = None
    ) -> Reception:
        return self._workflow.approve(actor, reception_id, comment, version=version)

    def approval_refusal(self, actor: User, reception: Reception) -> str | None:
        return self._workflow.approval_refusal(actor, reception)

    def return_reception(
        self, actor: User, reception_id: int, comment: str, *, version: int | None = None
    ) -> Reception:
        return self._workflow.return_reception(actor, reception_id, comment, version=version)

    def reopen(self, actor: User, reception_id: int, reason: str, *, version: int | None = None) -> Reception:
        return self._workflow.reopen(actor, reception_id, reason, version=version)

    def delete_draft(self, actor: User, reception_id: int) -> None:
        self._workflow.delete_draft(actor, reception_id)

    # ---------------------------------------------------------------- after submission (ledger.corrections)
    def withdraw(
        self, actor: User, reception_id: int, *, version: int | None = None, reason: str = ""
    ) -> Reception:
        """撤回: a submitted reception back to a draft before the leader acts on it."""
        return self._corrections.withdraw(actor, reception_id, version=version, reason=reason)

    def void(self, actor: User, reception_id: int, reason: str, *, version: int | None = None) -> Reception:
        """作废 with a reason: the number is kept (never given out again), the record counts nowhere."""
        return self._corrections.void(actor, reception_id, reason, version=version)

    def record_reimbursement(
        self, actor: User, reception_id: int, number: str, on: date | None, *, version: int | None = None
    ) -> Reception:
        """报销: the voucher number and date of an approved reception (again: a correction)."""
        return self._corrections.record_reimbursement(actor, reception_id, number, on, version=version)

    def approve_many(
        self, actor: User, ids_with_versions: Sequence[tuple[int, int]], comment: str = ""
    ) -> list[Reception]:
        """Approve compliant receptions together, in one transaction, or refuse the whole batch."""
        return self._corrections.approve_many(actor, ids_with_versions, self.missing_documents, comment)

    def add_attachment(
        self, actor: User, reception_id: int, filename: str, content: bytes, kind: str = "other"
    ) -> Reception:
        return self._workflow.add_attachment(actor, reception_id, filename, content, kind)

    def remove_attachment(self, actor: User, attachment_id: int) -> Reception:
        return self._workflow.remove_attachment(actor, attachment_id)

    def mark_posted(self, actor: User, reception_ids: Iterable[int], posted_on: date) -> int:
        return self._workflow.mark_posted(actor, reception_ids, posted_on)

    def writer_busy(self) -> bool:
        """Whether another desk is writing now (an import storing its rows): a save would wait."""
        return self.db.writer_busy()

    def at_once(self) -> AbstractContextManager[None]:
        """The first write inside does not wait for the lock (``Database.at_once``)."""
        return self.db.at_once()

    def writing_now(self) -> str:
        """Who holds the write lock with a long write, since when and how far (an import), in
        a line for the waiting desk; "" when it left no note (an ordinary save)."""
        return writing.said(self.db)

    def may_import_approved(self, actor: User) -> bool:
        """Whether ``actor`` (as stored) may import rows reviewed on paper as approved."""
        return self._importer.may_enter_approved(actor)

    def import_rows(
        self,
        actor: User,
        rows: Iterable[ImportRow],
        *,
        historical: bool = False,
        allow_duplicates: bool = False,
        progress: Callable[[int, int], bool] | None = None,
        column_of: Callable[[str], str] | None = None,
        on_outcome: Callable[[ImportOutcome], None] | None = None,
        waiting: Callable[[str], bool] | None = None,
        on_committed: Callable[[], None] | None = None,
    ) -> list[ImportOutcome]:
        return self._importer.import_rows(
            actor,
            rows,
            historical=historical,
            allow_duplicates=allow_duplicates,
            progress=progress,
            column_of=column_of,
            on_outcome=on_outcome,
            waiting=waiting,
            on_committed=on_committed,
        )

    # ================================================================== before the meal: plans and letters
    def plans(self, year: int | None = None, status: Status | None = None) -> list[Plan]:
        """The pre-approvals (接待审批), newest first, each with the receptions started from it."""
        return self._plans.all(year, status)

    def plan_years(self, status: Status | None = None) -> set[int]:
        """The years that have plans (with this status), read without reading the plans."""
        return self._plans.years(status)

    def plan_count(self, status: Status) -> int:
        """How many plans have this status (the leader's waiting plans)."""
        return self._plans.count(status)

    def plans_in_chunks(self, year: int, chunk: int = 2000) -> Iterator[list[tuple[Plan, list[Actual]]]]:
        """The plans of ``year`` in number order, ``chunk`` at a time, each with the figures of
        the receptions started from it, read at one moment."""
        return self._plans.chunks(year, chunk)

    def plan(self, plan_id: int) -> Plan:
        return self._plans.get(plan_id)

    def plan_by_ref(self, ref: str) -> Plan:
        return self._plans.get_by_ref(ref)

    def plan_problems(self, plan: Plan, *, for_submit: bool = False) -> dict[str, str]:
        return problems_of(normalized_plan(plan), for_submit=for_submit)

    def plan_breaches(self, plan: Plan) -> tuple[Violation, ...]:
        """What the plan itself would breach (companions, meal standard, venue, number of
        meals, ...): the leader sees it before approving."""
        reception = reception_from_plan(normalized_plan(plan))
        planned = replace(
            reception,
            meals=tuple(replace(m, amount=p.amount) for m, p in zip(reception.meals, plan.meals, strict=True)),
            plan_id=None,
        )
        skip = {"pre_approval_missing", "missing_official_letter"}
        return tuple(v for v in self.assess(planned).violations if v.rule not in skip)

    def save_plan(self, actor: User, plan: Plan) -> Plan:
        return self._plans.save(actor, plan)

    def submit_plan(self, actor: User, plan: Plan) -> Plan:
        return self._plans.submit(actor, plan)

    def approve_plan(self, actor: User, plan_id: int, comment: str = "", *, version: int | None = None) -> Plan:
        return self._plans.approve(actor, plan_id, comment, version=version)

    def return_plan(self, actor: User, plan_id: int, comment: str, *, version: int | None = None) -> Plan:
        return self._plans.return_plan(actor, plan_id, comment, version=version)

    def reopen_plan(self, actor: User, plan_id: int, reason: str, *, version: int | None = None) -> Plan:
        return self._plans.reopen(actor, plan_id, reason, version=version)

    def withdraw_plan(self, actor: User, plan_id: int, *, version: int | None = None) -> Plan:
        return self._plans.withdraw(actor, plan_id, version=version)

    def void_plan(self, actor: User, plan_id: int, reason: str, *, version: int | None = None) -> Plan:
        return self._plans.void(actor, plan_id, reason, version=version)

    def delete_plan(self, actor: User, plan_id: int) -> None:
        self._plans.delete(actor, plan_id)

    def plan_approval_refusal(self, actor: User, plan: Plan) -> str | None:
        return self._plans.approval_refusal(actor, plan)

    def plan_reopen_refusal(self, actor: User, plan: Plan) -> str | None:
        """Why ``actor`` may not reopen this plan now (None: they may), as ``reopen_plan`` says it."""
        return self._plans.reopen_refusal(actor, plan)

    def reception_from_plan(self, plan_id: int) -> Reception:
        """A new, unsaved reception filled in from an approved plan not yet used."""
        plan = self._plans.get(plan_id)
        with self.db.read() as s:
            problem = usable_plan_problem(s, plan_id, None)
        if problem:
            raise WorkflowError(problem)
        letter = self._letters.find(plan.letter_no) if plan.letter_no else None
        return reception_from_plan(plan, letter.title if letter else "")

    def plan_comparison(self, reception: Reception) -> tuple[Plan, list[PlanLine]] | None:
        """The plan a reception was started from, and its figures against the plan's."""
        if reception.plan_id is None:
            return None
        try:
            plan = self._plans.get(reception.plan_id)
        except NotFound:
            return None
        return plan, comparison(normalized(reception), plan)

    def letters(self) -> list[Letter]:
        """The letter register, newest first, each with the plans and receptions citing it."""
        return self._letters.all()

    def letters_in_chunks(self, chunk: int = 2000, year: int | None = None) -> Iterator[list[Letter]]:
        """The register oldest first, ``chunk`` letters at a time with their uses, without the
        scans, read at one moment (the workbook's 公函登记, the command line's ``letters``)."""
        return self._letters.chunks(chunk, year)

    def letter(self, letter_id: int) -> Letter:
        return self._letters.get(letter_id)

    def find_letter(self, letter_no: str) -> Letter | None:
        return self._letters.find(letter_no)

    def register_letter(self, actor: User, letter: Letter, scan: tuple[str, bytes] | None = None) -> Letter:
        return self._letters.register(actor, letter, scan)

    def update_letter(self, actor: User, letter: Letter, scan: tuple[str, bytes] | None = None) -> Letter:
        return self._letters.update(actor, letter, scan)

    def letter_scan(self, letter_id: int) -> bytes:
        return self._letters.scan(letter_id)

    def letter_uses(
        self, letter_no: str, *, reception_id: int | None = None, plan_id: int | None = None
    ) -> list[LetterUse]:
        """Other plans and receptions citing this letter (一函一事): empty when it is free."""
        return self._letters.other_uses(letter_no, reception_id=reception_id, plan_id=plan_id)

    # ================================================================== backup, restore, verify
    def backup(self, path: Path) -> dict[str, int]:
        """A consistent copy of the whole ledger in one SQLite file (a read: no actor needed)."""
        counts = backup.write_backup(self.db, path)
        autobackup.mark(self.db, self.clock(), "manual", path)
        return counts

    def auto_backup(self) -> Path | None:
        """The day's automatic backup (the window closing), with the 7 daily / 4 weekly rotation;
        None when one was already made today."""
        return autobackup.daily(self.db, self.clock())

    def automatic_backups(self) -> list[autobackup.BackupFile]:
        return autobackup.backups(self.db)

    def backup_reminder(self, actor: User) -> str:
        """For an administrator, when no backup was made for a week; else ""."""
        return autobackup.reminder(self.db, self.clock()) if actor.has(Role.ADMIN) else ""

    def restore(
        self,
        actor: User | None,
        path: Path,
        *,
        replace_existing: bool = False,
        accept_older: bool = False,
        accept_other: bool = False,
    ) -> backup.Restored:
        """Replace this ledger's contents with a backup, in one transaction.

        The backup is checked completely first (a private copy: the file is only read). An
        empty ledger accepts any good backup; a ledger in use needs ``replace_existing`` and an
        administrator, and is saved to an automatic backup first. A backup lacking history this
        machine has already verified needs ``accept_older``; another ledger's backup (its history
        starts differently) needs ``accept_other``. The restore is appended to the
        restored history with the replaced and the restored heads.
        """

        def verify_copy(copy: Database, scratch: Path) -> history.VerifyResult:
            return history.verify_ledger(copy, scratch / "anchor.json", self.clock)

        anchor_path = self._anchor_path()
        with backup.checked_backup(path, verify_copy) as checked:
            saved = None
            with self.db.write() as s:
                in_use = not backup.is_empty(s)
                if in_use:
                    if not replace_existing:
                        raise WorkflowError(tr("此账本已有数据；确认要用备份整体替换时请加 --replace"))
                    require(s, actor, Role.ADMIN, tr("用备份替换账本"))
                # an empty ledger (no users, no receptions) takes any ledger's backup
                other = backup.another_ledgers(checked, s) if in_use else ""
                if other and not accept_other:
                    raise backup.OtherLedgerBackup(
                        other + tr("；账本未改动。确认要用另一个账本整体替换本账本时请加 --other-ledger")
                    )
                # another ledger's backup: what this machine saw of this ledger does not apply
                older = "" if other else backup.older_than_seen(checked, anchors.read_anchor(anchor_path), s)
                if older and not accept_older:
                    raise backup.OlderBackup(
                        older + tr("；账本未改动。确认要用这份备份替换时请加 --accept-older")
                    )
                if in_use:
                    saved = backup.save_before_replacing(s, self.db, self.clock())
                replaced = backup.head_of(s) | {"auto_backup": str(saved or "")}
                counts = backup.replace_contents(s, checked.db)
                entry = self._desk.log(
                    s,
                    username=actor.username if actor else "system",
                    action="restore",
                    entity="ledger",
                    entity_id=None,
                    before=replaced,
                    after={"backup_head": checked.head_hash, "backup_entries": checked.entries},
                    comment=str(Path(path).name) + "".join(f"；{note}" for note in (other, older) if note),
                )
                head = (entry.id, entry.hash, history.first_hash(s))
        anchors.write_anchor(anchor_path, head[0], head[1], self.clock(), head[2])  # the head this restore made
        self._settings.forget_policies()
        return backup.Restored(counts, saved, older, other)

    def verify(self, *, full: bool = False, accept_restore: bool = False) -> history.VerifyResult:
        """Recompute the history chain, compare every record with its last entry, and check
        the signatures and sealed years (ledger.signing, ledger.trust): the signatures after the
        head this machine verified last time, or with ``full`` (or no such head) every one.
        ``accept_restore``: a person confirmed the restore that replaced the head this machine saw."""
        anchor = self._anchor_path()
        previous = anchors.read_anchor(anchor)
        result = history.verify_ledger(self.db, anchor, self.clock, accept_restore)
        clean = result.ok
        self._trust.verify(result, None if full else previous)
        head = anchors.read_anchor(anchor) if result.ok else None
        if head is not None:  # remember the signatures checked with the head
            at = datetime.fromisoformat(head["at"]) if head["at"] else self.clock()
            digest = self._trust.signature_digest(head["id"])
            anchors.write_anchor(anchor, head["id"], head["hash"], at, head["first"], digest)
        if clean and not result.ok:  # verify_ledger remembered the head: not with bad signatures
            if previous is None:
                anchor.unlink(missing_ok=True)
            else:
                at = datetime.fromisoformat(previous["at"]) if previous["at"] else self.clock()
                anchors.write_anchor(
                    anchor, previous["id"], previous["hash"], at, previous["first"], previous["signatures"]
                )
        return result

    # ================================================================== trust (fingerprints, seals)
    def print_stamp(self, document: str, reference: str, actor: User | None = None, *, register: bool = True) -> Stamp:
        """A page's fingerprint, entered in the register (a preview's: ``register_printed``)."""
        return self._trust.stamp(document, reference, actor.username if actor else "", register=register)

    def register_printed(self, stamp: Stamp, actor: User | None = None) -> None:
        """A previewed page printed or saved: its fingerprint entered in the register."""
        self._trust.register(stamp, actor.username if actor else "")

    def anchor(self, fingerprint: str) -> AnchorAnswer:
        """Whether the history contains the entry a printed fingerprint names."""
        return self._trust.anchor(fingerprint)

    def printed_fingerprints(self, limit: int = 200) -> list[FingerprintRow]:
        return self._trust.printed(limit)

    def crypto(self) -> str:
        return self._trust.crypto()

    def set_crypto(self, actor: User, choice: str) -> None:
        self._trust.set_crypto(actor, choice)

    def sealed_years(self) -> dict[int, datetime]:
        return self._trust.sealed_years()

    def seal_problem(self, year: int) -> str:
        """Why ``year`` cannot be sealed now (not ended by the service clock, sealed already)."""
        return self._trust.seal_problem(year)

    def seal_year(self, actor: User, year: int, manifest_sha256: str) -> None:
        with self.db.write() as s:
            self._trust.seal_year(s, actor, year, manifest_sha256)

    def year_history(self, year: int) -> dict[str, list[dict[str, object]]]:
        """The history, signatures and public keys a sealed archive of ``year`` carries."""
        return self._trust.year_history(year)

    def archive_signature(self, actor: User, manifest: bytes) -> tuple[int, str, str, str]:
        """The administrator's signature of an archive's manifest: key id, algorithm, public key, signature."""
        return self._trust.archive_signature(actor, manifest)

    def _anchor_path(self) -> Path:
        """Where this machine keeps the history head it last verified, for this ledger."""
        return anchors.anchor_path(self.db.url)
