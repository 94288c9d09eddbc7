"""Issue 16 — a busy SQLite database: with the write lock held past the busy timeout a scan
answers 503 with Retry-After and 签到没有成功，请重新扫码; nothing reported as failed is stored,
and the scan again once the lock is gone is stored once. Its own SQLite file (short busy
timeout), so it runs in the PostgreSQL pass too."""
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from partyapp import clock, create_app
from partyapp.extensions import db
from partyapp.meetings.checkin import current_slot, make_token
from partyapp.meetings.models import CheckIn, LeaveRequest

from .factories import build_world
from .factories_meetings import make_meeting


@pytest.fixture
def busy_app(tmp_path):
    path = tmp_path / "busy.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "SQLITE_BUSY_TIMEOUT_MS": 200, "UPLOAD_FOLDER": str(tmp_path / "up")})
    with app.app_context():
        db.create_all()
        world = build_world()
        meeting = make_meeting(world.branch, starts_at=clock.now() + timedelta(minutes=5))
        db.session.add(LeaveRequest(meeting_id=meeting.id, person_id=world.group_leader.id,
                                    leave_type="official", reason="镇里开会", status="approved"))
        db.session.commit()
        yield app, path, world, meeting.id
        db.session.remove()
        db.engine.dispose()


def _scan(app, person, meeting_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
        session["_fresh"] = True
    with app.app_context():
        token = make_token(meeting_id, current_slot())
    return client.get(f"/meetings/{meeting_id}/c/{token}")


def test_a_scan_while_the_write_lock_is_held_says_scan_again(busy_app):
    app, path, world, meeting_id = busy_app
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")               # another writer holds the lock
    try:
        plain = _scan(app, world.member, meeting_id)
        on_leave = _scan(app, world.group_leader, meeting_id)   # insert + withdraw the leave
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for response in (plain, on_leave):
        assert response.status_code == 503 and response.headers["Retry-After"] == "3"
        assert "签到没有成功，请重新扫码" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 0
        assert db.session.scalar(select(LeaveRequest.status)) == "approved"   # not half-done
    assert _scan(app, world.member, meeting_id).status_code == 200
    assert _scan(app, world.group_leader, meeting_id).status_code == 200
    assert _scan(app, world.member, meeting_id).status_code == 200       # a second scan
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 2
        assert db.session.scalar(select(LeaveRequest.status)) == "withdrawn"


def test_any_other_write_while_busy_is_a_chinese_503(busy_app):
    app, path, world, _ = busy_app
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = world.member.get_id()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/inbox/read-all")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503 and response.headers["Retry-After"] == "3"
    assert "系统正忙" in response.get_data(as_text=True)
