"""Request-level plumbing: log-in loader, per-client id, htmx page/fragment choice,
security headers, static files, error pages."""
from __future__ import annotations

import gzip
import hashlib
import os
import secrets
from pathlib import Path

from flask import current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from whitenoise import WhiteNoise

from .extensions import db, login_manager

CLIENT_COOKIE = "cid"
CARE_COOKIE = "care"
CSP = ("default-src 'self'; img-src 'self' data: blob:; script-src 'self'; "
       "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'; object-src 'none'")


def client_id() -> str:
    """Who is asking, for rate limits: the account, else the browser's own cookie id.
    Never the IP alone — a whole village shares one address behind its router."""
    if current_user and current_user.is_authenticated:
        return f"u:{current_user.id}"
    cid = request.cookies.get(CLIENT_COOKIE) or g.get("new_client_id")
    if cid and len(cid) <= 64:
        return f"c:{cid}"
    return f"ip:{request.remote_addr}"


def wants_fragment(*targets: str) -> bool:
    """True when htmx asked for a piece of the page (not a boosted navigation or history
    restore). Views render the fragment only for the targets they name."""
    if request.headers.get("HX-Request") != "true" or request.headers.get("HX-Boosted"):
        return False
    if request.headers.get("HX-History-Restore-Request"):
        return False
    return not targets or request.headers.get("HX-Target") in targets


def render_page(template: str, fragment: str | None = None, *, targets=(), **context):
    """Render the whole page, or only `fragment` when htmx asked for one of `targets`."""
    if fragment and wants_fragment(*targets):
        return render_template(fragment, **context)
    return render_template(template, **context)


def is_care_mode() -> bool:
    return request.cookies.get(CARE_COOKIE) == "1"


def configure_web(app):
    _configure_login()
    _configure_headers(app)
    _configure_errors(app)
    _configure_templates(app)
    _configure_static(app)


def _configure_login():
    from sqlalchemy import bindparam, func, select
    from sqlalchemy.orm.util import identity_key

    from .models import Notification, Person

    # Built once: on every request this is the first query, and when the person is not in the
    # session yet a prepared select costs about a third of session.get() (measured for the
    # check-in burst: 300 phones in a minute). It also brings the person's unread count for
    # the layout's badge (an index-only count), which saves every page a query of its own.
    unread = (select(func.count(Notification.id))
              .where(Notification.person_id == Person.id, Notification.read_at.is_(None))
              .correlate(Person).scalar_subquery())
    by_id = select(Person, unread).where(Person.id == bindparam("person_id"))

    def person_by_id(person_id: int):
        if identity_key(Person, person_id) in db.session.identity_map:
            return db.session.get(Person, person_id)
        row = db.session.execute(by_id, {"person_id": person_id}).one_or_none()
        if row is None:
            return None
        g.unread_count = row[1]
        return row[0]

    @login_manager.user_loader
    def load_person(session_id: str):
        person_id, _, version = session_id.partition(":")
        if not person_id.isdigit():
            return None
        person = person_by_id(int(person_id))
        if person is None or str(person.session_version) != version or not person.active:
            return None
        return person

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for

        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            response = current_app.response_class(status=204)
            response.headers["HX-Redirect"] = login_url
            return response
        flash("请先登录", "info")
        return redirect(login_url)


def _fresh_request_globals():
    """Start every request with an empty `g`. In production each request has its own app
    context anyway; tests that hold one app context open would otherwise carry the cached
    user and roles of the previous request into the next."""
    for name in list(g):
        g.pop(name)


def _configure_headers(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)

    @app.before_request
    def refuse_nul_bytes():
        """Nobody types a NUL character; PostgreSQL refuses it in text, so it would be a 500
        deep in some query. One check for every form field and query parameter."""
        from flask import abort

        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            values = request.form.values()
        else:
            values = ()
        if any("\x00" in value for value in (*request.args.values(), *values)):
            abort(400)

    @app.before_request
    def assign_client_id():
        if not request.cookies.get(CLIENT_COOKIE):
            g.new_client_id = secrets.token_urlsafe(12)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            response.vary.add("HX-Request")
            headers.setdefault("Cache-Control", "no-cache, private")
        if g.get("new_client_id"):
            response.set_cookie(CLIENT_COOKIE, g.new_client_id, max_age=3600 * 24 * 400,
                                httponly=True, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"])
        return response


ERROR_MESSAGES = {
    400: ("请求有误", "提交的内容有误，请返回重试。"),
    403: ("没有权限", "您没有权限查看或操作这个页面。如有疑问，请联系本支部书记。"),
    404: ("页面不存在", "您要找的页面不存在，可能已被删除或地址有误。"),
    405: ("操作方式不对", "请从页面上的按钮进入。"),
    413: ("文件太大", "上传的文件太大，请换一张较小的照片。"),
    429: ("操作太频繁", "操作太频繁，请稍等几分钟再试。"),
    500: ("系统出错了", "系统暂时出错，我们已记录下来。请稍后再试。"),
}


def _configure_errors(app):
    def render_error(code: int, message: str | None = None):
        title, text = ERROR_MESSAGES[code]
        return render_template("error.html", code=code, title=title,
                               message=message or text), code

    for code in ERROR_MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "页面已过期，请刷新页面后重新提交。")

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_error(500)


def _configure_templates(app):
    from . import clock

    @app.context_processor
    def layout_context():
        return {"care_mode": is_care_mode(), "unread_count": _unread_count(),
                **_officer_warnings()}

    app.jinja_env.filters["local"] = lambda dt, fmt="%Y-%m-%d %H:%M": (
        clock.to_local(dt).strftime(fmt) if dt else "")
    app.jinja_env.filters["cn_date"] = lambda d: f"{d.month}月{d.day}日" if d else ""
    app.jinja_env.globals["now"] = clock.now


def _officer_warnings() -> dict:
    """Officers see on every page when next year's holiday schedule is missing (deadlines
    then fall back to Monday–Friday); town admins get the link to enter it."""
    from . import authz

    if not current_user or not current_user.is_authenticated:
        return {}
    roles = {m.role for m in authz.active_memberships(current_user)}
    if not roles & authz.OFFICER_ROLES:
        return {}
    from .workcalendar import calendar_warnings

    return {"admin_warnings": calendar_warnings(),
            "can_fix_calendar": "town_admin" in roles}


def _unread_count() -> int:
    """The badge: counted with the log-in query (web.person_by_id) when that ran; counted here
    otherwise, or again after the inbox changed during the request (notify drops the value)."""
    if not current_user or not current_user.is_authenticated:
        return 0
    if "unread_count" not in g:
        from .notify.services import unread_count

        g.unread_count = unread_count(current_user.id)
    return g.unread_count


def _configure_static(app):
    static_root = Path(app.static_folder)
    _ensure_compressed(static_root)
    versions = {}

    def asset_url(filename: str) -> str:
        """Static URL with a content hash, so files can be cached for a year."""
        if filename not in versions:
            data = (static_root / filename).read_bytes()
            versions[filename] = hashlib.sha256(data).hexdigest()[:10]
        return f"/static/{filename}?v={versions[filename]}"

    app.jinja_env.globals["asset_url"] = asset_url
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(static_root), prefix="static/",
                              max_age=3600 * 24 * 365)


def _ensure_compressed(static_root: Path) -> None:
    """Write .gz copies next to CSS/JS (WhiteNoise serves them to browsers that accept gzip)."""
    for source in list(static_root.rglob("*.css")) + list(static_root.rglob("*.js")) + \
            list(static_root.rglob("*.svg")):
        target = source.with_name(source.name + ".gz")
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        temp = target.with_name(f".{target.name}.{os.getpid()}")
        with open(source, "rb") as src, gzip.open(temp, "wb", compresslevel=9) as dst:
            dst.write(src.read())
        os.replace(temp, target)
