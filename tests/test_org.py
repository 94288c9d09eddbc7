"""The branch roster (花名册): listing in pinyin order, adding, editing, deactivating,
invitations with a QR code, permissions and the audit trail."""
import base64
import io
import json
import re
from datetime import date, datetime, timezone

import zxingcpp
from PIL import Image
from sqlalchemy import select

from partyapp.extensions import db
from partyapp.models import AuditEntry, Membership, Person, Role

from .factories import make_person


def _person(phone):
    return db.session.scalar(select(Person).where(Person.phone == phone))


def _roles(person):
    db.session.expire_all()
    return sorted((m.org_id, m.role, m.post, m.ended_on) for m in
                  db.session.scalars(select(Membership).where(Membership.person_id == person.id)))


def _names_in_order(body, names):
    positions = {name: body.index(name) for name in names}
    return sorted(names, key=positions.get)


def test_roster_lists_people_in_pinyin_order_with_roles_status_group_and_rep_flag(
        client, login, world):
    make_person("张伟", org=world.group)
    make_person("阿依古丽", org=world.group)
    make_person("李娜", org=world.branch, status=None, roles=(Role.VILLAGER_REP,), villager_rep=True)
    db.session.commit()
    login(world.secretary)
    body = client.get(f"/org/{world.branch.id}/roster").get_data(as_text=True)
    # a(依古丽) < li(娜) < shu(记甲) < zhang(伟)
    assert _names_in_order(body, ["张伟", "阿依古丽", "李娜", "书记甲"]) == [
        "阿依古丽", "李娜", "书记甲", "张伟"]
    assert "村委会主任" in body and "书记" in body
    assert "第一党小组" in body and "正式党员" in body
    li_na = body[body.index("李娜"):body.index("李娜") + 400]
    assert "村民代表" in li_na and "群众" in li_na
    # Other branches' people are not on it.
    assert "书记乙" not in body and "远方党员" not in body


def test_roster_page_makes_a_fixed_number_of_queries(client, login, world, queries):
    login(world.secretary)
    client.get(f"/org/{world.branch.id}/roster")
    db.session.expire_all()   # the test shares the app context: start each request cold
    with queries() as few:
        client.get(f"/org/{world.branch.id}/roster")
    for i in range(12):
        make_person(f"新人{i}", org=world.group)
    db.session.commit()
    db.session.expire_all()
    with queries() as many:
        body = client.get(f"/org/{world.branch.id}/roster").get_data(as_text=True)
    assert "新人11" in body
    assert many.count == few.count, "\n".join(many.statements)


def test_secretary_adds_a_member_with_roles_and_it_is_audited(client, login, world):
    login(world.secretary)
    response = client.post(f"/org/{world.branch.id}/people/new", data={
        "name": "王秀英", "phone": "+86 138-1234-5678", "party_status": "probationary",
        "joined_party_on": "2024-07-01", "group_id": str(world.group.id), "villager_rep": "y",
        "roles": ["committee", "group_leader"], "committee_post": "村委会委员"})
    assert response.status_code == 303
    person = _person("13812345678")
    assert (person.name, person.name_pinyin, person.party_status) == ("王秀英", "wang xiu ying",
                                                                       "probationary")
    assert person.joined_party_on == date(2024, 7, 1) and person.is_villager_rep
    assert [(org, role, post) for org, role, post, _ in _roles(person)] == sorted([
        (world.group.id, "member", None), (world.group.id, "group_leader", None),
        (world.branch.id, "villager_rep", None), (world.branch.id, "committee", "村委会委员")])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.add"))
    assert entry.actor_id == world.secretary.id and entry.org_id == world.branch.id
    assert entry.entity_id == person.id


def test_adding_checks_phone_name_dates_and_roles_in_chinese(client, login, world):
    login(world.secretary)
    url = f"/org/{world.branch.id}/people/new"
    cases = [
        ({"name": "甲", "phone": "12345"}, "手机号格式不对"),
        ({"name": "甲", "phone": world.member.phone, "party_status": "full",
          "joined_party_on": "2000-01-01"}, "这个手机号已经登记过了"),
        ({"name": "甲" * 41, "phone": "13812340000"}, "姓名最多40个字"),
        ({"name": "甲", "phone": "13812340000", "party_status": "full"}, "请填写入党日期"),
        ({"name": "甲", "phone": "13812340000", "party_status": "full",
          "joined_party_on": "2001/13/40"}, "日期格式不对"),
        ({"name": "甲", "phone": "13812340000", "party_status": "full",
          "joined_party_on": "2001-07-01", "roles": ["group_leader"]}, "党小组长要选所在的党小组"),
        ({"name": "甲", "phone": "13812340000", "party_status": "full",
          "joined_party_on": "2001-07-01", "group_id": str(world.other_branch.id)}, "Not a valid"),
        ({"name": "甲", "phone": "13812340000"}, "群众要勾选村民代表或填写职务"),
        ({"name": "甲", "phone": "13812340000", "party_status": "king"}, "Not a valid"),
    ]
    for data, message in cases:
        response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, data
        if message == "Not a valid":   # a tampered choice: refused, with no stack trace
            assert "⚠" in body, data
        else:
            assert message in body, data
    assert _person("13812340000") is None


def test_future_join_date_is_refused(client, login, world, frozen):
    frozen(datetime(2026, 3, 1, 4, tzinfo=timezone.utc))
    login(world.secretary)
    body = client.post(f"/org/{world.branch.id}/people/new", data={
        "name": "甲", "phone": "13812340000", "party_status": "full",
        "joined_party_on": "2026-03-02"}).get_data(as_text=True)
    assert "入党日期不能晚于今天" in body


def test_editing_ends_old_roles_and_starts_new_ones_keeping_history(client, login, world, frozen):
    frozen(datetime(2026, 5, 10, 2, tzinfo=timezone.utc))
    person = make_person("赵德明", org=world.group, roles=(Role.MEMBER, Role.GROUP_LEADER))
    db.session.commit()
    login(world.secretary)
    page = client.get(f"/org/{world.branch.id}/people/{person.id}/edit").get_data(as_text=True)
    assert 'value="赵德明"' in page
    response = client.post(f"/org/{world.branch.id}/people/{person.id}/edit", data={
        "name": "赵德明", "phone": person.phone, "party_status": "full",
        "joined_party_on": "2000-07-01", "group_id": str(world.group.id),
        "roles": ["recorder"]})
    assert response.status_code == 303
    assert _roles(person) == sorted([
        (world.group.id, "member", None, None),
        (world.group.id, "group_leader", None, date(2026, 5, 10)),
        (world.branch.id, "recorder", None, None)])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.edit"))
    detail = json.loads(entry.detail)
    assert detail["roles_ended"] == ["group_leader"] and detail["roles_started"] == ["recorder"]


def test_edit_keeps_own_phone_but_refuses_someone_elses(client, login, world):
    login(world.secretary)
    url = f"/org/{world.branch.id}/people/{world.member.id}/edit"
    base = {"name": "普通党员", "party_status": "full", "joined_party_on": "2000-07-01",
            "group_id": str(world.group.id)}
    assert "已经登记过了" in client.post(url, data=dict(base, phone=world.recorder.phone)).get_data(as_text=True)
    assert client.post(url, data=dict(base, phone=world.member.phone)).status_code == 303


def test_deactivation_logs_the_person_out_everywhere_and_keeps_history(app, client, login, world, frozen):
    frozen(datetime(2026, 6, 1, 1, tzinfo=timezone.utc))
    phone_a, phone_b = app.test_client(), app.test_client()
    for device in (phone_a, phone_b):
        device.post("/auth/login", data={"phone": world.member.phone, "password": "pass1234",
                                         "remember": "y"})
        assert device.get("/me").status_code == 200
    login(world.secretary)
    response = client.post(f"/org/{world.branch.id}/people/{world.member.id}/deactivate")
    assert response.status_code == 303
    for device in (phone_a, phone_b):
        assert device.get("/me").status_code == 302
    assert phone_a.post("/auth/login", data={"phone": world.member.phone,
                                             "password": "pass1234"}).status_code == 200
    db.session.expire_all()
    member = db.session.get(Person, world.member.id)
    assert member is not None and member.active is False
    assert _roles(member) == [(world.group.id, "member", None, date(2026, 6, 1))]
    body = client.get(f"/org/{world.branch.id}/roster").get_data(as_text=True)
    assert "已停用" in body and body.rindex("普通党员") > body.index("已停用或已转出")
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.entity_id == member.id, AuditEntry.action == "roster.deactivate"))


def test_deactivation_is_refused_when_the_person_has_roles_elsewhere(client, login, world):
    from partyapp.demo import add_role

    add_role(world.member, world.other_branch, Role.RECORDER)
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/org/{world.branch.id}/people/{world.member.id}/deactivate",
                           follow_redirects=True)
    assert "还有职务" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, world.member.id).active is True


def test_invitation_shows_a_link_and_a_qr_that_carries_it(client, login, world):
    login(world.secretary)
    response = client.post(f"/org/{world.branch.id}/people/{world.member.id}/invite")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    link = re.search(r'<a href="(http://[^"]+/auth/invite/[^"]+)"', body).group(1)
    png = re.search(r'src="data:image/png;base64,([^"]+)"', body).group(1)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(png))))
    assert [code.text for code in decoded] == [link]
    path = link.split("localhost", 1)[-1]
    client.post("/auth/logout")
    page = client.get(path)
    assert page.status_code == 200 and "普通党员" in page.get_data(as_text=True)
    # A second invitation voids the first.
    login(world.secretary)
    client.post(f"/org/{world.branch.id}/people/{world.member.id}/invite")
    assert client.get(path).status_code == 404


def test_secretary_of_another_branch_and_other_town_admin_are_refused(client, login, world):
    for persona in ("other_branch_secretary", "other_town_admin", "member", "group_leader"):
        login(getattr(world, persona))
        assert client.get(f"/org/{world.branch.id}/roster").status_code == 403, persona
        assert client.post(f"/org/{world.branch.id}/people/new", data={
            "name": "入侵者", "phone": "13812349999", "villager_rep": "y"}).status_code == 403
        assert client.post(
            f"/org/{world.branch.id}/people/{world.member.id}/deactivate").status_code == 403
    assert _person("13812349999") is None


def test_secretary_cannot_reach_a_person_of_another_branch_through_own_branch(client, login, world):
    login(world.secretary)
    assert client.get(
        f"/org/{world.branch.id}/people/{world.other_member.id}/edit").status_code == 404
    assert client.post(
        f"/org/{world.branch.id}/people/{world.far_member.id}/deactivate").status_code == 404
    assert client.get(f"/org/{world.group.id}/roster").status_code == 403  # a group is no branch


def test_town_admin_manages_any_branch_of_the_town(client, login, world):
    login(world.town_admin)
    assert client.get(f"/org/{world.other_branch.id}/roster").status_code == 200
    assert client.get(f"/org/{world.far_branch.id}/roster").status_code == 403


def test_recorder_sees_the_roster_but_cannot_change_it(client, login, world):
    login(world.recorder)
    body = client.get(f"/org/{world.branch.id}/roster").get_data(as_text=True)
    assert "普通党员" in body and "添加人员" not in body and world.member.phone not in body
    assert client.get(f"/org/{world.branch.id}/people/new").status_code == 403


def test_audit_trail_newest_first_paginated_and_scoped(client, login, world, frozen):
    from partyapp import audit, clock

    frozen(datetime(2026, 1, 1, 0, tzinfo=timezone.utc))
    for i in range(35):
        audit.record(world.secretary, "roster.edit", "person", world.member.id,
                     org_id=world.group.id if i % 2 else world.branch.id, name=f"第{i:02d}条")
        db.session.flush()   # `at` is stamped at flush time
        clock.move(__import__("datetime").timedelta(minutes=1))
    audit.record(world.other_branch_secretary, "roster.add", "person", 1,
                 org_id=world.other_branch.id, name="乙村的事")
    db.session.commit()
    login(world.secretary)
    first = client.get(f"/org/{world.branch.id}/audit").get_data(as_text=True)
    assert first.index("第34条") < first.index("第33条")       # newest first, groups included
    # 35 entries, 30 a page: page 1 holds 第34条..第05条, page 2 第04条..第00条.
    assert "第05条" in first and "第04条" not in first
    assert "较早的" in first and "乙村的事" not in first
    assert "书记甲" in first and "2026-01-01 08:34" in first  # shown in Asia/Shanghai
    second = client.get(f"/org/{world.branch.id}/audit?page=2").get_data(as_text=True)
    assert "第04条" in second and "第00条" in second and "第05条" not in second
    assert "第34条" not in second and "较早的" not in second
    login(world.town_admin)
    town = client.get(f"/org/{world.town.id}/audit").get_data(as_text=True)
    assert "乙村的事" in town
    login(world.other_branch_secretary)
    assert client.get(f"/org/{world.branch.id}/audit").status_code == 403
    login(world.recorder)
    assert client.get(f"/org/{world.branch.id}/audit").status_code == 403


def test_me_page_shows_roles_held_branch_and_inbox(client, login, world):
    login(world.secretary)
    body = client.get("/me").get_data(as_text=True)
    assert "担任：书记、村委会主任" in body
    assert "所在支部：甲一村党支部" in body
    assert 'href="/inbox/' in body or "/notify" in body
    assert f"/org/{world.branch.id}/roster" in body and f"/org/{world.branch.id}/audit" in body
    login(world.member)
    body = client.get("/me").get_data(as_text=True)
    assert "担任：党员" in body and "/roster" not in body


def test_roster_changes_need_the_csrf_token(client, login, world, csrf_enabled):
    login(world.secretary)
    response = client.post(f"/org/{world.branch.id}/people/{world.member.id}/deactivate")
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, world.member.id).active is True


def test_group_leader_role_held_in_the_group_is_shown_and_kept_on_edit(client, login, world):
    login(world.secretary)
    url = f"/org/{world.branch.id}/people/{world.group_leader.id}/edit"
    body = client.get(url).get_data(as_text=True)
    checked = re.findall(r'<input checked class="check__input" id="roles-\d" name="roles" '
                         r'type="checkbox" value="(\w+)">', body)
    assert checked == ["group_leader"]
    before = _roles(world.group_leader)
    response = client.post(url, data={"name": "小组长", "phone": world.group_leader.phone,
                                      "party_status": "full", "joined_party_on": "2000-07-01",
                                      "group_id": str(world.group.id), "roles": ["group_leader"]})
    assert response.status_code == 303
    assert _roles(world.group_leader) == before   # nothing ended, nothing started
