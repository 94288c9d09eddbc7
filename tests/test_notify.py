"""The inbox and the two senders (record; WeCom group robot against a local fake server)."""
import pytest

from partyapp.extensions import db
from partyapp.models import OutboundMessage
from partyapp.notify import services
from partyapp.notify.senders import RecordSender, WeComRobotSender, get_sender


def test_wecom_robot_posts_text_and_records_delivery(app_ctx, fake_wecom):
    url, received = fake_wecom
    sender = WeComRobotSender(f"{url}?key=good")
    assert sender.send("东湖村：明天上午9点主题党日") is True
    assert received[0]["body"] == {"msgtype": "text", "text": {"content": "东湖村：明天上午9点主题党日"}}
    db.session.commit()
    row = db.session.query(OutboundMessage).one()
    assert row.delivered and row.channel == "wecom" and "good" not in row.target  # key never stored


def test_wecom_robot_error_is_recorded_not_raised(app_ctx, fake_wecom):
    url, _ = fake_wecom
    assert WeComRobotSender(f"{url}?key=bad").send("x") is False
    assert WeComRobotSender("http://127.0.0.1:1/nothing", timeout=0.5).send("x") is False
    db.session.commit()
    rows = db.session.query(OutboundMessage).all()
    assert [r.delivered for r in rows] == [False, False] and "93000" in rows[0].error


def test_long_wecom_text_is_cut_to_what_the_robot_accepts(app_ctx, fake_wecom):
    url, received = fake_wecom
    WeComRobotSender(f"{url}?key=good").send("意" * 1000)
    assert len(received[0]["body"]["text"]["content"].encode()) <= 2000


def test_sender_is_chosen_by_configuration(app):
    with app.app_context():
        assert isinstance(get_sender(), RecordSender)
        app.config.update(NOTIFY_SENDER="wecom", WECOM_WEBHOOK_URL="http://127.0.0.1:9/x?key=k")
        try:
            assert isinstance(get_sender(), WeComRobotSender)
        finally:
            app.config.update(NOTIFY_SENDER="record", WECOM_WEBHOOK_URL="")


def test_inbox_badge_and_reading(client, login, world):
    services.notify([world.member.id], "会议通知", "本周五主题党日", link="/me")
    db.session.commit()
    login(world.member)
    page = client.get("/me").get_data(as_text=True)
    assert "1条未读消息" in page
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "会议通知" in inbox and "未读" in inbox
    note_id = services.inbox(world.member.id)[0].id
    assert client.get(f"/inbox/{note_id}").headers["Location"] == "/me"
    assert "条未读消息" not in client.get("/me").get_data(as_text=True)


def test_the_badge_comes_with_the_log_in_query(client, login, world, queries):
    """As in production (every request starts with an empty session), the person's unread
    count is read by the log-in query itself: no count query of its own, and it follows
    reading."""
    services.notify([world.member.id], "会议通知", "本周五主题党日", link="/me")
    services.notify([world.member.id], "学习提醒", "第二季度学习材料")
    db.session.commit()
    member_id = world.member.id
    login(world.member)
    db.session.expunge_all()
    with queries() as q:
        page = client.get("/me").get_data(as_text=True)
    assert "2条未读消息" in page
    counts = [s for s in q.statements if "count(notification.id)" in s.lower()]
    assert len(counts) == 1 and "FROM person" in counts[0]
    note_id = services.inbox(member_id)[0].id
    db.session.expunge_all()
    assert client.get(f"/inbox/{note_id}").status_code == 302
    db.session.expunge_all()
    assert "1条未读消息" in client.get("/me").get_data(as_text=True)


def test_branch_robot_is_set_checked_masked_and_tested(app, client, login, world, fake_wecom):
    """A secretary pastes the group robot's address; a wrong host is refused; the key never
    shows in full nor enters the audit trail; the test button posts to that group."""
    from partyapp.models import AuditEntry

    url, received = fake_wecom
    good = f"{url}?key=good-1234-5678"
    app.config["WECOM_WEBHOOK_PREFIX"] = f"{url}?key="
    try:
        login(world.secretary)
        page = f"/org/{world.branch.id}/robot"
        refused = client.post(page, data={"webhook": "https://evil.example/hook?key=abc"})
        assert "地址不对" in refused.get_data(as_text=True)
        assert client.post(page, data={"webhook": good}).status_code == 303
        body = client.get(page).get_data(as_text=True)
        assert "已设置" in body and "good-1234-5678" not in body and "good…5678" in body
        assert client.post(f"/org/{world.branch.id}/robot/test").status_code == 303
        assert received[-1]["path"].endswith("key=good-1234-5678")
        assert "群机器人测试" in received[-1]["body"]["text"]["content"]
        details = " ".join(d for (d,) in db.session.query(AuditEntry.detail))
        assert "good-1234" not in details
        login(world.other_branch_secretary)
        assert client.get(page).status_code == 403
    finally:
        app.config["WECOM_WEBHOOK_PREFIX"] = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


def test_party_group_messages_go_to_the_branch_robot(app_ctx, world, fake_wecom):
    url, received = fake_wecom
    world.branch.wecom_webhook = f"{url}?key=good-branch"
    db.session.commit()
    assert services.send_to_branch_group(world.group, "第一党小组会议通知") is True
    assert received[-1]["path"].endswith("key=good-branch")
    assert services.send_to_branch_group(world.other_branch, "乙村") is True   # record sender
    assert len(received) == 1


def test_publishing_a_group_meeting_posts_the_notice_to_the_branch_group(app_ctx, world,
                                                                         fake_wecom):
    from partyapp.meetings.models import MeetingStatus
    from partyapp.meetings.services import publish_meeting

    from .factories_meetings import make_meeting

    url, received = fake_wecom
    world.branch.wecom_webhook = f"{url}?key=good-jia1"
    db.session.commit()
    meeting = make_meeting(world.group, kinds=("group_meeting",), topic="学习新修订的村规民约",
                           status=MeetingStatus.PLANNED)
    publish_meeting(world.secretary, meeting)
    db.session.commit()
    assert len(received) == 1 and received[0]["path"].endswith("key=good-jia1")
    assert "学习新修订的村规民约" in received[0]["body"]["text"]["content"]
