"""首页 (to-do list), the elder-friendly switch, /healthz, favicon."""
from flask import current_app, jsonify, redirect, render_template, request, send_from_directory
from flask_login import current_user, login_required

from ..authz import home_branch
from ..web import CARE_COOKIE, is_care_mode
from . import bp, services


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template("main/home.html", items=services.todo_items(current_user),
                           branch=home_branch(current_user))


@bp.post("/care")
def toggle_care_mode():
    """长辈版: remembered per device by a cookie the server reads (no script needed)."""
    target = request.form.get("next") or request.referrer or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
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
