"""按期换届提醒督促 (004 §18): a term's reminders six, three and one month before its end and at
its end happen once each, to the secretary and the town; the town sees overdue terms; a 换届
recorded on the org pages starts the next term."""
from datetime import date, datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import AuditEntry, Notification
from partyapp.terms import services
from partyapp.terms.models import OrgTerm, TermReminder

from .factories import make_person


def _at(day: date):
    return datetime(day.year, day.month, day.day, 9, tzinfo=clock.CHINA)


def _term_messages(person) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(
        Notification.person_id == person.id, Notification.kind == "term")
        .order_by(Notification.id)))


def _register(client, login, world, org, started_on, years="5"):
    login(world.town_admin)
    return client.post(f"/terms/org/{org.id}/record",
                       data={"started_on": started_on, "years": years})


def test_each_reminder_of_a_term_is_sent_once_to_the_secretary_and_the_town(
        client, login, world, frozen):
    frozen(_at(date(2026, 3, 1)))
    assert _register(client, login, world, world.branch, "2022-01-15").status_code == 303
    term = db.session.scalar(select(OrgTerm).where(OrgTerm.org_id == world.branch.id))
    assert term.ends_on == date(2027, 1, 15)
    expected = []
    for day, words in ((date(2026, 7, 15), "还有约6个月"), (date(2026, 10, 15), "还有约3个月"),
                       (date(2026, 12, 15), "还有约1个月"), (date(2027, 1, 15), "已到期")):
        clock.move(_at(day - timedelta(days=1)) - clock.now())
        assert services.send_term_reminders() == 0           # not yet
        clock.move(timedelta(days=1))
        assert services.send_term_reminders() == 1
        assert services.send_term_reminders() == 0           # a second run or clock: nothing
        expected.append(words)
        for person in (world.secretary, world.town_admin):
            titles = _term_messages(person)
            assert len(titles) == len(expected) and words in titles[-1]
    assert _term_messages(world.other_town_admin) == []
    assert _term_messages(world.other_branch_secretary) == []
    assert _term_messages(world.member) == []


def test_a_clock_down_for_months_sends_only_the_latest_stage(client, login, world, frozen):
    frozen(_at(date(2026, 3, 1)))
    _register(client, login, world, world.branch, "2022-01-15")
    clock.move(_at(date(2026, 11, 20)) - clock.now())       # 6- and 3-month dates passed
    assert services.send_term_reminders() == 1
    assert [t for t in _term_messages(world.secretary)] == ["甲一村党支部任期还有约3个月届满"]
    stages = set(db.session.scalars(select(TermReminder.stage)))
    assert stages == {"6m", "3m"}


def test_recording_a_term_change_starts_the_next_term_and_the_reminders_start_again(
        client, login, world, frozen):
    frozen(_at(date(2027, 2, 1)))
    _register(client, login, world, world.branch, "2022-01-15")
    services.send_term_reminders()
    assert len(_term_messages(world.secretary)) == 1       # overdue
    new_secretary = make_person("钱新书记", org=world.group)
    db.session.commit()
    response = client.post(f"/org/town/{world.town.id}/orgs/{world.branch.id}/term",
                           data={"on": "2027-01-30", "secretary": str(new_secretary.id)})
    assert response.status_code == 303
    terms = list(db.session.scalars(select(OrgTerm).where(OrgTerm.org_id == world.branch.id)
                                    .order_by(OrgTerm.started_on)))
    assert [(t.started_on, t.ended_on, t.ends_on) for t in terms] == [
        (date(2022, 1, 15), date(2027, 1, 30), date(2027, 1, 15)),
        (date(2027, 1, 30), None, date(2032, 1, 30))]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "term.start")) == 2
    assert services.send_term_reminders() == 0
    clock.move(_at(date(2031, 7, 30)) - clock.now())
    assert services.send_term_reminders() == 1
    assert "还有约6个月" in _term_messages(new_secretary)[-1]
    assert len(_term_messages(world.secretary)) == 1       # the old secretary: no longer


def test_the_town_dashboard_flags_overdue_terms_and_the_workbook_lists_them(
        client, login, world, frozen):
    frozen(_at(date(2027, 3, 1)))
    _register(client, login, world, world.branch, "2021-12-01")     # overdue since 2026-12-01
    _register(client, login, world, world.town, "2025-06-01")
    page = client.get(f"/town/{world.town.id}/?section=terms").get_data(as_text=True)
    assert "甲一村党支部" in page and "已超期90天未换届" in page
    assert "甲二村党支部" in page and "未登记届期" in page
    assert 'id="terms-overdue"' in page and "2个组织已超期或未登记届期" in page
    book = load_workbook(BytesIO(client.get(f"/town/{world.town.id}/report.xlsx").data))
    rows = [[c.value for c in row] for row in book["换届届期"].iter_rows(min_row=2)]
    assert ["甲一村党支部", "2021-12-01", 5, "2026-12-01", "已超期90天未换届"] in rows
    assert "乙一村" not in str(rows)
    printed = client.get(f"/town/{world.town.id}/print").get_data(as_text=True)
    assert "已超期90天未换届" in printed


def test_the_secretary_sees_the_term_and_a_to_do_line_but_cannot_change_it(
        client, login, world, frozen):
    frozen(_at(date(2026, 10, 1)))
    _register(client, login, world, world.branch, "2022-01-15")
    login(world.secretary)
    page = client.get(f"/terms/org/{world.branch.id}").get_data(as_text=True)
    assert "2027年01月15日" in page and "登记或更正" not in page
    assert client.post(f"/terms/org/{world.branch.id}/record",
                       data={"started_on": "2026-09-01", "years": "5"}).status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert "换届：甲一村党支部" in home
    login(world.other_branch_secretary)
    assert client.get(f"/terms/org/{world.branch.id}").status_code == 403
    login(world.member)
    assert client.get(f"/terms/org/{world.branch.id}").status_code == 403


def test_bad_terms_get_a_chinese_message_and_change_nothing(client, login, world, frozen):
    frozen(_at(date(2026, 10, 1)))
    _register(client, login, world, world.branch, "2022-01-15")
    cases = [({"started_on": "2026-12-01", "years": "5"}, "不能晚于今天"),
             ({"started_on": "2021-01-01", "years": "5"}, "不能早于本届开始日期"),
             ({"started_on": "2022-01-15", "years": "50"}, "任期请填1到10年"),
             ({"started_on": "not a date", "years": "5"}, "日期格式不对"),
             ({"started_on": "2022-01-15", "years": "abc"}, "请填写整数")]
    for data, message in cases:
        response = client.post(f"/terms/org/{world.branch.id}/record", data=data)
        assert response.status_code == 200 and message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(OrgTerm.id))) == 1
    # the same start date corrects the length (audited), a later one is a 换届
    assert _register(client, login, world, world.branch, "2022-01-15", "3").status_code == 303
    term = db.session.scalar(select(OrgTerm))
    assert (term.years, term.ends_on) == (3, date(2025, 1, 15))
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "term.correct")) == 1
    assert client.post(f"/terms/org/{world.group.id}/record",
                       data={"started_on": "2022-01-15", "years": "5"}).status_code == 404


def test_demo_terms_show_one_overdue_village(app_ctx, frozen, client, login):
    from werkzeug.security import generate_password_hash

    from partyapp.demo import seed_demo

    frozen(_at(date(2026, 11, 20)))
    ctx = seed_demo(generate_password_hash("demo1234", method="pbkdf2:sha256:1000"))
    rows = {row.org.name: row.state for row in services.town_terms(ctx.town)}
    assert rows == {"青山镇党委": "ok", "东湖村党支部": "soon", "西岭村党支部": "overdue"}
    assert services.send_term_reminders() == 2
    login(ctx.people["13900000000"])
    page = client.get(f"/town/{ctx.town.id}/?section=terms").get_data(as_text=True)
    assert "西岭村党支部" in page and "已超期" in page
