"""Rewriting the ballot tables once a round is tallied, so that no old row version, page image
or physical order of the open round survives in the database files.

- SQLite: checkpoint the WAL, VACUUM the database (it is rebuilt from its live rows only; freed
  pages with deleted ballots are dropped), then checkpoint(TRUNCATE) again so the WAL file, which
  VACUUM itself wrote through, is emptied.
- PostgreSQL: VACUUM FULL of the ballot tables writes each into a new file with its live rows
  only (PostgreSQL's own "new table, copy, swap"): dead row versions, their xmin and ctid go with
  the old file, while constraints, indexes and grants stay as they are — no DDL in the app.
  It must run outside a transaction, so it gets a connection of its own in autocommit mode.
"""
from __future__ import annotations

import time

from sqlalchemy import text

from ..extensions import db

REWRITTEN_TABLES = ("ballot_sealed", "ballot_voter", "ballot_result")


def rewrite() -> dict:
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            return _rewrite_sqlite(connection)
        for table in REWRITTEN_TABLES:
            connection.execute(text(f"VACUUM FULL {table}"))
        return {"vacuumed": list(REWRITTEN_TABLES)}


def _rewrite_sqlite(connection) -> dict:
    _checkpoint(connection)
    connection.exec_driver_sql("VACUUM")
    busy, log_frames = _checkpoint(connection)
    return {"vacuumed": "database", "wal_busy": busy, "wal_frames": log_frames}


def _checkpoint(connection, attempts: int = 10) -> tuple[int, int]:
    """checkpoint(TRUNCATE) copies the WAL into the database and empties it; a reader in the
    middle of a request makes it give up (busy), so try again for a moment."""
    for attempt in range(attempts):
        busy, log_frames, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if not busy:
            break
        time.sleep(0.1 * (attempt + 1))
    return busy, log_frames
