"""Figures of the opinion box: on-time reply rate and median reply time in working days,
per village, for the public page and the town dashboard. Each call is one query."""
from __future__ import annotations

import statistics
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select

from .. import clock
from ..extensions import db
from ..localday import local_day, parse_day
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
    local days of receipt and first reply (the median needs those days, nothing more)."""
    return _stats_from(_day_groups(org_ids, start, end), org_ids, start, end)


def _day_groups(org_ids, start: date, end: date) -> list:
    """(branch, received day, first-reply day or None, opinions, escalated, rated, satisfied,
    on time, late, open past due) per group of opinions received between start and end."""
    now = clock.now()
    replied = Opinion.first_replied_at.is_not(None)
    rated = and_(Opinion.first_rating.is_not(None), Opinion.first_rating != "")
    received_day = local_day(Opinion.received_at)
    replied_day = local_day(Opinion.first_replied_at)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    return db.session.execute(select(
        Opinion.branch_id, received_day, replied_day, func.count(),
        count(Opinion.escalated_at.is_not(None)), count(rated),
        count(and_(rated, Opinion.first_rating != Rating.BAD)),
        count(and_(replied, Opinion.first_replied_at <= Opinion.first_due_at)),
        count(and_(replied, Opinion.first_replied_at > Opinion.first_due_at)),
        count(and_(~replied, Opinion.first_due_at < now)))
        .where(Opinion.branch_id.in_(list(org_ids)),
               Opinion.received_at >= clock.local_datetime(start),
               Opinion.received_at < clock.local_datetime(end + timedelta(days=1)))
        .group_by(Opinion.branch_id, received_day, replied_day)).all()


def _stats_from(groups, org_ids, start: date, end: date) -> dict[int, dict]:
    stats = {org_id: _empty_stats() for org_id in org_ids}
    last_reply = max((g[2] for g in groups if g[2]), default=None)
    between = clock.working_days_counter(start, parse_day(last_reply)) if last_reply else None
    for branch_id, received_on, replied_on, n, *flags in groups:
        _count_group(stats[branch_id], received_on, replied_on, n, flags, between)
    for entry in stats.values():
        _finish_stats(entry)
    return stats


def _empty_stats() -> dict:
    return {"received": 0, "replied": 0, "on_time": 0, "late": 0, "overdue_open": 0,
            "escalated": 0, "satisfied": 0, "rated": 0, "_days": []}


def _count_group(entry: dict, received_on, replied_on, n: int, flags, between) -> None:
    """Add one group of n opinions received (and first replied) on the same local days."""
    escalated, rated, satisfied, on_time, late, overdue_open = (int(f or 0) for f in flags)
    entry["received"] += n
    entry["escalated"] += escalated
    entry["rated"] += rated
    entry["satisfied"] += satisfied
    entry["on_time"] += on_time
    entry["late"] += late
    entry["overdue_open"] += overdue_open
    if replied_on:
        entry["replied"] += n
        entry["_days"].extend([between(parse_day(received_on), parse_day(replied_on))] * n)


def _finish_stats(entry: dict) -> None:
    decided = entry["on_time"] + entry["late"] + entry["overdue_open"]
    entry["on_time_rate"] = round(100 * entry["on_time"] / decided) if decided else None
    days = entry.pop("_days")
    entry["median_reply_days"] = statistics.median(days) if days else None


def public_figures(branch_id: int, on: date | None = None) -> dict | None:
    """This quarter's on-time rate and median reply time; None below 5 opinions."""
    start, end = quarter_bounds(on or clock.today())
    entry = village_reply_stats([branch_id], start, end)[branch_id]
    if entry["received"] < MIN_OPINIONS_FOR_FIGURES:
        return None
    return dict(entry, start=start, end=end)


def monthly_on_time(org_ids, months) -> list[tuple[int, int]]:
    """Town-wide (on time, decided) per month for the trend chart, counted in the database:
    one grouped query over the whole span, each opinion bucketed by the local month of its
    receipt. Decided = replied, or still open past its first due time."""
    if not months:
        return []
    starts = [clock.local_datetime(m.first) for m in months]
    end = clock.local_datetime(months[-1].last + timedelta(days=1))
    bucket = case(*[(Opinion.received_at < start, i - 1)
                    for i, start in enumerate(starts[1:], start=1)], else_=len(months) - 1)
    replied = Opinion.first_replied_at.is_not(None)
    on_time = func.sum(case((and_(replied, Opinion.first_replied_at <= Opinion.first_due_at), 1),
                            else_=0))
    decided = func.sum(case((replied, 1), (Opinion.first_due_at < clock.now(), 1), else_=0))
    rows = db.session.execute(
        select(bucket.label("bucket"), on_time, decided)
        .where(Opinion.branch_id.in_(list(org_ids)), Opinion.received_at >= starts[0],
               Opinion.received_at < end)
        .group_by("bucket"))
    counts = {bucket: (int(ok or 0), int(total or 0)) for bucket, ok, total in rows}
    return [counts.get(i, (0, 0)) for i in range(len(months))]
