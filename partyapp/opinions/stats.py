"""Figures of the opinion box: on-time reply rate and median reply time in working days,
per village, for the public page and the town dashboard. Each call is one query."""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, case, func, select

from .. import clock
from ..extensions import db
from .models import Opinion, Rating

MIN_OPINIONS_FOR_FIGURES = 5


def quarter_bounds(day: date) -> tuple[date, date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return start, end - timedelta(days=1)


def village_reply_stats(org_ids, start: date, end: date) -> dict[int, dict]:
    """Per branch, opinions received between start and end (local dates, inclusive): counts,
    on-time reply rate and median reply time in working days. One query for any number of
    branches (for the town dashboard): counted in the database, grouped by branch and by the
    working days each first reply took (Opinion.first_reply_days), all the median needs."""
    stats = {org_id: _empty_stats() for org_id in org_ids}
    for branch_id, days, n, *flags in _reply_groups(org_ids, start, end):
        _count_group(stats[branch_id], days, n, flags)
    for entry in stats.values():
        _finish_stats(entry)
    return stats


def _reply_groups(org_ids, start: date, end: date) -> list:
    """(branch, working days to the first reply or None, opinions, escalated, rated, satisfied,
    on time, late, open past due) per group of opinions received between start and end."""
    return db.session.execute(_reply_groups_statement(), {
        "org_ids": list(org_ids), "now": clock.now(), "start": clock.local_datetime(start),
        "end": clock.local_datetime(end + timedelta(days=1))}).all()


@cache
def _reply_groups_statement():
    """Built once: only the bound values change from call to call (the dashboard and the public
    page ask often, and building the expression costs as much as running it)."""
    replied = Opinion.first_replied_at.is_not(None)
    rated = and_(Opinion.first_rating.is_not(None), Opinion.first_rating != "")
    moment = Opinion.received_at.type

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    return (select(
        Opinion.branch_id, Opinion.first_reply_days, func.count(),
        count(Opinion.escalated_at.is_not(None)), count(rated),
        count(and_(rated, Opinion.first_rating != Rating.BAD)),
        count(and_(replied, Opinion.first_replied_at <= Opinion.first_due_at)),
        count(and_(replied, Opinion.first_replied_at > Opinion.first_due_at)),
        count(and_(~replied, Opinion.first_due_at < bindparam("now", type_=moment))))
        .where(Opinion.branch_id.in_(bindparam("org_ids", expanding=True)),
               Opinion.received_at >= bindparam("start", type_=moment),
               Opinion.received_at < bindparam("end", type_=moment))
        .group_by(Opinion.branch_id, Opinion.first_reply_days))


def _empty_stats() -> dict:
    return {"received": 0, "replied": 0, "on_time": 0, "late": 0, "overdue_open": 0,
            "escalated": 0, "satisfied": 0, "rated": 0, "_days": {}}


def _count_group(entry: dict, days: int | None, n: int, flags) -> None:
    """Add one group of n opinions whose first replies took the same working days."""
    escalated, rated, satisfied, on_time, late, overdue_open = (int(f or 0) for f in flags)
    entry["received"] += n
    entry["escalated"] += escalated
    entry["rated"] += rated
    entry["satisfied"] += satisfied
    entry["on_time"] += on_time
    entry["late"] += late
    entry["overdue_open"] += overdue_open
    if days is not None:
        entry["replied"] += n
        entry["_days"][days] = entry["_days"].get(days, 0) + n


def _finish_stats(entry: dict) -> None:
    decided = entry["on_time"] + entry["late"] + entry["overdue_open"]
    entry["on_time_rate"] = round(100 * entry["on_time"] / decided) if decided else None
    entry["median_reply_days"] = _median_of_counts(entry.pop("_days"))


def _median_of_counts(counts: dict[int, int]) -> float | int | None:
    """statistics.median of a multiset given as {value: how many times}."""
    total = sum(counts.values())
    if not total:
        return None
    values = sorted(counts)
    low = high = None
    seen = 0
    for value in values:
        seen += counts[value]
        if low is None and seen >= (total + 1) // 2:
            low = value
        if seen >= total // 2 + 1:
            high = value
            break
    return low if low == high else (low + high) / 2


def public_figures(branch_id: int, on: date | None = None) -> dict | None:
    """This quarter's on-time rate and median reply time; None below 5 opinions."""
    start, end = quarter_bounds(on or clock.today())
    entry = village_reply_stats([branch_id], start, end)[branch_id]
    if entry["received"] < MIN_OPINIONS_FOR_FIGURES:
        return None
    return dict(entry, start=start, end=end)


def monthly_on_time(org_ids, months) -> list[tuple[int, int]]:
    """Town-wide (on time, decided) per month for the trend chart, counted in the database:
    one grouped query over the whole span, each opinion counted in the local month of its
    receipt. Decided = replied, or still open past its first due time."""
    if not months:
        return []
    values = {"org_ids": list(org_ids), "now": clock.now(),
              "end": clock.local_datetime(months[-1].last + timedelta(days=1))}
    values.update({f"start_{i}": clock.local_datetime(m.first) for i, m in enumerate(months)})
    counts = {bucket: (int(ok or 0), int(total or 0))
              for bucket, ok, total in db.session.execute(_monthly_statement(len(months)), values)}
    return [counts.get(i, (0, 0)) for i in range(len(months))]


@cache
def _monthly_statement(months: int):
    """Built once per number of months. Each opinion's month is found by comparing its stored
    UTC time with the months' starts: twice as fast as working out its local day per row."""
    moment = Opinion.received_at.type
    starts = [bindparam(f"start_{i}", type_=moment) for i in range(months)]
    bucket = case(*[(Opinion.received_at < start, i - 1)
                    for i, start in enumerate(starts[1:], start=1)], else_=months - 1)
    replied = Opinion.first_replied_at.is_not(None)
    on_time = func.sum(case((and_(replied, Opinion.first_replied_at <= Opinion.first_due_at), 1),
                            else_=0))
    decided = func.sum(case((replied, 1),
                            (Opinion.first_due_at < bindparam("now", type_=moment), 1), else_=0))
    return (select(bucket.label("bucket"), on_time, decided)
            .where(Opinion.branch_id.in_(bindparam("org_ids", expanding=True)),
                   Opinion.received_at >= starts[0],
                   Opinion.received_at < bindparam("end", type_=moment))
            .group_by("bucket"))
