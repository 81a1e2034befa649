import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger.db import Database, DatabaseError
from ledger.models import Base, is_database_kept

# what the database keeps beyond the models (migration 0004) is left out of the comparison
OPTS = {"include_name": lambda name, kind, parent: not is_database_kept(name)}


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "plain-path.sqlite3"))  # a bare file path is a SQLite ledger
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=OPTS)
        assert context.get_current_revision() is not None
        assert compare_metadata(context, Base.metadata) == []


def test_models_match_migrations_on_postgres(pg_url: str) -> None:
    db = Database(pg_url)
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts=OPTS), Base.metadata) == []
    db.dispose()


def test_a_newer_ledger_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseError, match="更新版本"):
        Database(f"sqlite:///{path}")


def test_a_foreign_database_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE payroll (id INTEGER)")
    with pytest.raises(DatabaseError, match="不是接待台账数据库"):
        Database(f"sqlite:///{path}")


def test_a_bad_url_is_a_message() -> None:
    with pytest.raises(DatabaseError):
        Database("nosuchdialect://x/y")
