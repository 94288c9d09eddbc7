"""The town admin runs the organisation: branches, general branches and groups at any depth,
换届, transfers, 流动党员 and deaths — each audited, nothing deleted."""
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from partyapp import authz
from partyapp.extensions import db
from partyapp.models import AuditEntry, Membership, Organization, Person

from .factories import make_branch, make_person

NOON = datetime(2026, 4, 20, 4, tzinfo=timezone.utc)   # 12:00 in Shanghai


def _org(name):
    return db.session.scalar(select(Organization).where(Organization.name == name))


def _history(person):
    db.session.expire_all()
    return sorted((m.org_id, m.role, m.post, m.started_on, m.ended_on) for m in db.session.scalars(
        select(Membership).where(Membership.person_id == person.id)))


def _actions():
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_town_admin_builds_a_tree_of_any_depth_with_paths(client, login, world):
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/orgs/new"
    assert client.post(url, data={"parent_id": str(world.town.id), "kind": "general",
                                  "name": "南山村党总支", "village_name": "南山村",
                                  "slug": "nanshan"}).status_code == 303
    general = _org("南山村党总支")
    assert client.post(url, data={"parent_id": str(general.id), "kind": "branch",
                                  "name": "南山村第一党支部"}).status_code == 303
    branch = _org("南山村第一党支部")
    assert client.post(url, data={"parent_id": str(branch.id), "kind": "group",
                                  "name": "南山第一党小组"}).status_code == 303
    group = _org("南山第一党小组")
    t = world.town.id
    assert general.path == f"/{t}/{general.id}/"
    assert branch.path == f"/{t}/{general.id}/{branch.id}/"
    assert group.path == f"/{t}/{general.id}/{branch.id}/{group.id}/"
    assert (general.slug, general.village_name, group.kind) == ("nanshan", "南山村", "group")
    assert _actions() == ["org.add", "org.add", "org.add"]
    page = client.get(f"/org/town/{t}/orgs").get_data(as_text=True)
    assert page.index("南山村党总支") < page.index("南山村第一党支部") < page.index("南山第一党小组")
    # The town admin's rights reach the new depth.
    assert authz.can(world.town_admin, "roster.manage", branch)


def test_tree_rules_are_checked_in_chinese(client, login, world):
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/orgs/new"
    cases = [
        ({"parent_id": str(world.group.id), "kind": "group", "name": "小组下的小组"}, "Not a valid"),
        ({"parent_id": str(world.branch.id), "kind": "branch", "name": "支部下的支部"},
         "党支部下面不能设党支部"),
        ({"parent_id": str(world.town.id), "kind": "branch", "name": "新村党支部",
          "village_name": "新村", "slug": "jia1"}, "这个网址名已被别的村用了"),
        ({"parent_id": str(world.town.id), "kind": "branch", "name": "新村党支部",
          "village_name": "新村", "slug": "新村"}, "网址名用2到40个小写字母"),
        ({"parent_id": str(world.town.id), "kind": "branch", "name": "新村党支部",
          "village_name": "新村"}, "要填写公开页网址名"),
        ({"parent_id": str(world.far_branch.id), "kind": "group", "name": "乙镇的小组"}, "Not a valid"),
    ]
    before = db.session.scalar(select(func.count(Organization.id)))
    for data, message in cases:
        response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, data
        assert ("⚠" in body) if message == "Not a valid" else (message in body), data
    assert db.session.scalar(select(func.count(Organization.id))) == before


def test_rename_keeps_the_row_and_audits_old_and_new(client, login, world):
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/orgs/{world.branch.id}/edit"
    assert 'value="甲一村党支部"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"name": "甲一社区党支部", "village_name": "甲一社区",
                                      "slug": "jia1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organization, world.branch.id).name == "甲一社区党支部"
    trail = client.get(f"/org/{world.branch.id}/audit").get_data(as_text=True)
    assert "名称：甲一村党支部 → 甲一社区党支部" in trail


def test_term_change_ends_the_old_officers_and_keeps_history(client, login, world, frozen):
    frozen(NOON)
    new_secretary = make_person("钱新书记", org=world.group)
    db.session.commit()
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/orgs/{world.branch.id}/term"
    page = client.get(url).get_data(as_text=True)
    assert "书记甲" in page and "村委会主任" in page
    response = client.post(url, data={
        "on": "2026-04-20", "secretary": str(new_secretary.id), "organizer": str(world.recorder.id),
        "committee_person_1": str(new_secretary.id), "committee_post_1": "村委会主任",
        "committee_person_2": str(world.secretary.id), "committee_post_2": "村委会委员"})
    assert response.status_code == 303
    b, g = world.branch.id, world.group.id
    assert _history(world.secretary) == sorted([
        (b, "member", None, date(2024, 1, 1), None),
        (b, "secretary", None, date(2024, 1, 1), date(2026, 4, 20)),
        (b, "committee", "村委会主任", date(2024, 1, 1), date(2026, 4, 20)),
        (b, "committee", "村委会委员", date(2026, 4, 20), None)])
    assert _history(world.recorder) == sorted([
        (b, "member", None, date(2024, 1, 1), None),
        (b, "recorder", None, date(2024, 1, 1), date(2026, 4, 20)),
        (b, "organizer", None, date(2026, 4, 20), None)])
    assert _history(new_secretary) == sorted([
        (g, "member", None, date(2024, 1, 1), None),
        (b, "secretary", None, date(2026, 4, 20), None),
        (b, "committee", "村委会主任", date(2026, 4, 20), None)])
    # Rights follow at once: the old secretary can no longer manage the roster.
    login(world.secretary)
    assert client.get(f"/org/{b}/people/new").status_code == 403
    login(new_secretary)
    assert client.get(f"/org/{b}/people/new").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "org.term_change"))
    assert entry.org_id == b and "书记甲" in entry.detail and "钱新书记" in entry.detail


def test_term_change_is_refused_for_outsiders_future_dates_and_no_secretary(
        client, login, world, frozen):
    frozen(NOON)
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/orgs/{world.branch.id}/term"
    cases = [
        ({"on": "2026-04-20", "secretary": str(world.other_member.id)}, "Not a valid"),
        ({"on": "2026-04-20", "secretary": str(world.member.id),
          "committee_person_1": str(world.far_member.id)}, "只能从本支部现有人员中选择"),
        ({"on": "2026-04-21", "secretary": str(world.member.id)}, "日期不能晚于今天"),
        ({"on": "2026-04-20"}, "请选择新一届书记"),
    ]
    for data, message in cases:
        body = client.post(url, data=data).get_data(as_text=True)
        assert ("⚠" in body) if message == "Not a valid" else (message in body), data
    assert _history(world.secretary)[1][4] is None   # still secretary
    assert "org.term_change" not in _actions()


def test_transfer_to_another_branch_moves_the_member_and_both_trails_show_it(
        client, login, world, frozen):
    frozen(NOON)
    login(world.town_admin)
    response = client.post(f"/org/town/{world.town.id}/people/{world.member.id}/transfer",
                           data={"target": str(world.other_branch.id), "on": "2026-04-19"})
    assert response.status_code == 303
    assert _history(world.member) == sorted([
        (world.group.id, "member", None, date(2024, 1, 1), date(2026, 4, 19)),
        (world.other_branch.id, "member", None, date(2026, 4, 19), None)])
    new_roster = client.get(f"/org/{world.other_branch.id}/roster").get_data(as_text=True)
    old_roster = client.get(f"/org/{world.branch.id}/roster").get_data(as_text=True)
    assert "普通党员" in new_roster
    assert old_roster.index("普通党员") > old_roster.index("已停用或已转出")
    assert "转到甲二村党支部" in client.get(f"/org/{world.branch.id}/audit").get_data(as_text=True)
    assert "转到甲二村党支部" in client.get(
        f"/org/{world.other_branch.id}/audit").get_data(as_text=True)
    person_page = client.get(f"/org/town/{world.town.id}/people/{world.member.id}").get_data(as_text=True)
    assert "2024-01-01 至 2026-04-19" in person_page


def test_transfer_out_of_the_town_closes_the_account(app, client, login, world, frozen):
    frozen(NOON)
    device = app.test_client()
    login(world.member, device)
    assert device.get("/me").status_code == 200
    login(world.town_admin)
    client.post(f"/org/town/{world.town.id}/people/{world.member.id}/transfer",
                data={"target": "out", "on": "2026-04-20"})
    assert device.get("/me").status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, world.member.id).active is False
    assert _history(world.member) == [(world.group.id, "member", None, date(2024, 1, 1),
                                       date(2026, 4, 20))]


def test_mobile_member_stays_on_the_roster_marked_and_death_ends_everything(
        client, login, world, frozen):
    frozen(NOON)
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/people/{world.recorder.id}/status"
    assert client.post(url, data={"status": "mobile", "on": "2026-03-01"}).status_code == 303
    roster = client.get(f"/org/{world.branch.id}/roster").get_data(as_text=True)
    row = roster[roster.index('id="person-%d"' % world.recorder.id):][:800]
    assert "流动党员" in row
    assert client.post(url, data={"status": "deceased", "on": "2026-04-02"}).status_code == 303
    db.session.expire_all()
    recorder = db.session.get(Person, world.recorder.id)
    assert (recorder.status, recorder.status_since, recorder.active) == ("deceased", date(2026, 4, 2), False)
    assert [row[4] for row in _history(recorder)] == [date(2026, 4, 2), date(2026, 4, 2)]
    again = client.post(url, data={"status": "", "on": "2026-04-20"})
    assert "已停用" in again.get_data(as_text=True)  # the forms are gone for a closed account
    assert _actions().count("person.status") == 2


def test_status_cannot_be_changed_after_death(world, app_ctx, frozen):
    from partyapp.org import structure
    from partyapp.org.services import RosterError

    frozen(NOON)
    found = structure.person_in_town(world.town, world.member.id)
    structure.set_status(world.town, *found, "deceased", date(2026, 4, 1), world.town_admin)
    found = structure.person_in_town(world.town, world.member.id)
    try:
        structure.set_status(world.town, *found, None, date(2026, 4, 2), world.town_admin)
    except RosterError as exc:
        assert "已登记去世" in str(exc)
    else:
        raise AssertionError("a death was undone")


def test_town_pages_refuse_secretaries_and_other_towns(client, login, world):
    t = world.town.id
    for persona in ("secretary", "other_town_admin", "member"):
        login(getattr(world, persona))
        assert client.get(f"/org/town/{t}/orgs").status_code == 403, persona
        assert client.post(f"/org/town/{t}/people/{world.member.id}/transfer",
                           data={"target": "out", "on": "2024-01-02"}).status_code == 403
    login(world.town_admin)
    # Objects of another town are not found through one's own town.
    assert client.get(f"/org/town/{t}/people/{world.far_member.id}").status_code == 404
    assert client.get(f"/org/town/{t}/orgs/{world.far_branch.id}/edit").status_code == 404
    assert client.get(f"/org/town/{world.other_town.id}/orgs").status_code == 403
    assert client.get(f"/org/town/{world.branch.id}/orgs").status_code == 403   # not a town


def test_people_search_by_pinyin_name_or_phone(client, login, world):
    make_person("张桂兰", org=world.group, phone="13855550001")
    db.session.commit()
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/people"
    assert "张桂兰" in client.get(url, query_string={"q": "zhang"}).get_data(as_text=True)
    assert "张桂兰" in client.get(url, query_string={"q": "5550001"}).get_data(as_text=True)
    found = client.get(url, query_string={"q": "桂兰"}).get_data(as_text=True)
    assert "张桂兰" in found and "普通党员" not in found
    assert "远方党员" not in client.get(url).get_data(as_text=True)   # another town


def test_town_tree_page_queries_stay_fixed_as_branches_grow(client, login, world, queries):
    login(world.town_admin)
    url = f"/org/town/{world.town.id}/orgs"
    client.get(url)   # warm-up: the first page loads the holiday calendar once per process
    db.session.expire_all()
    with queries() as two:
        client.get(url)
    for i in range(18):
        make_branch(world.town, f"more{i}")
    db.session.commit()
    db.session.expire_all()
    with queries() as twenty:
        body = client.get(url).get_data(as_text=True)
    assert "more17村党支部" in body
    assert twenty.count == two.count
