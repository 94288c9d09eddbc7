"""The inbox and the two senders (record; WeCom group robot against a local fake server)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from partyapp.extensions import db
from partyapp.models import OutboundMessage
from partyapp.notify import services
from partyapp.notify.senders import RecordSender, WeComRobotSender, get_sender


@pytest.fixture
def fake_wecom():
    """A local stand-in for qyapi.weixin.qq.com/cgi-bin/webhook/send."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "body": body})
            ok = body.get("msgtype") == "text" and "key=good" in self.path
            reply = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 93000, "errmsg": "invalid webhook url"}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send", received
    server.shutdown()
    server.server_close()


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
