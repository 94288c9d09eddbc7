"""Attack suite, generic over the URL map: CSRF on every unsafe route, XSS read back on every
page, open redirects, guessing ids and tracking codes, upload limits, rate limits, session
fixation and security headers. Routes added later are covered through the route tables."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from io import BytesIO

import pytest
from flask import url_for
from PIL import Image
from sqlalchemy import String, Text, select, update

from partyapp import clock
from partyapp.extensions import db

from .access.rules import ANON
from .proof_support import (allowed_persona, get_endpoints, populate_all, route_url, routes,
                            row_counts, unsafe_endpoints)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")


def _login_as(login, client, world, persona):
    if persona != ANON:
        login(getattr(world, persona))


# ---- CSRF ---------------------------------------------------------------------------------------
def test_csrf_is_required_on_every_unsafe_route(app, world, client, login, csrf_enabled):
    populate_all(world)
    table = routes()
    unsafe = unsafe_endpoints(app)
    assert len(unsafe) >= 30, "the URL map should have many unsafe routes"
    failures = []
    for endpoint in sorted(unsafe):
        access = table[endpoint]
        persona = allowed_persona(access) or ANON
        _login_as(login, client, world, persona)
        url = route_url(app, endpoint, access, world)
        before = row_counts()
        response = client.post(url, data=access.data(world))
        body = response.get_data(as_text=True)
        if response.status_code != 400 or "页面已过期" not in body:
            failures.append(f"POST {url} as {persona}: {response.status_code}")
        if row_counts() != before:
            failures.append(f"POST {url} as {persona} wrote rows without a CSRF token")
    assert not failures, "\n".join(failures)


def test_a_valid_csrf_token_is_accepted_so_the_check_above_can_fail(app, client, world, login,
                                                                    csrf_enabled):
    login(world.member)
    page = client.get("/me").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"|data-csrf="([^"]+)"|'
                      r'"X-CSRFToken":\s*"([^"]+)"', page)
    assert token, "the layout exposes the CSRF token for htmx"
    value = next(group for group in token.groups() if group)
    with app.test_request_context():
        url = url_for("notify.read_all")
    assert client.post(url, headers={"X-CSRFToken": value}).status_code in (200, 204, 303)


# ---- XSS ----------------------------------------------------------------------------------------
def _stuff_text_columns() -> int:
    """Write the payloads into every free-text column of every row (generic: covers tables of
    features merged later). Columns too short for a payload keep their value."""
    stuffed = 0
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (String, Text)) or column.primary_key \
                    or column.foreign_keys or column.unique or column.index:
                continue
            length = getattr(column.type, "length", None)
            if column.name not in FREE_TEXT:
                continue
            value = SCRIPT + IMG if not length or length >= 56 else SCRIPT
            if length and length < len(value):
                continue
            db.session.execute(update(table).values({column.name: value}))
            stuffed += 1
    db.session.commit()
    return stuffed


# Column names that hold what people typed (names, titles, texts); enum-like codes, phones,
# slugs and file names are left alone so pages still render.
FREE_TEXT = {"name", "title", "content", "text", "reason", "topic", "place", "summary", "minutes",
             "baseline", "target", "note", "public_text", "reasons", "body", "village", "post",
             "committee_post", "submitter_name", "public_summary", "reply_text", "detail_text",
             "comment", "description", "message", "excerpt", "label", "remark", "address"}


# Routes that show other parts of their data under a query parameter (tabs, pages).
QUERY_VARIANTS = {"town.dashboard": [f"section={key}" for key in
                                     ("meetings", "opinions", "commitments", "stars")],
                  "town.print_view": [], "public.tab": ["page=2"]}


def _crawl(app, client, login, world, extra_urls=()):
    """GET every route of the tables as its allowed persona (and as a stranger); returns the
    HTML pages that showed a raw payload."""
    table = routes()
    leaks, pages = [], 0
    for endpoint in sorted(get_endpoints(app)):
        access = table[endpoint]
        if access.method != "GET" or endpoint == "static":
            continue
        for persona in {allowed_persona(access) or ANON, "secretary", ANON}:
            client.delete_cookie("session")
            _login_as(login, client, world, persona)
            url = route_url(app, endpoint, access, world)
            for variant in [url] + [f"{url}{'&' if '?' in url else '?'}{query}"
                                    for query in QUERY_VARIANTS.get(endpoint, ())]:
                leaks += _raw_payload(client.get(variant), f"{variant} as {persona}")
                pages += 1
    for url in extra_urls:
        client.delete_cookie("session")
        leaks += _raw_payload(client.get(url), url)
        pages += 1
    return leaks, pages


def _raw_payload(response, label):
    if response.mimetype != "text/html":
        response.close()
        return []
    body = response.get_data(as_text=True)
    response.close()
    return [f"{label}: raw {marker!r}" for marker in RAW_MARKERS if marker in body]


def test_payloads_typed_into_the_real_forms_are_escaped_everywhere(app, client, login, world):
    from partyapp.meetings.models import LeaveRequest, Meeting
    from partyapp.opinions.models import Opinion

    populate_all(world)
    payload = SCRIPT + IMG
    login(world.secretary)
    branch = world.branch.id
    posts = {
        f"/org/{branch}/people/new": {"name": "王" + SCRIPT[:10], "phone": "13812340077",
                                      "party_status": "full", "joined_party_on": "2001-07-01",
                                      "roles": ["committee"], "committee_post": SCRIPT},
        f"/disclosures/b/{branch}/commitments/new": {
            "owner_id": str(world.secretary.id), "kind": "annual", "title": payload,
            "content": payload, "baseline": payload, "target": payload,
            "due_on": "2030-12-31", "decision_id": "0"},
        f"/disclosures/c/{world.extra['commitment']}/progress": {
            "text": payload, "percent": "30", "status": "in_progress"},
        f"/opinions/{world.extra['opinion']}/reply": {"text": payload, "visibility": "public"},
        "/meetings/plan": {"org_id": branch, "topic": payload,    # a day inside the plan window
                           "day": (clock.today() + timedelta(days=30)).isoformat(),
                           "start": "09:00", "end": "11:00", "place": payload,
                           "checkin_opens_minutes": "30", "late_after_minutes": "10",
                           "kind_ids": [world.extra["kind"]]},
    }
    for url, data in posts.items():
        response = client.post(url, data=data)
        assert response.status_code == 303, (url, response.get_data(as_text=True)[:2000])
    login(world.member)
    leave = client.post(f"/meetings/{world.extra['spare']}/leave",
                        data={"leave_type": "personal", "reason": SCRIPT})
    assert leave.status_code == 303
    villager = app.test_client()
    submitted = villager.post(f"/opinions/v/{world.branch.slug}/new", data={
        "category": "村务", "content": "路灯坏了" + payload, "name": SCRIPT[:20],
        "public_allowed": "y"}, content_type="multipart/form-data")
    assert submitted.status_code == 303
    track_url = submitted.headers["Location"]
    stored = [db.session.scalar(select(Meeting.topic).where(Meeting.topic == payload)),
              db.session.scalar(select(LeaveRequest.reason).where(LeaveRequest.reason == SCRIPT)),
              db.session.scalar(select(Opinion.content).where(Opinion.content.contains(payload)))]
    assert all(stored), "the payloads were stored as typed (escaping happens on output)"
    extra = [track_url] + [f"/v/{world.branch.slug}/{tab}" for tab in
                           ("commitments", "decisions", "results", "opinions")]
    leaks, pages = _crawl(app, client, login, world, extra)
    assert pages > 60
    assert not leaks, "\n".join(leaks)


def test_payloads_in_every_text_column_are_escaped_on_every_page(app, client, login, world):
    populate_all(world)
    assert _stuff_text_columns() >= 15
    extra = [f"/v/{world.branch.slug}/{tab}" for tab in
             ("commitments", "decisions", "results", "opinions")]
    leaks, pages = _crawl(app, client, login, world, extra)
    assert pages > 60
    assert not leaks, "\n".join(leaks)


# ---- open redirects -------------------------------------------------------------------------------
NASTY_NEXT = ["https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example",
              "\\\\evil.example", "http:evil.example", "javascript:alert(1)", " //evil.example",
              "%2F%2Fevil.example", "/%2F/evil.example", "https:/evil.example",
              "\t//evil.example", "data:text/html,<script>alert(1)</script>", "evil.example",
              "/\t/evil.example", "//evil.example/%2e%2e", "http://127.0.0.1@evil.example"]


def _lands_on_site(location: str) -> bool:
    """A redirect that a browser would follow to this site only."""
    cleaned = re.sub(r"[\t\n\r ]", "", location)
    return cleaned.startswith("/") and not cleaned.startswith(("//", "/\\")) \
        and "evil.example" not in cleaned.split("?")[0].split("/")[1]


@pytest.mark.parametrize("target", NASTY_NEXT)
def test_login_next_never_leaves_the_site(client, world, target):
    response = client.post("/auth/login", query_string={"next": target},
                           data={"phone": world.member.phone, "password": "pass1234"})
    assert response.status_code == 303
    assert _lands_on_site(response.headers["Location"]), response.headers["Location"]


def test_login_next_keeps_a_local_path(client, world):
    response = client.post("/auth/login", query_string={"next": "/meetings/"},
                           data={"phone": world.member.phone, "password": "pass1234"})
    assert response.headers["Location"] == "/meetings/"


@pytest.mark.parametrize("target", NASTY_NEXT)
def test_care_switch_next_and_referrer_never_leave_the_site(client, target):
    by_form = client.post("/care", data={"next": target})
    by_referrer = client.post("/care", headers={"Referer": target})
    for response in (by_form, by_referrer):
        assert response.status_code == 303
        assert _lands_on_site(response.headers["Location"]), response.headers["Location"]


# ---- guessing ----------------------------------------------------------------------------------
def test_guessed_tracking_codes_are_404_and_then_rate_limited(app, world, rate_limits):
    populate_all(world)
    guesser = app.test_client()
    # 30 misses per 10-minute window; 70 guesses cross at most one window boundary.
    statuses = [guesser.get(f"/opinions/t/{secrets.token_urlsafe(16)}").status_code
                for _ in range(70)]
    assert set(statuses[:30]) == {404}
    assert statuses[-1] == 429
    assert "甲一村内部意见" not in guesser.get(
        f"/opinions/t/{world.extra['opinion_secret']}").get_data(as_text=True)
    other = app.test_client()   # another villager's phone is not blocked by the guesser
    assert other.get(f"/opinions/t/{world.extra['opinion_secret']}").status_code == 200


def _other_branch_objects(world):
    """A meeting, commitment, decision, opinion and check-in of branch A2 (same town)."""
    from partyapp.opinions.services import Submission, submit_opinion

    from .factories_disclosures import make_commitment, make_decision
    from .factories_meetings import make_meeting

    now = clock.now()
    meeting = make_meeting(world.other_branch, starts_at=now - timedelta(minutes=5),
                           topic="乙村机密会议", host=world.other_branch_secretary)
    commitment = make_commitment(world.other_branch, world.other_branch_secretary,
                                 title="乙村机密承诺")
    decision = make_decision(world.other_branch, world.other_branch_secretary, title="乙村机密决策")
    opinion, secret = submit_opinion(world.other_branch, Submission(
        category="村务", content="乙村机密意见内容", name="李四", phone="13912340001"),
        check_duplicates=False)
    db.session.commit()
    return {"meeting": meeting.id, "commitment": commitment.id, "decision": decision.id,
            "opinion": opinion.id, "branch": world.other_branch.id}


GUESSES = [
    ("meetings.detail", lambda o: {"meeting_id": o["meeting"]}),
    ("meetings.screen", lambda o: {"meeting_id": o["meeting"]}),
    ("meetings.door", lambda o: {"meeting_id": o["meeting"]}),
    ("meetings.notice", lambda o: {"meeting_id": o["meeting"]}),
    ("meetings.close", lambda o: {"meeting_id": o["meeting"]}),
    ("meetings.ledger_page", lambda o: {"branch_id": o["branch"]}),
    ("disclosures.commitment", lambda o: {"commitment_id": o["commitment"]}),
    ("disclosures.decision", lambda o: {"decision_id": o["decision"]}),
    ("opinions.detail", lambda o: {"opinion_id": o["opinion"]}),
    ("opinions.inbox", lambda o: {"branch_id": o["branch"]}),
    ("org.roster", lambda o: {"branch_id": o["branch"]}),
]


@pytest.mark.parametrize("persona", ["member", "recorder", "secretary"])
def test_ids_of_another_branch_are_refused_without_their_data(app, client, login, world, persona):
    others = _other_branch_objects(world)
    login(getattr(world, persona))
    leaks = []
    for endpoint, params in GUESSES:
        with app.test_request_context():
            url = url_for(endpoint, **params(others))
        response = client.get(url)
        body = response.get_data(as_text=True)
        if response.status_code not in (403, 404):
            leaks.append(f"{url}: {response.status_code}")
        if "乙村机密" in body or "乙村" in body.split("</main>")[0].split("<main")[-1]:
            leaks.append(f"{url}: the body shows branch A2's data")
    assert not leaks, "\n".join(leaks)


# ---- uploads ----------------------------------------------------------------------------------------
def _post_files(client, url, fields):
    """Multipart POST built in memory (the test client spools big bodies to a temporary file
    it never closes, which the suite's warnings-as-errors would report)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    fields = {key: FileStorage(value[0], filename=value[1]) if isinstance(value, tuple) else value
              for key, value in fields.items()}
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _image(fmt="JPEG", size=(40, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, "red").save(out, fmt)
    return out.getvalue()


def _bomb() -> bytes:
    """A 20000×20000 PNG (400 MP) that compresses to a few hundred KB."""
    out = BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    return out.getvalue()


BAD_PHOTOS = {
    "text named .jpg": (b"hello, not a picture", "photo.jpg"),
    "html named .png": (b"<html><script>alert(1)</script></html>", "x.png"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg"),
    "bmp renamed .jpg": (_image("BMP"), "photo.jpg"),
    "decompression bomb": (_bomb(), "bomb.png"),
    "over 8 MB": (b"\xff\xd8\xff" + bytes(9 * 1024 * 1024), "big.jpg"),
}


@pytest.mark.parametrize("case", sorted(BAD_PHOTOS))
def test_opinion_photos_are_checked(app, client, world, case):
    populate_all(world)
    data, name = BAD_PHOTOS[case]
    before = row_counts()
    response = _post_files(client, f"/opinions/v/{world.branch.slug}/new", {
        "category": "村务", "content": "照片测试：村口路灯坏了三天。", "public_allowed": "y",
        "photos": (BytesIO(data), name)})
    assert response.status_code in (200, 413)
    assert "照片" in response.get_data(as_text=True) or response.status_code == 413
    assert row_counts() == before


@pytest.mark.parametrize("case", sorted(BAD_PHOTOS))
def test_commitment_photos_are_checked(app, client, login, world, case):
    populate_all(world)
    login(world.secretary)
    data, name = BAD_PHOTOS[case]
    before = row_counts()
    response = _post_files(client, f"/disclosures/c/{world.extra['commitment']}/progress", {
        "text": "进展", "percent": "30", "status": "in_progress", "photo": (BytesIO(data), name)})
    assert response.status_code in (200, 413)
    assert row_counts() == before


def test_a_good_photo_is_accepted_so_the_checks_above_can_fail(client, world):
    from partyapp.opinions.models import OpinionPhoto

    response = client.post(f"/opinions/v/{world.branch.slug}/new", data={
        "category": "村务", "content": "照片测试：村口路灯坏了三天。", "public_allowed": "y",
        "photos": [(BytesIO(_image()), "ok.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert db.session.scalar(select(OpinionPhoto.id)) is not None


def _xlsx_bomb() -> bytes:
    """A valid-looking .xlsx whose sheet inflates to ~60 MB of cells."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    buffer = BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(BytesIO(buffer.getvalue()))
    out = BytesIO()
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>王</t></is></c></row>'
                   for n in range(1, 600_000))
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = sheet.encode() if item.filename.endswith("sheet1.xml") else \
                source.read(item.filename)
            target.writestr(item.filename, content)
    return out.getvalue()


@pytest.mark.parametrize("case", ["png named .xlsx", "text named .xlsx", "csv", "too big", "bomb"])
def test_roster_import_refuses_bad_files(app, client, login, world, case):
    import time

    login(world.secretary)
    files = {"png named .xlsx": (_image("PNG"), "花名册.xlsx"),
             "text named .xlsx": (b"name,phone\n", "花名册.xlsx"),
             "csv": (b"name,phone\n", "花名册.csv"),
             "too big": (b"PK" + bytes(3 * 1024 * 1024), "花名册.xlsx"),
             "bomb": (_xlsx_bomb() if case == "bomb" else b"", "花名册.xlsx")}
    data, name = files[case]
    before = row_counts()
    started = time.perf_counter()
    response = _post_files(client, f"/org/{world.branch.id}/import",
                           {"file": (BytesIO(data), name)})
    assert time.perf_counter() - started < 10
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert any(word in body for word in ("xlsx", "Excel", "表头", "最多导入", "太大")), body[:500]
    assert row_counts() == before


def test_a_request_over_the_upload_cap_gets_the_chinese_413_page(app, client, world):
    response = _post_files(client, f"/opinions/v/{world.branch.slug}/new", {
        "category": "村务", "content": "大文件", "photos": (BytesIO(bytes(13 * 1024 * 1024)), "a.jpg")})
    assert response.status_code == 413
    assert "文件太大" in response.get_data(as_text=True)


# ---- rate limits (per account / client, never the IP alone) ----------------------------------------
def test_login_limit_is_per_account_not_per_ip(app, world):
    phones = [app.test_client() for _ in range(7)]   # seven phones behind one village router
    statuses = [p.post("/auth/login", data={"phone": world.member.phone, "password": "wrong"}
                       ).status_code for p in phones]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    neighbour = app.test_client()   # same IP, another account: not slowed
    ok = neighbour.post("/auth/login", data={"phone": world.secretary.phone,
                                             "password": "pass1234"})
    assert ok.status_code == 303


def test_opinion_submission_is_limited_per_client_not_per_ip(app, world, rate_limits):
    first = app.test_client()
    statuses = [first.post(f"/opinions/v/{world.branch.slug}/new", data={
        "category": "村务", "content": f"第{n}条不同的意见：村道第{n}段要修。",
        "public_allowed": "y"}, content_type="multipart/form-data").status_code
        for n in range(6)]
    assert statuses == [303] * 5 + [429]
    second = app.test_client()      # a neighbour on the same router still gets through
    assert second.post(f"/opinions/v/{world.branch.slug}/new", data={
        "category": "村务", "content": "邻居的意见：垃圾桶不够用。", "public_allowed": "y"},
        content_type="multipart/form-data").status_code == 303


def test_checkin_scan_is_limited_per_account(app, world, login, rate_limits):
    from .access import table_meetings

    table_meetings.populate(world)
    url = f"/meetings/{world.extra['meeting']}/c/{table_meetings._token(world)}"
    member = login(world.member, app.test_client())
    # Fixed one-minute windows: 45 quick scans cross at most one boundary, so at most 40 pass.
    statuses = [member.get(url).status_code for _ in range(45)]
    assert statuses[:20] == [200] * 20 and statuses[-1] == 429
    colleague = login(world.group_leader, app.test_client())
    assert colleague.get(url).status_code == 200


# ---- session fixation, remember token ------------------------------------------------------------
def test_a_session_cookie_from_before_login_does_not_carry_the_login(app, world):
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    browser = app.test_client()
    browser.get("/auth/login")
    planted = browser.get_cookie("session")
    planted_value = planted.value if planted else None
    response = browser.post("/auth/login", data={"phone": world.member.phone,
                                                 "password": "pass1234", "remember": "y"})
    assert response.status_code == 303
    after = browser.get_cookie("session").value
    assert after != planted_value
    assert serializer.loads(after)["_user_id"].startswith(f"{world.member.id}:")
    # The attacker who planted the pre-login cookie is still anonymous with it.
    attacker = app.test_client()
    if planted_value:
        attacker.set_cookie("session", planted_value)
    assert attacker.get("/me").status_code == 302
    # The remember token changes when the session version changes (log out everywhere).
    remember = browser.get_cookie("remember_token").value
    _bump_session_version(world.member)   # what "log out other devices" does
    stale = app.test_client()
    stale.set_cookie("remember_token", remember)
    assert stale.get("/me").status_code == 302
    assert browser.get("/me").status_code == 302


def _bump_session_version(person):
    person.session_version += 1
    db.session.commit()


def test_logout_clears_the_session_so_the_cookie_is_useless(app, world):
    browser = app.test_client()
    browser.post("/auth/login", data={"phone": world.member.phone, "password": "pass1234"})
    logged_in = browser.get_cookie("session").value
    browser.post("/auth/logout")
    replay = app.test_client()
    replay.set_cookie("session", logged_in)
    # Flask sessions are signed, not stored: the old cookie still decodes, but log-out ended
    # its log-in on the server (tests/test_login_guard.py covers the remember cookie too).
    assert replay.get("/me").status_code == 302


# ---- security headers on every HTML page --------------------------------------------------------------
HEADERS = {"Content-Security-Policy": "script-src 'self'", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def test_security_headers_on_every_page(app, client, login, world):
    populate_all(world)
    table = routes()
    missing, html_pages = [], 0
    for endpoint in sorted(get_endpoints(app)):
        access = table[endpoint]
        if access.method != "GET":
            continue
        persona = allowed_persona(access) or ANON
        client.delete_cookie("session")
        _login_as(login, client, world, persona)
        url = route_url(app, endpoint, access, world)
        response = client.get(url)
        response.close()
        if response.mimetype != "text/html":
            continue
        html_pages += 1
        for name, expected in HEADERS.items():
            if expected not in response.headers.get(name, ""):
                missing.append(f"{url}: {name}")
        if "<script>" in response.get_data(as_text=True):
            missing.append(f"{url}: inline script")
    assert html_pages >= 40
    assert not missing, "\n".join(missing)


def test_a_nul_character_in_any_field_is_a_400_not_a_database_error(app, client, world):
    """PostgreSQL refuses NUL in text; found by the fuzzer on the door-code form."""
    before = row_counts()
    response = client.post(f"/opinions/v/{world.branch.slug}/new", data={
        "category": "村务", "content": "路灯\x00坏了三天了，请修理。"})
    assert response.status_code == 400 and "请求有误" in response.get_data(as_text=True)
    assert client.get("/opinions/find", query_string={"q": "a\x00"}).status_code == 400
    assert row_counts() == before
