"""The log-in limits and log-outs hold across the Procfile's two gunicorn workers: failure
counters live in the login_failure table (SQLite file, PostgreSQL) or in Redis when REDIS_URL
is set, never in one worker's memory. Every request comes from a fresh client (no cookies),
as an attacker dropping cookies would send it."""
from __future__ import annotations

import os
import re
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from bench import checkin_burst as burst
from partyapp.auth import guard

PASSWORD = "worker-pass-1"


def _backends():
    found = ["sqlite", "sqlite+redis"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        found.append("postgresql")
    return found


def _scratch_pg(url: str):
    """A database of its own next to the test database (dropped afterwards)."""
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    name = parts.path.lstrip("/") + "_workers"
    admin = urlunsplit(parts._replace(path="/postgres"))

    def run(sql):
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    scratch = urlunsplit(parts._replace(path="/" + name)).replace(
        "postgresql://", "postgresql+psycopg://", 1)
    return scratch, lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepare(url: str) -> list[str]:
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from partyapp import create_app
    from partyapp.demo import add_org, add_role
    from partyapp.extensions import db
    from partyapp.models import OrgKind, Person, Role

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": burst.SECRET})
    with app.app_context():
        upgrade(directory=str(burst.ROOT / "migrations"))
        town = add_org(None, OrgKind.TOWN, "工人镇党委")
        branch = add_org(town, OrgKind.BRANCH, "工人村党支部", village="工人村", slug="workers")
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # test only
        # Three members, and the accounts a spray runs over (a real account's wrong password
        # costs the cheap test hash; an unknown number costs the production dummy hash).
        phones = [f"1360000{n:04d}" for n in range(3)]
        for n, phone in enumerate(phones):
            person = Person(name=f"党员{n}", phone=phone, password_hash=hashed, party_status="full")
            db.session.add(person)
            db.session.flush()
            add_role(person, branch, Role.MEMBER)
        db.session.add_all(Person(name=f"群众{n}", phone=f"1350000{n:04d}", password_hash=hashed)
                           for n in range(guard.ADDRESS.free))
        db.session.commit()
        db.engine.dispose()
    return phones


def _post_login(base, phone, password, session=None):
    session = session or requests.Session()
    page = session.get(f"{base}/auth/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/auth/login", data={
        "csrf_token": token, "phone": phone, "password": password, "remember": "y"},
        allow_redirects=False, timeout=30)
    return response, session


@pytest.fixture(params=_backends())
def server(request, tmp_path):
    backend = request.param
    cleanup = []
    if backend == "postgresql":
        url, drop = _scratch_pg(os.environ["DATABASE_URL"])
        cleanup.append(drop)
    else:
        url = f"sqlite:///{tmp_path / 'workers.db'}"
    env = {"DATABASE_URL": url, "SECRET_KEY": burst.SECRET,
           "UPLOAD_FOLDER": str(tmp_path / "uploads"), "REDIS_URL": ""}
    if backend.endswith("redis"):
        import redis

        prefix = f"partyapp-test:{uuid.uuid4().hex}:"
        env.update(REDIS_URL="redis://127.0.0.1:6379/0", LOGIN_GUARD_PREFIX=prefix)
        connection = redis.Redis.from_url(env["REDIS_URL"])
        cleanup.append(lambda: [connection.delete(k) for k in connection.scan_iter(prefix + "*")])
    phones = _prepare(url)
    port = burst.free_port()
    process = burst.start_server(port, env)
    try:
        yield f"http://127.0.0.1:{port}", phones, backend, url
    finally:
        burst.stop_server(process)
        for step in cleanup:
            step()


def test_limits_and_log_outs_hold_across_two_workers(server):
    base, (attacked, other, _third), _backend, _url = server
    wait_clear_of_window_edges()
    # The owner's phone logged in once before the attack (a known device).
    response, owner = _post_login(base, attacked, PASSWORD)
    assert response.status_code == 303
    owner.post(f"{base}/auth/logout", data={"csrf_token": _csrf(owner, base)}, timeout=30)

    # Per account: fresh clients, whichever worker answers, share one budget.
    statuses = [_post_login(base, attacked, "guess")[0].status_code
                for _ in range(guard.ACCOUNT.free + 6)]
    assert statuses[:guard.ACCOUNT.free] == [200] * guard.ACCOUNT.free
    assert set(statuses[guard.ACCOUNT.free:]) == {429}
    assert _post_login(base, attacked, PASSWORD)[0].status_code == 429   # a new phone waits…
    assert _post_login(base, attacked, PASSWORD, owner)[0].status_code == 303  # …the owner's not
    assert owner.get(f"{base}/me", allow_redirects=False, timeout=30).status_code == 200

    # Log-out ends that log-in for every worker: copies of its cookies are dead on both.
    response, phone = _post_login(base, other, PASSWORD)
    copied = phone.cookies.get_dict()
    phone.post(f"{base}/auth/logout", data={"csrf_token": _csrf(phone, base)}, timeout=30)
    replays = [requests.get(f"{base}/me", cookies=copied, allow_redirects=False,
                            timeout=30).status_code for _ in range(8)]
    assert replays == [302] * 8

    # Per address: a cookie-dropping spray over many numbers meets one shared budget.
    used = guard.ACCOUNT.free            # the failures above came from this address too
    allowed, response = 0, None
    for n in range(guard.ADDRESS.free):
        response = _post_login(base, f"1350000{n:04d}", "demo1234")[0]
        if response.status_code == 429:
            break
        allowed += 1
    assert allowed == guard.ADDRESS.free - used
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


def wait_clear_of_window_edges(margin: float = 60.0) -> None:
    """The counters use fixed windows (15 minutes, one hour) of real time here (gunicorn has
    no frozen clock): start well inside one, so no count resets mid-test."""
    remaining = guard.ADDRESS.window_seconds - time.time() % guard.ADDRESS.window_seconds
    if remaining < margin:
        time.sleep(remaining + 1)


def _csrf(session, base) -> str:
    page = session.get(f"{base}/me", timeout=30).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'"X-CSRFToken": "([^"]+)"', page)
    return found.group(1) if found else ""
