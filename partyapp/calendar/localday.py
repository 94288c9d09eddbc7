"""The China local calendar day of a stored UTC datetime column, computed by the database as
"YYYY-MM-DD" text (SQLite and PostgreSQL), so that big figures can be bucketed or grouped by day
without materialising thousands of datetimes in Python. China has kept UTC+8 without daylight
saving since 1991, so a fixed offset is exact for every date the app stores."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

OFFSET_HOURS = 8


class local_day(GenericFunction):
    """local_day(column) -> 'YYYY-MM-DD' of the column's UTC value in China."""
    type = String()
    inherit_cache = True
    name = "local_day"


@compiles(local_day)
def _local_day_default(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"date({column}, '+{OFFSET_HOURS} hours')"


@compiles(local_day, "postgresql")
def _local_day_postgresql(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} + interval '{OFFSET_HOURS} hours', 'YYYY-MM-DD')"


@lru_cache(maxsize=4096)
def parse_day(text: str) -> date:
    """'2026-11-03' -> date (memoised: a figure touches few distinct days)."""
    return date.fromisoformat(text)



