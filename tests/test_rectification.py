"""整改清单: 整改一个，销号一个. An item is raised with what, who, by when and the measures; it is
销号 only with evidence and by a second person with the right — never by the one responsible,
nor by whoever gave the evidence; the clock reminds once before and once after the deadline;
the town sees every branch's open and overdue items; the list prints for the 台账."""
from datetime import date, datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import AuditEntry, Notification, Role
from partyapp.rectification import services as rectification
from partyapp.rectification.models import RectificationEvidence, RectificationItem, Status

from .factories import make_person

# Monday 2026-11-02, 10:00 in China.
MONDAY = datetime(2026, 11, 2, 2, 0, tzinfo=clock.UTC)


def _raise(world, client, login, owner, due=date(2026, 11, 20), actor=None):
    login(actor or world.secretary)
    response = client.post(f"/rectification/org/{world.branch.id}", data={
        "problem": "党员学习笔记空白", "measures": "每月主题党日集中学习，组织委员检查笔记",
        "owner_id": owner.id, "due_on": due.isoformat()})
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(RectificationItem).order_by(RectificationItem.id.desc()))


def _photo() -> BytesIO:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "phone-model-XYZ"      # Model
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    buffer.seek(0)
    return buffer


def _evidence(client, login, person, item, text="已集中学习两次，检查笔记19本", photo=None):
    login(person)
    data = {"text": text}
    if photo is not None:
        data["photo"] = (photo, "phone.jpg")
    return client.post(f"/rectification/{item.id}/evidence", data=data,
                       content_type="multipart/form-data", follow_redirects=True)


def _close(client, login, person, item):
    login(person)
    return client.post(f"/rectification/{item.id}/close", data={"note": "核实到位"},
                       follow_redirects=True)


def test_an_item_is_closed_by_a_second_person_after_the_owner_gives_evidence(
        world, client, login, frozen, app):
    frozen(MONDAY)
    item = _raise(world, client, login, world.member)
    assert (item.owner_id, item.due_on, item.status) == (world.member.id, date(2026, 11, 20),
                                                         Status.OPEN)
    page = _evidence(client, login, world.member, item, photo=_photo()).get_data(as_text=True)
    assert "整改材料已提交" in page
    piece = db.session.scalar(select(RectificationEvidence))
    assert piece.photo and piece.added_by_id == world.member.id
    shown = client.get(f"/rectification/photos/{piece.photo}")
    assert shown.status_code == 200 and b"Exif" not in shown.data    # EXIF dropped
    shown.close()
    page = _close(client, login, world.secretary, item).get_data(as_text=True)
    assert "已确认整改到位，销号" in page
    db.session.refresh(item)
    assert item.status == Status.CLOSED and item.closed_by_id == world.secretary.id
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"rectification.raise", "rectification.evidence", "rectification.close"} <= actions
    titles = list(db.session.scalars(select(Notification.title).where(
        Notification.person_id == world.member.id)))
    assert any(t.startswith("整改事项已销号") for t in titles)
    # Once closed, nothing more is added and it is not closed twice.
    assert "已经销号" in _evidence(client, login, world.member, item).get_data(as_text=True)


def test_the_owner_cannot_close_their_own_item_even_as_secretary(world, client, login, frozen):
    frozen(MONDAY)
    item = _raise(world, client, login, world.secretary)
    _evidence(client, login, world.secretary, item)
    page = _close(client, login, world.secretary, item).get_data(as_text=True)
    assert "责任人不能给自己的整改事项销号" in page
    db.session.refresh(item)
    assert item.status == Status.OPEN
    # The town's admin is a second person with the right.
    assert "已确认整改到位" in _close(client, login, world.town_admin, item).get_data(as_text=True)
    db.session.refresh(item)
    assert item.status == Status.CLOSED and item.closed_by_id == world.town_admin.id


def test_no_item_is_closed_without_evidence(world, client, login, frozen):
    frozen(MONDAY)
    item = _raise(world, client, login, world.member)
    page = _close(client, login, world.secretary, item).get_data(as_text=True)
    assert "还没有整改材料" in page
    db.session.refresh(item)
    assert item.status == Status.OPEN


def test_whoever_gave_the_evidence_does_not_confirm_it(world, client, login, frozen):
    frozen(MONDAY)
    item = _raise(world, client, login, world.member)
    _evidence(client, login, world.secretary, item, text="书记代为上传：已检查笔记")
    page = _close(client, login, world.secretary, item).get_data(as_text=True)
    assert "提交整改材料的人不能自己确认销号" in page
    deputy = make_person("副书记甲", org=world.branch, roles=(Role.MEMBER, Role.DEPUTY_SECRETARY))
    db.session.commit()
    assert "已确认整改到位" in _close(client, login, deputy, item).get_data(as_text=True)


def test_a_member_without_the_right_cannot_close_nor_can_another_branch(world, client, login,
                                                                       frozen):
    frozen(MONDAY)
    item = _raise(world, client, login, world.member)
    _evidence(client, login, world.member, item)
    assert "销号需要书记" in _close(client, login, world.recorder, item).get_data(as_text=True)
    login(world.other_branch_secretary)
    assert client.post(f"/rectification/{item.id}/close").status_code == 403
    db.session.refresh(item)
    assert item.status == Status.OPEN


def test_the_list_refuses_bad_items_with_chinese_messages(world, client, login, frozen):
    frozen(MONDAY)
    login(world.secretary)
    page = client.post(f"/rectification/org/{world.branch.id}", data={
        "problem": "学习不经常", "measures": "每月学习", "owner_id": world.people["other_member"].id,
        "due_on": "2026-10-01"}).get_data(as_text=True)
    assert "责任人应是本组织的党员或干部" in page and "整改时限不能早于今天" in page
    page = client.post(f"/rectification/org/{world.branch.id}", data={
        "problem": "问题" * 300, "measures": "措施", "owner_id": world.member.id,
        "due_on": "2026-11-30"}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "最多 500 个字" in page
    assert db.session.scalar(select(func.count(RectificationItem.id))) == 0
    login(world.member)
    assert client.post(f"/rectification/org/{world.branch.id}", data={
        "problem": "x", "measures": "y", "owner_id": world.member.id,
        "due_on": "2026-12-01"}).status_code == 403


def test_an_overdue_item_is_reminded_once(world, client, login, frozen):
    frozen(MONDAY)
    item = _raise(world, client, login, world.member, due=date(2026, 11, 20))
    db.session.execute(Notification.__table__.delete())
    db.session.commit()

    def reminders(title):
        return db.session.execute(select(Notification.person_id).where(
            Notification.title.startswith(title))).scalars().all()

    frozen(datetime(2026, 11, 18, 1, 0, tzinfo=clock.UTC))        # two days before
    assert rectification.send_reminders() == 1
    assert rectification.send_reminders() == 0
    assert reminders("整改即将到期") == [world.member.id]
    frozen(datetime(2026, 11, 21, 1, 0, tzinfo=clock.UTC))        # the day after the deadline
    assert rectification.send_reminders() == 1
    frozen(datetime(2026, 11, 28, 1, 0, tzinfo=clock.UTC))        # a week later: nothing new
    assert rectification.send_reminders() == 0
    assert sorted(reminders("整改已超期")) == sorted([world.member.id, world.secretary.id,
                                                   world.town_admin.id])
    # The owner's 首页 line says it is overdue.
    login(world.member)
    assert "已超期" in client.get("/").get_data(as_text=True)


def test_a_closed_item_is_not_reminded(world, client, login, frozen):
    frozen(MONDAY)
    item = _raise(world, client, login, world.member, due=date(2026, 11, 20))
    _evidence(client, login, world.member, item)
    _close(client, login, world.secretary, item)
    frozen(datetime(2026, 11, 21, 1, 0, tzinfo=clock.UTC))
    assert rectification.send_reminders() == 0


def test_the_town_sees_open_and_overdue_items_and_the_list_prints(world, client, login, frozen):
    frozen(MONDAY)
    late = _raise(world, client, login, world.member, due=date(2026, 11, 5))
    _raise(world, client, login, world.recorder, due=date(2026, 12, 20))
    frozen(datetime(2026, 11, 10, 2, 0, tzinfo=clock.UTC))
    login(world.town_admin)
    board = client.get(f"/town/{world.town.id}/").get_data(as_text=True)
    assert "整改清单" in board and f'data-branch="{world.branch.id}"' in board
    table = board.split('id="rectification-table"', 1)[1]
    row = table.split(f'data-org="{world.branch.id}"', 1)[1].split("</tr>")[0]
    assert "<td>2</td>" in row and ">1</strong>" in row
    town = client.get(f"/rectification/town/{world.town.id}").get_data(as_text=True)
    assert "已超期未销号（1）" in town and late.problem in town
    book = load_workbook(BytesIO(client.get(f"/town/{world.town.id}/report.xlsx").data))
    sheet = list(book["整改清单"].iter_rows(values_only=True))
    assert ("甲一村党支部", 2, 1, 0) in sheet
    assert ("甲一村党支部", "党员学习笔记空白", "普通党员", "2026-11-05") in sheet
    db.session.commit()       # end this test's read transaction before the next log-in writes
    login(world.other_town_admin)
    assert client.get(f"/rectification/town/{world.town.id}").status_code == 403
    db.session.commit()
    login(world.secretary)
    printed = client.get(f"/rectification/org/{world.branch.id}/print").get_data(as_text=True)
    assert printed.count("党员学习笔记空白") == 2 and "已超期" in printed and "2026-11-05" in printed


def test_the_list_page_costs_the_same_queries_whatever_the_number_of_items(
        world, client, login, frozen, queries):
    frozen(MONDAY)
    login(world.secretary)
    _raise(world, client, login, world.member)
    client.get(f"/rectification/org/{world.branch.id}/print")      # warm caches
    with queries() as few:
        client.get(f"/rectification/org/{world.branch.id}/print")
    for _ in range(5):
        item = _raise(world, client, login, world.recorder)
        _evidence(client, login, world.recorder, item)
    login(world.secretary)
    client.get(f"/rectification/org/{world.branch.id}/print")
    with queries() as many:
        client.get(f"/rectification/org/{world.branch.id}/print")
    assert many.count == few.count


def test_a_post_without_the_csrf_token_is_refused(world, client, login, frozen, csrf_enabled):
    frozen(MONDAY)
    item = RectificationItem(org_id=world.branch.id, confirm_org_id=world.branch.id,
                             source="org_life", year=2026, problem="p", measures="m",
                             owner_id=world.member.id, due_on=date(2026, 11, 30))
    db.session.add(item)
    db.session.add(RectificationEvidence(item=item, text="已完成", added_by_id=world.member.id))
    db.session.commit()
    login(world.secretary)
    page = client.post(f"/rectification/{item.id}/close", follow_redirects=True)
    db.session.refresh(item)
    assert page.status_code == 400 and "页面已过期" in page.get_data(as_text=True)
    assert item.status == Status.OPEN


def test_the_demo_has_a_closed_an_awaiting_and_an_overdue_item(app, app_ctx):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    items = db.session.scalars(select(RectificationItem)).all()
    today = clock.today()
    assert any(i.status == Status.CLOSED for i in items)
    assert any(i.is_overdue(today) for i in items)
    assert db.session.scalar(select(func.count(RectificationEvidence.id))) >= 2
    assert all(i.due_on >= today - timedelta(days=30) for i in items)
