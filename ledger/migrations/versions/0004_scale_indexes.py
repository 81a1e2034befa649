"""a million receptions: sort indexes, maintained monthly totals, substring search indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 17:30:00.000000

- every column the ledger view sorts by gets an index ending on the id (the view's tie
  breaker), so a page in any order is an index walk, never a sort of the whole table;
- ``reception_totals``: receptions, their total and the dashboard's sums (guests, canteen
  meals, meals, over-standard amount) per (year, month, status, breach), kept
  by triggers on ``receptions`` in the same transaction as every write (and by any write made
  outside the program), so the status bar's 共 N 条，合计 ¥X is exact without scanning;
- substring search: on SQLite an FTS5 trigram index over ``search_text`` (external content,
  kept by triggers); on PostgreSQL a pg_trgm GIN index when the extension is there or may be
  created — a role without that right keeps the plain search, with the same results.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (name, columns) of the plain indexes; ledger/models.py declares the same
SORT_INDEXES = (
    ('ix_receptions_date_id', ['reception_date', 'id']),
    ('ix_receptions_total_id', ['total_fen', 'id']),
    ('ix_receptions_unit_id', ['visiting_unit', 'id']),
    ('ix_receptions_activity_id', ['activity', 'id']),
    ('ix_receptions_guests_id', ['guest_count', 'id']),
    ('ix_receptions_violations_id', ['violation_count', 'id']),
    ('ix_receptions_status_date_id', ['status', 'reception_date', 'id']),
    ('ix_receptions_status_date_units', [
        'status', 'reception_date', 'classified', 'visiting_unit', 'total_fen', 'guest_count',
        'canteen_meals', 'meal_count', 'violation_count', 'over_standard_fen',
    ]),
)
REPLACED = (
    ('ix_receptions_status_date_figures', [
        'status', 'reception_date', 'total_fen', 'guest_count', 'canteen_meals', 'meal_count',
        'violation_count', 'over_standard_fen',
    ]),
    ('ix_receptions_date', ['reception_date']),
    ('ix_receptions_total', ['total_fen']),
    ('ix_receptions_unit', ['visiting_unit']),
)
PER_PERSON = "(total_fen * 1.0 / nullif(guest_count + companion_count, 0))"

SQLITE_TOTALS = """
CREATE TRIGGER reception_totals_insert AFTER INSERT ON receptions BEGIN
  INSERT INTO reception_totals (year, month, status, breach, receptions, total_fen,
                                guests, canteen_meals, meal_count, over_standard_fen)
  VALUES (CAST(substr(new.reception_date, 1, 4) AS INTEGER), CAST(substr(new.reception_date, 6, 2) AS INTEGER),
          new.status, new.violation_count > 0, 1, new.total_fen,
          new.guest_count, new.canteen_meals, new.meal_count, new.over_standard_fen)
  ON CONFLICT (year, month, status, breach) DO UPDATE
  SET receptions = receptions + 1, total_fen = total_fen + excluded.total_fen,
      guests = guests + excluded.guests, canteen_meals = canteen_meals + excluded.canteen_meals,
      meal_count = meal_count + excluded.meal_count,
      over_standard_fen = over_standard_fen + excluded.over_standard_fen;
END;
CREATE TRIGGER reception_totals_delete AFTER DELETE ON receptions BEGIN
  UPDATE reception_totals SET receptions = receptions - 1, total_fen = total_fen - old.total_fen,
    guests = guests - old.guest_count, canteen_meals = canteen_meals - old.canteen_meals,
    meal_count = meal_count - old.meal_count, over_standard_fen = over_standard_fen - old.over_standard_fen
  WHERE year = CAST(substr(old.reception_date, 1, 4) AS INTEGER)
    AND month = CAST(substr(old.reception_date, 6, 2) AS INTEGER)
    AND status = old.status AND breach = (old.violation_count > 0);
END;
CREATE TRIGGER reception_totals_update
AFTER UPDATE OF reception_date, status, violation_count, total_fen, guest_count, canteen_meals, meal_count,
  over_standard_fen ON receptions BEGIN
  UPDATE reception_totals SET receptions = receptions - 1, total_fen = total_fen - old.total_fen,
    guests = guests - old.guest_count, canteen_meals = canteen_meals - old.canteen_meals,
    meal_count = meal_count - old.meal_count, over_standard_fen = over_standard_fen - old.over_standard_fen
  WHERE year = CAST(substr(old.reception_date, 1, 4) AS INTEGER)
    AND month = CAST(substr(old.reception_date, 6, 2) AS INTEGER)
    AND status = old.status AND breach = (old.violation_count > 0);
  INSERT INTO reception_totals (year, month, status, breach, receptions, total_fen,
                                guests, canteen_meals, meal_count, over_standard_fen)
  VALUES (CAST(substr(new.reception_date, 1, 4) AS INTEGER), CAST(substr(new.reception_date, 6, 2) AS INTEGER),
          new.status, new.violation_count > 0, 1, new.total_fen,
          new.guest_count, new.canteen_meals, new.meal_count, new.over_standard_fen)
  ON CONFLICT (year, month, status, breach) DO UPDATE
  SET receptions = receptions + 1, total_fen = total_fen + excluded.total_fen,
      guests = guests + excluded.guests, canteen_meals = canteen_meals + excluded.canteen_meals,
      meal_count = meal_count + excluded.meal_count,
      over_standard_fen = over_standard_fen + excluded.over_standard_fen;
END;
"""

SQLITE_SEARCH = """
CREATE VIRTUAL TABLE receptions_search USING fts5(
  search_text, content='receptions', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER receptions_search_insert AFTER INSERT ON receptions BEGIN
  INSERT INTO receptions_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER receptions_search_delete AFTER DELETE ON receptions BEGIN
  INSERT INTO receptions_search (receptions_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER receptions_search_update AFTER UPDATE OF search_text ON receptions BEGIN
  INSERT INTO receptions_search (receptions_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO receptions_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
INSERT INTO receptions_search (receptions_search) VALUES ('rebuild');
"""

# statement triggers with transition tables: an import of 100,000 rows adds its totals in
# one grouped statement, not 100,000 function calls
POSTGRES_TOTALS = """
CREATE FUNCTION reception_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO reception_totals AS t (year, month, status, breach, receptions, total_fen,
                                       guests, canteen_meals, meal_count, over_standard_fen)
    SELECT extract(year FROM reception_date)::int, extract(month FROM reception_date)::int,
           status, violation_count > 0, -count(*), -sum(total_fen),
           -sum(guest_count), -sum(canteen_meals), -sum(meal_count), -sum(over_standard_fen)
    FROM old_rows GROUP BY 1, 2, 3, 4
    ON CONFLICT (year, month, status, breach) DO UPDATE
    SET receptions = t.receptions + excluded.receptions, total_fen = t.total_fen + excluded.total_fen,
        guests = t.guests + excluded.guests, canteen_meals = t.canteen_meals + excluded.canteen_meals,
        meal_count = t.meal_count + excluded.meal_count,
        over_standard_fen = t.over_standard_fen + excluded.over_standard_fen;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO reception_totals AS t (year, month, status, breach, receptions, total_fen,
                                       guests, canteen_meals, meal_count, over_standard_fen)
    SELECT extract(year FROM reception_date)::int, extract(month FROM reception_date)::int,
           status, violation_count > 0, count(*), sum(total_fen),
           sum(guest_count), sum(canteen_meals), sum(meal_count), sum(over_standard_fen)
    FROM new_rows GROUP BY 1, 2, 3, 4
    ON CONFLICT (year, month, status, breach) DO UPDATE
    SET receptions = t.receptions + excluded.receptions, total_fen = t.total_fen + excluded.total_fen,
        guests = t.guests + excluded.guests, canteen_meals = t.canteen_meals + excluded.canteen_meals,
        meal_count = t.meal_count + excluded.meal_count,
        over_standard_fen = t.over_standard_fen + excluded.over_standard_fen;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER reception_totals_insert AFTER INSERT ON receptions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reception_totals_add();
CREATE TRIGGER reception_totals_update AFTER UPDATE ON receptions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reception_totals_add();
CREATE TRIGGER reception_totals_delete AFTER DELETE ON receptions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reception_totals_add();
"""

FILL_TOTALS = {
    'sqlite': """
INSERT INTO reception_totals (year, month, status, breach, receptions, total_fen,
                              guests, canteen_meals, meal_count, over_standard_fen)
SELECT CAST(substr(reception_date, 1, 4) AS INTEGER), CAST(substr(reception_date, 6, 2) AS INTEGER),
       status, violation_count > 0, count(*), sum(total_fen),
       sum(guest_count), sum(canteen_meals), sum(meal_count), sum(over_standard_fen)
FROM receptions GROUP BY 1, 2, 3, 4
""",
    'postgresql': """
INSERT INTO reception_totals (year, month, status, breach, receptions, total_fen,
                              guests, canteen_meals, meal_count, over_standard_fen)
SELECT extract(year FROM reception_date)::int, extract(month FROM reception_date)::int,
       status, violation_count > 0, count(*), sum(total_fen),
       sum(guest_count), sum(canteen_meals), sum(meal_count), sum(over_standard_fen)
FROM receptions GROUP BY 1, 2, 3, 4
""",
}


def _statements(script: str) -> list[str]:
    """SQLite trigger bodies hold semicolons: split on the blank-line-free ``END;`` ends."""
    out, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        is_trigger = text.upper().startswith("CREATE TRIGGER")
        if (is_trigger and line.strip().upper() == "END;") or (not is_trigger and line.rstrip().endswith(";")):
            out.append(text.rstrip(";"))
            current = []
    return out


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    for name, columns in REPLACED:
        op.drop_index(name, table_name='receptions')
    for name, columns in SORT_INDEXES:
        op.create_index(name, 'receptions', columns, unique=False)
    op.execute(f"CREATE INDEX ix_receptions_per_person ON receptions ({PER_PERSON}, id)")
    op.create_index('ix_history_entity_entity_id', 'history', ['entity', 'entity_id', 'id'], unique=False)

    op.execute(
        "CREATE TABLE reception_totals ("
        " year INTEGER NOT NULL, month INTEGER NOT NULL, status VARCHAR(16) NOT NULL,"
        " breach BOOLEAN NOT NULL, receptions BIGINT NOT NULL, total_fen BIGINT NOT NULL,"
        " guests BIGINT NOT NULL, canteen_meals BIGINT NOT NULL, meal_count BIGINT NOT NULL,"
        " over_standard_fen BIGINT NOT NULL,"
        " PRIMARY KEY (year, month, status, breach))"
    )
    op.execute(FILL_TOTALS[dialect] if dialect in FILL_TOTALS else FILL_TOTALS['postgresql'])
    if dialect == 'sqlite':
        for statement in _statements(SQLITE_TOTALS) + _statements(SQLITE_SEARCH):
            op.execute(statement)
    else:
        op.execute(POSTGRES_TOTALS)
        _trigram_index(bind)


def _trigram_index(bind: sa.engine.Connection) -> None:
    """The pg_trgm index when the extension is installed or this role may install it; a
    refusal is undone at its savepoint and the search stays a plain (slower) LIKE."""
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        savepoint.commit()
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return
    bind.execute(
        sa.text("CREATE INDEX ix_receptions_search_trgm ON receptions USING gin (search_text gin_trgm_ops)")
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for trigger in ('receptions_search_insert', 'receptions_search_delete', 'receptions_search_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS receptions_search")
        for trigger in ('reception_totals_insert', 'reception_totals_delete', 'reception_totals_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        for trigger in ('reception_totals_insert', 'reception_totals_delete', 'reception_totals_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON receptions")
        op.execute("DROP FUNCTION IF EXISTS reception_totals_add()")
        op.execute("DROP INDEX IF EXISTS ix_receptions_search_trgm")
    op.execute("DROP TABLE reception_totals")
    op.execute("DROP INDEX ix_receptions_per_person")
    op.drop_index('ix_history_entity_entity_id', table_name='history')
    for name, _columns in SORT_INDEXES:
        op.drop_index(name, table_name='receptions')
    for name, columns in REPLACED:
        op.create_index(name, 'receptions', columns, unique=False)
