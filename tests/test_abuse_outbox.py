"""Issue 16 — notices never hold a write. Under gunicorn (the Procfile's command, a temporary
SQLite database), a branch whose WeCom robot hangs: the secretary publishes and cancels meetings
while 16 members scan in; every scan succeeds and no page calls the robot. The clock's outbox
job then tries, fails on the hanging robot (a retry, with the error kept), and delivers once the
robot answers again."""
from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from sqlalchemy import select

from bench import checkin_burst as burst

MEMBERS = 16
HANG_SECONDS = 8          # longer than SQLite's busy timeout (5 s): inline posting made 500s


class SlowRobot:
    """A local WeCom robot on 127.0.0.1 that hangs while `hanging` is set."""

    def __init__(self):
        self.hanging = threading.Event()
        self.hanging.set()
        self.received: list[str] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                robot.received.append(body["text"]["content"])
                if robot.hanging.is_set():
                    time.sleep(HANG_SECONDS)
                data = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass           # the caller gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=slow"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _set_up(url: str, robot_url: str):
    """The bench's branch of members, plus its secretary, its robot and two planned meetings."""
    from werkzeug.security import generate_password_hash

    from partyapp import clock, create_app
    from partyapp.demo import add_role
    from partyapp.extensions import db
    from partyapp.meetings import services
    from partyapp.models import Organization, Person, Role

    phones, (meeting_id,), _ = burst.prepare_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": burst.SECRET})
    with app.app_context():
        branch = db.session.scalar(select(Organization).where(Organization.slug == "bench"))
        branch.wecom_webhook = robot_url
        secretary = Person(name="压测书记", phone="13900000001", party_status="full",
                           password_hash=generate_password_hash(burst.PASSWORD,
                                                                method="pbkdf2:sha256:1000"))
        db.session.add(secretary)
        db.session.flush()
        add_role(secretary, branch, Role.SECRETARY)
        start = clock.now() + timedelta(days=2)
        planned = []
        for topic in ("压测：待发布的党课", "压测：待取消的党课"):
            meeting = services.plan_meeting(None, services.MeetingPlan(
                org=branch, kinds=[services.kind_by_code("party_lecture")], topic=topic,
                starts_at=start, ends_at=start + timedelta(hours=2)))
            planned.append(meeting.id)
        meeting.status = "published"      # the second one is cancelled: attendees are told
        db.session.commit()
        db.engine.dispose()
    return app, phones, meeting_id, planned


def _secretary_session(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/auth/login", data={
        "csrf_token": token, "phone": "13900000001", "password": burst.PASSWORD},
        allow_redirects=False, timeout=30)
    assert response.status_code == 303
    return session


def _csrf(session, url) -> str:
    page = session.get(url, timeout=30).text
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_a_hanging_robot_never_holds_a_write_under_gunicorn(tmp_path, monkeypatch):
    monkeypatch.setattr(burst, "MEMBERS", MEMBERS)
    robot = SlowRobot()
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    app, phones, meeting_id, (to_publish, to_cancel) = _set_up(url, robot.url)
    make = burst.token_maker()
    port = burst.free_port()
    server = burst.start_server(port, {"DATABASE_URL": url, "SECRET_KEY": burst.SECRET,
                                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    base = f"http://127.0.0.1:{port}"
    try:
        with ThreadPoolExecutor(8) as pool:
            jars = list(pool.map(lambda phone: burst.log_in(base, phone), phones))
        secretary = _secretary_session(base)
        publish_token = _csrf(secretary, f"{base}/meetings/{to_publish}")
        cancel_token = _csrf(secretary, f"{base}/meetings/{to_cancel}")
        results = {}

        def publish_then_cancel():
            results["publish"] = secretary.post(f"{base}/meetings/{to_publish}/publish", data={
                "csrf_token": publish_token}, allow_redirects=False, timeout=60).status_code
            results["cancel"] = secretary.post(f"{base}/meetings/{to_cancel}/cancel", data={
                "csrf_token": cancel_token, "reason": "压测"}, allow_redirects=False,
                timeout=60).status_code

        writer = threading.Thread(target=publish_then_cancel)
        writer.start()
        # The scans start while the publishing request is (or, inline, would be) waiting.
        time.sleep(0.3)
        with ThreadPoolExecutor(MEMBERS) as pool:
            scans = list(pool.map(lambda jar: burst.timed_get(
                f"{base}/meetings/{meeting_id}/c/{make(meeting_id)}", jar), jars))
        writer.join(timeout=60)
    finally:
        burst.stop_server(server)
    seconds = sorted(elapsed for elapsed, _, _ in scans)
    print(json.dumps({"checkins": MEMBERS, "checkin_max_ms": round(seconds[-1] * 1000),
                      "checkin_median_ms": round(seconds[len(seconds) // 2] * 1000)}))
    statuses = [status for _, status, _ in scans]
    assert statuses == [200] * MEMBERS, statuses
    assert all("已签到" in body for _, _, body in scans)
    assert results == {"publish": 303, "cancel": 303}
    assert robot.received == [], "a page posted to the robot"
    assert burst.stored_check_ins(url, meeting_id) == MEMBERS

    from partyapp.extensions import db
    from partyapp.models import OutboundMessage
    from partyapp.notify.services import deliver_outbox

    try:
        with app.app_context():
            app.config["OUTBOX_POST_TIMEOUT"] = 1
            queued = db.session.scalars(select(OutboundMessage.status)).all()
            assert queued == ["queued", "queued"]
            assert deliver_outbox() == {"sent": 0, "retry": 2, "failed": 0}   # robot hangs
            row = db.session.scalars(select(OutboundMessage)).first()
            assert row.attempts == 1 and "timed out" in row.error.lower()
            robot.hanging.clear()
            db.session.execute(OutboundMessage.__table__.update().values(
                next_try_at=row.created_at))       # due again (as a minute later)
            db.session.commit()
            assert deliver_outbox()["sent"] == 2
            db.session.remove()
            db.engine.dispose()
    finally:
        robot.close()
    assert any("会议通知：压测：待发布的党课" in text for text in robot.received)
    assert any("会议取消：压测：待取消的党课" in text for text in robot.received)
