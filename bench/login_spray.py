"""The log-in attack of issue 15, replayed against the Procfile's gunicorn (two workers) on a
temporary SQLite database (or DATABASE_URL when it names a scratch PostgreSQL database).

Each client gets its own loopback source address (127.0.0.x), so the server sees distinct
network addresses, as it would see distinct village routers.
- spray: one wrong password tried over many accounts from one address, by a client dropping
  its cookies before every try and by one keeping them: tries allowed before the first 429;
- meeting: forty members behind one address, each mistyping once, then logging in;
- attacked account: thirty guesses from a cookie-dropping client, then the owner from the phone
  that logged in before, from a new phone, and with the secretary's one-time log-in link;
- timing: an unknown mobile number vs a wrong password on an account with the production hash.

    .venv/bin/python -m bench.login_spray        # JSON on the last line
"""
from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from bench import checkin_burst as burst
from partyapp.auth import guard

CHEAP = "pbkdf2:sha256:1000"      # bench accounts only, never production
PASSWORD = "spray-bench-7"
SPRAY_ACCOUNTS = guard.ADDRESS.free + 20
TIMING_ROUNDS = 15


class SourceAdapter(HTTPAdapter):
    """Connections from one loopback address (the server's request.remote_addr)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAdapter(address))
    return session


def prepare(url: str) -> dict:
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from partyapp import create_app
    from partyapp.demo import add_org, add_role
    from partyapp.extensions import db
    from partyapp.models import OrgKind, Person, Role

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": burst.SECRET})
    with app.app_context():
        upgrade(directory=str(burst.ROOT / "migrations"))
        town = add_org(None, OrgKind.TOWN, "攻防镇党委")
        branch = add_org(town, OrgKind.BRANCH, "攻防村党支部", village="攻防村", slug="spray")
        cheap = generate_password_hash(PASSWORD, method=CHEAP)
        members = [f"1380000{n:04d}" for n in range(40)]
        spray = [f"1390000{n:04d}" for n in range(SPRAY_ACCOUNTS)]
        people = [Person(name=f"党员{n:02d}", phone=p, password_hash=cheap, party_status="full")
                  for n, p in enumerate(members)]
        people += [Person(name=f"群众{n}", phone=p, password_hash=cheap)
                   for n, p in enumerate(spray)]
        attacked = Person(name="被攻击党员", phone="13700000001", password_hash=cheap,
                          party_status="full")
        secretary = Person(name="书记", phone="13700000002", password_hash=cheap,
                           party_status="full")
        # The timing account has the production hash (what real accounts have).
        timed = Person(name="计时党员", phone="13700000003", party_status="full",
                       password_hash=generate_password_hash(PASSWORD, method="scrypt"))
        db.session.add_all(people + [attacked, secretary, timed])
        db.session.flush()
        for person in people[:40] + [attacked, timed]:
            add_role(person, branch, Role.MEMBER)
        add_role(secretary, branch, Role.SECRETARY)
        db.session.commit()
        ids = {"branch": branch.id, "attacked_id": attacked.id}
        db.engine.dispose()
    return dict(ids, members=members, spray=spray, attacked="13700000001",
                secretary="13700000002", timed="13700000003")


def _csrf(session, base, path="/auth/login") -> str:
    page = session.get(base + path, timeout=60).text
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    return found.group(1)


def post_login(session, base, phone, password):
    token = _csrf(session, base)
    began = time.perf_counter()
    response = session.post(f"{base}/auth/login", data={
        "csrf_token": token, "phone": phone, "password": password, "remember": "y"},
        allow_redirects=False, timeout=60)
    return response, time.perf_counter() - began


def tries_before_refusal(base, address, phones, keep_cookies: bool) -> int:
    kept = client(address)
    allowed = 0
    for phone in phones:
        session = kept if keep_cookies else client(address)
        if not keep_cookies:
            session.cookies.clear()
        response, _ = post_login(session, base, phone, "demo1234")
        if response.status_code == 429:
            break
        allowed += 1
    return allowed


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'spray.db'}"
        data = prepare(url)
        port = burst.free_port()
        server = burst.start_server(port, {"DATABASE_URL": url, "SECRET_KEY": burst.SECRET,
                                           "UPLOAD_FOLDER": str(Path(tmp) / "uploads"),
                                           "REDIS_URL": ""})
        base = f"http://127.0.0.1:{port}"
        try:
            figures = run(base, data)
        finally:
            burst.stop_server(server)
    figures["database"] = "postgresql" if url.startswith("postgresql") else "sqlite"
    return figures


def run(base: str, data: dict) -> dict:
    # Keep clear of a window edge (fixed windows of real time).
    remaining = guard.ADDRESS.window_seconds - time.time() % guard.ADDRESS.window_seconds
    if remaining < 240:
        time.sleep(remaining + 1)
    spray = {
        "dropping_cookies": tries_before_refusal(base, "127.0.0.2", data["spray"], False),
        "keeping_cookies": tries_before_refusal(base, "127.0.0.3", data["spray"], True),
        "address_budget": guard.ADDRESS.free, "accounts_sprayed": len(data["spray"]),
    }

    # Forty members behind one router: one mistake each, then the right password.
    statuses = []
    for phone in data["members"]:
        session = client("127.0.0.4")
        statuses.append(post_login(session, base, phone, "wrong-once")[0].status_code)
        statuses.append(post_login(session, base, phone, PASSWORD)[0].status_code)
    meeting = {"members": len(data["members"]), "logged_in": statuses.count(303),
               "refused_429": statuses.count(429)}

    # The attacked account.
    owner_phone = client("127.0.0.6")
    assert post_login(owner_phone, base, data["attacked"], PASSWORD)[0].status_code == 303
    owner_phone.post(f"{base}/auth/logout", data={"csrf_token": _csrf(owner_phone, base, "/me")},
                     timeout=60)
    attack = [post_login(client("127.0.0.5"), base, data["attacked"], f"guess{n}")[0]
              for n in range(30)]
    new_phone = client("127.0.0.7")
    from_new_phone, _ = post_login(new_phone, base, data["attacked"], PASSWORD)
    from_known_phone, _ = post_login(owner_phone, base, data["attacked"], PASSWORD)
    secretary = client("127.0.0.8")
    post_login(secretary, base, data["secretary"], PASSWORD)
    issued = secretary.post(
        f"{base}/org/{data['branch']}/people/{data['attacked_id']}/login-link",
        data={"csrf_token": _csrf(secretary, base, "/me")}, timeout=60)
    link = re.search(r'<a href="(http://[^"]+/auth/link/[^"]+)"', issued.text).group(1)
    path = "/auth/link/" + link.rsplit("/auth/link/", 1)[1]
    linked = new_phone.post(base + path, data={"csrf_token": _csrf(new_phone, base, path)},
                            allow_redirects=False, timeout=60)
    second = client("127.0.0.9")
    reused = second.post(base + path, data={"csrf_token": _csrf(second, base)},
                         allow_redirects=False, timeout=60)
    attacked = {
        "attacker_tries": len(attack),
        "attacker_refused_429": sum(r.status_code == 429 for r in attack),
        "attacker_last_retry_after_s": int(attack[-1].headers.get("Retry-After", 0)),
        "owner_new_phone_status": from_new_phone.status_code,
        "owner_known_phone_status": from_known_phone.status_code,
        "owner_login_link_status": linked.status_code,
        "login_link_second_use_status": reused.status_code,
    }

    # Timing: the phone knows the timing account (never slowed), so every try is a real check.
    timer = client("127.0.0.10")
    assert post_login(timer, base, data["timed"], PASSWORD)[0].status_code == 303
    timer.post(f"{base}/auth/logout", data={"csrf_token": _csrf(timer, base, "/me")}, timeout=60)
    wrong, unknown = [], []
    for n in range(TIMING_ROUNDS):
        wrong.append(post_login(timer, base, data["timed"], "wrong-password")[1])
        unknown.append(post_login(timer, base, f"1310000{n:04d}", "wrong-password")[1])
    timing = {"wrong_password_median_ms": round(statistics.median(wrong) * 1000, 1),
              "unknown_mobile_median_ms": round(statistics.median(unknown) * 1000, 1)}
    timing["ratio"] = round(timing["unknown_mobile_median_ms"]
                            / timing["wrong_password_median_ms"], 2)
    return {"spray": spray, "meeting": meeting, "attacked_account": attacked, "timing": timing}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    result = main()
    print(json.dumps(result, ensure_ascii=False))
