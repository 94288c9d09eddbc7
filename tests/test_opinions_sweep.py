"""The scheduler sweep acts exactly once: reminders, overdue, escalation, daily digest —
twice in a row, after downtime, and with two clocks racing."""
import threading
from datetime import datetime, timezone

from sqlalchemy import select, text

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import Notification, OutboundMessage
from partyapp.notify.services import deliver_outbox
from partyapp.opinions import jobs
from partyapp.opinions.models import Opinion

from .factories_opinions import make_opinion

UTC = timezone.utc


def china(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=clock.CHINA).astimezone(UTC)


def titles(person):
    return db.session.scalars(select(Notification.title).where(
        Notification.person_id == person.id).order_by(Notification.id)).all()


def no_digest(result):
    return {k: v for k, v in result.items() if k != "digests"}


def test_sweep_twice_reminds_once_and_escalates_once(world, frozen):
    make_opinion(world.branch, at=china(2026, 10, 12))        # due Mon 19 Oct
    frozen(china(2026, 10, 15, 7))                             # Thu: two working days left
    assert jobs.sweep() == {"reminded": 0, "overdue": 0, "escalated": 0, "digests": 0}
    frozen(china(2026, 10, 16, 7))                             # Fri: one working day left
    assert jobs.sweep() == {"reminded": 1, "overdue": 0, "escalated": 0, "digests": 0}
    assert jobs.sweep() == {"reminded": 0, "overdue": 0, "escalated": 0, "digests": 0}
    assert titles(world.secretary)[-1] == "1条群众意见明天前要答复"
    frozen(china(2026, 10, 20, 7))                             # Tue: past due
    assert jobs.sweep() == {"reminded": 0, "overdue": 1, "escalated": 1, "digests": 0}
    assert jobs.sweep() == {"reminded": 0, "overdue": 0, "escalated": 0, "digests": 0}
    assert titles(world.town_admin) == ["甲一村党支部有1条群众意见超过5个工作日未答复"]
    assert titles(world.other_town_admin) == []
    assert titles(world.secretary).count("1条群众意见明天前要答复") == 1
    assert titles(world.secretary).count("1条群众意见已逾期") == 1
    outbound = db.session.scalars(select(OutboundMessage.text)).all()
    assert outbound == ["【意见逾期】甲一村党支部有1条群众意见超过5个工作日未答复，已上报镇党委。"]


def test_daily_digest_once_per_branch_per_day(world, frozen):
    make_opinion(world.branch, at=china(2026, 10, 12))
    make_opinion(world.other_branch, at=china(2026, 10, 12), content="甲二村：修桥。")
    frozen(china(2026, 10, 13, 7, 55))
    assert jobs.sweep()["digests"] == 0                        # before 08:00 China
    clock.move(china(2026, 10, 13, 8, 5) - clock.now())
    assert jobs.sweep()["digests"] == 2
    assert jobs.sweep()["digests"] == 0
    assert titles(world.secretary)[-1] == "今日意见箱：待答复1条，其中已逾期0条"
    assert titles(world.other_branch_secretary)[-1] == "今日意见箱：待答复1条，其中已逾期0条"
    frozen(china(2026, 10, 14, 9))
    assert jobs.sweep()["digests"] == 2


def test_catch_up_after_days_of_downtime_happens_once(world, frozen):
    make_opinion(world.branch, at=china(2026, 9, 30))                       # due 13 Oct
    make_opinion(world.branch, at=china(2026, 10, 9), content="第二条内容")   # due 15 Oct
    make_opinion(world.branch, at=china(2026, 10, 19), content="第三条内容")  # due 26 Oct
    frozen(china(2026, 10, 23, 9))   # the clock was down from 30 Sep to Fri 23 Oct
    first = jobs.sweep()
    assert first == {"reminded": 1, "overdue": 2, "escalated": 2, "digests": 1}
    assert jobs.sweep() == {"reminded": 0, "overdue": 0, "escalated": 0, "digests": 0}
    assert titles(world.town_admin) == ["甲一村党支部有2条群众意见超过5个工作日未答复"]
    assert "2条群众意见已逾期" in titles(world.secretary)


def test_replied_opinions_are_left_alone(world, frozen):
    from partyapp.opinions.services import reply_to_opinion

    opinion, _ = make_opinion(world.branch, at=china(2026, 10, 12))
    reply_to_opinion(world.secretary, opinion, "已处理。")
    frozen(china(2026, 10, 30, 7))
    assert jobs.sweep() == {"reminded": 0, "overdue": 0, "escalated": 0, "digests": 0}


def test_reopened_opinion_gets_its_own_reminder(world, frozen):
    from partyapp.opinions.services import rate_opinion, reply_to_opinion

    opinion, _ = make_opinion(world.branch, at=china(2026, 10, 12))
    frozen(china(2026, 10, 16, 7))
    assert jobs.sweep()["reminded"] == 1
    reply_to_opinion(world.secretary, opinion, "已处理。")
    rate_opinion(opinion, "bad")                          # Fri 16 -> due Fri 23 Oct
    frozen(china(2026, 10, 22, 7))
    assert jobs.sweep()["reminded"] == 1


def test_sweep_query_count_does_not_grow_with_opinions(world, frozen, queries):
    def run_with(n):
        for i in range(n):
            make_opinion(world.branch, at=china(2026, 10, 1 + i % 5), content=f"第{i}号意见内容")
        for o in db.session.scalars(select(Opinion)):
            o.reminded_at = o.overdue_at = o.escalated_at = None
        db.session.commit()
        db.session.execute(text("DELETE FROM opinion_digest"))
        db.session.commit()
        frozen(china(2026, 10, 23, 9))
        with queries() as q:
            result = jobs.sweep()
        return q.count, result

    few, result_few = run_with(2)
    many, result_many = run_with(20)
    assert result_few["overdue"] == 2 and result_many["overdue"] == 22
    assert few == many


def _race(app, runs=2):
    barrier = threading.Barrier(runs)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                results.append(jobs.sweep())
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_sweeps_racing_in_threads_act_once(app, world, frozen):
    for n in range(5):
        make_opinion(world.branch, at=china(2026, 10, 9), content=f"逾期意见{n}号内容")
    make_opinion(world.branch, at=china(2026, 10, 16), content="明天到期的意见内容")  # due 23 Oct
    frozen(china(2026, 10, 22, 9))
    results, errors = _race(app)
    assert errors == []
    totals = {key: sum(r.get(key, 0) for r in results)
              for key in ("reminded", "overdue", "escalated", "digests")}
    assert totals == {"reminded": 1, "overdue": 5, "escalated": 5, "digests": 1}
    assert titles(world.town_admin) == ["甲一村党支部有5条群众意见超过5个工作日未答复"]


def test_second_clock_idles_while_the_first_holds_the_lock(app, world, frozen):
    """PostgreSQL: a transaction-level advisory lock keeps the second clock idle. SQLite has
    no advisory locks: there the second clock waits for the write lock, then finds nothing."""
    make_opinion(world.branch, at=china(2026, 10, 9))
    frozen(china(2026, 10, 22, 9))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as other_clock:
            other_clock.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                {"k": jobs.SWEEP_LOCK_KEY})
            assert jobs.sweep() == {"skipped": True}
            other_clock.rollback()
        assert jobs.sweep()["overdue"] == 1
    else:
        with db.engine.connect() as other_clock:
            other_clock.exec_driver_sql("BEGIN IMMEDIATE")
            other_clock.exec_driver_sql(
                "UPDATE opinion SET overdue_at = '2026-10-21 00:00:00' WHERE overdue_at IS NULL")
            other_clock.commit()
        assert jobs.sweep()["overdue"] == 0


def test_escalation_and_digest_go_to_the_branch_own_wecom_group(world, frozen, fake_wecom):
    """A branch that set up its group robot gets the escalation and the digest in its own
    group; a branch without one goes through the configured sender (here: record only)."""
    url, received = fake_wecom
    world.branch.wecom_webhook = f"{url}?key=good-jia1"
    db.session.commit()
    make_opinion(world.branch, at=china(2026, 10, 12))        # due Mon 19 Oct
    make_opinion(world.other_branch, at=china(2026, 10, 12), content="甲二村：修桥。")
    frozen(china(2026, 10, 20, 7))                             # Tue 07:00: past due, no digest yet
    assert jobs.sweep()["escalated"] == 2
    clock.move(china(2026, 10, 20, 8, 5) - clock.now())
    assert jobs.sweep()["digests"] == 2
    assert received == []                      # queued in the outbox; the clock's job sends
    assert deliver_outbox()["sent"] == 2
    texts = [r["body"]["text"]["content"] for r in received]
    assert texts == ["【意见逾期】甲一村党支部有1条群众意见超过5个工作日未答复，已上报镇党委。",
                     "【意见箱日报】今日意见箱：待答复1条，其中已逾期1条。"]
    assert all(r["path"].endswith("key=good-jia1") for r in received)
    recorded = db.session.scalars(select(OutboundMessage.channel)).all()
    assert sorted(recorded) == ["record", "record", "wecom", "wecom"]
