"""Demo terms: the town two years into its term, 东湖村 two months before its end (the 6- and
3-month reminders are due) and 西岭村 overdue, so the town dashboard flags it."""
from .. import clock
from .services import _record, add_months


def seed(ctx) -> None:
    today = clock.today()
    _record(ctx.town, add_months(today, -24), 5, None)
    starts = {"donghu": add_months(today, -58), "xiling": add_months(today, -61)}
    for slug, branch in ctx.villages.items():
        _record(branch, starts.get(slug, add_months(today, -12)), 5, None)
