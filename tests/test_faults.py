"""Faults: the clock process down for three days and restarted (every reminder, overdue mark,
escalation and monthly ask of every feature happens once, also with two clocks racing — on
PostgreSQL the threads are two connections). /healthz on a stale heartbeat: tests/test_app.py."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import Notification, OutboundMessage
from partyapp.scheduler import all_jobs

from .factories_disclosures import make_commitment
from .factories_meetings import make_meeting
from .factories_opinions import make_opinion


def china(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=clock.CHINA).astimezone(clock.UTC)


def run_clock(app):
    """One pass of every job of every feature, as the clock process runs them (errors raise)."""
    for job in all_jobs(app):
        with app.app_context():
            job.func()
            db.session.remove()


def race_clocks(app, clocks=2):
    """Several clock processes at the same moment (threads: one connection each)."""
    barrier = threading.Barrier(clocks)
    errors = []

    def one_clock():
        try:
            barrier.wait()
            run_clock(app)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=one_clock) for _ in range(clocks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def inbox(person) -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(select(Notification.title).where(
        Notification.person_id == person.id)))


def outbound() -> Counter:
    return Counter(db.session.scalars(select(OutboundMessage.text)))


def _scenario(world, frozen):
    """Fri 27 Nov 2026: the clock runs. Then it is down from Sat 28 Nov 09:00 to Tue 1 Dec
    09:00 (three days). In those days an opinion fell due (Mon 30), a new month began (asks,
    compliance reminders) and a meeting came up for Wed 2 Dec (its reminder is due Tue 1)."""
    frozen(china(2026, 11, 1, 8))
    make_commitment(world.branch, world.member, title="修路")
    db.session.commit()
    # Received Mon 23 Nov; five working days: Tue 24 … Mon 30 Nov.
    make_opinion(world.branch, at=china(2026, 11, 23, 10))
    meeting = make_meeting(world.branch, starts_at=china(2026, 12, 2, 10), topic="十二月主题党日")
    return meeting


def test_three_days_of_downtime_then_restart_acts_once_per_event(app, world, frozen):
    _scenario(world, frozen)
    clock.move(china(2026, 11, 27) - clock.now())
    run_clock(app)
    clock.move(china(2026, 11, 28) - clock.now())
    run_clock(app)                                   # the last run before the outage
    before_outage = inbox(world.secretary)
    assert before_outage["1条群众意见已逾期"] == 0
    clock.move(china(2026, 12, 1) - clock.now())    # three days later the clock restarts:
    run_clock(app)                                   # the start-up run...
    run_clock(app)                                   # ...and the first interval run
    secretary, member, town = inbox(world.secretary), inbox(world.member), inbox(world.town_admin)
    assert secretary["1条群众意见明天前要答复"] == 1
    assert secretary["1条群众意见已逾期"] == 1
    assert town["甲一村党支部有1条群众意见超过5个工作日未答复"] == 1
    assert member["请更新承诺进展：修路"] == 2        # November's ask and December's, once each
    assert member["明天开会：十二月主题党日"] == 1
    assert secretary["本月还有会议要开"] == 2        # November's and December's
    assert outbound()["【意见逾期】甲一村党支部有1条群众意见超过5个工作日未答复，已上报镇党委。"] == 1


def test_two_clocks_after_the_outage_still_act_once(app, world, frozen):
    _scenario(world, frozen)
    clock.move(china(2026, 11, 28) - clock.now())
    run_clock(app)
    clock.move(china(2026, 12, 1) - clock.now())
    assert race_clocks(app, clocks=2) == []
    assert race_clocks(app, clocks=3) == []
    secretary, member, town = inbox(world.secretary), inbox(world.member), inbox(world.town_admin)
    assert secretary["1条群众意见已逾期"] == 1
    assert town["甲一村党支部有1条群众意见超过5个工作日未答复"] == 1
    assert member["请更新承诺进展：修路"] == 2
    assert member["明天开会：十二月主题党日"] == 1
    assert secretary["本月还有会议要开"] == 2
    assert outbound()["【意见逾期】甲一村党支部有1条群众意见超过5个工作日未答复，已上报镇党委。"] == 1
    # Nothing at all was sent twice: every (person, title, link) in the inbox is unique
    # except the monthly ones, which differ by month.
    rows = db.session.execute(select(Notification.person_id, Notification.title,
                                     Notification.link, Notification.created_at)).all()
    assert len(rows) == len(set(rows))
