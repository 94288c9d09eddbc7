"""The 5-working-day deadline follows the State Council calendar (seed 001 二(四))."""
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyapp import clock
from partyapp.extensions import db
from partyapp.calendar.models import CalendarDay, CalendarYear
from partyapp.opinions.services import opinion_due_at
from partyapp.calendar.services import (calendar_warnings, enter_year, parse_schedule,
                                        seed_from_package)

from .factories_opinions import make_opinion

UTC = timezone.utc


def china(y, m, d, hh=10, mm=0):
    """A wall-clock time in China, as aware UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=clock.CHINA).astimezone(UTC)


def due_date(moment):
    due = opinion_due_at(moment)
    assert clock.to_local(due).time().isoformat() == "23:59:59"
    return clock.local_date(due)


# --- the three examples of the issue, verbatim ---------------------------------------------
def test_eve_of_national_day_is_due_on_13_october(app_ctx):
    assert due_date(china(2026, 9, 30)) == date(2026, 10, 13)


def test_sunday_rest_day_is_not_day_zero(app_ctx):
    assert due_date(china(2026, 10, 11)) == date(2026, 10, 16)


def test_saturday_make_up_workday_taken_in_china_time(app_ctx):
    assert due_date(datetime(2026, 10, 9, 20, 0, tzinfo=UTC)) == date(2026, 10, 16)


def test_due_at_is_end_of_day_in_shanghai(app_ctx):
    assert opinion_due_at(china(2026, 9, 30)) == datetime(2026, 10, 13, 15, 59, 59, tzinfo=UTC)


# --- more holidays ---------------------------------------------------------------------------
def test_spring_festival_2026(app_ctx):
    # Fri 13 Feb; Sat 14 Feb is a make-up workday (1); 15–23 Feb are holidays;
    # 24, 25, 26, 27 Feb (2–5).
    assert due_date(china(2026, 2, 13)) == date(2026, 2, 27)


def test_labour_day_2026(app_ctx):
    # Thu 30 Apr; 1–5 May holidays; Wed 6 (1), Thu 7 (2), Fri 8 (3), Sat 9 make-up (4), Mon 11 (5).
    assert due_date(china(2026, 4, 30)) == date(2026, 5, 11)


def test_year_missing_from_calendar_falls_back_to_monday_to_friday(app_ctx):
    # 2027 is unknown to the package: Fri 31 Dec 2027 -> Mon 3 .. Fri 7 Jan 2028 is not asked;
    # Wed 30 Dec 2026 -> Thu 31 Dec (1), Fri 1 Jan 2027 (2, New Year not yet entered),
    # Mon 4 (3), Tue 5 (4), Wed 6 (5).
    assert due_date(china(2026, 12, 30)) == date(2027, 1, 6)
    assert clock.is_workday(date(2027, 10, 1)) is True  # a Friday, no holiday known


def test_missing_year_is_warned_two_months_ahead(app_ctx):
    assert calendar_warnings(date(2026, 11, 23)) == ["2027年节假日安排未录入"]
    assert calendar_warnings(date(2026, 6, 1)) == []


def test_clock_works_without_an_app_context():
    assert clock.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert clock.add_working_days(date(2027, 12, 31), 1) == date(2028, 1, 3)


def test_working_days_between(app_ctx):
    assert clock.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert clock.working_days_between(date(2026, 10, 13), date(2026, 10, 13)) == 0
    assert clock.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0


# --- entering a year -------------------------------------------------------------------------
SCHEDULE_2027 = """
2027-01-01 休 元旦
2027-01-02 休 元旦
2027-01-04 休 元旦
2027-01-09 班 元旦
"""


def test_parse_schedule_lines_and_errors():
    days = parse_schedule(SCHEDULE_2027, 2027)
    assert [(d.day, d.is_workday, d.name) for d in days][-1] == (date(2027, 1, 9), True, "元旦")
    assert len(days) == 4
    with pytest.raises(ValueError, match="第1行"):
        parse_schedule("2027-13-01 休", 2027)
    with pytest.raises(ValueError, match="不在2027年"):
        parse_schedule("2026-01-01 休", 2027)
    with pytest.raises(ValueError, match="看不懂"):
        parse_schedule("明天放假", 2027)


def test_holiday_entered_later_recomputes_open_deadlines(app_ctx, world):
    opinion, _ = make_opinion(world.branch, at=china(2026, 12, 30))
    assert clock.local_date(opinion.due_at) == date(2027, 1, 6)
    replied_before, _ = make_opinion(world.branch, at=china(2026, 12, 31),
                                     content="另一条意见：垃圾清运不及时。")
    changed = enter_year(world.town_admin, 2027, parse_schedule(SCHEDULE_2027, 2027))
    db.session.refresh(opinion)
    # Thu 31 Dec (1), Fri 1 Jan holiday, Mon 4 holiday, Tue 5 (2), Wed 6 (3), Thu 7 (4), Fri 8 (5)
    assert clock.local_date(opinion.due_at) == date(2027, 1, 8)
    assert clock.local_date(opinion.first_due_at) == date(2027, 1, 8)
    assert changed == 2
    assert calendar_warnings(date(2026, 11, 23)) == []


def test_holiday_entered_later_recounts_the_working_days_of_first_replies(app_ctx, world):
    from partyapp.opinions.services import reply_to_opinion
    from partyapp.opinions.stats import village_reply_stats

    opinion, _ = make_opinion(world.branch, at=china(2026, 12, 31))
    with clock.travel(china(2027, 1, 5, 9)):
        reply_to_opinion(world.secretary, opinion, "已安排处理，谢谢您的意见。")
    # 2027 not entered yet: Fri 1, Mon 4 and Tue 5 January count as working days
    assert opinion.first_reply_days == 3
    figures = village_reply_stats([world.branch.id], date(2026, 10, 1), date(2026, 12, 31))
    assert figures[world.branch.id]["median_reply_days"] == 3
    changed = enter_year(world.town_admin, 2027, parse_schedule(SCHEDULE_2027, 2027))
    db.session.refresh(opinion)
    assert opinion.first_reply_days == 1 and changed == 1     # only Tue 5 January is left
    figures = village_reply_stats([world.branch.id], date(2026, 10, 1), date(2026, 12, 31))
    assert figures[world.branch.id]["median_reply_days"] == 1


def test_seed_from_package_is_idempotent_and_matches_package(app_ctx):
    seeded = seed_from_package()
    assert seeded[0] == 2004 and seeded[-1] == 2026 and len(seeded) == 23
    assert seed_from_package() == []
    national_day = db.session.get(CalendarDay, date(2026, 10, 1))
    assert (national_day.is_workday, national_day.name) == (False, "国庆节")
    assert db.session.get(CalendarDay, date(2026, 10, 10)).is_workday is True
    assert db.session.get(CalendarYear, 2026).source == "package"
    assert due_date(china(2026, 9, 30)) == date(2026, 10, 13)


def test_admin_correction_of_a_package_year_wins(app_ctx, world):
    seed_from_package()
    enter_year(world.town_admin, 2026, parse_schedule("2026-10-08 休 国庆节", 2026),
               complete=False)
    # Thu 8 Oct now a holiday: Fri 9 (1), Sat 10 (2), Mon 12 (3), Tue 13 (4), Wed 14 (5)
    assert due_date(china(2026, 9, 30)) == date(2026, 10, 14)


def test_calendar_year_is_loaded_in_one_query(app_ctx, queries):
    clock.invalidate_calendar()
    with queries() as q:
        for day in range(1, 29):
            clock.is_workday(date(2026, 2, day))
    assert q.count == 1


# --- properties, checked against the package ------------------------------------------------
package_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 9, 30))


@given(start=package_dates, n=st.integers(min_value=1, max_value=10))
def test_add_working_days_counts_exactly_n_workdays_after_start(start, n):
    due = clock.add_working_days(start, n)
    assert chinese_calendar.is_workday(due)
    assert clock.working_days_between(start, due) == n
    assert clock.working_days_between(start, due - timedelta(days=1)) == n - 1


@given(start=package_dates, n=st.integers(min_value=1, max_value=10))
def test_matches_find_workday_on_workdays_and_is_one_earlier_on_rest_days(start, n):
    """chinesecalendar.find_workday counts the first workday on/after a rest day as day 0."""
    expected = chinese_calendar.find_workday(n, start)
    if chinese_calendar.is_workday(start):
        assert clock.add_working_days(start, n) == expected
    else:
        assert clock.add_working_days(start, n) == chinese_calendar.find_workday(n - 1, start)


def test_working_days_counter_agrees_with_the_loop_across_national_day(app_ctx):
    from datetime import timedelta

    first, last = date(2026, 9, 20), date(2026, 10, 31)
    between = clock.working_days_counter(first, last)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for a in days[::3]:
        for b in days[::2]:
            assert between(a, b) == clock.working_days_between(a, b), (a, b)
    assert between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert between(date(2026, 9, 1), date(2026, 9, 30)) == clock.working_days_between(
        date(2026, 9, 1), date(2026, 9, 30))   # outside the range: falls back to the loop


def test_old_calendar_address_redirects_keeping_the_method(client, world, login):
    """The page moved to its own room (/calendar/); bookmarks and old forms still work."""
    login(world.town_admin)
    page = client.get("/opinions/calendar?year=2026")
    assert page.status_code == 308 and page.headers["Location"].endswith("/calendar/?year=2026")
    posted = client.post("/opinions/calendar", data={"year": 2027, "schedule": "2027-02-30 休"})
    assert posted.status_code == 308 and posted.headers["Location"].endswith("/calendar/")
    again = client.post(posted.headers["Location"], data={"year": 2027,
                                                          "schedule": "2027-02-30 休"})
    assert "第1行的日期不存在" in again.get_data(as_text=True)
