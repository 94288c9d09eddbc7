"""The application factory, configuration, database backend, health, headers, error pages."""
import os

from sqlalchemy import text

from partyapp import create_app
from partyapp.extensions import db


def test_runs_on_the_database_ci_asked_for(app_ctx):
    """.ci/run sets EXPECT_DB per pass; each pass proves which database it really used."""
    dialect = db.engine.dialect.name
    expected = os.environ.get("EXPECT_DB")
    if expected:
        assert dialect == expected
    if dialect == "sqlite":
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    first = create_app({"TESTING": True})
    key = first.config["SECRET_KEY"]
    assert len(key) >= 32 and key != "dev"
    assert os.path.exists(os.path.join(first.instance_path, "secret_key"))
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == key


def test_postgres_urls_use_psycopg3(monkeypatch, tmp_path):
    from partyapp.config import _database_url

    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/d")
    assert _database_url(str(tmp_path)) == "postgresql+psycopg://u@h/d"


def test_healthz_reports_degraded_without_a_scheduler_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["database"] == "ok"


def test_healthz_ok_with_a_fresh_heartbeat_and_degraded_when_stale(app, client, frozen):
    from datetime import datetime, timedelta, timezone

    from partyapp.main.services import beat

    start = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
    frozen(start)
    with app.app_context():
        beat("clock")
    assert client.get("/healthz").json["status"] == "ok"
    frozen(start + timedelta(minutes=11))
    body = client.get("/healthz").json
    assert body["status"] == "degraded" and "stale" in body["reasons"][0]


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "down"


def test_security_headers_and_csp_without_inline_script(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]
    assert "<script>" not in response.get_data(as_text=True)


def test_session_cookie_flags(client, world):
    response = client.post("/auth/login", data={"phone": world.member.phone, "password": "pass1234",
                                                "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember


def test_unknown_page_is_a_chinese_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_server_error_page_shows_no_stack_trace(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "PROPAGATE_EXCEPTIONS": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.db'}"})

    @app.get("/__boom_for_test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/__boom_for_test")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出错了" in body and "secret internals" not in body and "Traceback" not in body


def test_static_files_are_compressed_and_cached_for_a_year(client):
    response = client.get("/static/vendor/weui-2.6.26.min.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert int(response.headers["Content-Length"]) < 30_000
    response.close()


def test_html_is_compressed(client):
    response = client.get("/auth/login", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"


def test_care_mode_is_remembered_by_a_cookie(client):
    assert 'data-weui-mode="care"' not in client.get("/auth/login").get_data(as_text=True)
    response = client.post("/care", data={"next": "/auth/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    assert 'data-weui-mode="care"' in client.get("/auth/login").get_data(as_text=True)
    client.post("/care", data={"next": "/auth/login"})
    assert 'data-weui-mode="care"' not in client.get("/auth/login").get_data(as_text=True)


def test_care_switch_never_redirects_off_site(client):
    response = client.post("/care", data={"next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    response.close()


def test_officers_see_the_missing_calendar_year_on_every_page(client, login, world, frozen):
    """In late November 2026 the 2027 schedule is not in the package: officers are warned on
    their pages (town admins get the link to enter it); ordinary members are not bothered."""
    from datetime import datetime, timezone

    frozen(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))
    login(world.secretary)
    page = client.get("/").get_data(as_text=True)
    assert "2027年节假日安排未录入" in page and "请镇党委管理员录入" in page
    login(world.town_admin)
    page = client.get("/me").get_data(as_text=True)
    assert "2027年节假日安排未录入" in page and "去录入" in page
    login(world.member)
    assert "节假日安排未录入" not in client.get("/").get_data(as_text=True)
    frozen(datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc))
    login(world.secretary)
    assert "节假日安排未录入" not in client.get("/").get_data(as_text=True)
