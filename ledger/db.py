"""Engine and sessions for any SQLAlchemy URL; migrations run when a ledger is opened."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from ledger.i18n import tr

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_WRITE_LOCK = 7_202_501  # advisory lock key: one writer at a time appends to the history


class DatabaseError(RuntimeError):
    """The ledger database cannot be opened; the message is for the user."""


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

    def __init__(self, url: str | None = None, *, migrate: bool = True, create: bool = True) -> None:
        self.url = _normalise(url or default_url())
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise DatabaseError(tr("数据库地址无效：{url}").format(url=url)) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                if not create and not Path(database).is_file():
                    raise DatabaseError(
                        tr("找不到账本文件：{path}（请检查 --db 或 LEDGER_DB）").format(path=database)
                    )
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = self._sqlite_engine(immediate=False)
            self.write_engine = self._sqlite_engine(immediate=True)
        else:
            try:
                self.engine = create_engine(self.url, pool_pre_ping=True)
            except Exception as exc:  # missing driver, bad options
                raise DatabaseError(tr("无法打开数据库：{error}").format(error=exc)) from None
            self.write_engine = self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    def _sqlite_engine(self, *, immediate: bool) -> Engine:
        engine = create_engine(self.url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    # -- sessions -------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
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
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with Session(bind=connection) as session, session.begin():
                session.execute(text("SET TRANSACTION READ ONLY"))
                yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self._write() as session, session.begin():
            if self.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
            yield session

    # -- migrations -----------------------------------------------------------------------
    def migrate(self) -> None:
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        script = ScriptDirectory.from_config(cfg)
        try:
            with self.write_engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
                if current == script.get_current_head():
                    return
                known = {rev.revision for rev in script.walk_revisions()}
                if current is not None and current not in known:
                    raise DatabaseError(
                        tr("此账本由更新版本的程序创建（版本 {rev}），请升级本程序后再打开").format(
                            rev=current
                        )
                    )
                if current is None and inspect(connection).get_table_names():
                    tables = set(inspect(connection).get_table_names())
                    if "receptions" not in tables:
                        raise DatabaseError(tr("这不是接待台账数据库：{url}").format(url=self.url))
                connection.rollback()
            with self.write_engine.begin() as connection:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
        except SQLDatabaseError as exc:  # unreachable server, locked file, not a database at all
            raise DatabaseError(tr("无法打开数据库：{error}").format(error=exc.orig)) from None

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
