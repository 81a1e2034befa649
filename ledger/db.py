"""Engine and sessions for any SQLAlchemy URL; migrations run when a ledger is opened."""

from __future__ import annotations

import errno
import itertools
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from sqlalchemy import URL, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ledger import changes
from ledger.i18n import tr
from ledger.models import RowsSkipped

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_WRITE_LOCK = 7_202_501  # advisory lock key: one writer at a time appends to the history
WAIT_SECONDS = 30  # how long a writer waits for another writer (e.g. an import) before giving up
T = TypeVar("T")
AT_ONCE_MS = 100  # how long a write asked for at once (Database.at_once) waits for the lock


class DatabaseError(RuntimeError):
    """The ledger database cannot be opened or written; the message is for the user."""


class MissingLedger(DatabaseError):
    """A SQLite ledger file that is not there (and may not be created). The message sends the
    user to where a desk names its ledger (--db, LEDGER_DB); a reader given the path otherwise (a
    rollup's list) says it its own way from ``path``."""

    def __init__(self, path: str) -> None:
        super().__init__(tr("找不到账本文件：{path}（请检查 --db 或 LEDGER_DB）").format(path=path))
        self.path = path


class LedgerBusy(DatabaseError):
    """Another process held the write lock longer than a writer waits; nothing was written.
    ``at_once``: the write asked for the lock without waiting (``Database.at_once``) and the
    write had not begun: it may simply be tried again once the lock is free."""

    at_once = False


class StoppedWaiting(LedgerBusy):
    """The user stopped waiting for another desk's write (``when_free``); nothing was written."""


def when_free(
    call: Callable[[], T],
    wait: Callable[[], bool],
    at_once: Callable[[], AbstractContextManager[None]],
) -> T:
    """``call`` (which writes) once no other desk holds the write lock. ``wait`` waits for it
    in the caller's own way (the window's dialog, an import's progress) and says False when
    the user stops waiting (``StoppedWaiting``, nothing written). The first write is then asked
    for at once: one that finds a third desk took the lock in between waits again instead of
    freezing for the lock's time-out (``Database.at_once``)."""
    for attempt in itertools.count():
        if not wait():
            raise StoppedWaiting(tr("未写入：已不再等待另一处写入"))
        try:
            # (a probe that cannot tell must not make this a loop: the tenth try waits as usual)
            with at_once() if attempt < 10 else nullcontext():
                return call()
        except LedgerBusy as exc:
            if not exc.at_once:
                raise
    raise AssertionError("unreachable")


def waiting_up_to(db: Database, seconds: float | None = None) -> Callable[[], bool]:
    """A ``wait`` for ``when_free`` where no dialog can be shown (the command line): polls for
    another desk's write to end, and after ``seconds`` refuses as a write waiting in vain does
    (``LedgerBusy``, with what that desk says it does); by default after ``WAIT_SECONDS``."""

    def wait() -> bool:
        deadline = time.monotonic() + (WAIT_SECONDS if seconds is None else seconds)

        def meanwhile() -> None:
            if time.monotonic() > deadline:
                doing = db.describe_writer() if db.describe_writer is not None else ""
                raise LedgerBusy(busy_message() + (tr("（{doing}）").format(doing=doing) if doing else ""))

        return polled(db.writer_busy, meanwhile)

    return wait


POLL_SECONDS = 0.2  # between two looks at another desk's write lock while a write waits


def polled(busy: Callable[[], bool], meanwhile: Callable[[], bool | None]) -> bool:
    """Wait while ``busy()`` says another desk holds the write lock, calling ``meanwhile`` at
    each look (to tell the user, or to give up by raising); False as soon as it says False."""
    while busy():
        if meanwhile() is False:
            return False
        time.sleep(POLL_SECONDS)
    return True


class DiskFull(DatabaseError):
    """The disk filled up during a write; the transaction was rolled back."""


class ReadOnlyLedger(DatabaseError):
    """The ledger file or its folder is not writable by this process."""


class ConstraintRefused(DatabaseError):
    """A constraint or trigger of the database refused the write (one added to the ledger by
    hand, outside the program: the program's own writes keep its own constraints); the
    transaction was rolled back."""


def skipped_by_trigger(table: str) -> ConstraintRefused:
    """A write the database said it did not do, without an error: a trigger added by hand that
    skips the row (SQLite's RAISE(IGNORE), a PostgreSQL BEFORE trigger returning NULL). Raised
    inside the write, so the whole transaction is rolled back."""
    detail = tr("表 {table} 上的触发器略过了要写入的行").format(table=table)
    return ConstraintRefused(tr("数据库的约束拒绝了这次写入，未写入任何数据：{detail}").format(detail=detail))


_STALE_TABLE = re.compile(r"on table '([^']+)'")


def busy_message() -> str:
    return tr("账本正由另一处写入（如导入），请稍后再试")


def _explain(exc: BaseException) -> DatabaseError | None:
    """The one-line error for a failed write (or read) the user can act on, else None: raised
    through SQLAlchemy, or by the driver itself (PostgreSQL's COPY of an import)."""
    if isinstance(exc, RowsSkipped):
        return skipped_by_trigger(exc.table)
    if isinstance(exc, StaleDataError):
        # an UPDATE or DELETE under the write lock that matched none of the rows it had just
        # read: a trigger added by hand skipped it (nothing else changes them meanwhile)
        table = _STALE_TABLE.search(str(exc))
        return skipped_by_trigger(table.group(1) if table else "?")
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return DiskFull(tr("磁盘已满，未写入任何数据：请腾出磁盘空间后再试"))
        return None
    if isinstance(exc, DBAPIError):
        orig, operational = exc.orig, isinstance(exc, OperationalError)
    elif isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg"):
        orig = exc
        operational = any(c.__name__ == "OperationalError" for c in type(exc).__mro__)
    else:
        return None
    sqlstate = getattr(orig, "sqlstate", None) or ""
    # class 23: integrity constraints; P0001: a trigger's RAISE EXCEPTION (SQLite's RAISE(ABORT)
    # is an IntegrityError)
    if isinstance(orig, sqlite3.IntegrityError) or sqlstate.startswith("23") or sqlstate == "P0001":
        # PostgreSQL's own words without the row's data (its CONTEXT quotes the COPY line, a
        # CHECK's DETAIL the whole row, a password's hash too); a key's DETAIL names the value
        diag = getattr(orig, "diag", None)
        said = getattr(diag, "message_primary", None)
        shown = getattr(diag, "message_detail", None) or ""
        if said and not shown.startswith("Failing row contains"):
            said += " " + shown
        detail = " ".join((said or str(orig)).split())[:300]
        return ConstraintRefused(tr("数据库的约束拒绝了这次写入，未写入任何数据：{detail}").format(detail=detail))
    if not operational:
        return None
    message = str(orig).lower()
    if sqlstate in ("55P03", "40P01") or "database is locked" in message or "database is busy" in message:
        return LedgerBusy(busy_message())
    if sqlstate == "53100" or "disk is full" in message or "no space left" in message:
        return DiskFull(tr("磁盘已满，未写入任何数据：请腾出磁盘空间后再试"))
    if "readonly" in message or "read-only" in message:
        return ReadOnlyLedger(tr("账本文件或其文件夹是只读的，不能写入：只能查看和导出"))
    return None


def _refuse_skipped_insert(connection, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
    """An INSERT of the program's (the ORM's, a Core insert) that the database says stored fewer
    rows than it was given: a trigger added by hand skipped them (``skipped_by_trigger``).
    The program's own INSERT ... SELECT and COPY are not compiled inserts (insert_many counts
    its own rows); a batch of several rows in one statement (insertmanyvalues) is not told, nor
    on SQLite an INSERT ... RETURNING, whose count is known once its rows are fetched."""
    if context is None or not context.isinsert or cursor.rowcount < 0:
        return
    if cursor.description is not None and connection.dialect.name == "sqlite":
        return
    if str(getattr(context, "execute_style", "")).endswith("INSERTMANYVALUES"):
        return  # (its parameters are the batch's, of every row at once)
    given = len(parameters) if executemany else 1
    if cursor.rowcount < given:
        raise skipped_by_trigger(context.compiled.statement.table.name)


def sqlite_access(path: Path) -> str:
    """How this process can open the SQLite ledger at ``path``.

    ``"rw"``: normally. ``"ro"``: the file (or its folder) is not writable but SQLite can
    still share the WAL index (-shm, -wal) with writers. ``"immutable"``: the folder is
    read-only and holds no -wal/-shm, so SQLite cannot create them: read the file as it is.
    """
    folder = path.parent
    if not path.exists() or (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        return "rw"
    if os.access(folder, os.W_OK):
        return "ro"
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if wal.exists() and shm.exists() and os.access(shm, os.R_OK):
        return "ro"
    return "immutable"


def _reading_only(path: Path) -> str:
    """How a reader that must leave nothing behind (a rollup) opens a writable SQLite ledger.

    While a desk has the ledger open its -wal and -shm exist: share them (``mode=ro``) to see
    its latest commits. Otherwise nobody has it open, and ``mode=ro`` would create -wal/-shm
    that a read-only connection cannot remove: read the file as it is (``immutable``).
    """
    if Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists():
        return "ro"
    return "immutable"


def default_url() -> str:
    env = os.environ.get("LEDGER_DB", "").strip()
    if env:
        return env
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("ReceptionLedger", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'ledger.sqlite3'}"


def _normalise(url: str) -> str:
    """Accept a bare file path as a SQLite ledger; prefer psycopg 3 for PostgreSQL."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """One ledger database: a read engine and a write engine over the same URL.

    Writes are serialised: SQLite takes its write lock at BEGIN (``BEGIN IMMEDIATE``),
    PostgreSQL takes an advisory transaction lock, so the hash chain of the history
    never forks when two machines save at the same moment.
    """

    def __init__(
        self, url: str | None = None, *, migrate: bool = True, create: bool = True, read_only: bool = False
    ) -> None:
        """``read_only``: open for reading only, whatever this process may do (a county's
        rollup of its bureaus' ledgers): SQLite in ``mode=ro``, PostgreSQL sessions in
        read-only transactions; a ledger that needs a migration is refused, not upgraded."""
        self.url = _normalise(url or default_url())
        self.origin = os.urandom(8).hex()  # this object's writes, as other desks hear of them
        self.own_writes = changes.OwnWrites()
        self.describe_writer: Callable[[], str] | None = None  # see _busy_said (never raises)
        self._writing = 0  # this object's writes under way (writer_busy)
        self._local = threading.local()  # this thread's next write asks at once (at_once)
        self.sqlite_file: Path | None = None
        self.read_only_requested = read_only
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise DatabaseError(tr("数据库地址无效：{url}").format(url=url)) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            database = parsed.database or ""
            self.access = "rw"
            if database and database != ":memory:" and not parsed.query.get("uri"):
                if not create and not Path(database).is_file():
                    raise MissingLedger(database)
                Path(database).parent.mkdir(parents=True, exist_ok=True)
                self.access = sqlite_access(Path(database).resolve())
                if read_only and self.access == "rw":
                    self.access = _reading_only(Path(database).resolve())
                self.sqlite_file = Path(database).resolve()
            if self.access == "rw":
                self.engine = self._sqlite_engine(self.url, immediate=False)
                self.write_engine = self._sqlite_engine(self.url, immediate=True)
            else:
                uri = URL.create(
                    "sqlite",
                    database="file:" + quote(str(Path(database).resolve())),
                    query={"uri": "true", "mode": "ro"}
                    if self.access == "ro"
                    else {"uri": "true", "immutable": "1"},
                )
                self.engine = self.write_engine = self._sqlite_engine(uri, immediate=False)
        else:
            options = (
                {"connect_args": {"options": "-c default_transaction_read_only=on"}} if read_only else {}
            )
            try:
                self.engine = create_engine(self.url, pool_pre_ping=True, **options)
            except Exception as exc:  # missing driver, bad options
                raise DatabaseError(tr("无法打开数据库：{error}").format(error=exc)) from None
            self.write_engine = self.engine
            self.access = "ro" if read_only else "rw"
        for engine in {self.engine, self.write_engine}:
            event.listen(engine, "after_cursor_execute", _refuse_skipped_insert)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def read_only(self) -> bool:
        return self.access != "rw"

    def _sqlite_engine(self, url: str | URL, *, immediate: bool) -> Engine:
        engine = create_engine(url, connect_args={"timeout": WAIT_SECONDS})
        writable = self.access == "rw"

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if writable:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
            if immediate and self._local.__dict__.get("at_once"):  # see at_once
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {AT_ONCE_MS}")
                try:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                finally:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {WAIT_SECONDS * 1000}")
                return
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    # -- sessions -------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        with _one_line_errors(), self._read() as session, session.begin():
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read transaction that sees one moment across all its queries (backups, reports).

        SQLite's read transactions already do; PostgreSQL's default (READ COMMITTED) would
        let another machine's commit land between two tables.
        """
        if self.dialect != "postgresql":
            with self.read() as session:
                yield session
            return
        with _one_line_errors(), self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with Session(bind=connection) as session, session.begin():
                session.execute(text("SET TRANSACTION READ ONLY"))
                yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        Every write of the ledger starts here, so a writer that waited in vain for another
        (``LedgerBusy``), a full disk (``DiskFull``) or a read-only ledger (``ReadOnlyLedger``)
        is one line for the user, never a traceback.
        """
        if self.read_only:
            raise ReadOnlyLedger(tr("账本文件或其文件夹是只读的，不能写入：只能查看和导出"))
        # (read by SQLite's BEGIN too; cleared once the lock is had: the first write of at_once only)
        at_once = self._local.__dict__.get("at_once", False)
        begun = False
        try:
            with self._busy_said(), _one_line_errors(), self._counted():
                with self._write() as session, session.begin():
                    if self.dialect == "postgresql":
                        wait = f"{AT_ONCE_MS}ms" if at_once else f"{WAIT_SECONDS}s"
                        session.execute(text(f"SET LOCAL lock_timeout = '{wait}'"))
                        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
                        if at_once:
                            session.execute(text(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'"))
                    before = changes.head(session)  # (SQLite takes the lock here)
                    self._local.at_once = False
                    begun = True
                    yield session
                    session.flush()
                    after = changes.head(session)
                    if after > before and self.dialect == "postgresql":
                        # delivered to the listening desks when (and only if) this transaction commits
                        session.execute(
                            text("SELECT pg_notify(:c, :p)"),
                            {"c": changes.CHANNEL, "p": changes.notify_payload(self.origin)},
                        )
                # committed: these entries are this desk's own, already announced in its window
                self.own_writes.add(before, after)
        except LedgerBusy as exc:
            exc.at_once = at_once and not begun
            raise
        finally:
            self._local.at_once = False

    @contextmanager
    def at_once(self) -> Iterator[None]:
        """The first write inside asks for the lock without waiting (a tenth of a second): one
        that finds it taken raises ``LedgerBusy`` with ``at_once``, nothing begun. For a caller
        that has just seen the lock free (``writer_busy``) and would rather wait again in its own
        way than freeze for ``WAIT_SECONDS`` when a third desk took it in between."""
        self._local.at_once = True
        try:
            yield
        finally:
            self._local.at_once = False

    @contextmanager
    def _counted(self) -> Iterator[None]:
        self._writing += 1
        try:
            yield
        finally:
            self._writing -= 1

    @contextmanager
    def _busy_said(self) -> Iterator[None]:
        """A write that waited in vain says what the other desk is doing, when it says so
        (``describe_writer``: LedgerService.writing_now, an import's progress)."""
        try:
            yield
        except LedgerBusy as exc:
            doing = self.describe_writer() if self.describe_writer is not None else ""
            if not doing:
                raise
            raise LedgerBusy(tr("{refusal}（{doing}）").format(refusal=exc, doing=doing)) from None

    def writer_busy(self) -> bool:
        """Whether another desk holds the write lock now (an import storing its rows, a
        restore): asked without waiting, so the window can wait with the user instead of
        freezing for ``WAIT_SECONDS``. The lock is taken and given back at once when free.
        False while this object itself writes (its own import: waiting for it would never end)
        and when the ledger cannot be asked (the write itself then says why)."""
        if self.read_only or self._writing:
            return False
        try:
            if self.dialect == "postgresql":
                with self.engine.connect() as connection:
                    got = connection.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
                    free = bool(got.scalar())
                    connection.rollback()
                return not free
            return self._sqlite_writer_busy()
        except (SQLDatabaseError, sqlite3.Error, OSError):
            return False

    def _sqlite_writer_busy(self) -> bool:
        raw = self.write_engine.raw_connection()  # no BEGIN IMMEDIATE of the engine's own
        try:
            cursor = raw.cursor()
            waits = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            cursor.execute("PRAGMA busy_timeout = 0")
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                    return True
                raise
            finally:
                with suppress(sqlite3.Error):
                    cursor.execute(f"PRAGMA busy_timeout = {int(waits)}")
            cursor.execute("ROLLBACK")
            return False
        finally:
            raw.close()

    def change_watch(self) -> changes.Listener | changes.DataVersion | None:
        """What tells this desk that another one wrote (see ledger.changes); None when nothing can."""
        if self.dialect == "postgresql":
            return changes.Listener(self.url, self.origin)
        if self.sqlite_file is not None and self.sqlite_file.is_file():
            return changes.DataVersion(self.sqlite_file)
        return None

    # -- migrations -----------------------------------------------------------------------
    def migrate(self) -> None:
        if self._is_current():
            return  # the usual opening: no need to load alembic (a third of a second)
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        script = ScriptDirectory.from_config(cfg)
        try:
            # a plain read: opening a current ledger never waits for (or blocks) a writer
            with self.engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
                if current == script.get_current_head():
                    return
                known = {rev.revision for rev in script.walk_revisions()}
                if current is not None and current not in known:
                    raise DatabaseError(
                        tr(
                            "此账本的数据库版本 {rev} 本程序不认识（可能由更新版本的程序创建）：请升级本程序，或确认这是台账文件"
                        ).format(rev=current)
                    )
                if current is None and inspect(connection).get_table_names():
                    tables = set(inspect(connection).get_table_names())
                    if "receptions" not in tables:
                        raise DatabaseError(tr("这不是接待台账数据库：{url}").format(url=self.url))
                if current is None and self.read_only:
                    raise DatabaseError(tr("这不是接待台账数据库（或是空库）：{url}").format(url=self.url))
                connection.rollback()
            if self.read_only and self.read_only_requested:
                raise DatabaseError(
                    tr("此账本是上一版本的，需要升级后才能读取（不是只读的问题）：请用本程序以有写权限的账户打开它一次（如 verify），升级后再试")
                )
            if self.read_only:
                raise ReadOnlyLedger(
                    tr("此账本需要升级才能由本程序打开，但账本文件是只读的：请用有写权限的账户打开一次")
                )
            if current is not None and self.dialect == "sqlite" and not _private_copy(self.url):
                copy_before_migration(self.url)  # an existing ledger is saved as it was first
            with self.write_engine.begin() as connection:  # upgrade() re-reads the revision under the lock
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
        except (SQLDatabaseError, OSError) as exc:  # unreachable server, locked file, not a database
            failure = _explain(exc)
            if failure is not None:
                raise failure from None
            if isinstance(exc, OSError):
                raise
            raise DatabaseError(tr("无法打开数据库：{error}").format(error=exc.orig)) from None

    def _is_current(self) -> bool:
        """Whether the ledger is at the newest revision, read without alembic."""
        head = script_head()
        if head is None:
            return False
        try:
            with self.engine.connect() as connection:
                current = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
                connection.rollback()
        except SQLDatabaseError:
            return False  # a new ledger, or not a ledger: alembic's path says which
        return current == [head]

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def _private_copy(url: str) -> bool:
    """A restore's private copy of a backup (ledger.backup.RESTORE_PREFIX in the temp folder): it
    is migrated forward, never backed up."""
    return "ledger-restore-" in (make_url(url).database or "")


def copy_before_migration(url: str) -> Path | None:
    """A byte copy of a SQLite ledger about to be upgraded, in its automatic backup folder
    (SQLite's own backup: the schema is still the old one). None for a ledger in memory.

    Raises ``DatabaseError`` when the copy cannot be made: the upgrade must not go ahead
    without it."""
    import sqlite3
    from datetime import datetime

    from ledger import autonames

    source_path = autonames.sqlite_file(url)
    if source_path is None:
        return None
    target = autonames.new_path(url, "升级前", datetime.now())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{quote(str(source_path))}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    except (OSError, sqlite3.Error) as exc:
        for leftover in (target, *(Path(f"{target}{s}") for s in autonames.SQLITE_SUFFIXES)):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass
        reason = getattr(exc, "strerror", None) or " ".join(str(exc).split())
        raise DatabaseError(
            tr("此账本需要升级，但无法先做升级前的安全备份（{folder}：{reason}），未升级、账本未改动：请检查该文件夹或 LEDGER_AUTO_BACKUP_DIR").format(
                folder=target.parent, reason=reason
            )
        ) from None
    return target


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*['\"]?([^'\"\s]*)['\"]?\s*$", re.MULTILINE)


def script_head() -> str | None:
    """The newest migration's revision, read from the version files: the one no other file
    names as its down_revision (None when that is not a single file: alembic decides)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        fields = dict((k, v) for k, v in _REVISION.findall(path.read_text(encoding="utf-8")))
        if fields.get("revision"):
            revisions.add(fields["revision"])
        if fields.get("down_revision") not in (None, "", "None"):
            parents.add(fields["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Turn a lock timeout, a full disk, a read-only file or a refusing constraint into its
    one-line DatabaseError."""
    try:
        yield
    except Exception as exc:
        failure = _explain(exc)
        if failure is None:
            raise
        raise failure from None
