"""首页 (to-do list), the elder-friendly switch, /healthz, favicon."""
from flask import (Blueprint, current_app, jsonify, redirect, render_template, request,
                   send_from_directory)
from flask_login import current_user, login_required

from ..authz import home_branch
from .layout import CARE_COOKIE, is_care_mode
from . import services

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template("main/home.html", items=services.todo_items(current_user),
                           branch=home_branch(current_user))


def _local_path(target: str) -> str:
    """A referrer is a full URL: keep its path when it is ours; anything else goes home.
    Browsers read '/\\evil' as '//evil', so backslashes and control characters are refused."""
    from urllib.parse import urlsplit

    parts = urlsplit(target)
    if parts.netloc and parts.netloc == request.host and parts.scheme in ("http", "https"):
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    elif parts.scheme or parts.netloc:
        return "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(ch) < 32 for ch in target):
        return "/"
    return target


@bp.post("/care")
def toggle_care_mode():
    """长辈版: remembered per device by a cookie the server reads (no script needed)."""
    target = _local_path(request.form.get("next") or request.referrer or "/")
    response = redirect(target, code=303)
    response.set_cookie(CARE_COOKIE, "0" if is_care_mode() else "1", max_age=3600 * 24 * 400,
                        httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/me")
@login_required
def me():
    return render_template("main/me.html", branch=home_branch(current_user),
                           sections=services.me_sections(current_user))


@bp.get("/healthz")
def healthz():
    body, status = services.health(current_app.config["SCHEDULER_HEARTBEAT_MAX_AGE"])
    return jsonify(body), status


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=3600 * 24 * 30)
