"""Log-in (mobile number + password), log-out, invitation links."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..phones import normalize_mobile
from . import services
from .forms import LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Only local paths: '//evil.example' and 'https://…' fall back to the home page, and so
    does anything with a control character (CR/LF would split the Location header)."""
    if not target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("main.home")
    return target


def _login_account_key() -> str:
    try:
        return "acct:" + normalize_mobile(request.form.get("phone", ""))
    except ValueError:
        return "acct:invalid"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])                 # per client (cookie)
@limiter.limit("8 per 10 minutes", methods=["POST"], key_func=_login_account_key)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        person = services.authenticate(form.phone.data, form.password.data)
        if person is not None:
            login_user(person, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors.append("手机号或密码不对，请再试一次")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("30 per 10 minutes")
def accept_invitation(token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("auth/invite_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        person = services.accept_invitation(invitation, form.password.data)
        login_user(person, remember=True)
        flash("密码已设置，欢迎使用党群小站", "success")
        return redirect(url_for("main.home"), code=303)
    return render_template("auth/invite.html", form=form, person=invitation.person)


@bp.before_app_request
def _fresh_session_on_login_page():
    """Session fixation: a log-in always starts from a new session id (Flask sessions are
    signed cookies, and login_user() rotates the remember token)."""
    if request.endpoint == "auth.login" and request.method == "POST" and current_user.is_authenticated:
        logout_user()
