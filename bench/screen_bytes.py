"""Bytes per hour of an open check-in screen with 300 expected members.

Plays one hour of the screen page's own polling against the real app (test client, gzip
accepted, the clock module travelling second by second): each fragment at the interval the
page's own `hx-trigger="every Ns"` says (read from the page), with If-None-Match like a
browser cache; the QR image is fetched when the fragment changes. 280 of the 300 members check in during the first 15 minutes.
Counts response bytes (status line + headers + body as sent). The last line is JSON.

    .venv/bin/python bench/screen_bytes.py
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMBERS = 300
ARRIVING = 280
SECONDS = 3600


def response_bytes(response) -> int:
    head = len(f"HTTP/1.1 {response.status}\r\n")
    head += sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 2
    return head + len(response.get_data())


def main() -> dict:
    from werkzeug.security import generate_password_hash

    from partyapp import clock, create_app
    from partyapp.auth.services import start_login
    from partyapp.demo import add_org, add_role
    from partyapp.extensions import db
    from partyapp.meetings import checkin, services
    from partyapp.models import OrgKind, Person, Role

    url = f"sqlite:///{tempfile.mkdtemp(prefix='screen-bytes-')}/screen.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    start = clock.now().replace(microsecond=0) + timedelta(minutes=10)
    with app.app_context(), clock.travel(start - timedelta(minutes=10)):
        db.create_all()
        town = add_org(None, OrgKind.TOWN, "测镇党委")
        branch = add_org(town, OrgKind.BRANCH, "测村党支部", village="测村", slug="screen")
        hashed = generate_password_hash("x", method="pbkdf2:sha256:1000")
        people = [Person(name=f"党员{n:03d}号", phone=f"138{n:08d}", password_hash=hashed,
                         party_status="full") for n in range(MEMBERS)]
        db.session.add_all(people)
        db.session.flush()
        for person in people:
            add_role(person, branch, Role.MEMBER)
        secretary = people[0]
        add_role(secretary, branch, Role.SECRETARY)
        meeting = services.plan_meeting(None, services.MeetingPlan(
            org=branch, kinds=[services.kind_by_code("theme_day")], topic="主题党日",
            starts_at=start, ends_at=start + timedelta(hours=2), recorder_id=secretary.id))
        db.session.commit()
        meeting_id, person_ids = meeting.id, [p.id for p in people]
        secretary_key = start_login(secretary)   # a log-in of its own, as the browser has

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = secretary_key, True
        gz = {"Accept-Encoding": "gzip"}
        page = client.get(f"/meetings/{meeting_id}/screen", headers=gz)
        totals = {"page": response_bytes(page), "qr_images": 0}
        html = gzip.decompress(page.get_data()).decode()
        assets = sum(len(gzip.compress((ROOT / "static" / name).read_bytes())) for name in
                     re.findall(r'(?:src|href)="/static/([^"?]+)', html))
        polls = [(path.rsplit("/", 1)[-1], int(every), path) for path, every in re.findall(
            r'hx-get="/meetings/\d+/([^"]+)" hx-trigger="every (\d+)s"', html)]
        totals.update({f"{name}_polls": 0 for name, _, _ in polls})
        etags = {name: None for name, _, _ in polls}
        counts = {f"{name}_{status}": 0 for name, _, _ in polls for status in (200, 304)}
        shown_image = re.search(r'src="([^"]+qr\.png[^"]+)"', html).group(1).replace("&amp;", "&")
        totals["qr_images"] += response_bytes(client.get(shown_image, headers=gz))
        arrivals = {int(i * 900 / ARRIVING): pid for i, pid in enumerate(person_ids[:ARRIVING])}
        meeting = services.db.session.get(services.Meeting, meeting_id)
        for second in range(SECONDS):
            clock.move(timedelta(seconds=1))
            if second in arrivals:
                checkin.check_in(meeting, arrivals[second])
                meeting = db.session.get(services.Meeting, meeting_id)
            for name, every, path in polls:
                if second % every:
                    continue
                headers = dict(gz, **({"If-None-Match": etags[name]} if etags[name] else {}))
                response = client.get(f"/meetings/{meeting_id}/{path}", headers=headers)
                totals[f"{name}_polls"] += response_bytes(response)
                counts[f"{name}_{response.status_code}"] += 1
                if response.status_code == 200:
                    etags[name] = response.headers["ETag"]
                    body = response.get_data()
                    if response.headers.get("Content-Encoding") == "gzip":
                        body = gzip.decompress(body)
                    src = re.search(r'src="([^"]+qr\.png[^"]+)"', body.decode())
                    src = src and src.group(1).replace("&amp;", "&")
                    if src and src != shown_image:   # a new QR: the browser fetches it
                        shown_image = src
                        totals["qr_images"] += response_bytes(client.get(src, headers=gz))
    total = sum(totals.values())
    return {"expected": MEMBERS, "checked_in": ARRIVING, "seconds": SECONDS,
            "poll_seconds": {name: every for name, every, _ in polls}, **counts,
            **{f"{k}_bytes": v for k, v in totals.items()}, "bytes_per_hour": total,
            "mb_per_hour": round(total / 1e6, 3), "one_time_static_assets_gz_bytes": assets}


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
