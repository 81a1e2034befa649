"""Alembic environment: runs on the connection the ledger hands over (see ledger.db)."""

from alembic import context

from ledger.models import Base, is_database_kept

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` command line, for writing new revisions
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://").connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # the totals, search tables and special indexes of 0004 are the database's, not the models'
    include_name=lambda name, kind, parent: not is_database_kept(name),
)
with context.begin_transaction():
    context.run_migrations()
