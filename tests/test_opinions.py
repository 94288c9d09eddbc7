"""The opinion box through the real stack: a villager submits without an account and follows
the reply; the branch answers within 5 working days; ratings reopen and escalate."""
import re
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import AuditEntry, Notification
from partyapp.opinions.models import Channel, Opinion, OpinionPhoto, Status
from partyapp.opinions.services import (
    hash_secret,
    public_figures,
    rate_opinion,
    reply_to_opinion,
    village_reply_stats,
)

from .factories_opinions import make_opinion

UTC = timezone.utc


def china(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=clock.CHINA).astimezone(UTC)


def submit(client, slug="jia1", **fields):
    data = {"category": "环境卫生", "content": "河边垃圾堆了一个星期没人清理。",
            "public_allowed": "y", **fields}
    return client.post(f"/opinions/v/{slug}/new", data=data, content_type="multipart/form-data")


def secret_from(response) -> str:
    return re.search(r"/opinions/t/([^?]+)", response.headers["Location"]).group(1)


def test_villager_submits_without_account_and_sees_due_date(client, world, frozen):
    frozen(china(2026, 9, 30, 9))
    response = submit(client)
    assert response.status_code == 303
    secret = secret_from(response)
    page = client.get(f"/opinions/t/{secret}?new=1").get_data(as_text=True)
    assert "村两委将在 <strong>10月13日</strong> 前答复" in page
    opinion = db.session.scalar(select(Opinion))
    assert re.fullmatch(r"\d{8}", opinion.reference)
    assert f"{opinion.reference[:4]} {opinion.reference[4:]}" in page
    # only the hash of the >= 80-bit secret is stored
    assert len(secret) >= 22 and opinion.tracking_hash == hash_secret(secret)
    assert secret not in opinion.tracking_hash
    assert opinion.assignee_id == world.secretary.id
    assert opinion.channel == Channel.WEB


def test_unknown_tracking_secret_is_404(client, world):
    assert client.get("/opinions/t/not-a-secret").status_code == 404


def test_invalid_submission_rerenders_with_chinese_message(client, world):
    response = submit(client, content="短", phone="12345")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "意见内容请写5到1000个字" in page
    assert db.session.scalar(select(func.count(Opinion.id))) == 0
    response = submit(client, phone="12345")
    assert "手机号格式不对" in response.get_data(as_text=True)
    assert submit(client, category="<script>").status_code == 200
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_honeypot_keeps_nothing(client, world):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_near_duplicate_within_minutes_is_refused_then_allowed_later(client, world, frozen):
    frozen(china(2026, 11, 2, 9))
    assert submit(client).status_code == 303
    again = submit(client, content="河边垃圾堆了一个星期 没人清理！")
    assert "刚才已收到内容相同的意见" in again.get_data(as_text=True)
    clock.move(timedelta(minutes=11))
    assert submit(client).status_code == 303
    assert db.session.scalar(select(func.count(Opinion.id))) == 2


def test_rate_limit_per_client_not_per_ip(app, world, rate_limits):
    villager = app.test_client()
    neighbour = app.test_client()  # same IP (127.0.0.1), another phone
    villager.get("/opinions/v/jia1/new")
    neighbour.get("/opinions/v/jia1/new")
    texts = ["路灯不亮了请修理。", "自来水管漏水好几天。", "垃圾桶不够用了。", "村道有大坑。",
             "广场舞音乐太吵。", "狗没拴绳吓到小孩。"]
    codes = [submit(villager, content=text).status_code for text in texts]
    assert codes == [303] * 5 + [429]
    assert submit(neighbour, content="邻居的意见：自来水浑浊。").status_code == 303


def test_rate_limit_per_content_across_clients(app, world, rate_limits, frozen):
    frozen(china(2026, 11, 2, 9))
    codes = []
    for _ in range(4):
        phone = app.test_client()
        phone.get("/opinions/v/jia1/new")
        codes.append(submit(phone, content="同一段文字反复刷屏的内容。").status_code)
        clock.move(timedelta(minutes=11))  # past the near-duplicate window
    assert codes == [303, 303, 303, 429]


def test_lost_link_found_with_reference_and_mobile(client, world):
    opinion, old_secret = make_opinion(world.branch, phone="13912345678")
    bad = client.post("/opinions/find", data={"reference": opinion.reference,
                                              "phone": "13900000000"})
    assert "没有找到" in bad.get_data(as_text=True)
    found = client.post("/opinions/find", data={
        "reference": f"{opinion.reference[:4]} {opinion.reference[4:]}",
        "phone": "139-1234-5678"})
    assert found.status_code == 303
    new_secret = secret_from(found)
    assert client.get(f"/opinions/t/{new_secret}").status_code == 200
    old = client.get(f"/opinions/t/{old_secret}")   # replaced, not unknown (tests/test_villagers.py)
    assert old.status_code == 410 and opinion.content not in old.get_data(as_text=True)


def test_staff_enters_a_paper_slip_with_the_date_received(client, world, login, frozen):
    frozen(china(2026, 10, 12, 9))  # entered on Monday ...
    login(world.secretary)
    response = client.post(f"/opinions/branch/{world.branch.id}/new", data={
        "channel": "paper", "received_on": "2026-10-09", "received_time": "",
        "category": "治安", "content": "意见箱里的纸条：晚上有人在村口飙车。", "name": "",
        "phone": ""})
    assert response.status_code == 303
    opinion = db.session.scalar(select(Opinion))
    assert (opinion.channel, opinion.entered_by_id) == (Channel.PAPER, world.secretary.id)
    assert clock.local_date(opinion.received_at) == date(2026, 10, 9)
    # ... but the clock runs from Friday 9 Oct: Sat 10 (1), Mon 12..Thu 15 (2-5)
    assert clock.local_date(opinion.due_at) == date(2026, 10, 15)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "opinion.submit"))
    assert audit.actor_id == world.secretary.id and "paper" in audit.detail


def test_forwarding_does_not_reset_the_clock(client, world, login):
    opinion, _ = make_opinion(world.branch, at=china(2026, 9, 30))
    login(world.secretary)
    response = client.post(f"/opinions/{opinion.id}/assign",
                           data={"person_id": world.recorder.id, "note": "请跟进"})
    assert response.status_code == 303
    db.session.refresh(opinion)
    assert opinion.assignee_id == world.recorder.id
    assert clock.local_date(opinion.due_at) == date(2026, 10, 13)
    assert db.session.scalar(select(Notification.title).where(
        Notification.person_id == world.recorder.id)) == "请办理群众意见"
    # someone outside the branch cannot be chosen
    outsider = client.post(f"/opinions/{opinion.id}/assign",
                           data={"person_id": world.other_branch_secretary.id})
    assert outsider.status_code == 200
    db.session.refresh(opinion)
    assert opinion.assignee_id == world.recorder.id


def test_assignee_without_officer_role_may_reply(client, world, login):
    opinion, _ = make_opinion(world.branch)
    opinion.assignee_id = world.recorder.id
    db.session.commit()
    login(world.recorder)
    response = client.post(f"/opinions/{opinion.id}/reply", data={
        "text": "已联系电工，本周修好。", "visibility": "public"})
    assert response.status_code == 303
    db.session.refresh(opinion)
    assert opinion.status == Status.REPLIED


def test_inbox_lists_overdue_first_then_by_due(client, world, login, frozen):
    later, _ = make_opinion(world.branch, at=china(2026, 10, 12), content="第二条：路面坑洼。")
    overdue, _ = make_opinion(world.branch, at=china(2026, 9, 1), content="第一条：已逾期的意见。")
    sooner, _ = make_opinion(world.branch, at=china(2026, 10, 9), content="第三条：排水沟堵了。")
    frozen(china(2026, 10, 13, 9))
    login(world.secretary)
    page = client.get(f"/opinions/branch/{world.branch.id}").get_data(as_text=True)
    positions = [page.index(text) for text in ("第一条", "第三条", "第二条")]
    assert positions == sorted(positions)
    assert "⚠ 治安" not in page and "已逾期" in page


def test_private_reply_shows_summary_publicly_and_full_text_to_submitter(client, world, login):
    opinion, secret = make_opinion(world.branch, content="我家低保的事情想问一下。")
    login(world.secretary)
    missing = client.post(f"/opinions/{opinion.id}/reply", data={
        "text": "您的低保复核材料已交镇里。", "visibility": "private", "summary": ""})
    assert "公开的办理情况摘要" in missing.get_data(as_text=True)
    client.post(f"/opinions/{opinion.id}/reply", data={
        "text": "您的低保复核材料已交镇里。", "visibility": "private",
        "summary": "已答复本人，涉及个人事项。"})
    anonymous = client.application.test_client()
    public = anonymous.get("/v/jia1/opinions").get_data(as_text=True)
    assert "已答复本人，涉及个人事项。" in public and "低保复核材料" not in public
    track = anonymous.get(f"/opinions/t/{secret}").get_data(as_text=True)
    assert "您的低保复核材料已交镇里。" in track


def test_reopen_once_then_escalate_to_town(client, world, login, frozen):
    frozen(china(2026, 10, 12, 9))
    opinion, secret = make_opinion(world.branch)
    reply_to_opinion(world.secretary, opinion, "已报修。")
    villager = client.application.test_client()
    clock.move(timedelta(days=1))  # Tue 13 Oct
    villager.post(f"/opinions/t/{secret}/rate", data={"rating": "bad"})
    db.session.refresh(opinion)
    assert (opinion.status, opinion.round) == (Status.OPEN, 2)
    # second due: 5 working days after the rating day (Tue 13) -> Tue 20 Oct
    assert clock.local_date(opinion.due_at) == date(2026, 10, 20)
    assert clock.local_date(opinion.first_due_at) == date(2026, 10, 19)
    assert opinion.reminded_at is None and opinion.overdue_at is None
    reply_to_opinion(world.secretary, opinion, "电工已到场，下周换新灯。")
    villager.post(f"/opinions/t/{secret}/rate", data={"rating": "bad"})
    db.session.refresh(opinion)
    assert opinion.status == Status.ESCALATED and opinion.escalated_at is not None
    titles = db.session.scalars(select(Notification.title).where(
        Notification.person_id == world.town_admin.id)).all()
    assert titles == ["群众意见两次不满意，已上报"]
    assert not db.session.scalar(select(Notification.id).where(
        Notification.person_id == world.other_town_admin.id))
    # a third rating is refused
    page = villager.post(f"/opinions/t/{secret}/rate", data={"rating": "good"},
                         follow_redirects=True).get_data(as_text=True)
    assert "这条意见现在不能评价" in page


def test_satisfied_rating_closes(world):
    opinion, _ = make_opinion(world.branch)
    reply_to_opinion(world.secretary, opinion, "已处理。")
    rate_opinion(opinion, "good")
    assert opinion.status == Status.CLOSED and opinion.rating_label == "满意"


def test_photo_metadata_is_stripped(client, world):
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SECRET-CAMERA"   # Make
    exif[0x9286] = "GPS near home"   # UserComment-like marker
    raw = BytesIO()
    image.save(raw, "JPEG", exif=exif.tobytes())
    assert b"SECRET-CAMERA" in raw.getvalue()
    response = submit(client, photos=[(BytesIO(raw.getvalue()), "p.jpg")])
    assert response.status_code == 303
    photo = db.session.scalar(select(OpinionPhoto))
    served = client.get(f"/opinions/t/{secret_from(response)}/photo/{photo.id}")
    body = served.get_data()
    served.close()
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert b"SECRET-CAMERA" not in body and b"Exif" not in body
    assert Image.open(BytesIO(body)).size == (40, 30)


def test_non_image_upload_is_refused(client, world):
    response = submit(client, photos=[(BytesIO(b"#!/bin/sh\necho hi"), "x.jpg")])
    assert "照片无法识别" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_public_figures_need_five_opinions_and_count_working_days(world, frozen):
    frozen(china(2026, 10, 20, 9))
    # received Mon 12 Oct; replies after 0, 1, 2, 3 working days; one still open (due 19 Oct).
    for n, reply_day in enumerate([12, 13, 14, 15]):
        opinion, _ = make_opinion(world.branch, at=china(2026, 10, 12),
                                  content=f"第{n}条意见：村道两旁需要绿化。")
        with clock.travel(china(2026, 10, reply_day, 15)):
            reply_to_opinion(world.secretary, opinion, "已安排。")
    assert public_figures(world.branch.id) is None
    make_opinion(world.branch, at=china(2026, 10, 12), content="第五条：没有人答复的意见。")
    figures = public_figures(world.branch.id)
    assert figures["received"] == 5
    assert figures["on_time_rate"] == 80        # 4 on time of 5 decided (one overdue)
    assert figures["median_reply_days"] == 1.5  # median of 0, 1, 2, 3


def test_village_reply_stats_for_many_branches_in_one_query(world, queries, frozen):
    frozen(china(2026, 10, 20, 9))
    make_opinion(world.branch, at=china(2026, 10, 12))
    make_opinion(world.other_branch, at=china(2026, 10, 12), content="甲二村的意见内容。")
    ids = [world.branch.id, world.other_branch.id, world.far_branch.id]
    with queries() as q:
        stats = village_reply_stats(ids, date(2026, 10, 1), date(2026, 12, 31))
    assert q.count == 1
    assert [stats[i]["received"] for i in ids] == [1, 1, 0]
    assert stats[ids[0]]["overdue_open"] == 1


def test_public_tab_query_count_does_not_grow(client, world, queries):
    for n in range(3):
        make_opinion(world.branch, content=f"第{n}条：公开列表里的意见。")
    with queries() as q:
        client.get("/v/jia1/opinions")
    few = q.count
    for n in range(10):
        make_opinion(world.branch, content=f"更多第{n}条：公开列表里的意见。")
    with queries() as q:
        assert client.get("/v/jia1/opinions").status_code == 200
    assert q.count == few


def test_poster_carries_the_submit_qr(client, world):
    import zxingcpp

    page = client.get("/opinions/v/jia1/poster").get_data(as_text=True)
    import base64

    data = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    decoded = zxingcpp.read_barcodes(Image.open(BytesIO(base64.b64decode(data))))
    assert decoded[0].text == "http://localhost/opinions/v/jia1/new"


def test_calendar_page_warns_and_enters_a_year(client, world, login, frozen):
    frozen(china(2026, 11, 23, 9))
    opinion, _ = make_opinion(world.branch, at=china(2026, 12, 30))
    login(world.town_admin)
    page = client.get("/calendar/").get_data(as_text=True)
    assert "2027年节假日安排未录入：答复期限暂按周一至周五计算。请在下面录入。" in page
    bad = client.post("/calendar/", data={"year": 2027, "schedule": "2027-02-30 休",
                                                  "complete": "y"})
    assert "第1行的日期不存在" in bad.get_data(as_text=True)
    done = client.post("/calendar/", data={
        "year": 2027, "complete": "y",
        "schedule": "2027-01-01 休 元旦\n2027-01-04 休 元旦\n2027-01-09 班 元旦"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "2027年节假日安排未录入" not in page and "重新计算了1条意见" in page
    db.session.refresh(opinion)
    # Thu 31 (1), Tue 5 (2), Wed 6 (3), Thu 7 (4), Fri 8 (5)
    assert clock.local_date(opinion.due_at) == date(2027, 1, 8)


def test_secretary_sees_calendar_warning_on_inbox(client, world, login, frozen):
    frozen(china(2026, 11, 23, 9))
    login(world.secretary)
    page = client.get(f"/opinions/branch/{world.branch.id}").get_data(as_text=True)
    assert "2027年节假日安排未录入" in page and "请镇党委管理员录入" in page


def test_opinion_tab_sends_a_secretary_to_the_inbox_and_shows_the_town_its_escalations(
        client, world, login, frozen):
    opinion, secret = make_opinion(world.branch, at=china(2026, 10, 12))
    reply_to_opinion(world.secretary, opinion, "已处理。")
    rate_opinion(opinion, "bad")
    reply_to_opinion(world.secretary, opinion, "再次处理。")
    rate_opinion(opinion, "bad")
    login(world.other_branch_secretary)
    assert client.get("/opinions/").headers["Location"].endswith(
        f"/opinions/branch/{world.other_branch.id}")
    login(world.town_admin)
    page = client.get("/opinions/").get_data(as_text=True)
    assert "上报到镇党委的意见" in page and "甲一村 · 村务" in page
    assert "甲二村" in page and "乙一村" not in page
    login(world.other_town_admin)
    assert "甲一村 · 村务" not in client.get("/opinions/").get_data(as_text=True)


def test_staff_cannot_backdate_beyond_a_year_or_into_the_future(client, world, login, frozen):
    frozen(china(2026, 10, 12, 9))
    login(world.secretary)
    for day in ("0001-01-01", "2025-10-01", "2026-10-14"):
        response = client.post(f"/opinions/branch/{world.branch.id}/new", data={
            "channel": "hotline", "received_on": day, "category": "治安",
            "content": "热线电话：村口有人乱倒建筑垃圾。"})
        assert response.status_code == 200, day
        assert "收到日期太早了" in response.get_data(as_text=True) or \
            "收到时间不能晚于现在" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_submission_without_csrf_token_is_refused(client, world, csrf_enabled):
    response = submit(client)
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_lost_link_lookup_is_rate_limited_per_client(client, world, rate_limits):
    client.get("/opinions/find")
    codes = [client.post("/opinions/find", data={"reference": f"1234567{i}",
                                                 "phone": "13912345678"}).status_code
             for i in range(11)]
    assert codes == [200] * 10 + [429]


def test_staff_cannot_reply_twice_or_forward_a_replied_opinion(client, world, login):
    opinion, _ = make_opinion(world.branch)
    login(world.secretary)
    client.post(f"/opinions/{opinion.id}/reply", data={"text": "已处理。", "visibility": "public"})
    again = client.post(f"/opinions/{opinion.id}/reply",
                        data={"text": "再答一次。", "visibility": "public"})
    assert "这条意见现在不需要答复" in again.get_data(as_text=True)
    moved = client.post(f"/opinions/{opinion.id}/assign", data={"person_id": world.recorder.id},
                        follow_redirects=True)
    assert "已答复的意见不能再转办" in moved.get_data(as_text=True)


def test_open_opinion_is_on_the_assignees_home_to_do_list(client, world, login, frozen):
    make_opinion(world.branch, at=china(2026, 9, 30))
    frozen(china(2026, 10, 14, 9))
    login(world.secretary)
    page = client.get("/").get_data(as_text=True)
    assert "答复群众意见：村务" in page and "已逾期，截止10月13日" in page


def test_calendar_seed_command(app, app_ctx):
    runner = app.test_cli_runner()
    assert "Seeded 23 year(s)." in runner.invoke(args=["calendar-seed"]).output
    assert "already seeded" in runner.invoke(args=["calendar-seed"]).output
