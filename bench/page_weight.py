"""Bytes on the wire, as a phone fetches them (Accept-Encoding: gzip, br), for the first and a
repeat visit of: the public village page, the log-in page and the check-in result page.

First visit: the HTML plus every stylesheet, script, icon and image it links (headers + body as
sent). Repeat visit: the HTML again (it is `no-cache`), and each linked file only if the cache
must ask again (no long max-age): then a conditional request is counted (304 or full).
Runs in-process (test client through WhiteNoise) on a fresh demo database with a meeting open
for check-in now. The last line is JSON: {"first_visit_kb": a, "repeat_visit_kb": b,
"html_kb": c} (the largest page of the three). Targets: first <= 60, repeat <= 10, HTML <= 14.

    .venv/bin/python bench/page_weight.py
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHONE_HEADERS = {"Accept-Encoding": "gzip, deflate, br",
                 "User-Agent": "Mozilla/5.0 (Linux; Android 13) Mobile"}
LINKED = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"')


def wire_bytes(response) -> int:
    head = len(f"HTTP/1.1 {response.status}\r\n")
    head += sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 2
    return head + len(response.get_data())


def max_age(response) -> int:
    found = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
    return int(found.group(1)) if found else 0


def visit(client, path: str) -> dict:
    page = client.get(path, headers=PHONE_HEADERS)
    assert page.status_code == 200, (path, page.status_code)
    html = wire_bytes(page)
    body = page.get_data()
    if page.headers.get("Content-Encoding") == "gzip":
        import gzip

        body = gzip.decompress(body)
    elif page.headers.get("Content-Encoding") == "br":
        import brotli

        body = brotli.decompress(body)
    linked = [url for url in LINKED.findall(body.decode()) if url.startswith("/")
              and not url.startswith("//")]
    first, repeat = html, html     # the HTML is fetched again on every visit
    for url in dict.fromkeys(linked):
        asset = client.get(url, headers=PHONE_HEADERS)
        first += wire_bytes(asset)
        if max_age(asset) < 3600:  # the cache must ask again
            validators = {}
            if asset.headers.get("ETag"):
                validators["If-None-Match"] = asset.headers["ETag"]
            if asset.headers.get("Last-Modified"):
                validators["If-Modified-Since"] = asset.headers["Last-Modified"]
            repeat += wire_bytes(client.get(url, headers={**PHONE_HEADERS, **validators}))
    return {"path": path, "html": html, "first": first, "repeat": repeat,
            "assets": len(set(linked))}


def main() -> dict:
    from partyapp import clock, create_app
    from partyapp.auth.services import hash_password, start_login
    from partyapp.demo import seed_demo
    from partyapp.extensions import db
    from partyapp.meetings import services
    from partyapp.meetings.checkin import make_token

    url = f"sqlite:///{tempfile.mkdtemp(prefix='page-weight-')}/weight.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        ctx = seed_demo(hash_password("demo1234"))
        branch = ctx.villages["donghu"]
        start = clock.now() - timedelta(minutes=5)
        meeting = services.plan_meeting(None, services.MeetingPlan(
            org=branch, kinds=[services.kind_by_code("theme_day")], topic="称重：主题党日",
            starts_at=start, ends_at=start + timedelta(hours=2)))
        meeting.status = "published"
        db.session.commit()
        member = start_login(ctx.people["13800000010"])  # a real log-in row
        scan = f"/meetings/{meeting.id}/c/{make_token(meeting.id)}"
    pages = {}
    anonymous = app.test_client()
    pages["public village"] = visit(anonymous, "/v/donghu/commitments")
    pages["log-in"] = visit(app.test_client(), "/auth/login")
    phone = app.test_client()
    with phone.session_transaction() as session:
        session["_user_id"] = member
    pages["check-in result"] = visit(phone, scan)
    for name, page in pages.items():
        print(f"{name:16} html {page['html'] / 1024:5.1f} KB  first {page['first'] / 1024:5.1f} KB"
              f"  repeat {page['repeat'] / 1024:5.1f} KB  ({page['assets']} linked files) "
              f"{page['path']}")
    return {"first_visit_kb": round(max(p["first"] for p in pages.values()) / 1024, 1),
            "repeat_visit_kb": round(max(p["repeat"] for p in pages.values()) / 1024, 1),
            "html_kb": round(max(p["html"] for p in pages.values()) / 1024, 1)}


if __name__ == "__main__":
    print(json.dumps(main()))
