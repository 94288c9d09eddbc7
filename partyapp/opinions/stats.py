"""Figures of the opinion box: on-time reply rate and median reply time in working days,
per village, for the public page and the town dashboard. Each call is one query."""
from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select

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
    branches (for the town dashboard)."""
    rows = db.session.execute(select(
        Opinion.branch_id, Opinion.received_at, Opinion.first_replied_at, Opinion.first_due_at,
        Opinion.status, Opinion.escalated_at, Opinion.first_rating)
        .where(Opinion.branch_id.in_(list(org_ids)),
               Opinion.received_at >= clock.local_datetime(start),
               Opinion.received_at < clock.local_datetime(end + timedelta(days=1)))).all()
    stats = {org_id: _empty_stats() for org_id in org_ids}
    now = clock.now()
    replied = [clock.local_date(row.first_replied_at) for row in rows if row.first_replied_at]
    between = clock.working_days_counter(start, max(replied)) if replied else None
    for row in rows:
        _count_row(stats[row.branch_id], row, now, between)
    for entry in stats.values():
        _finish_stats(entry)
    return stats


def _empty_stats() -> dict:
    return {"received": 0, "replied": 0, "on_time": 0, "late": 0, "overdue_open": 0,
            "escalated": 0, "satisfied": 0, "rated": 0, "_days": []}


def _count_row(entry: dict, row, now: datetime, between) -> None:
    entry["received"] += 1
    entry["escalated"] += row.escalated_at is not None
    if row.first_rating:
        entry["rated"] += 1
        entry["satisfied"] += row.first_rating != Rating.BAD
    if row.first_replied_at is not None:
        entry["replied"] += 1
        on_time = row.first_replied_at <= row.first_due_at
        entry["on_time" if on_time else "late"] += 1
        entry["_days"].append(between(clock.local_date(row.received_at),
                                      clock.local_date(row.first_replied_at)))
    elif now > row.first_due_at:
        entry["overdue_open"] += 1


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
