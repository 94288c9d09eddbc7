"""The inbox and the two senders (record; WeCom group robot against a local fake server)."""
import pytest

from partyapp.extensions import db
from partyapp.models import OutboundMessage
from partyapp.notify import services
from partyapp.notify.senders import post_to_robot


def _queue(org, text):
    row = services.queue_for_branch_group(org, text)
    db.session.commit()
    return row


def test_wecom_robot_posts_text_from_the_outbox_and_records_delivery(app_ctx, world, fake_wecom):
    url, received = fake_wecom
    world.branch.wecom_webhook = f"{url}?key=good"
    _queue(world.branch, "东湖村：明天上午9点主题党日")
    assert received == []                        # queued with the change, not sent inline
    assert services.deliver_outbox() == {"sent": 1, "retry": 0, "failed": 0}
    assert received[0]["body"] == {"msgtype": "text", "text": {"content": "东湖村：明天上午9点主题党日"}}
    row = db.session.query(OutboundMessage).one()
    assert row.delivered and row.status == "sent" and row.attempts == 1 and row.sent_at
    assert row.channel == "wecom" and "good" not in row.target  # key never stored


def test_wecom_robot_errors_are_retried_with_backoff_then_given_up(app_ctx, world, fake_wecom,
                                                                   frozen):
    from datetime import datetime, timedelta

    from partyapp import clock

    url, _ = fake_wecom
    frozen(datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC))
    world.branch.wecom_webhook = f"{url}?key=bad"
    world.other_branch.wecom_webhook = "http://127.0.0.1:1/nothing?key=k"
    _queue(world.branch, "x")
    _queue(world.other_branch, "y")
    assert services.deliver_outbox() == {"sent": 0, "retry": 2, "failed": 0}
    rows = db.session.query(OutboundMessage).order_by(OutboundMessage.id).all()
    assert [r.status for r in rows] == ["queued", "queued"] and "93000" in rows[0].error
    assert "key=k" not in rows[1].error
    assert services.deliver_outbox()["retry"] == 0          # not due again yet (1 min)
    tries = 1
    while services.deliver_outbox()["failed"] == 0:
        clock.move(timedelta(minutes=61))
        tries += 1
        assert tries < 20
    db.session.expire_all()
    assert {r.status for r in db.session.query(OutboundMessage)} == {"failed"}
    assert all(not r.delivered for r in db.session.query(OutboundMessage))


def test_long_wecom_text_is_cut_to_what_the_robot_accepts(app_ctx, fake_wecom):
    url, received = fake_wecom
    assert post_to_robot(f"{url}?key=good", "意" * 1000) is None
    assert len(received[0]["body"]["text"]["content"].encode()) <= 2000


def test_sender_is_chosen_by_configuration(app, fake_wecom):
    url, received = fake_wecom
    with app.app_context():
        assert _queue(None, "记录").channel == "record"
        app.config.update(NOTIFY_SENDER="wecom", WECOM_WEBHOOK_URL=f"{url}?key=good-site")
        try:
            row = _queue(None, "全站机器人")
            assert row.channel == "wecom" and row.status == "queued"
            services.deliver_outbox()
            assert received[-1]["path"].endswith("key=good-site")
        finally:
            app.config.update(NOTIFY_SENDER="record", WECOM_WEBHOOK_URL="")
        db.session.remove()


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
        assert received == [] and "等待发送" in client.get(page).get_data(as_text=True)
        services.deliver_outbox()
        assert "已发到群里" in client.get(page).get_data(as_text=True)
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
    assert _queue(world.group, "第一党小组会议通知").org_id == world.branch.id
    assert _queue(world.other_branch, "乙村").status == "sent"   # record sender: recorded
    assert services.deliver_outbox()["sent"] == 1
    assert received[-1]["path"].endswith("key=good-branch") and len(received) == 1


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
    assert received == []                    # never inside the publishing transaction
    services.deliver_outbox()
    assert len(received) == 1 and received[0]["path"].endswith("key=good-jia1")
    assert "学习新修订的村规民约" in received[0]["body"]["text"]["content"]


def test_the_secretary_sees_a_message_that_did_not_go_out(app, client, login, world):
    """A robot that stopped working: after the last try the branch secretary's 我的 page says
    which message did not reach the group; another branch's secretary sees nothing of it."""
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    try:
        world.branch.wecom_webhook = "http://127.0.0.1:1/cgi-bin/webhook/send?key=dead"
        _queue(world.branch, "会议通知：学习村规民约\n时间：11月26日")
        assert services.deliver_outbox()["failed"] == 1
    finally:
        app.config.pop("OUTBOX_MAX_ATTEMPTS")
    login(world.secretary)
    page = client.get("/me").get_data(as_text=True)
    assert "群消息没有发出（1条）" in page and "会议通知：学习村规民约" in page
    assert "请检查群机器人" in page
    robot = client.get(f"/org/{world.branch.id}/robot").get_data(as_text=True)
    assert "没有发出（试了1次）" in robot
    login(world.other_branch_secretary)
    assert "群消息没有发出" not in client.get("/me").get_data(as_text=True)
    login(world.member)
    assert "群消息没有发出" not in client.get("/me").get_data(as_text=True)
