"""Silent log-in inside WeChat (服务号 网页授权, snsapi_base) through the real stack, against a
local fake of api.weixin.qq.com that speaks sns/oauth2/access_token with its error codes
(40029 invalid code, 40163 code been used). The browser's trip to open.weixin.qq.com is
played by the test: it reads the state from the authorize address and calls the callback."""
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings.checkin import make_token
from partyapp.meetings.models import CheckIn
from partyapp.models import AuditEntry, WechatBinding

from .factories import PASSWORD
from .factories_meetings import make_meeting

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 12; V2055A) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Version/4.0 Chrome/86.0.4240.99 XWEB/4343 MMWEBSDK/20220903 Mobile Safari/537.36 "
             "MMWEBID/4520 MicroMessenger/8.0.28.2240(0x28001C35) WeChat/arm64 Weixin NetType/WIFI")
PLAIN_UA = "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"
START = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)


class FakeWechat:
    """sns/oauth2/access_token: each issued code works once, for the app id and secret."""

    def __init__(self):
        self.codes: dict[str, str] = {}
        self.used: set[str] = set()
        self.calls: list[dict] = []
        self._serial = 0

    def issue(self, openid: str) -> str:
        self._serial += 1
        code = f"code{self._serial}"
        self.codes[code] = openid
        return code

    def answer(self, path: str, query: dict) -> dict:
        self.calls.append({"path": path, **query})
        if path != "/sns/oauth2/access_token":
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if query.get("appid") != "wxapp" or query.get("secret") != "wxsecret":
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        code = query.get("code", "")
        if code in self.used:
            return {"errcode": 40163, "errmsg": "code been used"}
        if code not in self.codes or query.get("grant_type") != "authorization_code":
            return {"errcode": 40029, "errmsg": "invalid code"}
        self.used.add(code)
        return {"access_token": "ACCESS", "expires_in": 7200, "refresh_token": "R",
                "openid": self.codes[code], "scope": "snsapi_base"}


@pytest.fixture
def fake_wechat(app):
    fake = FakeWechat()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            data = json.dumps(fake.answer(parts.path, query)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    saved = {key: app.config[key] for key in ("WECHAT_APP_ID", "WECHAT_APP_SECRET",
                                              "WECHAT_API_BASE", "WECHAT_OAUTH_BASE")}
    app.config.update(WECHAT_APP_ID="wxapp", WECHAT_APP_SECRET="wxsecret",
                      WECHAT_API_BASE=f"http://127.0.0.1:{server.server_port}",
                      WECHAT_OAUTH_BASE="https://open.weixin.example")
    yield fake
    app.config.update(saved)
    server.shutdown()
    server.server_close()


def wechat_client(app, user_agent=WECHAT_UA):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def state_of(location: str) -> str:
    parts = urlsplit(location)
    assert location.startswith("https://open.weixin.example/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(parts.query)
    assert query["appid"] == ["wxapp"] and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"][0].endswith("/auth/wechat/callback")
    return query["state"][0]


def detour(client, path: str):
    """Open a page; follow the app's redirects until it sends the browser to WeChat."""
    response = client.get(path)
    while response.status_code in (302, 303) and response.headers["Location"].startswith("/"):
        response = client.get(response.headers["Location"])
    return response


def back_from_wechat(client, fake, openid, state):
    return client.get(f"/auth/wechat/callback?code={fake.issue(openid)}&state={state}")


def bindings() -> dict:
    return dict(db.session.execute(select(WechatBinding.openid, WechatBinding.person_id)).all())


def test_an_unbound_member_logs_in_once_then_a_scan_checks_in_with_no_typing(
        app, world, frozen, fake_wechat):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START, minutes=90, host=world.secretary,
                           recorder=world.recorder)
    first = wechat_client(app)
    sent = detour(first, "/me")
    back = back_from_wechat(first, fake_wechat, "oMEMBER", state_of(sent.headers["Location"]))
    assert back.status_code == 303 and back.headers["Location"].startswith("/auth/login?next=")
    page = first.get(back.headers["Location"])
    assert page.status_code == 200, "the detour happens at most once per visit"
    assert "这个微信还没有绑定账号" in text(page)
    logged_in = first.post(back.headers["Location"],
                           data={"phone": world.member.phone, "password": PASSWORD})
    assert logged_in.status_code == 303 and logged_in.headers["Location"] == "/me"
    assert bindings() == {"oMEMBER": world.member.id}
    assert "解除微信绑定" in text(first.get("/me"))

    later = wechat_client(app)          # another day: the session has ended
    clock.move(timedelta(minutes=5))
    sent = detour(later, f"/meetings/{meeting.id}/c/{make_token(meeting.id)}")
    back = back_from_wechat(later, fake_wechat, "oMEMBER", state_of(sent.headers["Location"]))
    assert back.status_code == 303
    done = later.get(back.headers["Location"])
    assert "✓ 已签到" in text(done)
    assert db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.meeting_id == meeting.id, CheckIn.person_id == world.member.id)) == 1


def test_outside_wechat_or_without_the_settings_nothing_changes(app, world, fake_wechat):
    plain = wechat_client(app, PLAIN_UA)
    assert plain.get("/auth/login").status_code == 200
    app.config["WECHAT_APP_SECRET"] = ""
    inside = wechat_client(app)
    assert inside.get("/auth/login").status_code == 200
    assert inside.get("/auth/wechat/callback?code=x&state=y").status_code == 404
    assert fake_wechat.calls == []


def test_public_pages_never_redirect_inside_wechat(app, world, fake_wechat):
    inside = wechat_client(app)
    for path in ("/", f"/v/{world.branch.slug}"):
        response = inside.get(path)
        assert response.status_code in (200, 404) or not response.headers.get(
            "Location", "").startswith("https://open.weixin"), path
        assert response.status_code != 302 or "open.weixin" not in response.headers["Location"]


def test_the_state_is_single_use_and_bound_to_the_browser(app, world, fake_wechat):
    db.session.add(WechatBinding(openid="oMEMBER", person_id=world.member.id))
    db.session.commit()
    mine = wechat_client(app)
    state = state_of(detour(mine, "/me").headers["Location"])
    other = wechat_client(app)
    stolen = back_from_wechat(other, fake_wechat, "oMEMBER", state)
    assert "/auth/login" in stolen.headers["Location"]
    assert other.get("/me").status_code == 302, "another browser's state logs nobody in"
    # The state was taken by nobody (wrong browser), but a replay in the right browser after a
    # use fails: the first use logs in, the second is refused.
    ok = back_from_wechat(mine, fake_wechat, "oMEMBER", state)
    assert ok.status_code == 303 and ok.headers["Location"] == "/me"
    assert mine.get("/me").status_code == 200
    replay = wechat_client(app)
    with replay.session_transaction() as session:
        session["wx_state"] = state
    again = back_from_wechat(replay, fake_wechat, "oMEMBER", state)
    assert "/auth/login" in again.headers["Location"]
    assert replay.get("/me").status_code == 302


def test_a_refused_code_lands_on_the_normal_log_in_with_a_message(app, world, fake_wechat):
    inside = wechat_client(app)
    state = state_of(detour(inside, "/me").headers["Location"])
    back = inside.get(f"/auth/wechat/callback?code=forged&state={state}")
    page = inside.get(back.headers["Location"])
    assert page.status_code == 200 and "微信自动登录没有成功" in text(page)
    assert fake_wechat.calls[-1]["code"] == "forged"


def test_an_openid_binds_to_one_person_and_the_second_gets_the_shared_account_note(
        app, world, fake_wechat):
    db.session.add(WechatBinding(openid="oCOUPLE", person_id=world.member.id))
    db.session.commit()
    inside = wechat_client(app)
    # The second person of the couple: the log-in page detours once; the openid is the first's,
    # so they come back logged in as the first — they log out and use their password.
    state = state_of(detour(inside, "/me").headers["Location"])
    assert back_from_wechat(inside, fake_wechat, "oCOUPLE", state).headers["Location"] == "/me"
    inside.post("/auth/logout")
    logged_in = inside.post("/auth/login", data={"phone": world.recorder.phone,
                                                  "password": PASSWORD})
    assert logged_in.status_code == 303
    # Not bound: one silent trip to bind, which WeChat answers with the same openid.
    state = state_of(logged_in.headers["Location"])
    back = back_from_wechat(inside, fake_wechat, "oCOUPLE", state)
    page = inside.get(back.headers["Location"])
    assert "这个微信已绑定另一位成员" in text(page)
    assert bindings() == {"oCOUPLE": world.member.id}


def test_unbinding_on_me_ends_the_silent_log_in(app, world, fake_wechat, login):
    db.session.add(WechatBinding(openid="oMEMBER", person_id=world.member.id))
    db.session.commit()
    client = login(world.member, wechat_client(app))
    assert client.post("/auth/wechat/unbind").status_code == 303
    assert bindings() == {}
    assert "wechat.unbind" in set(db.session.scalars(select(AuditEntry.action)))
    fresh = wechat_client(app)
    state = state_of(detour(fresh, "/me").headers["Location"])
    back = back_from_wechat(fresh, fake_wechat, "oMEMBER", state)
    assert "这个微信还没有绑定账号" in text(fresh.get(back.headers["Location"]))
