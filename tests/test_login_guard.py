"""Log-in that holds (issue 15), through HTTP: failures only are counted, per account, per
network address and site-wide, so dropping cookies buys nothing; nobody can lock a member out
(known devices, one-time log-in links); common passwords refused; an unknown number costs a
real hash; log-out ends that log-in on the server; invitations, log-in links and pending
scans are used once. tests/test_login_workers.py runs the shared limits under gunicorn."""
from __future__ import annotations

import re
import threading
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from partyapp import clock
from partyapp.auth import guard
from partyapp.auth import services as auth_services
from partyapp.auth.services import create_invitation
from partyapp.extensions import db
from partyapp.meetings.checkin import make_token
from partyapp.meetings.models import CheckIn
from partyapp.models import AuditEntry, Invitation, LoginFailure, LoginSession

from .factories import PASSWORD, make_person
from .factories_meetings import make_meeting

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)


def browser(app, address="10.0.0.1"):
    """A new phone (no cookies) behind `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_login(client, phone, password, next_url=None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"phone": phone, "password": password, "remember": "y"})


def text(response) -> str:
    return response.get_data(as_text=True)


# ---- only failures count; dropping cookies buys nothing -----------------------------------------
def test_a_client_dropping_cookies_gets_no_more_tries_than_one_keeping_them(app, world, frozen):
    """The per-address budget is what a spray over many accounts meets; it keys on the network
    address, so a client without cookies gets exactly as many tries as one with them."""
    frozen(NOW)
    keeper = browser(app, "10.0.0.2")
    tries = {}
    for name, address in (("dropping", "10.0.0.3"), ("keeping", "10.0.0.2")):
        allowed = 0
        for n in range(guard.ADDRESS.free + 5):
            client = browser(app, address) if name == "dropping" else keeper
            response = post_login(client, f"1370000{n:04d}", "demo1234")
            if response.status_code == 429:
                break
            assert response.status_code == 200
            allowed += 1
        tries[name] = allowed
    assert tries["dropping"] == tries["keeping"] == guard.ADDRESS.free


def test_successful_log_ins_are_not_counted(app, world, frozen):
    frozen(NOW)
    statuses = [post_login(browser(app), world.member.phone, PASSWORD).status_code
                for _ in range(20)]
    assert statuses == [303] * 20
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_forty_members_behind_one_router_all_log_in_even_after_mistyping(app, world, frozen):
    """A meeting: 80 members behind one village router each mistype three times, then get in —
    no one is refused or even slowed (the address budget is sized for this)."""
    frozen(NOW)
    members = [make_person(f"党员{n:02d}", org=world.branch) for n in range(80)]
    db.session.commit()
    phones = [m.phone for m in members]
    statuses = []
    for phone in phones:
        client = browser(app, "10.9.9.9")
        statuses += [post_login(client, phone, "wrong-one").status_code for _ in range(3)]
        statuses.append(post_login(client, phone, PASSWORD).status_code)
        clock.move(timedelta(seconds=5))
    assert statuses.count(303) == 80 and 429 not in statuses


def test_the_address_budget_only_delays_and_never_refuses(app, world, frozen):
    frozen(NOW)
    for n in range(guard.ADDRESS.free):
        assert post_login(browser(app, "10.0.0.7"), f"1370000{n:04d}", "x12345").status_code == 200
    slowed = post_login(browser(app, "10.0.0.7"), world.member.phone, PASSWORD)
    assert slowed.status_code == 429
    wait = int(slowed.headers["Retry-After"])
    assert 1 <= wait <= guard.ADDRESS.max_wait and "请等" in text(slowed)
    clock.move(timedelta(seconds=wait))
    assert post_login(browser(app, "10.0.0.7"), world.member.phone, PASSWORD).status_code == 303
    # Another router is not affected at all.
    assert post_login(browser(app, "10.0.0.8"), world.secretary.phone, PASSWORD).status_code == 303


def test_a_spray_from_many_addresses_meets_the_site_wide_budget(app, world, frozen):
    """Site-wide failures (a botnet, one try per address) slow every new phone a little; a
    phone that logged in before is not slowed."""
    frozen(NOW - timedelta(days=1))
    known = browser(app, "10.6.0.1")
    assert post_login(known, world.member.phone, PASSWORD).status_code == 303
    known.post("/auth/logout")
    frozen(NOW)
    window = int(NOW.timestamp()) // guard.SITE.window_seconds
    db.session.add(LoginFailure(kind="site", key="*", window=window,
                                count=guard.SITE.free - 1, last_at=NOW))   # the botnet so far
    db.session.commit()
    assert post_login(browser(app, "10.6.1.1"), "13700001111", "demo1234").status_code == 200
    slowed = post_login(browser(app, "10.6.1.2"), world.secretary.phone, PASSWORD)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= guard.SITE.max_wait
    assert post_login(known, world.member.phone, PASSWORD).status_code == 303
    clock.move(timedelta(seconds=int(slowed.headers["Retry-After"])))
    assert post_login(browser(app, "10.6.1.2"), world.secretary.phone, PASSWORD).status_code == 303


# ---- an attacked account: slowed, never locked ---------------------------------------------------
def test_an_attacked_account_slows_the_attacker_with_a_growing_wait(app, world, frozen):
    frozen(NOW)
    statuses = [post_login(browser(app, f"10.1.0.{n}"), world.member.phone, "guess").status_code
                for n in range(guard.ACCOUNT.free)]
    assert statuses == [200] * guard.ACCOUNT.free
    waits = []
    for n in range(4):
        refused = post_login(browser(app, "10.1.1.1"), world.member.phone, "guess")
        assert refused.status_code == 429
        assert "输错密码的次数太多" in text(refused) and "一次性登录码" in text(refused)
        waits.append(int(refused.headers["Retry-After"]))
        clock.move(timedelta(seconds=waits[-1]))
        assert post_login(browser(app, "10.1.1.2"), world.member.phone, "guess").status_code == 200
    assert waits == sorted(waits) and waits[-1] > waits[0]   # growing: 1, 2, 4, 8 seconds
    assert max(waits) <= guard.ACCOUNT.max_wait


def test_the_owner_of_an_attacked_account_gets_in_from_a_known_phone(app, world, frozen):
    frozen(NOW - timedelta(days=30))
    own_phone = browser(app, "10.2.0.1")
    assert post_login(own_phone, world.member.phone, PASSWORD).status_code == 303
    own_phone.post("/auth/logout")            # logged out, the phone still knows the account
    frozen(NOW)
    for n in range(30):                       # an attacker on many addresses
        post_login(browser(app, f"10.3.0.{n}"), world.member.phone, f"guess{n}")
    assert post_login(browser(app, "10.3.1.1"), world.member.phone, PASSWORD).status_code == 429
    assert post_login(own_phone, world.member.phone, PASSWORD).status_code == 303
    assert own_phone.get("/me").status_code == 200
    # A forged or foreign device cookie does not help an attacker.
    attacker = browser(app, "10.3.2.1")
    attacker.set_cookie("kd", own_phone.get_cookie("kd").value[:-2] + "xx")
    assert post_login(attacker, world.member.phone, PASSWORD).status_code == 429


def _login_link(client, world) -> str:
    response = client.post(f"/org/{world.branch.id}/people/{world.member.id}/login-link")
    assert response.status_code == 200
    return urlsplit(re.search(r'<a href="(http://[^"]+/auth/link/[^"]+)"', text(response))
                    .group(1)).path


def test_the_secretary_s_one_time_log_in_link_always_gets_the_member_in(app, world, login,
                                                                       frozen):
    frozen(NOW)
    for n in range(40):
        post_login(browser(app, f"10.4.0.{n}"), world.member.phone, f"guess{n}")
    new_phone = browser(app, "10.4.0.1")      # a new phone, behind the attacker's address too
    assert post_login(new_phone, world.member.phone, PASSWORD).status_code == 429
    path = _login_link(login(world.secretary, app.test_client()), world)
    shown = new_phone.get(path)               # opening it (or a link preview) uses nothing
    assert shown.status_code == 200 and world.member.name in text(shown)
    used = new_phone.post(path)
    assert used.status_code == 303
    assert "我的" in text(new_phone.get("/me")) and world.member.name in text(new_phone.get("/me"))
    # Used once: a second phone (or the same one again) gets the expired page.
    assert browser(app, "10.4.9.9").post(path).status_code == 404
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_id == world.member.id)))
    assert {"login_link.issue", "login_link.use", "roster.login_link"} <= actions
    # …and the phone is now known: the attack no longer slows it.
    new_phone.post("/auth/logout")
    assert post_login(new_phone, world.member.phone, PASSWORD).status_code == 303


def test_a_log_in_link_expires_after_thirty_minutes(app, world, login, frozen):
    frozen(NOW)
    path = _login_link(login(world.secretary, app.test_client()), world)
    clock.move(timedelta(minutes=31))
    assert browser(app).post(path).status_code == 404


# ---- passwords -------------------------------------------------------------------------------------
@pytest.mark.parametrize("weak", ["123456", "888888", "111111", "654321", "12345678", "abcdef",
                                  "qwerty", "phone", "last8"])
def test_common_passwords_are_refused_when_set_by_invitation(client, world, weak):
    phone = world.member.phone
    password = {"phone": phone, "last8": phone[-8:], "abcdef": "aaaaaa"}.get(weak, weak)
    token = create_invitation(world.member)
    response = client.post(f"/auth/invite/{token}", data={"password": password,
                                                          "confirm": password})
    assert response.status_code == 200
    assert "请换一个" in text(response)
    db.session.expire_all()
    assert db.session.get(Invitation, db.session.scalar(select(Invitation.id))).used_at is None
    good = client.post(f"/auth/invite/{token}", data={"password": "lvshui-qiao7",
                                                      "confirm": "lvshui-qiao7"})
    assert good.status_code == 303


# ---- an unknown mobile number costs a real hash -----------------------------------------------
def test_an_unknown_mobile_number_checks_a_hash_made_like_real_passwords(app, world, monkeypatch):
    """Timing itself is measured in bench/login_spray.py; here: the unknown-number path checks
    a hash of the same method (and cost) as a real account's, so both take as long."""
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:4321"
    try:
        world.member.password_hash = auth_services.hash_password(PASSWORD)
        db.session.commit()
        seen = []
        real = auth_services.check_password_hash
        monkeypatch.setattr(auth_services, "check_password_hash",
                            lambda hashed, password: seen.append(hashed.split("$")[0])
                            or real(hashed, password))
        for phone in (world.member.phone, "13999990000", "not-a-number"):
            assert post_login(browser(app), phone, "wrong-password").status_code == 200
        assert seen == ["pbkdf2:sha256:4321"] * 3
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"


# ---- log-out ends that log-in ------------------------------------------------------------------
def test_log_out_ends_the_log_in_so_copied_cookies_stop_working(app, world):
    phone = browser(app)
    assert post_login(phone, world.member.phone, PASSWORD).status_code == 303
    session_cookie = phone.get_cookie("session").value
    remember_cookie = phone.get_cookie("remember_token").value
    copy_session, copy_remember = browser(app), browser(app)
    copy_session.set_cookie("session", session_cookie)
    copy_remember.set_cookie("remember_token", remember_cookie)
    assert copy_session.get("/me").status_code == 200
    assert copy_remember.get("/me").status_code == 200
    phone.post("/auth/logout")
    assert phone.get("/me").status_code == 302
    replay_session, replay_remember = browser(app), browser(app)
    replay_session.set_cookie("session", session_cookie)
    replay_remember.set_cookie("remember_token", remember_cookie)
    assert replay_session.get("/me").status_code == 302
    assert replay_remember.get("/me").status_code == 302


def test_each_log_in_has_its_own_remember_token_and_ends_alone(app, world):
    first, second = browser(app), browser(app)
    post_login(first, world.member.phone, PASSWORD)
    post_login(second, world.member.phone, PASSWORD)
    assert first.get_cookie("remember_token").value != second.get_cookie("remember_token").value
    first.post("/auth/logout")
    assert second.get("/me").status_code == 200      # the other phone stays logged in
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


def test_logging_in_over_a_log_in_ends_the_first_one(app, world):
    shared = browser(app)                    # a family phone: one member, then another
    post_login(shared, world.member.phone, PASSWORD)
    first = shared.get_cookie("session").value
    assert post_login(shared, world.secretary.phone, PASSWORD).status_code == 303
    replay = browser(app)
    replay.set_cookie("session", first)
    assert replay.get("/me").status_code == 302
    assert world.secretary.name in text(shared.get("/me"))


def test_log_out_of_every_device_ends_every_log_in(app, world):
    phones = [browser(app) for _ in range(3)]
    for phone in phones:
        post_login(phone, world.member.phone, PASSWORD)
    remembered = phones[1].get_cookie("remember_token").value
    assert "退出所有设备" in text(phones[0].get("/me"))
    assert phones[0].post("/auth/logout-all").status_code == 303
    assert [p.get("/me").status_code for p in phones] == [302, 302, 302]
    replay = browser(app)
    replay.set_cookie("remember_token", remembered)
    assert replay.get("/me").status_code == 302


# ---- single use under concurrency ----------------------------------------------------------------
def _race(url: str, data: dict, n: int = 6) -> list[int]:
    barrier = threading.Barrier(n, timeout=20)
    statuses: list[int] = []

    def attempt():
        barrier.wait()
        response = requests.post(url, data=data, allow_redirects=False, timeout=30)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_an_invitation_is_single_use_under_six_concurrent_requests(app, world, live_server):
    token = create_invitation(world.member)
    statuses = _race(f"{live_server}/auth/invite/{token}",
                     {"password": "hongqi-qu9", "confirm": "hongqi-qu9"})
    assert sorted(statuses) == [303] + [404] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


def test_a_log_in_link_is_single_use_under_six_concurrent_requests(app, world, live_server):
    from partyapp.models import InvitationPurpose

    token = create_invitation(world.member, purpose=InvitationPurpose.LOGIN)
    statuses = _race(f"{live_server}/auth/link/{token}", {})
    assert sorted(statuses) == [303] + [404] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


# ---- a pending scan is bound to the browser and used once ------------------------------------
def test_a_pending_scan_is_used_once_by_the_browser_that_made_it(app, world, frozen):
    frozen(NOW)
    meeting = make_meeting(world.branch, starts_at=NOW, minutes=90)
    meeting_id = meeting.id
    phone = browser(app)
    scanned = phone.get(f"/meetings/{meeting_id}/c/{make_token(meeting_id)}")
    assert scanned.status_code == 302
    next_url = scanned.headers["Location"]
    copies = []
    for _ in range(3):                                  # copies of every cookie the phone holds
        copy = browser(app)
        for name in ("session", "pscan", "cid"):
            cookie = phone.get_cookie(name)
            if cookie:
                copy.set_cookie(name, cookie.value)
        copies.append(copy)
    clock.move(timedelta(minutes=2))
    done = phone.post(next_url, data={"phone": world.member.phone, "password": PASSWORD})
    assert "✓ 已签到" in text(phone.get(done.headers["Location"]))
    for copy, person in zip(copies, (world.group_leader, world.recorder, world.secretary)):
        logged_in = copy.post(next_url, data={"phone": person.phone, "password": PASSWORD})
        page = copy.get(logged_in.headers["Location"])
        assert "✓ 已签到" not in text(page)
    # The phone itself, logged in as someone else, cannot use it again either.
    phone.post("/auth/logout")
    again = phone.post(next_url, data={"phone": world.group_leader.phone, "password": PASSWORD})
    assert "✓ 已签到" not in text(phone.get(again.headers["Location"]))
    assert db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.meeting_id == meeting_id)) == 1


def test_a_browser_that_never_scanned_cannot_complete_a_check_in(app, world, frozen, login):
    frozen(NOW)
    meeting = make_meeting(world.branch, starts_at=NOW, minutes=90)
    member = login(world.member, browser(app))
    page = member.get(f"/meetings/{meeting.id}/c")
    assert "✓ 已签到" not in text(page)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


# ---- the Redis backend ----------------------------------------------------------------------------
@pytest.fixture
def redis_guard(app):
    import redis

    url = "redis://127.0.0.1:6379/0"
    prefix = f"partyapp-test:{uuid.uuid4().hex}:"
    app.config.update(LOGIN_GUARD_REDIS_URL=url, LOGIN_GUARD_PREFIX=prefix)
    connection = redis.Redis.from_url(url)
    yield connection, prefix
    for key in connection.scan_iter(prefix + "*"):
        connection.delete(key)
    app.config.update(LOGIN_GUARD_REDIS_URL="", LOGIN_GUARD_PREFIX="partyapp:login:")


def test_with_redis_the_counters_live_in_redis_and_hold_the_same(app, world, frozen,
                                                                 redis_guard):
    connection, prefix = redis_guard
    frozen(NOW)
    statuses = [post_login(browser(app, f"10.5.0.{n}"), world.member.phone, "guess").status_code
                for n in range(guard.ACCOUNT.free + 1)]
    assert statuses == [200] * guard.ACCOUNT.free + [429]
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    assert len(list(connection.scan_iter(prefix + "account:*"))) == 1
    assert post_login(browser(app), world.secretary.phone, PASSWORD).status_code == 303


def test_create_admin_refuses_a_common_password(app_ctx):
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--name", "甲", "--phone", "13900000009",
                                 "--town", "青山镇党委", "--password", "12345678"])
    assert result.exit_code != 0 and "太常见" in result.output
    result = runner.invoke(args=["create-admin", "--name", "甲", "--phone", "13900000009",
                                 "--town", "青山镇党委", "--password", "13900000009"])
    assert result.exit_code != 0 and "手机号" in result.output


def test_the_clock_sweeps_expired_log_ins_counters_and_pending_scans(app, world, frozen):
    from partyapp.auth.jobs import JOBS as AUTH_JOBS
    from partyapp.meetings.jobs import JOBS as MEETING_JOBS
    from partyapp.meetings.models import PendingScan

    frozen(NOW - timedelta(days=200))
    old_key = auth_services.start_login(world.member)
    post_login(browser(app), world.member.phone, "guess")
    meeting = make_meeting(world.branch, starts_at=clock.now(), minutes=90)
    browser(app).get(f"/meetings/{meeting.id}/c/{make_token(meeting.id)}")
    frozen(NOW)
    new_key = auth_services.start_login(world.member)
    for job in AUTH_JOBS + [j for j in MEETING_JOBS if j.id == "meetings-sweep-pending-scans"]:
        job.func()
    hashes = set(db.session.scalars(select(LoginSession.token_hash)))
    assert hashes == {auth_services.login_token_hash(new_key.rsplit(":", 1)[1])}
    assert old_key != new_key
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    assert db.session.scalar(select(func.count()).select_from(PendingScan)) == 0
