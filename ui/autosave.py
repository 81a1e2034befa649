"""Autosaved drafts of open forms (receptions and plans), so a crash or power cut loses
seconds, not work.

While a form has unsaved changes its state is written every few seconds to
``<user data>/autosave/<ledger hash>/<user>-<id or new-uuid>.json`` for a reception and
``<user>-plan-<id or new-uuid>.json`` for a plan (atomically: a temporary file, then
``os.replace``). The file says its ``kind`` and keeps the record under that key with its id
under ``<kind>_id``; a file without ``kind`` (written before plans were autosaved) is a
reception's, so the files already on users' disks keep being offered. A successful save or an
explicit discard deletes the file. After the next login ``ui.app.offer_recovery`` offers each
file of that user and ledger back (this module knows nothing of the forms: they use it, not
the other way). ``LEDGER_AUTOSAVE_DIR`` overrides the folder (tests use it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from ledger.i18n import tr
from ledger.preapproval import Plan, PlannedMeal
from ledger.records import Meal, Person, Reception, User
from ledger.service import LedgerService

FORMAT = 1
RECEPTION, PLAN = "reception", "plan"  # the kinds of record a file may hold
PERIOD_MS = 3000  # while typing goes on, write at least this often
DEBOUNCE_MS = 800  # after a pause in typing, write this soon
ENV_DIR = "LEDGER_AUTOSAVE_DIR"

# the recorded facts of a reception (what a form edits), with how to read them back
_PEOPLE = ("guests", "companions", "staff")
_MONEY = ("accommodation", "transport", "other_cost", "gift_amount")
_DATES = ("reception_date", "end_date")
_SKIP = (
    "id",
    "ref",
    "status",
    "version",
    "created_by",
    "created_at",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "approved_at",
    "review_comment",
    "posted_on",
    "attachments",
)


# ====================================================================== JSON of a reception
def reception_to_dict(reception: Reception) -> dict[str, Any]:
    """What a clerk typed, as plain JSON values (Decimals as text, dates ISO)."""
    out: dict[str, Any] = {}
    for f in fields(reception):
        if f.name in _SKIP:
            continue
        value = getattr(reception, f.name)
        if f.name in _PEOPLE:
            out[f.name] = [{"name": p.name, "unit": p.unit, "title": p.title} for p in value]
        elif f.name == "meals":
            out[f.name] = [
                {
                    "date": m.date.isoformat(),
                    "kind": m.kind,
                    "venue": m.venue,
                    "venue_type": m.venue_type,
                    "diners": m.diners,
                    "amount": f"{m.amount:.2f}",
                    "tobacco_alcohol": f"{m.tobacco_alcohol:.2f}",
                    "invoice_no": m.invoice_no,
                }
                for m in value
            ]
        elif isinstance(value, Decimal):
            out[f.name] = f"{value:.2f}"
        elif isinstance(value, date):
            out[f.name] = value.isoformat()
        elif isinstance(value, dict):
            out[f.name] = dict(value)
        else:
            out[f.name] = value
    return out


def reception_from_dict(data: dict[str, Any]) -> Reception:
    """The inverse of ``reception_to_dict``; unknown keys are ignored."""
    known = {f.name for f in fields(Reception)} - set(_SKIP)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            continue
        if key in _PEOPLE:
            values[key] = tuple(
                Person(p.get("name", ""), p.get("unit", ""), p.get("title", "")) for p in value
            )
        elif key == "meals":
            values[key] = tuple(
                Meal(
                    date=date.fromisoformat(m["date"]),
                    kind=m.get("kind", "lunch"),
                    venue=m.get("venue", ""),
                    venue_type=m.get("venue_type", ""),
                    diners=int(m.get("diners", 0)),
                    amount=Decimal(m.get("amount", "0.00")),
                    tobacco_alcohol=Decimal(m.get("tobacco_alcohol", "0.00")),
                    invoice_no=m.get("invoice_no", ""),
                )
                for m in value
            )
        elif key in _MONEY:
            values[key] = Decimal(value)
        elif key in _DATES:
            values[key] = date.fromisoformat(value) if value else None
        elif key == "explanations":
            values[key] = {str(k): str(v) for k, v in value.items()}
        else:
            values[key] = value
    return Reception(**values)


# ====================================================================== JSON of a plan
_PLAN_PEOPLE = ("guests", "companions")
_PLAN_FIELDS = (
    "start_date",
    "visiting_unit",
    "activity",
    "activity_kind",
    "end_date",
    "letter_no",
    "phone_record",
    "guest_origin",
    "guest_count",
    "guests",
    "companion_count",
    "companions",
    "meals",
    "lodging_persons",
    "lodging_nights",
    "budget",
    "remarks",
)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """What a clerk typed into a plan form, as plain JSON values (the workflow fields are not kept)."""
    out: dict[str, Any] = {}
    for name in _PLAN_FIELDS:
        value = getattr(plan, name)
        if name in _PLAN_PEOPLE:
            out[name] = [{"name": p.name, "unit": p.unit, "title": p.title} for p in value]
        elif name == "meals":
            out[name] = [m.to_json() for m in value]  # its "amount" is not read back: diners × standard
        elif isinstance(value, Decimal):
            out[name] = f"{value:.2f}"
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """The inverse of ``plan_to_dict``; unknown keys are ignored."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _PLAN_FIELDS:
            continue
        if key in _PLAN_PEOPLE:
            values[key] = tuple(
                Person(p.get("name", ""), p.get("unit", ""), p.get("title", "")) for p in value
            )
        elif key == "meals":
            values[key] = tuple(
                PlannedMeal(
                    date=date.fromisoformat(m["date"]),
                    kind=m.get("kind", "lunch"),
                    venue=m.get("venue", ""),
                    venue_type=m.get("venue_type", ""),
                    diners=int(m.get("diners", 0)),
                    standard=Decimal(m.get("standard", "0.00")),
                )
                for m in value
            )
        elif key == "budget":
            values[key] = Decimal(value)
        elif key in ("start_date", "end_date"):
            values[key] = date.fromisoformat(value) if value else None
        else:
            values[key] = value
    return Plan(**values)


_ENCODE: dict[str, Any] = {RECEPTION: reception_to_dict, PLAN: plan_to_dict}
_DECODE: dict[str, Any] = {RECEPTION: reception_from_dict, PLAN: plan_from_dict}


# ====================================================================== files
def autosave_root() -> Path:
    override = os.environ.get(ENV_DIR, "").strip()
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("ReceptionLedger", appauthor=False)) / "autosave"


def ledger_folder(service: LedgerService) -> Path:
    """One folder per ledger database, so drafts never cross from one ledger to another."""
    digest = hashlib.sha256(str(service.db.url).encode("utf-8")).hexdigest()[:16]
    return autosave_root() / digest


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^\w.-]", "_", name)
    return cleaned or hashlib.sha256(name.encode()).hexdigest()[:12]


def draft_path(service: LedgerService, user: User, kind: str, key: str) -> Path:
    """``<user>-<key>.json`` for a reception (as before plans were kept), ``<user>-plan-<key>.json``."""
    prefix = "" if kind == RECEPTION else f"{kind}-"
    return ledger_folder(service) / f"{_safe(user.username)}-{prefix}{key}.json"


@dataclass(frozen=True)
class AutosavedDraft:
    path: Path
    username: str
    record_id: int | None
    version: int
    saved_at: datetime
    record: Reception | Plan
    kind: str = RECEPTION

    @property
    def reception(self) -> Reception:
        assert isinstance(self.record, Reception), self.kind
        return self.record

    @property
    def plan(self) -> Plan:
        assert isinstance(self.record, Plan), self.kind
        return self.record


def write_draft(
    path: Path,
    *,
    username: str,
    record_id: int | None,
    version: int,
    record: Reception | Plan,
    kind: str = RECEPTION,
) -> None:
    """Write atomically: a half-written file never replaces a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "kind": kind,
        "username": username,
        f"{kind}_id": record_id,
        "version": version,
        "saved_at": datetime.now().isoformat(),
        kind: _ENCODE[kind](record),
    }
    fd, tmp = tempfile.mkstemp(prefix=".autosave-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_draft(path: Path) -> AutosavedDraft:
    """One file; one without ``kind`` is a reception's (the files written before plans were kept)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    kind = str(data.get("kind") or RECEPTION)
    if kind not in _DECODE:
        raise ValueError(f"unknown kind {kind!r}")  # a newer program's file: skipped, left alone
    return AutosavedDraft(
        path=path,
        username=str(data["username"]),
        record_id=data.get(f"{kind}_id"),
        version=int(data.get("version") or 0),
        saved_at=datetime.fromisoformat(data["saved_at"]),
        record=_DECODE[kind](data[kind]),
        kind=kind,
    )


def drafts_for(service: LedgerService, user: User) -> list[AutosavedDraft]:
    """This user's autosaved drafts for this ledger, oldest first. Unreadable files are skipped."""
    folder = ledger_folder(service)
    if not folder.is_dir():
        return []
    found: list[AutosavedDraft] = []
    for path in sorted(folder.glob("*.json")):
        try:
            draft = read_draft(path)
        except (OSError, ValueError, KeyError, TypeError, ArithmeticError):
            continue
        if draft.username == user.username:
            found.append(draft)
    return sorted(found, key=lambda d: d.saved_at)


class Autosaver(QObject):
    """Writes a form's state while it has unsaved changes.

    ``state`` returns the record to keep (a Reception, or a Plan with ``kind=PLAN``),
    ``version`` the version the form was opened at. Call ``changed()`` on every edit;
    ``saved()`` after a successful save; ``discard()`` when the user throws the changes away.
    """

    def __init__(
        self,
        service: LedgerService,
        user: User,
        record_id: int | None,
        state: Any,
        version: Any,
        parent: QObject | None = None,
        path: Path | None = None,
        kind: str = RECEPTION,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._user = user
        self._record_id = record_id
        self._state = state
        self._version = version
        self.kind = kind
        key = str(record_id) if record_id is not None else f"new-{uuid.uuid4().hex[:12]}"
        self.path = path or draft_path(service, user, kind, key)
        self.last_error = ""
        self._pending = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.write_now)
        self._period = QTimer(self)
        self._period.setInterval(PERIOD_MS)
        self._period.timeout.connect(self.write_now)

    @property
    def pending(self) -> bool:
        return self._pending

    def set_record_id(self, record_id: int | None) -> None:
        """After a new record's first save its autosave file is named by its id."""
        if record_id == self._record_id:
            return
        self.remove_file()
        self._record_id = record_id
        self.path = draft_path(self._service, self._user, self.kind, str(record_id))

    def changed(self) -> None:
        self._pending = True
        self._debounce.start()
        if not self._period.isActive():
            self._period.start()

    def write_now(self) -> bool:
        if not self._pending:
            return True
        try:
            write_draft(
                self.path,
                username=self._user.username,
                record_id=self._record_id,
                version=int(self._version() or 0),
                record=self._state(),
                kind=self.kind,
            )
        except OSError as exc:  # a full disk must not break typing; the form shows it
            self.last_error = tr("自动保存失败：{error}").format(error=exc)
            return False
        self.last_error = ""
        self._pending = False
        self._period.stop()
        return True

    def saved(self) -> None:
        self._stop()
        self.remove_file()

    def discard(self) -> None:
        self.saved()

    def _stop(self) -> None:
        self._pending = False
        self._debounce.stop()
        self._period.stop()

    def remove_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


# ====================================================================== recovery after login
class RecoveryPrompt:
    """Asks whether to restore one autosaved draft. Tests replace ``ask``."""

    RESTORE, DISCARD, LATER = "restore", "discard", "later"

    @classmethod
    def ask(cls, parent: QWidget | None, draft: AutosavedDraft) -> str:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("恢复未保存的登记"))
        box.setText(question(draft))
        restore = box.addButton(tr("恢复"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(tr("丢弃"), QMessageBox.ButtonRole.DestructiveRole)
        later = box.addButton(tr("以后再说"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.exec()
        clicked = box.clickedButton()
        if clicked is restore:
            return cls.RESTORE
        if clicked is discard:
            return cls.DISCARD
        del later
        return cls.LATER


def question(draft: AutosavedDraft) -> str:
    """What the recovery prompt asks about one draft: which form, which unit, which day, when."""
    r = draft.record
    unit = r.visiting_unit.strip() or tr("（未填来访单位）")
    saved = draft.saved_at.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(r, Plan):
        what = tr("新填写的接待审批单") if draft.record_id is None else tr("已有接待审批单的修改")
        return tr(
            "发现上次未保存的{kind}：\n来访单位：{unit}\n计划日期：{day}\n自动保存于：{saved}\n\n是否恢复？"
        ).format(kind=what, unit=unit, day=r.start_date.isoformat(), saved=saved)
    what = tr("新登记的接待") if draft.record_id is None else tr("已有接待的修改")
    return tr(
        "发现上次未保存的{kind}：\n来访单位：{unit}\n接待日期：{day}\n自动保存于：{saved}\n\n是否恢复？"
    ).format(kind=what, unit=unit, day=r.reception_date.isoformat(), saved=saved)
