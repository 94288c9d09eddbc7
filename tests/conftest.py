"""Fixtures for the whole suite: one app per test session on a real database (SQLite file by
default, PostgreSQL when DATABASE_URL says so), tables emptied after every test, frozen time
on request, a logged-in client, a query counter, and a live server for the browser tests."""
from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import event
from werkzeug.serving import make_server

from partyapp import clock, create_app
from partyapp.auth.services import start_login
from partyapp.extensions import db, limiter

from .factories import World, build_world

settings.register_profile("ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,   # tests that check CSRF switch it on (see `csrf_enabled`)
    # Limits are off per test (see `_clean_state`); tests that check them use `rate_limits`.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # cheap hashing: tests only, never production
    "NOTIFY_SENDER": "record",
    "SERVER_NAME": None,
}


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    os.environ.setdefault("FLASK_DEBUG", "0")
    config = dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url(tmp_path_factory),
                  UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")),
                  BALLOT_KEY_DIR=str(tmp_path_factory.mktemp("ballot_keys")))
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        config["SQLALCHEMY_DATABASE_URI"] = _normalise_pg(os.environ["DATABASE_URL"])
    # Flask-Limiter sets up its storage only when enabled at init_app(); a test that ran before
    # this fixture (one that needs no app) has switched it off (see `_clean_state`).
    limiter.enabled = True
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _normalise_pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith(
        "postgresql://") else url


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Every test starts with empty tables, real time and no rate limits."""
    limiter.enabled = False
    clock.invalidate_calendar()
    yield
    clock.invalidate_calendar()
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    app.config.update(WTF_CSRF_ENABLED=False)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app_ctx) -> World:
    """Town A (branches A1 with two groups, A2), town B (branch B1), and one person per
    persona used by the route × role table."""
    return build_world()


@pytest.fixture
def login(client, app):
    """login(person) logs the test client in as that person (no password round trip): a new
    log-in (auth.services.start_login) whose id goes into the session."""

    def _login(person, target=None):
        target = target or client
        with app.app_context():
            key = start_login(person)
        with target.session_transaction() as session:
            session.clear()
            session["_user_id"] = key
            session["_fresh"] = True
        return target

    return _login


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def rate_limits(app):
    limiter.enabled = True
    limiter.reset()
    yield limiter
    limiter.reset()
    limiter.enabled = False


@pytest.fixture
def frozen():
    """frozen(datetime) freezes the clock module; time stays put until moved."""
    stack = []

    def _freeze(moment):
        manager = clock.travel(moment)
        manager.__enter__()
        stack.append(manager)

    yield _freeze
    while stack:
        stack.pop().__exit__(None, None, None)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries(engine=None):
    """Count SQL statements sent while the block runs (for N+1 assertions)."""
    engine = engine or db.engine
    counter = QueryCounter()

    def before(conn, cursor, statement, params, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def queries(app):
    """`with queries() as q: client.get(...)`; then q.count."""
    return lambda: count_queries(db.engine)


# ---- a fake WeCom group robot -----------------------------------------------------------------
@pytest.fixture
def fake_wecom():
    """A local stand-in for qyapi.weixin.qq.com/cgi-bin/webhook/send: yields (url, received).
    It answers errcode 0 only for a key containing "good"."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "body": body})
            ok = body.get("msgtype") == "text" and "key=good" in self.path
            reply = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 93000, "errmsg": "invalid webhook url"}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send", received
    server.shutdown()
    server.server_close()



# ---- browser tests -------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
             has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP in a thread, on the same database as the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian chromium is missing: run `make browser-deps` (apt-get install chromium"
                    " fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context (390×844, touch, zh-CN)."""
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    path = os.path.join(os.path.dirname(__file__), "..", "test-output", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


def browser_login(page, live_server, phone_number, password="pass1234"):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=phone]", phone_number)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
