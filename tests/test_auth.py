"""Log-in by mobile number and password, log-out, invitations, rate limits, CSRF."""
import re

from partyapp.auth.services import create_invitation
from partyapp.extensions import db
from partyapp.models import AuditEntry


def test_member_logs_in_with_phone_and_password_and_stays_logged_in(client, world):
    response = client.post("/auth/login", data={"phone": world.member.phone,
                                                "password": "pass1234", "remember": "y"})
    assert response.status_code == 303
    assert any(c.startswith("remember_token=") and "Expires" in c
               for c in response.headers.getlist("Set-Cookie"))
    assert "普通党员" in client.get("/").get_data(as_text=True)


def test_phone_may_be_typed_with_country_code_and_dashes(client, world):
    phone = world.member.phone
    typed = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    assert client.post("/auth/login", data={"phone": typed, "password": "pass1234"}).status_code == 303


def test_wrong_password_gets_a_chinese_message_on_the_page(client, world):
    response = client.post("/auth/login", data={"phone": world.member.phone, "password": "nope"})
    assert response.status_code == 200
    assert "手机号或密码不对" in response.get_data(as_text=True)


def test_malformed_phone_and_overlong_field_get_messages(client):
    body = client.post("/auth/login", data={"phone": "12345", "password": "x"}).get_data(as_text=True)
    assert "手机号或密码不对" in body
    body = client.post("/auth/login", data={"phone": "1" * 50, "password": "x"}).get_data(as_text=True)
    assert "Field cannot be longer" not in body and "手机号最多20位" in body


def test_logout_is_a_post(client, login, world):
    login(world.member)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 303
    assert client.get("/me").status_code == 302


def test_login_next_never_leaves_the_site(client, world):
    for target in ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]:
        response = client.post("/auth/login", query_string={"next": target},
                               data={"phone": world.member.phone, "password": "pass1234"})
        assert response.headers["Location"] == "/", target
        client.post("/auth/logout")
    response = client.post("/auth/login", query_string={"next": "/inbox/"},
                           data={"phone": world.member.phone, "password": "pass1234"})
    assert response.headers["Location"] == "/inbox/"


def test_invitation_link_sets_password_once_and_logs_out_other_devices(app, client, world):
    other_device = app.test_client()
    other_device.post("/auth/login", data={"phone": world.member.phone, "password": "pass1234"})
    assert other_device.get("/me").status_code == 200
    token = create_invitation(world.member, actor=world.secretary)
    page = client.get(f"/auth/invite/{token}").get_data(as_text=True)
    assert "普通党员" in page
    response = client.post(f"/auth/invite/{token}", data={"password": "newpass88", "confirm": "newpass88"})
    assert response.status_code == 303
    assert client.get("/me").status_code == 200
    assert other_device.get("/me").status_code == 302          # old sessions end
    assert client.get(f"/auth/invite/{token}").status_code == 404  # one-time
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"phone": world.member.phone,
                                           "password": "newpass88"}).status_code == 303
    actions = {a for (a,) in db.session.query(AuditEntry.action)}
    assert {"invitation.issue", "invitation.accept"} <= actions


def test_invitation_mismatched_passwords_get_a_message(client, world):
    token = create_invitation(world.member)
    body = client.post(f"/auth/invite/{token}", data={"password": "abcdef1", "confirm": "abcdef2"}
                       ).get_data(as_text=True)
    assert "两次输入的密码不一致" in body


def test_new_invitation_cancels_the_old_one(client, world):
    old = create_invitation(world.member)
    create_invitation(world.member)
    assert client.get(f"/auth/invite/{old}").status_code == 404


def test_login_failures_are_limited_per_account_across_clients(app, world):
    """Attempts on one account from many browsers (one village IP) slow down per account
    (auth/guard.py; tests/test_login_guard.py has the rest)."""
    statuses = []
    for _ in range(7):
        fresh = app.test_client()  # a new browser each time: no shared cookie
        statuses.append(fresh.post("/auth/login", data={"phone": world.member.phone,
                                                        "password": "wrong"}).status_code)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    # Another account from the same IP is not slowed.
    ok = app.test_client().post("/auth/login", data={"phone": world.secretary.phone,
                                                     "password": "pass1234"})
    assert ok.status_code == 303


def test_post_without_csrf_token_is_rejected_with_a_chinese_page(client, world, csrf_enabled):
    response = client.post("/auth/login", data={"phone": world.member.phone, "password": "pass1234"})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_post_with_csrf_token_in_form_or_htmx_header_is_accepted(client, world, csrf_enabled):
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"phone": world.member.phone, "password": "pass1234",
                                                "csrf_token": token})
    assert response.status_code == 303
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    assert client.post("/inbox/read-all", headers={"X-CSRFToken": header_token,
                                                   "HX-Request": "true"}).status_code == 303


def test_expired_session_on_htmx_request_redirects_to_login(client):
    response = client.get("/inbox/", headers={"HX-Request": "true"})
    assert "/auth/login" in response.headers["HX-Redirect"]
