"""What makes the past checkable against something the database's holder does not hold: the
fingerprint printed on paper (and its register), the sealed years, the cryptography setting.

The fingerprint (账本指纹) is the history's head at printing, as 16 hex digits in four groups.
Once a notice sheet carrying it hangs on the public board, ``anchor`` answers whether the
history still contains that entry: a ledger rewritten before that point, however consistently,
no longer does.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ledger import signing
from ledger.db import ReadOnlyLedger
from ledger.desk import CRYPTO_SETTING, Desk, require
from ledger.errors import InvalidReception
from ledger.history import VerifyResult
from ledger.history import _entry_hash as history_hash
from ledger.i18n import tr
from ledger.mapping import ref
from ledger.models import (
    FingerprintRow,
    HistoryRow,
    ReceptionRow,
    SealedYearRow,
    SettingRow,
    SignatureRow,
    UserKeyRow,
)
from ledger.preapproval import plan_ref
from ledger.records import Role, User

FINGERPRINT_DIGITS = 16


def fingerprint_of(entry_hash: str) -> str:
    """``1a2b-3c4d-5e6f-7a8b``: the first 16 hex digits of a history hash, in four groups."""
    digits = entry_hash[:FINGERPRINT_DIGITS].lower()
    return "-".join(digits[i : i + 4] for i in range(0, FINGERPRINT_DIGITS, 4))


def parse_fingerprint(text: str) -> str | None:
    """The 16 hex digits of a fingerprint as typed (with or without dashes, spaces, the label;
    full-width characters too)."""
    text = unicodedata.normalize("NFKC", text or "")  # ＡＢ１２－… typed with a Chinese IME
    digits = re.sub(r"[\s\-—–:：]|账本指纹", "", text).lower()
    if len(digits) != FINGERPRINT_DIGITS or not re.fullmatch(r"[0-9a-f]+", digits):
        return None
    return digits


@dataclass(frozen=True)
class Stamp:
    """What a printed page carries at its foot: the fingerprint, the date and the reference."""

    fingerprint: str
    printed_at: datetime
    document: str
    reference: str
    head_id: int = 0  # the history entry the fingerprint names (0: an empty history)

    @property
    def label(self) -> str:
        return tr("账本指纹 {fp}").format(fp=self.fingerprint)

    @property
    def qr_text(self) -> str:
        return f"{self.label}\n{self.printed_at:%Y-%m-%d}\n{self.reference}"


@dataclass(frozen=True)
class AnchorAnswer:
    found: bool
    fingerprint: str
    entry_id: int | None = None
    entry_at: datetime | None = None
    printed: tuple[str, ...] = ()  # what the register says was printed with it


DOCUMENTS = {
    "notice": "公示表",
    "slip": "接待清单",
    "summary": "年度汇总",
    "preapproval": "事前审批单",
    "disclosure": "决算公开",
    "archive": "年度封存",
}


class Trust:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # -------------------------------------------------------------- fingerprints
    def stamp(self, document: str, reference: str, username: str = "", *, register: bool = True) -> Stamp:
        """The fingerprint of the history's head now, written into the register of printed
        fingerprints unless ``register`` is False (a preview: ``register`` once it is printed or
        saved). A read-only ledger prints it all the same, unregistered."""
        with self.desk.db.read() as s:
            head = s.execute(
                select(HistoryRow.id, HistoryRow.hash).order_by(HistoryRow.id.desc()).limit(1)
            ).first()
        head_id, head_hash = (head[0], head[1]) if head else (0, "0" * 64)
        stamp = Stamp(fingerprint_of(head_hash), self.desk.clock(), document, reference, head_id)
        if register:
            self.register(stamp, username)
        return stamp

    def register(self, stamp: Stamp, username: str = "") -> None:
        """Enter a stamp's page in the register of printed fingerprints (at the time it carries)."""
        try:
            with self.desk.db.write() as s:
                s.add(
                    FingerprintRow(
                        fingerprint=stamp.fingerprint,
                        head_id=stamp.head_id,
                        printed_at=stamp.printed_at,
                        document=stamp.document[:32],
                        reference=stamp.reference[:64],
                        username=username[:64],
                    )
                )
        except ReadOnlyLedger:
            pass

    def anchor(self, text: str) -> AnchorAnswer:
        digits = parse_fingerprint(text)
        if digits is None:
            raise InvalidReception(
                {
                    "fingerprint": tr(
                        "账本指纹应为 16 位十六进制数字（如 1a2b-3c4d-5e6f-7a8b），而不是“{t}”"
                    ).format(t=text)
                }
            )
        fp = fingerprint_of(digits)
        with self.desk.db.read() as s:
            hit = s.execute(
                select(HistoryRow.id, HistoryRow.at).where(HistoryRow.hash.like(digits + "%")).limit(1)
            ).first()
            printed = tuple(
                tr("{at} 打印的{doc} {ref}")
                .format(at=r.printed_at, doc=tr(DOCUMENTS.get(r.document, r.document)), ref=r.reference)
                .strip()
                for r in s.scalars(
                    select(FingerprintRow).where(FingerprintRow.fingerprint == fp).order_by(FingerprintRow.id)
                )
            )
        if hit is None:
            return AnchorAnswer(False, fp, printed=printed)
        return AnchorAnswer(True, fp, hit[0], hit[1], printed)

    def printed(self, limit: int = 200) -> list[FingerprintRow]:
        with self.desk.db.read() as s:
            rows = list(s.scalars(select(FingerprintRow).order_by(FingerprintRow.id.desc()).limit(limit)))
            s.expunge_all()
            return rows

    # -------------------------------------------------------------- cryptography setting
    def crypto(self) -> str:
        with self.desk.db.read() as s:
            row = s.get(SettingRow, CRYPTO_SETTING)
            return row.value if row is not None and row.value == "gm" else ""

    def set_crypto(self, actor: User, choice: str) -> None:
        """ "gm" (SM3 chain, SM2 signatures) or "" (SHA-256, Ed25519), from the next entry on;
        each user gets a key of the new kind at their next login."""
        if choice not in ("", "gm"):
            raise InvalidReception({"crypto": tr("算法只能是默认（SHA-256 + Ed25519）或国密（SM3 + SM2）")})
        with self.desk.db.write() as s:
            require(s, actor, Role.ADMIN, tr("更改签名与校验算法"))
            before = {r.key: r.value for r in s.scalars(select(SettingRow))}
            if before.get(CRYPTO_SETTING, "") == choice:
                return
            s.merge(SettingRow(key=CRYPTO_SETTING, value=choice))
            self.desk.log(
                s,
                username=actor.username,
                action="bureau_edit",
                entity="bureau",
                entity_id=0,
                before=before or None,
                after=before | {CRYPTO_SETTING: choice},
                comment=tr("改用国密算法（SM3 + SM2）")
                if choice
                else tr("改用默认算法（SHA-256 + Ed25519）"),
            )

    # -------------------------------------------------------------- sealed years
    def sealed_years(self) -> dict[int, datetime]:
        with self.desk.db.read() as s:
            return {r.year: r.sealed_at for r in s.scalars(select(SealedYearRow))}

    def seal_problem(self, year: int, row: SealedYearRow | None = None) -> str:
        """Why ``year`` cannot be sealed now ("" when it can): a year is sealed once, after its
        last day by the service clock, so no reception can be added to it afterwards."""
        if row is None:
            with self.desk.db.read() as s:
                row = s.get(SealedYearRow, year)
        if row is not None:
            return tr(
                "{year} 年已于 {at} 封存（清单校验值 {h}），不能再次封存：已封存的年度以当时的封存文件为准"
            ).format(year=year, at=f"{row.sealed_at:%Y-%m-%d %H:%M}", h=row.manifest_sha256[:16])
        today = self.desk.clock().date()
        if year >= today.year:
            return tr("{year} 年尚未结束（今天是 {today}），只能封存已结束的年度").format(
                year=year, today=today.isoformat()
            )
        return ""

    def seal_year(self, s: Session, actor: User, year: int, manifest_sha256: str) -> None:
        """Close ``year`` after its archive was written (inside the caller's write transaction)."""
        require(s, actor, Role.ADMIN, tr("封存年度"))
        problem = self.seal_problem(year, s.get(SealedYearRow, year))
        if problem:
            raise InvalidReception({"year": problem})
        s.add(
            SealedYearRow(
                year=year,
                sealed_at=self.desk.clock(),
                username=actor.username,
                manifest_sha256=manifest_sha256,
            )
        )
        self.desk.log(
            s,
            username=actor.username,
            action="archive",
            entity="year",
            entity_id=year,
            ref=str(year),
            after={"year": year, "manifest_sha256": manifest_sha256},
        )

    def archive_signature(self, actor: User, manifest: bytes) -> tuple[int, str, str, str]:
        with self.desk.db.read() as s:
            require(s, actor, Role.ADMIN, tr("封存年度"))
            return signing.sign_as(self.desk, s, actor.username, manifest)

    def year_history(self, year: int) -> dict[str, list[dict[str, object]]]:
        """For a sealed archive: every history entry of the year's receptions and plans and of the users'
        keys (all fields, so each entry's hash can be recomputed), their signatures and the
        public keys."""
        prefix = ref(year, 0)[:-4]
        dated = select(ReceptionRow.id).where(
            ReceptionRow.reception_date >= date(year, 1, 1), ReceptionRow.reception_date <= date(year, 12, 31)
        )
        with self.desk.db.snapshot() as s:
            rows = s.scalars(
                select(HistoryRow)
                .where(
                    or_(
                        and_(
                            HistoryRow.entity == "reception",
                            # the year's receptions by their date (their number is the year first typed)
                            or_(HistoryRow.ref.startswith(prefix), HistoryRow.entity_id.in_(dated)),
                        ),
                        and_(HistoryRow.entity == "plan", HistoryRow.ref.startswith(plan_ref(year, 0)[:-4])),
                        HistoryRow.entity == "key",
                    )
                )
                .order_by(HistoryRow.id)
            ).all()
            entries = [entry_json(r) for r in rows]
            ids = [r.id for r in rows]
            signatures = [
                {"history_id": g.history_id, "key_id": g.key_id, "algo": g.algo, "signature": g.signature}
                for g in s.scalars(
                    select(SignatureRow)
                    .where(SignatureRow.history_id.in_(ids))
                    .order_by(SignatureRow.history_id)
                )
            ]
            keys = [
                {
                    "key_id": k.id,
                    "username": k.username,
                    "algo": k.algo,
                    "public_key": k.public_key,
                    "reason": k.reason,
                }
                for k in s.scalars(select(UserKeyRow).order_by(UserKeyRow.id))
            ]
        return {"entries": entries, "signatures": signatures, "keys": keys}

    # -------------------------------------------------------------- verification
    def signature_digest(self, upto_id: int) -> str:
        with self.desk.db.read() as s:
            return signing.signature_digest(s, upto_id)

    def verify(self, result: VerifyResult, seen: dict[str, Any] | None = None) -> None:
        """Signatures, then the sealed years against their history entries.

        ``seen``: the head this machine remembered from its last clean verification. When the
        history still holds it unchanged (the chain check has just confirmed every entry up to
        it, so none of them can have been rewritten since), the signatures up to it were checked
        then and only the newer ones are checked now; without it, all are."""
        with self.desk.db.read() as s:
            after_id = 0
            if seen is not None and result.ok and seen.get("signatures"):
                held = s.scalar(select(HistoryRow.hash).where(HistoryRow.id == seen["id"]))
                # the entries up to the remembered head are unchanged (the chain says so) and so
                # are their signatures (the digest says so): those were checked last time
                if held == seen["hash"] and signing.signature_digest(s, int(seen["id"])) == seen["signatures"]:
                    after_id = result.signatures_after = int(seen["id"])
            signing.verify_signatures(s, result, after_id)
            entries = {
                int(r.entity_id or 0): r.after
                for r in s.scalars(
                    select(HistoryRow).where(HistoryRow.entity == "year").order_by(HistoryRow.id)
                )
            }
            for row in s.scalars(select(SealedYearRow)):
                recorded = entries.pop(row.year, None)
                if recorded is None or json.loads(recorded).get("manifest_sha256") != row.manifest_sha256:
                    result.problems.append(
                        tr("{year} 年的封存记录与历史记录不符（在程序外被改动）").format(year=row.year)
                    )
            for year in entries:
                result.problems.append(
                    tr("{year} 年的封存记录已在程序外被删除（年度被重新打开）").format(year=year)
                )


ENTRY_FIELDS = (
    "id",
    "at",
    "username",
    "action",
    "entity",
    "entity_id",
    "ref",
    "before",
    "after",
    "comment",
    "prev_hash",
    "hash",
    "algo",
)


def entry_json(row: HistoryRow) -> dict[str, object]:
    """A history entry as plain JSON (``at`` in ISO form): enough to recompute its hash."""
    out = {name: getattr(row, name) for name in ENTRY_FIELDS}
    out["at"] = row.at.replace(microsecond=0).isoformat()
    out["algo"] = row.algo or ""
    return out


def entry_hash_ok(entry: dict[str, object]) -> bool:
    """Whether an exported entry still hashes to its recorded hash (see history._entry_hash)."""
    try:
        row = dict(entry) | {"at": datetime.fromisoformat(str(entry["at"]))}
        return history_hash(row) == entry["hash"]
    except (KeyError, ValueError, TypeError, AttributeError):
        return False
