"""Failed log-ins, counted per account, per network address and site-wide, in a store every
worker shares: Redis when REDIS_URL is set, else the login_failure table.

Only failures count (a member who logs in costs nothing), and nothing here refuses for long:
- per account: a few free failures per hour, then a growing wait between tries (Retry-After);
  a phone that logged in to that account before (a known device) is never slowed for it;
- per address: sized for a meeting of 80 members behind one village router who all mistype a
  few times; beyond it only a short wait between tries (never a refusal);
- site-wide: a spray from many addresses; beyond it only a short wait.
One-time log-in links from the secretary never pass through here.
A client gains nothing by dropping cookies: no key here comes from a cookie.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..extensions import db
from ..models import LoginFailure


@dataclass(frozen=True)
class Budget:
    kind: str
    window_seconds: int
    free: int            # failures per window before any wait
    max_wait: int        # seconds; the wait never grows beyond this

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after the last failure, once `failures` failed in this window."""
        over = failures - self.free
        if over < 0:
            return 0
        if self.kind == "account":
            return min(2 ** over, self.max_wait)        # 1, 2, 4, … seconds
        return min(1 + over // 20, self.max_wait)       # a slow, capped pace


ACCOUNT = Budget("account", 3600, 5, 300)
ADDRESS = Budget("address", 900, 320, 10)     # 80 members × 4 mistakes in a quarter hour
SITE = Budget("site", 900, 2000, 5)
BUDGETS = (ACCOUNT, ADDRESS, SITE)


def account_key(phone: str | None) -> str:
    """Mobile numbers are not kept in the counters: a short digest of the normalised number."""
    return hashlib.sha256((phone or "invalid").encode()).hexdigest()[:32]


def _keys(phone: str | None, address: str | None) -> dict[Budget, str]:
    return {ACCOUNT: account_key(phone), ADDRESS: (address or "unknown")[:80], SITE: "*"}


def _window(budget: Budget, now: datetime) -> int:
    return int(now.timestamp()) // budget.window_seconds


def wait_seconds(phone: str | None, address: str | None, known_device: bool = False) -> int:
    """0 when this try may go ahead now, else the seconds to wait (for Retry-After)."""
    if known_device:
        return 0
    now = clock.now()
    keys = _keys(phone, address)
    state = _backend().read([(b.kind, keys[b], _window(b, now)) for b in BUDGETS])
    wait = 0
    for budget in BUDGETS:
        count, last_at = state.get((budget.kind, keys[budget], _window(budget, now)), (0, None))
        gap = budget.wait_after(count)
        if gap and last_at is not None:
            remaining = (last_at + timedelta(seconds=gap) - now).total_seconds()
            wait = max(wait, int(remaining + 0.999))
    return wait


def record_failure(phone: str | None, address: str | None) -> None:
    now = clock.now()
    keys = _keys(phone, address)
    _backend().add([(b.kind, keys[b], _window(b, now), b.window_seconds) for b in BUDGETS], now)


def sweep(now: datetime) -> None:
    """Counters of windows that have ended (the table backend; Redis keys expire)."""
    for budget in BUDGETS:
        db.session.execute(LoginFailure.__table__.delete().where(
            LoginFailure.kind == budget.kind, LoginFailure.window < _window(budget, now)))


def _backend():
    url = current_app.config.get("LOGIN_GUARD_REDIS_URL")
    return RedisCounters(url) if url else TableCounters()


class TableCounters:
    """The login_failure table; the caller's transaction is committed (a service step)."""

    def read(self, rows):
        found = db.session.execute(select(
            LoginFailure.kind, LoginFailure.key, LoginFailure.window, LoginFailure.count,
            LoginFailure.last_at).where(tuple_(LoginFailure.kind, LoginFailure.key,
                                               LoginFailure.window).in_(rows)))
        return {(kind, key, window): (count, last_at)
                for kind, key, window, count, last_at in found}

    def add(self, rows, now):
        insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        for kind, key, window, _seconds in rows:
            statement = insert(LoginFailure).values(
                kind=kind, key=key, window=window, count=1, last_at=now)
            db.session.execute(statement.on_conflict_do_update(
                index_elements=["kind", "key", "window"],
                set_={"count": LoginFailure.count + 1, "last_at": now}))
        # Old windows go with the account's own window (one small DELETE on the same keys).
        db.session.execute(LoginFailure.__table__.delete().where(
            LoginFailure.kind == ACCOUNT.kind, LoginFailure.key == rows[0][1],
            LoginFailure.window < rows[0][2]))
        db.session.commit()


_REDIS_CLIENTS: dict[str, object] = {}


class RedisCounters:
    """Hashes {count, last} under partyapp:login:<kind>:<key>:<window>, expiring with the
    window."""

    def __init__(self, url: str):
        if url not in _REDIS_CLIENTS:
            import redis

            _REDIS_CLIENTS[url] = redis.Redis.from_url(url, socket_timeout=2)
        self.redis = _REDIS_CLIENTS[url]
        self.prefix = current_app.config.get("LOGIN_GUARD_PREFIX", "partyapp:login:")

    def _name(self, kind, key, window) -> str:
        return f"{self.prefix}{kind}:{key}:{window}"

    def read(self, rows):
        pipe = self.redis.pipeline(transaction=False)
        for row in rows:
            pipe.hmget(self._name(*row), "count", "last")
        found = {}
        for row, (count, last) in zip(rows, pipe.execute()):
            if count is not None:
                found[row] = (int(count), datetime.fromtimestamp(float(last), clock.UTC))
        return found

    def add(self, rows, now):
        pipe = self.redis.pipeline(transaction=True)
        for kind, key, window, seconds in rows:
            name = self._name(kind, key, window)
            pipe.hincrby(name, "count", 1)
            pipe.hset(name, "last", repr(now.timestamp()))
            pipe.expire(name, seconds * 2)
        pipe.execute()
