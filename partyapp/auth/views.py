"""Log-in (mobile number + password), log-out (this device, or every device), invitation
links and one-time log-in links; inside WeChat with a 服务号 configured, the silent 网页授权
(snsapi_base) detour of the log-in page and the binding of an openid to a person."""
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, make_response, redirect,
                   render_template, request, session, url_for)
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from .. import clock
from ..extensions import limiter
from ..models import InvitationPurpose
from . import guard, services
from .forms import LoginForm, LoginLinkForm, SetPasswordForm, WechatUnbindForm

bp = Blueprint("auth", __name__, url_prefix="/auth")

# A signed, long-lived cookie listing (digests of) the accounts that logged in on this phone:
# such a phone is never slowed by the per-account failure budget (auth/guard.py).
KNOWN_DEVICE_COOKIE = "kd"
KNOWN_DEVICE_ACCOUNTS = 5
KNOWN_DEVICE_DAYS = 400


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


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="partyapp-known-device")


def _known_accounts() -> list[str]:
    raw = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not raw or len(raw) > 1024:
        return []
    try:
        value = _device_serializer().loads(raw)
    except BadSignature:
        return []
    return [v for v in value if isinstance(v, str)][:KNOWN_DEVICE_ACCOUNTS] \
        if isinstance(value, list) else []


def _remember_device(response, person) -> None:
    key = guard.account_key(person.phone)
    accounts = [key] + [k for k in _known_accounts() if k != key]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE, _device_serializer().dumps(accounts[:KNOWN_DEVICE_ACCOUNTS]),
        max_age=KNOWN_DEVICE_DAYS * 24 * 3600, httponly=True, samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))


def _log_in(person, remember: bool, via: str, target: str):
    services.start_login(person, via=via)
    login_user(person, remember=remember)
    response = redirect(target, code=303)
    if via != "wechat" and _in_wechat():
        openid = session.pop(WX_OPENID, None)
        if isinstance(openid, str) and openid:
            _bind(person, openid)
        elif services.wechat_binding(person) is None:
            # Not bound yet (the invitation link, or the detour was used up this visit): one
            # silent round trip brings the openid, and the callback binds it.
            response = redirect(_wechat_detour(target), code=303)
    _remember_device(response, person)
    return response


# ---- WeChat 网页授权 (snsapi_base) --------------------------------------------------------------
# The session keys: this browser's pending state and where to go after, the time of the last
# detour (at most one per visit), an openid waiting for the person's first normal log-in.
WX_STATE, WX_NEXT, WX_TRIED, WX_OPENID = "wx_state", "wx_next", "wx_tried", "wx_openid"
WX_VISIT_SECONDS = 30 * 60


def _in_wechat() -> bool:
    """A browser inside WeChat, with a 服务号 configured; everything else never detours."""
    return "MicroMessenger" in request.headers.get("User-Agent", "") \
        and services.wechat_login_enabled()


def _callback_url() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("auth.wechat_callback")
    return base + path if base else url_for("auth.wechat_callback", _external=True)


def _wechat_detour(target: str) -> str:
    """A new single-use state kept in this browser's session; the 网页授权 address."""
    state, url = services.begin_wechat_login(_callback_url())
    session[WX_STATE] = state
    session[WX_NEXT] = target
    session[WX_TRIED] = int(clock.now().timestamp())
    return url


def _detour_due() -> bool:
    if request.method != "GET" or request.headers.get("HX-Request") or not _in_wechat():
        return False
    tried = session.get(WX_TRIED)
    return not isinstance(tried, int) or clock.now().timestamp() - tried > WX_VISIT_SECONDS


def _bind(person, openid: str) -> None:
    if services.bind_wechat(person, openid) == "taken":
        flash("这个微信已绑定另一位成员，本次用密码登录。一家人共用一个微信时，另一位请用密码、"
              "书记给的登录链接登录，或到会场由记录人签到。", "info")
    else:
        flash("已绑定本微信：以后在微信里打开党群小站会自动登录。可在“我的”里解除绑定。", "success")


@bp.get("/wechat/callback")
@limiter.limit("30 per 10 minutes")
def wechat_callback():
    """WeChat sends the browser back here with ?code=…&state=…."""
    if not services.wechat_login_enabled():
        abort(404)
    expected = session.pop(WX_STATE, None)
    target = _safe_next(session.pop(WX_NEXT, None))
    result = services.finish_wechat_login(
        expected if isinstance(expected, str) else None,
        request.args.get("state", ""), request.args.get("code", ""))
    if current_user.is_authenticated:
        if result.openid and (result.person is None or result.person.id != current_user.id):
            _bind(current_user, result.openid)
        return redirect(target, code=303)
    if result.person is not None:
        return _log_in(result.person, True, "wechat", target)
    if result.openid:
        session[WX_OPENID] = result.openid
        flash("这个微信还没有绑定账号：请用手机号和密码登录一次，以后在微信里打开就不用再输入。",
              "info")
    else:
        flash("微信自动登录没有成功，请用手机号和密码登录。", "info")
    return redirect(url_for("auth.login", next=target), code=303)


@bp.post("/wechat/unbind")
@login_required
def wechat_unbind():
    """我的 → 解除微信绑定."""
    if WechatUnbindForm().validate_on_submit() and services.unbind_wechat(current_user):
        flash("已解除微信绑定，以后在微信里打开需要重新登录。", "info")
    return redirect(url_for("main.me"), code=303)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Failures are counted per account, per address and site-wide in a store all workers
    share (auth/guard.py); a success costs nothing."""
    form = LoginForm()
    if not current_user.is_authenticated and _detour_due():
        return redirect(_wechat_detour(_safe_next(request.args.get("next"))))
    if form.validate_on_submit():
        attempt = services.log_in(form.phone.data, form.password.data, request.remote_addr,
                                  frozenset(_known_accounts()))
        if attempt.person is not None:
            return _log_in(attempt.person, form.remember.data, "password",
                           _safe_next(request.args.get("next")))
        if attempt.wait_seconds:
            response = make_response(render_template(
                "auth/login.html", form=form, wait_seconds=attempt.wait_seconds), 429)
            response.headers["Retry-After"] = str(attempt.wait_seconds)
            return response
        form.password.errors.append("手机号或密码不对，请再试一次")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Ends this log-in on the server: a copy of its session or remember cookie is dead."""
    if current_user.is_authenticated:
        services.end_login(current_user)
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/logout-all")
@login_required
def logout_all():
    """我的 → 退出所有设备."""
    services.end_all_logins(current_user)
    logout_user()
    flash("已在所有设备上退出登录", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("30 per 10 minutes")
def accept_invitation(token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("auth/invite_invalid.html"), 404
    form = SetPasswordForm(phone=invitation.person.phone)
    if form.validate_on_submit():
        person = services.accept_invitation(invitation, form.password.data)
        if person is None:
            return render_template("auth/invite_invalid.html"), 404
        flash("密码已设置，欢迎使用党群小站", "success")
        return _log_in(person, True, "invite", url_for("main.home"))
    return render_template("auth/invite.html", form=form, person=invitation.person)


@bp.route("/link/<token>", methods=["GET", "POST"])
def login_link(token):
    """A one-time log-in link or QR from the secretary: never rate-limited (the token is the
    secret), used once. GET only shows a button, so a link preview does not use it up."""
    invitation = services.find_invitation(token, purpose=InvitationPurpose.LOGIN)
    if invitation is None:
        return render_template("auth/invite_invalid.html", login_link=True), 404
    form = LoginLinkForm()
    if form.validate_on_submit():
        person = services.use_login_link(invitation)
        if person is None:
            return render_template("auth/invite_invalid.html", login_link=True), 404
        flash(f"{person.name}，已登录", "success")
        return _log_in(person, True, "link", url_for("main.home"))
    return render_template("auth/login_link.html", form=form, person=invitation.person)


@bp.before_app_request
def _fresh_session_on_login_page():
    """Session fixation: a log-in always starts from a new session id (Flask sessions are
    signed cookies, and every log-in gets a new LoginSession token)."""
    if request.endpoint == "auth.login" and request.method == "POST" and current_user.is_authenticated:
        services.end_login(current_user)
        logout_user()
