"""党费 (004 §26): monthly records from the standard rules (or entered), payments recorded with
when, how and who; a member 3 and 6 months behind is brought to the secretary once each, never
given a status; the base is seen by the member and the recorder only, arrears by the secretary
and the 组织委员 only; the town gets a quarterly summary with counts, never names."""
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from partyapp import clock
from partyapp.dues import services
from partyapp.dues.models import DuesPayment, DuesProfile, DuesRecord
from partyapp.extensions import db
from partyapp.meetings.services import active_kinds
from partyapp.models import AuditEntry, Membership, Notification, PartyStatus, Role

from .factories import make_person

BASE_TEXT = "4,200.00"


def _at(day: date, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.CHINA)


def _set_profile(client, login, world, person, **data):
    login(world.recorder)
    return client.post(f"/dues/branch/{world.branch.id}/people/{person.id}/profile", data=data)


def _dues_messages(person) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(
        Notification.person_id == person.id, Notification.kind == "dues")
        .order_by(Notification.id)))


@pytest.mark.parametrize("category, base, due, words", [
    ("employed", 300000, 1500, "3000元（含）按0.5%"),
    ("employed", 420000, 4200, "3000元以上至5000元（含）按1%"),
    ("employed", 800000, 12000, "按1.5%"),
    ("employed", 1000100, 20002, "10000元以上按2%"),
    ("retired", 500000, 2500, "月离退休费至5000元（含）按0.5%"),
    ("retired", 600000, 6000, "5000元以上按1%"),
])
def test_the_standard_brackets(app_ctx, category, base, due, words):
    amount, rule = services.standard_due(category, base, None)
    assert amount == due and words in rule and "4200" not in rule


def test_the_recorder_sets_a_standard_and_this_months_record_shows_the_rule(
        client, login, world, frozen):
    frozen(_at(date(2026, 11, 3)))
    response = _set_profile(client, login, world, world.member, category="employed",
                            base="4200", fixed="")
    assert response.status_code == 303
    record = db.session.scalar(select(DuesRecord))
    assert (record.month, record.due_fen, record.source) == ("2026-11", 4200, "rule")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "42.00" in page and "按1%交纳" in page and BASE_TEXT in page
    # a farmer member: a small fixed amount
    assert _set_profile(client, login, world, world.group_leader, category="farmer",
                        base="", fixed="0.5").status_code == 303
    assert db.session.scalar(select(DuesRecord.due_fen).where(
        DuesRecord.person_id == world.group_leader.id)) == 50
    audit = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "dues.profile"))
    assert "4200" not in audit and "420000" not in audit   # the secretary reads the trail


def test_bad_standards_get_a_chinese_message_and_write_nothing(client, login, world, frozen):
    frozen(_at(date(2026, 11, 3)))
    cases = [({"category": "farmer", "fixed": "5"}, "每月交纳0.20到2.00元"),
             ({"category": "employed", "base": ""}, "请填写交纳基数"),
             ({"category": "employed", "base": "abc"}, "金额请写成数字"),
             ({"category": "employed", "base": "-5"}, "金额请写成数字"),
             ({"category": "employed", "base": "99999999"}, "交纳基数太大了"),
             ({"category": "boss", "base": "1"}, "请从列表中选择")]
    for data, message in cases:
        response = _set_profile(client, login, world, world.member, **data)
        assert response.status_code == 200, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(DuesProfile.id))) == 0
    assert db.session.scalar(select(func.count(DuesRecord.id))) == 0
    login(world.recorder)
    assert client.post(f"/dues/branch/{world.branch.id}/people/{world.villager_rep.id}/profile",
                       data={"category": "farmer", "fixed": "1"}).status_code == 404
    assert client.post(f"/dues/branch/{world.branch.id}/people/{world.other_member.id}/profile",
                       data={"category": "farmer", "fixed": "1"}).status_code == 404


def _month_by_month(first: date, months: int, pay=lambda month: False):
    """Travel to the 2nd of each month, run both clock jobs twice (a second clock)."""
    sent = []
    for n in range(months):
        key = services.shift_month(services.month_key(first), n)
        year, month = map(int, key.split("-"))
        clock.move(_at(date(year, month, 2)) - clock.now())
        services.open_month()
        services.open_month()
        sent.append(services.send_arrears_reminders() + services.send_arrears_reminders())
    return sent


def test_three_and_six_months_unpaid_remind_the_secretary_once_each_and_change_no_status(
        client, login, world, frozen):
    frozen(_at(date(2026, 1, 2)))
    _set_profile(client, login, world, world.member, category="farmer", fixed="1")
    sent = _month_by_month(date(2026, 1, 1), 9)          # January .. September, never paid
    # April: Jan–Mar unpaid (3); July: Jan–Jun (6); nothing else, however often the clock runs
    assert sent == [0, 0, 0, 1, 0, 0, 1, 0, 0]
    titles = _dues_messages(world.secretary)
    assert titles == ["普通党员已连续3个月未交党费，请找其谈心谈话",
                      "普通党员已连续6个月未交党费，请找其谈心谈话"]
    for person in (world.member, world.recorder, world.group_leader, world.town_admin,
                   world.other_branch_secretary):
        assert _dues_messages(person) == []
    db.session.expire_all()
    assert world.member.party_status == PartyStatus.FULL and world.member.active
    assert db.session.scalar(select(func.count(Membership.id)).where(
        Membership.person_id == world.member.id, Membership.ended_on.is_not(None))) == 0


def test_paying_ends_the_run_and_a_new_run_is_reminded_again(client, login, world, frozen):
    frozen(_at(date(2026, 1, 2)))
    _set_profile(client, login, world, world.member, category="farmer", fixed="1")
    _month_by_month(date(2026, 1, 1), 4)                 # April: 3 months behind, reminded
    login(world.recorder)
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    response = client.post(f"/dues/branch/{world.branch.id}/people/{world.member.id}/pay",
                           data={"months": months, "paid_on": "2026-04-02", "how": "cash"})
    assert "一次交多个月须经支部同意" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(DuesPayment.id))) == 0
    response = client.post(f"/dues/branch/{world.branch.id}/people/{world.member.id}/pay",
                           data={"months": months, "paid_on": "2026-04-02", "how": "transfer",
                                 "approved": "y"})
    assert response.status_code == 303
    payment = db.session.scalar(select(DuesPayment))
    assert (payment.months, payment.total_fen, payment.approved, payment.recorded_by_id) == (
        4, 400, True, world.recorder.id)
    again = client.post(f"/dues/branch/{world.branch.id}/people/{world.member.id}/pay",
                        data={"months": ["2026-04"], "paid_on": "2026-04-02", "how": "cash"})
    assert "已交" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(DuesPayment.id))) == 1
    sent = _month_by_month(date(2026, 5, 1), 4)          # May–July unpaid: August reminds
    assert sent == [0, 0, 0, 1]
    assert len(_dues_messages(world.secretary)) == 2
    entries = {a for a in db.session.scalars(select(AuditEntry.action))}
    assert {"dues.profile", "dues.payment"} <= entries


def test_the_base_is_seen_by_the_member_and_the_recorder_only(client, login, world, frozen):
    frozen(_at(date(2026, 4, 2)))
    _set_profile(client, login, world, world.member, category="employed", base="4200")
    organizer = make_person("组织委员甲", org=world.branch, roles=(Role.MEMBER, Role.ORGANIZER))
    active_kinds()      # the migration seeds them; here a GET of the town pages would (no commit)
    db.session.commit()
    b, m = world.branch.id, world.member.id
    login(world.member)
    assert BASE_TEXT in client.get("/dues/mine").get_data(as_text=True)
    login(world.recorder)
    assert BASE_TEXT in client.get(f"/dues/branch/{b}/people/{m}").get_data(as_text=True)
    for person in (world.secretary, organizer, world.group_leader, world.town_admin,
                   world.other_branch_secretary):
        login(person)
        for url in (f"/dues/branch/{b}/people/{m}", f"/dues/branch/{b}",
                    f"/dues/branch/{b}/arrears", "/dues/mine", f"/org/{b}/audit",
                    f"/town/{world.town.id}/?section=dues", f"/town/{world.town.id}/print"):
            response = client.get(url)
            body = response.get_data(as_text=True)
            assert BASE_TEXT not in body and "4200.00" not in body, (person.name, url)


def test_arrears_are_shown_to_the_secretary_and_the_organizer_only(client, login, world, frozen):
    frozen(_at(date(2026, 1, 2)))
    _set_profile(client, login, world, world.member, category="farmer", fixed="1")
    _month_by_month(date(2026, 1, 1), 4)
    organizer = make_person("组织委员甲", org=world.branch, roles=(Role.MEMBER, Role.ORGANIZER))
    db.session.commit()
    url = f"/dues/branch/{world.branch.id}/arrears"
    for person in (world.secretary, organizer):
        login(person)
        page = client.get(url).get_data(as_text=True)
        assert "普通党员" in page and "连续3个月未交" in page
    login(world.secretary)
    assert "党费：1名党员连续3个月以上未交" in client.get("/").get_data(as_text=True)
    for person in (world.member, world.recorder, world.group_leader, world.villager_rep,
                   world.town_admin, world.other_branch_secretary):
        login(person)
        response = client.get(url)
        assert response.status_code == 403 and "普通党员" not in response.get_data(as_text=True)
        assert "连续3个月以上未交" not in client.get("/").get_data(as_text=True)
    # the town: counts only
    login(world.town_admin)
    page = client.get(f"/town/{world.town.id}/?section=dues&period=2026-Q1").get_data(as_text=True)
    assert "党费收缴" in page and "普通党员" not in page
    # the member sees their own months, of course
    login(world.member)
    assert client.get("/dues/mine").get_data(as_text=True).count("未交") >= 3


def test_the_branch_records_a_reason_or_its_decision(client, login, world, frozen):
    frozen(_at(date(2026, 1, 2)))
    _set_profile(client, login, world, world.member, category="farmer", fixed="1")
    _month_by_month(date(2026, 1, 1), 7)
    login(world.secretary)
    url = f"/dues/branch/{world.branch.id}/arrears/{world.member.id}/note"
    bad = client.post(url, data={"kind": "reason", "text": "  "}, follow_redirects=True)
    assert "请写下谈话情况或支部的决定" in bad.get_data(as_text=True)
    long = client.post(url, data={"kind": "decision", "text": "长" * 501}, follow_redirects=True)
    assert "最多500个字" in long.get_data(as_text=True)
    assert client.post(url, data={"kind": "decision",
                                  "text": "支部委员会研究：再谈一次，限期补交"}).status_code == 303
    page = client.get(f"/dues/branch/{world.branch.id}/arrears").get_data(as_text=True)
    assert "支部决定：支部委员会研究：再谈一次，限期补交" in page and "连续6个月未交" in page
    assert "连续3个月以上未交" not in client.get("/").get_data(as_text=True)   # talked to
    db.session.expire_all()
    assert world.member.party_status == PartyStatus.FULL


def test_the_recorder_enters_an_amount_and_a_paid_month_stays_as_it_is(
        client, login, world, frozen):
    frozen(_at(date(2026, 11, 3)))
    _set_profile(client, login, world, world.member, category="farmer", fixed="1")
    record = db.session.scalar(select(DuesRecord))
    url = f"/dues/branch/{world.branch.id}/records/{record.id}/due"
    assert "金额请写成数字" in client.post(url, data={"due": "x"}, follow_redirects=True) \
        .get_data(as_text=True)
    assert client.post(url, data={"due": "1.50"}).status_code == 303
    db.session.expire_all()
    record = db.session.get(DuesRecord, record.id)
    assert (record.due_fen, record.source) == (150, "entered")
    client.post(f"/dues/branch/{world.branch.id}/people/{world.member.id}/pay",
                data={"months": ["2026-11"], "paid_on": "2026-11-03", "how": "cash"})
    page = client.post(url, data={"due": "9"}, follow_redirects=True).get_data(as_text=True)
    assert "这个月已经交了" in page
    assert db.session.scalar(select(DuesRecord.due_fen)) == 150
    future = client.post(f"/dues/branch/{world.branch.id}/people/{world.member.id}/pay",
                         data={"months": ["2026-11"], "paid_on": "2026-12-01", "how": "cash"})
    assert future.status_code == 200


def test_the_town_gets_a_quarterly_summary_and_the_workbook_sheet(client, login, world, frozen):
    frozen(_at(date(2026, 1, 2)))
    _set_profile(client, login, world, world.member, category="farmer", fixed="1")
    _set_profile(client, login, world, world.group_leader, category="employed", base="4200")
    _month_by_month(date(2026, 1, 1), 4)                 # Jan–Apr records, none paid
    login(world.recorder)
    client.post(f"/dues/branch/{world.branch.id}/people/{world.group_leader.id}/pay",
                data={"months": ["2026-01", "2026-02", "2026-03"], "paid_on": "2026-04-02",
                      "how": "transfer", "approved": "y"})
    login(world.town_admin)
    page = client.get(f"/town/{world.town.id}/?section=dues&period=2026-Q1").get_data(as_text=True)
    assert "甲一村党支部" in page and "129.00" in page and "126.00" in page
    response = client.get(f"/town/{world.town.id}/report.xlsx?period=2026-Q1")
    rows = [[c.value for c in row] for row in
            load_workbook(BytesIO(response.data))["党费收缴"].iter_rows(min_row=3)]
    assert ["甲一村党支部", 2, 129, 126, 98, 3, 1] in rows
    assert "普通党员" not in str(rows) and "小组长" not in str(rows)


def test_demo_dues(app_ctx, frozen, client, login):
    from werkzeug.security import generate_password_hash

    from partyapp.demo import seed_demo

    frozen(_at(date(2026, 11, 20)))
    ctx = seed_demo(generate_password_hash("demo1234", method="pbkdf2:sha256:1000"))
    donghu = ctx.villages["donghu"]
    assert [row.streak.length for row in services.arrears(donghu)] == [6, 3]
    assert services.send_arrears_reminders() == 3
    login(ctx.people["13800000010"])
    assert BASE_TEXT in client.get("/dues/mine").get_data(as_text=True)
    login(ctx.people["13800000001"])
    page = client.get(f"/dues/branch/{donghu.id}/arrears").get_data(as_text=True)
    assert "春节回村一次交清" in page
