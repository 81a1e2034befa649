"""SQLAlchemy 2 tables. Money in integer fen; only the service writes them."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    any_,
    bindparam,
    insert,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class SettingRow(Base):
    """Bureau details and other single values (key → text)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(64), default="")  # comma separated Role values
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoginFailureRow(Base):
    """Wrong logins in a row per normalised user name, whether or not such a user exists."""

    __tablename__ = "login_failures"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime)


class PolicyRow(Base):
    __tablename__ = "policies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    params: Mapped[str] = mapped_column(Text)  # canonical JSON of Policy.to_dict()
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class TargetRow(Base):
    __tablename__ = "targets"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    reduction: Mapped[str] = mapped_column(String(16))  # decimal fraction, e.g. "0.20"


class ReceptionRow(Base):
    __tablename__ = "receptions"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_receptions_year_seq"),
        # every order of the ledger view ends on the id: an index per sorted column, ending
        # on the id, makes a page in any order an index walk (migration 0004)
        Index("ix_receptions_date_id", "reception_date", "id"),
        Index("ix_receptions_total_id", "total_fen", "id"),
        Index("ix_receptions_meal_id", "meal_fen", "id"),  # migration 0008
        Index("ix_receptions_unit_id", "visiting_unit", "id"),
        Index("ix_receptions_activity_id", "activity", "id"),
        Index("ix_receptions_guests_id", "guest_count", "id"),
        Index("ix_receptions_violations_id", "violation_count", "id"),
        Index("ix_receptions_status_date_id", "status", "reception_date", "id"),
        # covering the year-on-year figures' days (ledger/targets.py) and the dashboard's
        # visiting units: their grouped queries read only these columns
        Index(
            "ix_receptions_status_date_units",
            "status",
            "reception_date",
            "classified",
            "visiting_unit",
            "total_fen",
            "guest_count",
            "canteen_meals",
            "meal_count",
            "violation_count",
            "over_standard_fen",
        ),
        # the supervision warnings (ledger/risks.py) read a year through this index alone
        Index(
            "ix_receptions_supervision",
            "reception_date",
            "status",
            "classified",
            "payment_method",
            "created_at",
            "approved_at",
            "posted_on",
            "end_date",
            "version",
            "visiting_unit",
            "letter_no",
            "ref",
        ),
        # foreign receptions apart in the yearly disclosure (ledger/disclosure.py): few rows
        Index("ix_receptions_origin", "guest_origin", "status", "reception_date", "total_fen", "guest_count"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    reception_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    visiting_unit: Mapped[str] = mapped_column(String(200), default="")
    activity: Mapped[str] = mapped_column(String(500), default="")
    activity_kind: Mapped[str] = mapped_column(String(32), default="其他")
    letter_no: Mapped[str] = mapped_column(String(100), default="")
    letter_title: Mapped[str] = mapped_column(String(300), default="")
    phone_record: Mapped[str] = mapped_column(Text, default="")
    guest_count: Mapped[int] = mapped_column(Integer, default=0)
    companion_count: Mapped[int] = mapped_column(Integer, default=0)
    accommodation_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    transport_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    other_cost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    gift_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    gift_description: Mapped[str] = mapped_column(Text, default="")
    payment_method: Mapped[str] = mapped_column(String(16), default="公务卡")
    guest_origin: Mapped[str] = mapped_column(String(8), default="", server_default="")
    lodging_persons: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lodging_nights: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    classified: Mapped[bool] = mapped_column(Boolean, default=False)
    classified_reason: Mapped[str] = mapped_column(Text, default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    clerk_name: Mapped[str] = mapped_column(String(64), default="")

    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_by: Mapped[str] = mapped_column(String(64), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    approved_by: Mapped[str] = mapped_column(String(64), default="")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    posted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # issue 10: the approved plan it was started from, the letter in the register (found from
    # letter_no by the service), the void and the reimbursement (schema 0007)
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    letter_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    voided_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reimbursement_no: Mapped[str] = mapped_column(String(64), default="", server_default="")
    reimbursed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reimbursed_by: Mapped[str] = mapped_column(String(64), default="", server_default="")

    # derived on every save by the service, so lists, filters and totals are one query
    meal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    tobacco_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    over_standard_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    violation_count: Mapped[int] = mapped_column(Integer, default=0)
    canteen_meals: Mapped[int] = mapped_column(Integer, default=0)
    meal_count: Mapped[int] = mapped_column(Integer, default=0)
    search_text: Mapped[str] = mapped_column(Text, default="")  # unit, activity, letter, ref

    people: Mapped[list[PersonRow]] = relationship(
        back_populates="reception", cascade="all, delete-orphan", order_by="PersonRow.position"
    )
    meals: Mapped[list[MealRow]] = relationship(
        back_populates="reception", cascade="all, delete-orphan", order_by="MealRow.position"
    )
    explanations: Mapped[list[ExplanationRow]] = relationship(
        back_populates="reception", cascade="all, delete-orphan"
    )
    violations: Mapped[list[ViolationRow]] = relationship(
        back_populates="reception", cascade="all, delete-orphan", order_by="ViolationRow.position"
    )
    attachments: Mapped[list[AttachmentRow]] = relationship(
        back_populates="reception", cascade="all, delete-orphan", order_by="AttachmentRow.id"
    )


class PersonRow(Base):
    __tablename__ = "reception_people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # guest | companion | staff
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(64), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    reception: Mapped[ReceptionRow] = relationship(back_populates="people")


class MealRow(Base):
    __tablename__ = "reception_meals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    meal_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default="lunch")
    venue: Mapped[str] = mapped_column(String(200), default="")
    venue_type: Mapped[str] = mapped_column(String(32), default="")
    diners: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    tobacco_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    invoice_no: Mapped[str] = mapped_column(String(100), default="")
    reception: Mapped[ReceptionRow] = relationship(back_populates="meals")


class ExplanationRow(Base):
    __tablename__ = "reception_explanations"
    reception_id: Mapped[int] = mapped_column(
        ForeignKey("receptions.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    reception: Mapped[ReceptionRow] = relationship(back_populates="explanations")


class ViolationRow(Base):
    """The breaches found at the last save, kept for lists, the workbook and the dashboard."""

    __tablename__ = "reception_violations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    limit_text: Mapped[str] = mapped_column(String(64), default="")
    actual_text: Mapped[str] = mapped_column(String(64), default="")
    excess_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reception: Mapped[ReceptionRow] = relationship(back_populates="violations")


class AttachmentRow(Base):
    __tablename__ = "reception_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="other")
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime] = mapped_column(DateTime)
    reception: Mapped[ReceptionRow] = relationship(back_populates="attachments")


class HistoryRow(Base):
    """Append-only, hash-chained record of every change."""

    __tablename__ = "history"
    # a record's entries (its history dialog; verify reads each reception's last entry)
    __table_args__ = (Index("ix_history_entity_entity_id", "entity", "entity_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    ref: Mapped[str] = mapped_column(String(32), default="")
    before: Mapped[str] = mapped_column(Text, default="")  # canonical JSON or ""
    after: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    algo: Mapped[str] = mapped_column(String(8), default="", server_default="")  # "" sha256, "sm3"


# ---------------------------------------------------------------------------- before the meal (issue 10)
class LetterRow(Base):
    """The letter register (公函登记): every letter once, found by its normalised number."""

    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_no: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100), unique=True)  # ledger.text.text_key of the number
    sending_unit: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    letter_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    scan_filename: Mapped[str] = mapped_column(String(255), default="")
    scan_sha256: Mapped[str] = mapped_column(String(64), default="")
    scan_size: Mapped[int] = mapped_column(Integer, default=0)
    scan: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)  # read when asked
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PlanRow(Base):
    """A pre-approval (接待审批): what is planned before the reception, approved by the leader."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_plans_year_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    letter_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    letter_no: Mapped[str] = mapped_column(String(100), default="")
    phone_record: Mapped[str] = mapped_column(Text, default="")
    visiting_unit: Mapped[str] = mapped_column(String(200), default="")
    activity: Mapped[str] = mapped_column(String(500), default="")
    activity_kind: Mapped[str] = mapped_column(String(32), default="其他")
    guest_origin: Mapped[str] = mapped_column(String(8), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    guest_count: Mapped[int] = mapped_column(Integer, default=0)
    companion_count: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [[role, name, unit, title], ...]
    meals: Mapped[str] = mapped_column(Text, default="[]")  # JSON: planned meals (ledger.plans)
    lodging_persons: Mapped[int] = mapped_column(Integer, default=0)
    lodging_nights: Mapped[int] = mapped_column(Integer, default=0)
    budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    remarks: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_by: Mapped[str] = mapped_column(String(64), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    approved_by: Mapped[str] = mapped_column(String(64), default="")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    void_reason: Mapped[str] = mapped_column(Text, default="")


# ---------------------------------------------------------------------------- trust (issue 12)
class UserKeyRow(Base):
    """A user's signing key: the public half in clear, the private half sealed with a key
    derived from the password (argon2id). A key is also recorded in the history (entity
    ``key``), which is what a signature is checked against."""

    __tablename__ = "user_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    algo: Mapped[str] = mapped_column(String(16))  # ed25519 or sm2
    public_key: Mapped[str] = mapped_column(Text)  # hex
    sealed_private: Mapped[str] = mapped_column(Text)  # JSON: kdf parameters, salt, nonce, ciphertext
    reason: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SignatureRow(Base):
    """The signature of one history entry (a submission, approval, return or reopening)."""

    __tablename__ = "signatures"
    history_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int] = mapped_column(Integer)
    algo: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(Text)  # hex


class FingerprintRow(Base):
    """The register of fingerprints (history heads) printed on paper."""

    __tablename__ = "printed_fingerprints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(19), index=True)
    head_id: Mapped[int] = mapped_column(Integer)
    printed_at: Mapped[datetime] = mapped_column(DateTime)
    document: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64), default="")
    username: Mapped[str] = mapped_column(String(64), default="")


class SealedYearRow(Base):
    """A year written to a sealed archive: closed for reopening except by an administrator."""

    __tablename__ = "sealed_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sealed_at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    manifest_sha256: Mapped[str] = mapped_column(String(64))


class BackupMarkRow(Base):
    """When and where a backup of this ledger was last made (for the weekly reminder)."""

    __tablename__ = "backup_marks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(16))  # manual, auto
    place: Mapped[str] = mapped_column(Text, default="")


# Kept by the database itself (migration 0004), outside the models: triggers on ``receptions``
# maintain them in every write's transaction, so a backup or a restore copies only the models'
# tables and the triggers rebuild these. Read-only for the program.
derived_metadata = MetaData()
reception_totals = Table(
    "reception_totals",
    derived_metadata,
    Column("year", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("breach", Boolean, primary_key=True),
    Column("receptions", BigInteger, nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    Column("guests", BigInteger, nullable=False),
    Column("canteen_meals", BigInteger, nullable=False),
    Column("meal_count", BigInteger, nullable=False),
    Column("over_standard_fen", BigInteger, nullable=False),
)
# what migrations 0004 and 0008 create beyond the models: the monthly totals, SQLite's FTS5 trigram table
# (with its shadow tables) and the expression and trigram indexes (``alembic check`` leaves them)
DATABASE_KEPT = (
    "reception_totals",
    "receptions_search",
    "ix_receptions_per_person",
    "ix_receptions_meal_per_person",  # migration 0008
    "ix_receptions_search_trgm",
)


def is_database_kept(name: str | None) -> bool:
    return bool(name) and any(name == kept or name.startswith(kept + "_") for kept in DATABASE_KEPT)


def one_of(column: Any, values: Any, dialect: str) -> Any:
    """``column IN values``; on PostgreSQL, for a list, ``column = ANY(array)``: one parameter
    instead of one per value (a chunk of 2,000 ids costs psycopg and SQLAlchemy more to write out
    and parse than the server takes to run it)."""
    if dialect == "postgresql" and isinstance(values, list | tuple):
        # (imported here: SQLAlchemy's PostgreSQL dialect costs a command's start 0.3 s on SQLite)
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def insert_many(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``, the values converted by the
    columns' own types and the columns left out given their (scalar) defaults: what
    ``connection.execute(insert(table), rows)`` does, without SQLAlchemy building each row's
    parameters again (more than the insert itself costs in an import). SQLite takes one
    executemany; PostgreSQL one COPY, which streams the rows instead of a statement each."""
    if not rows:
        return
    keys = tuple(rows[0])
    dialect = connection.dialect
    statement, names, convert, defaults = _insert_statement(table, dialect, keys)
    picked = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    rest = tuple(defaults[k] for k in names[len(keys) :])  # names: the keys, then the defaults
    # a date's or time's text made once per value (an import's rows share their times and dates)
    made: list[dict[Any, Any]] = [{} for _ in convert]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        if len(row) != len(keys):
            raise ValueError(f"insert_many: the rows for {table.name} have different columns")
        if not convert:
            values.append(picked(row) + rest)
            continue
        one = [*picked(row), *rest]
        for (i, f), known in zip(convert, made, strict=True):
            value = one[i]
            if type(value) is date or (type(value) is datetime and value.tzinfo is None):
                text = known.get(value)
                if text is None:
                    text = known[value] = f(value)
                one[i] = text
            else:
                one[i] = f(value)
        values.append(tuple(one))
    if dialect.name == "postgresql":
        quote = dialect.identifier_preparer.quote
        columns = ", ".join(quote(table.c[k].name) for k in names)
        psycopg_connection: Any = connection.connection.dbapi_connection  # in this transaction
        with psycopg_connection.cursor() as cursor:
            with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
                for one in values:
                    copy.write_row(one)
            stored = cursor.rowcount
    elif dialect.positional:
        stored = connection.exec_driver_sql(statement, values).rowcount
    else:
        stored = connection.exec_driver_sql(statement, [dict(zip(names, one, strict=True)) for one in values]).rowcount
    if 0 <= stored < len(values):
        raise RowsSkipped(table.name)


class RowsSkipped(Exception):
    """``insert_many`` stored fewer rows than it was given: a trigger added to the database by
    hand skipped them (``ledger.db`` says so in one line and the write is rolled back)."""

    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


@functools.lru_cache(maxsize=64)
def _insert_statement(
    table: Table, dialect: Dialect, keys: tuple[str, ...]
) -> tuple[str, list[str], list[tuple[int, Callable[[Any], Any]]], dict[str, Any]]:
    """insert_many's statement for these columns, compiled once (an import inserts a batch
    into each table many times): its text, the parameters' order, their converters and the
    scalar defaults of the columns left out."""
    left_out = [c for c in table.c if c.key not in keys and c.default is not None]
    if any(not c.default.is_scalar for c in left_out):  # type: ignore[union-attr]
        raise ValueError(f"insert_many: give {table.name}'s computed defaults in the rows")
    defaults = {c.key: c.default.arg for c in left_out}  # type: ignore[union-attr]
    names = [*keys, *defaults]
    if dialect.positional and dialect.paramstyle != "qmark":  # (SQLite's is qmark; psycopg's named)
        raise ValueError(f"insert_many: {dialect.paramstyle} parameters are not written out here")
    if dialect.paramstyle == "qmark":  # SQLite: the columns in the rows' order (see insert_many)
        quote = dialect.identifier_preparer.quote
        listed = ", ".join(quote(table.c[k].name) for k in names)
        statement = f"INSERT INTO {quote(table.name)} ({listed}) VALUES ({', '.join('?' * len(names))})"
    else:
        statement = str(insert(table).compile(dialect=dialect, column_keys=names))
    # the dialect's own type: SQLite's DATETIME writes "2025-06-01 09:30:00.000000" as every
    # other write of the ledger does (the generic type would leave it to sqlite3's adapter)
    processors = [(i, table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) for i, k in enumerate(names)]
    convert = [(i, f) for i, f in processors if f is not None]
    return statement, names, convert, defaults


# SQLite keeps the monthly totals and the search index by insert triggers (migration 0004), a
# row at a time: in a bulk insert they are two thirds of its cost. One statement each over the
# new rows does the same work in a tenth of the time (SQLite's FTS5 takes a whole batch at once);
# tests/ledger/test_import_bulk.py holds them to what the triggers do
_ROW_TRIGGERS = ("reception_totals_insert", "receptions_search_insert")
_SEARCH_OF_NEW = "INSERT INTO receptions_search (rowid, search_text) SELECT id, search_text FROM receptions WHERE id > ?"
_TOTALS_OF_NEW = """
INSERT INTO reception_totals (year, month, status, breach, receptions, total_fen,
                              guests, canteen_meals, meal_count, over_standard_fen)
SELECT CAST(substr(reception_date, 1, 4) AS INTEGER), CAST(substr(reception_date, 6, 2) AS INTEGER),
       status, violation_count > 0, count(*), sum(total_fen),
       sum(guest_count), sum(canteen_meals), sum(meal_count), sum(over_standard_fen)
FROM receptions WHERE id > ? GROUP BY 1, 2, 3, 4
ON CONFLICT (year, month, status, breach) DO UPDATE
SET receptions = receptions + excluded.receptions, total_fen = total_fen + excluded.total_fen,
    guests = guests + excluded.guests, canteen_meals = canteen_meals + excluded.canteen_meals,
    meal_count = meal_count + excluded.meal_count,
    over_standard_fen = over_standard_fen + excluded.over_standard_fen
"""


# An import as large as a quarter of the receptions after it (a bureau's old ledgers brought
# into a new one) costs less by building the receptions' indexes again once, in order, than
# by entering each row into each of them: 100,000 rows into 100,000 took 14.5 s with the
# indexes and 6.2 s set aside and built again. Kept: the date's, by which an import still
# looks up receptions (ledger.importing._still_stored), and the unique ones (never set aside).
REBUILT_SHARE = 4
_KEPT_INDEXES = ("ix_receptions_date_id",)
_UNIQUE = re.compile(r"\s*CREATE\s+UNIQUE\b", re.IGNORECASE)


def set_aside_indexes(connection: Connection, adding: int) -> list[str]:
    """On SQLite, when ``adding`` receptions are at least a quarter of the table after them:
    drop the receptions' other indexes, in the caller's transaction, and give the statements
    that build them again (``build_indexes``); else (and on PostgreSQL, where dropping an index
    would stop every reader of the table until the commit) nothing. Readers of other
    connections keep seeing the indexes: nothing is theirs before the commit."""
    if connection.dialect.name != "sqlite" or adding <= 0:
        return []
    before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM receptions").scalar_one()
    if (before + adding) > REBUILT_SHARE * adding:
        return []
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'receptions' AND sql IS NOT NULL"
    ).all()
    statements = []
    for name, sql in found:
        # a unique index (one added by hand) is kept: a row that breaks it is refused as it is
        # stored, not after every row; a name may hold any character (a quote too)
        if name not in _KEPT_INDEXES and not _UNIQUE.match(sql):
            connection.exec_driver_sql('DROP INDEX "{}"'.format(name.replace('"', '""')))
            statements.append(sql)
    return statements


def build_indexes(connection: Connection, statements: list[str]) -> None:
    """The indexes ``set_aside_indexes`` dropped, built again over the whole table."""
    for sql in statements:
        connection.exec_driver_sql(sql)


def insert_receptions(connection: Connection, rows: list[dict[str, Any]], after: int) -> None:
    """``insert_many`` into receptions, whose new ids are all above ``after`` (the largest id
    before; the caller holds the write lock). On SQLite the two insert triggers are set aside
    for the insert and their work done over the new rows at once, then put back - all in the
    caller's transaction, so a failure or a kill leaves them as they were, and no other
    connection ever sees the ledger without them."""
    table = ReceptionRow.__table__
    triggers: dict[str, str] = {}
    if connection.dialect.name == "sqlite":
        found = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)", _ROW_TRIGGERS
        )
        triggers = {name: sql for name, sql in found}
    if len(triggers) != len(_ROW_TRIGGERS):
        insert_many(connection, table, rows)
        return
    for name in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    insert_many(connection, table, rows)
    connection.exec_driver_sql(_SEARCH_OF_NEW, (after,))
    connection.exec_driver_sql(_TOTALS_OF_NEW, (after,))
    for sql in triggers.values():
        connection.exec_driver_sql(sql)
