"""Routes of the opinion box: villagers (no account) submit and track; branch staff enter
paper/hotline/visit opinions, assign, forward and reply."""
from __future__ import annotations

import base64
from datetime import datetime, time
from io import BytesIO

import qrcode
from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user, login_required

from .. import clock
from ..authz import can, home_branch, orgs_where, require
from ..extensions import db, limiter
from ..models import Organization, OrgKind, Role
from ..public.services import village_by_slug
from ..calendar.services import calendar_warnings
from . import services
from .forms import (
    AssignForm,
    FindForm,
    ForgetForm,
    OpinionForm,
    RateForm,
    ReplyForm,
    StaffOpinionForm,
    choices,
)
from .models import Channel, Opinion, OpinionPhoto, Status
from .photos import PhotoError, photo_path, read_uploads

bp = Blueprint("opinions", __name__, url_prefix="/opinions")


def _content_key() -> str:
    """Rate-limit key for the same text sent again and again, from any client."""
    return "opinion-content:" + services.content_key(request.form.get("content", ""))


def _public_url(endpoint: str, **values) -> str:
    base = current_app.config["PUBLIC_BASE_URL"] or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)


def qr_data_uri(url: str) -> str:
    image = qrcode.make(url, box_size=8, border=2)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# ---- villagers: submit, track, rate, find the link again -----------------------------------
def _ip_key() -> str:
    """Backstop only, far above what one village sends: a client without cookies gets a new
    client id on every request, so the per-client limit alone would not hold it."""
    return "ip:" + (request.remote_addr or "")


def _village_address_key() -> str:
    """The per-address backstop of one village's box: a prankster on one router closes
    neither this village's box for long nor another village's (their budgets are apart)."""
    return f"opinion-ip:{request.view_args.get('slug', '')}:{request.remote_addr or ''}"


def _stored(response) -> bool:
    """Only opinions actually kept count: a honeypot post, an invalid form or a refused photo
    spend nobody's budget (neighbours share the address)."""
    return bool(g.get("opinion_stored"))


# Sized for a market day: a queue of villagers on one village router (the 村部 Wi-Fi), each
# leaving one opinion, some with photos — 120 kept opinions an hour from one address.
MARKET_DAY_PER_ADDRESS = "120 per hour"


@bp.route("/v/<slug>/new", methods=["GET", "POST"])
@limiter.limit("5 per 10 minutes", methods=["POST"], deduct_when=_stored)
@limiter.limit(MARKET_DAY_PER_ADDRESS, methods=["POST"], key_func=_village_address_key,
               deduct_when=_stored)
@limiter.limit("3 per hour", methods=["POST"], key_func=_content_key, deduct_when=_stored)
def submit(slug):
    village = village_by_slug(slug) or abort(404)
    form = OpinionForm()
    if form.validate_on_submit():
        if form.website.data:  # honeypot filled: a bot; say thanks, keep nothing
            flash("已收到，谢谢。", "success")
            return redirect(url_for("public.tab", slug=slug, tab="opinions"), code=303)
        try:
            photos = read_uploads(form.photos.data or [])
            _, secret = services.submit_opinion(village, _submission(form), photos=photos)
            g.opinion_stored = True
        except (services.OpinionError, PhotoError) as exc:
            form.content.errors.append(str(exc))
        else:
            response = redirect(url_for("opinions.track", secret=secret, new=1), code=303)
            if not form.not_on_device.data:
                _keep_on_device(response, secret)
            return response
    return render_template("opinions/submit.html", form=form, village=village)


# ---- 我的意见 on this device ---------------------------------------------------------------
# The tracking links sent from this phone, in a cookie only the server reads (HttpOnly), unless
# the villager ticked 不在本机保存. WeChat may clear it: the receipt also says how to keep the
# link (··· → 收藏).
DEVICE_COOKIE = "my_opinions"


def _device_links() -> list[str]:
    return services.parse_device_links(request.cookies.get(DEVICE_COOKIE))


def _set_device_links(response, secrets_: list[str]) -> None:
    if not secrets_:
        response.delete_cookie(DEVICE_COOKIE, path="/opinions")
        return
    response.set_cookie(DEVICE_COOKIE, services.device_links_value(secrets_),
                        max_age=3600 * 24 * 400, path="/opinions", httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


def _keep_on_device(response, secret: str, dropped: str | None = None) -> None:
    kept = [s for s in _device_links() if s not in (secret, dropped)]
    _set_device_links(response, [secret] + kept)


@bp.get("/mine")
def mine():
    links = _device_links()
    kept = services.opinions_by_secrets(links)
    response = current_app.make_response(render_template(
        "opinions/mine.html", kept=kept, form=ForgetForm(),
        reference=services.format_reference, timeliness=services.timeliness))
    if len(kept) != len(links):   # replaced by 找回 on another phone, or never valid
        _set_device_links(response, [secret for secret, _ in kept])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/mine/forget")
def forget():
    form = ForgetForm()
    response = redirect(url_for("opinions.mine"), code=303)
    if not form.validate_on_submit():
        flash("请从列表上的按钮删除", "error")
        return response
    which = form.which.data
    if which == "all":
        _set_device_links(response, [])
        flash("已从这部手机上删除全部意见链接。意见本身不受影响。", "success")
        return response
    kept = services.opinions_by_secrets(_device_links())
    left = [secret for secret, opinion in kept if opinion.reference != which]
    _set_device_links(response, left)
    if len(left) != len(kept):
        flash("已从这部手机上删除这条意见的链接。意见本身不受影响。", "success")
    return response


def _submission(form, **extra) -> services.Submission:
    return services.Submission(
        category=form.category.data, content=form.content.data, name=form.name.data or "",
        phone=form.phone.data or "", public_allowed=form.public_allowed.data, **extra)


@bp.get("/v/<slug>/poster")
def poster(slug):
    village = village_by_slug(slug) or abort(404)
    url = _public_url("opinions.submit", slug=slug)
    return render_template("opinions/poster.html", village=village, url=url,
                           qr=qr_data_uri(url))


def _opinion_by_secret(secret) -> Opinion:
    return services.opinion_by_secret(secret) or abort(404)


def _missed(response) -> bool:
    return response.status_code == 404


@bp.get("/t/<secret>")
@limiter.limit("30 per 10 minutes", deduct_when=_missed)   # guessing codes: only misses count
def track(secret):
    opinion = services.opinion_by_secret(secret)
    if opinion is None:
        if services.tracking_was_replaced(secret):   # 找回 gave a new link: say so, with the way on
            return render_template("opinions/link_replaced.html"), 410
        abort(404)
    url = _public_url("opinions.track", secret=secret)
    return render_template("opinions/track.html", opinion=opinion, secret=secret,
                           is_new=request.args.get("new") == "1", url=url, qr=qr_data_uri(url),
                           on_device=secret in _device_links(),
                           reference=services.format_reference(opinion.reference),
                           badge=services.timeliness(opinion), form=RateForm())


@bp.post("/t/<secret>/rate")
@limiter.limit("10 per hour")
def rate(secret):
    opinion = _opinion_by_secret(secret)
    form = RateForm()
    if form.validate_on_submit():
        try:
            services.rate_opinion(opinion, form.rating.data)
        except services.OpinionError as exc:
            flash(str(exc), "error")
        else:
            flash("谢谢您的评价。", "success")
    else:
        flash("请选择满意、基本满意或不满意", "error")
    return redirect(url_for("opinions.track", secret=secret), code=303)


@bp.get("/t/<secret>/photo/<int:photo_id>")
@limiter.limit("30 per 10 minutes", deduct_when=_missed)
def tracked_photo(secret, photo_id):
    opinion = _opinion_by_secret(secret)
    return _send_photo(opinion, photo_id)


@bp.route("/find", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("30 per hour", methods=["POST"], key_func=_ip_key)
def find():
    form = FindForm()
    if form.validate_on_submit():
        found = services.recover_tracking_link(form.reference.data, form.phone.data)
        if found is not None:
            flash("已找到您的意见。请收藏这个新链接，旧链接已失效。", "success")
            response = redirect(url_for("opinions.track", secret=found[1]), code=303)
            if not form.not_on_device.data:
                _keep_on_device(response, found[1])
            return response
        form.reference.errors.append("没有找到：请核对意见编号和手机号")
    return render_template("opinions/find.html", form=form)


# ---- branch staff --------------------------------------------------------------------------
@bp.get("/")
@login_required
def index():
    """The 意见箱 tab: what the person answers, the inboxes they may open, town escalations."""
    branches = services.branches_for(current_user)
    towns = orgs_where(current_user, "opinion.supervise")
    if len(branches) == 1 and not towns and not services.assigned_open(current_user):
        return redirect(url_for("opinions.inbox", branch_id=branches[0].id))
    return render_template(
        "opinions/index.html", branches=branches, mine=services.assigned_open(current_user),
        escalated=[o for town in towns for o in services.escalated_opinions(town)],
        home=home_branch(current_user), warnings=calendar_warnings(),
        can_fix_calendar=bool(orgs_where(current_user, "calendar.manage")))


def _branch(branch_id) -> Organization:
    branch = db.session.get(Organization, branch_id)
    if branch is None or branch.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
        abort(404)
    return branch


def _require_view(branch, opinion=None):
    roles = (Role.COMMITTEE,) if opinion and opinion.assignee_id == getattr(
        current_user, "id", None) else ()
    if not can(current_user, "opinion.supervise", branch):
        require("opinion.handle", branch, extra_roles=roles)


def _staff_opinion(opinion_id) -> Opinion:
    return services.opinion_for_staff(opinion_id) or abort(404)


@bp.get("/branch/<int:branch_id>")
def inbox(branch_id):
    branch = _branch(branch_id)
    _require_view(branch)
    return render_template("opinions/inbox.html", branch=branch,
                           opinions=services.branch_inbox(branch.id), now=clock.now(),
                           timeliness=services.timeliness,
                           can_enter=can(current_user, "opinion.handle", branch),
                           warnings=calendar_warnings(),
                           can_fix_calendar=bool(orgs_where(current_user, "calendar.manage")))


@bp.route("/branch/<int:branch_id>/new", methods=["GET", "POST"])
def staff_new(branch_id):
    branch = _branch(branch_id)
    require("opinion.handle", branch)
    form = StaffOpinionForm()
    if request.method == "GET":
        form.received_on.data = clock.today()
    if form.validate_on_submit():
        received = datetime.combine(form.received_on.data, form.received_time.data or time(9),
                                    tzinfo=clock.CHINA).astimezone(clock.UTC)
        try:
            opinion, _ = services.submit_opinion(
                branch, _submission(form, channel=form.channel.data, received_at=received),
                entered_by=current_user, photos=read_uploads(form.photos.data or []))
        except (services.OpinionError, PhotoError) as exc:
            form.content.errors.append(str(exc))
        else:
            flash(f"已登记，编号 {services.format_reference(opinion.reference)}", "success")
            return redirect(url_for("opinions.detail", opinion_id=opinion.id), code=303)
    return render_template("opinions/staff_new.html", form=form, branch=branch)


@bp.get("/<int:opinion_id>")
def detail(opinion_id):
    opinion = _staff_opinion(opinion_id)
    _require_view(opinion.branch, opinion)
    return _render_detail(opinion, ReplyForm(), _assign_form(opinion))


def _assign_form(opinion) -> AssignForm:
    form = AssignForm()
    form.person_id.choices = choices((p.id, p.name) for p in services.branch_people(opinion.branch))
    if request.method == "GET" and opinion.assignee_id:
        form.person_id.data = opinion.assignee_id
    return form


def _render_detail(opinion, reply_form, assign_form):
    branch = opinion.branch
    is_assignee = opinion.assignee_id == current_user.id
    return render_template(
        "opinions/detail.html", opinion=opinion, reply_form=reply_form, assign_form=assign_form,
        reference=services.format_reference(opinion.reference),
        badge=services.timeliness(opinion), history=services.opinion_history(opinion),
        can_reply=can(current_user, "opinion.handle", branch,
                      extra_roles=(Role.COMMITTEE,) if is_assignee else ()),
        can_assign=can(current_user, "opinion.assign", branch))


@bp.post("/<int:opinion_id>/assign")
def assign(opinion_id):
    opinion = _staff_opinion(opinion_id)
    require("opinion.assign", opinion.branch)
    form = _assign_form(opinion)
    if form.validate_on_submit():
        try:
            services.assign_opinion(current_user, opinion, form.person_id.data, form.note.data)
        except services.OpinionError as exc:
            flash(str(exc), "error")
        else:
            flash("已交办，答复期限不变。", "success")
        return redirect(url_for("opinions.detail", opinion_id=opinion.id), code=303)
    return _render_detail(opinion, ReplyForm(), form)


@bp.post("/<int:opinion_id>/reply")
def reply(opinion_id):
    opinion = _staff_opinion(opinion_id)
    is_assignee = opinion.assignee_id == current_user.id if current_user.is_authenticated \
        else False
    require("opinion.handle", opinion.branch, extra_roles=(Role.COMMITTEE,) if is_assignee else ())
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.reply_to_opinion(current_user, opinion, form.text.data,
                                      public=form.visibility.data == "public",
                                      summary=form.summary.data or "")
        except services.OpinionError as exc:
            if opinion.status == Status.OPEN:
                form.text.errors.append(str(exc))
            else:  # the form is not shown any more: say it at the top
                flash(str(exc), "error")
        else:
            flash("已答复。群众可在查询页看到答复并评价。", "success")
            return redirect(url_for("opinions.detail", opinion_id=opinion.id), code=303)
    return _render_detail(opinion, form, _assign_form(opinion))


@bp.get("/<int:opinion_id>/photo/<int:photo_id>")
def staff_photo(opinion_id, photo_id):
    opinion = _staff_opinion(opinion_id)
    _require_view(opinion.branch, opinion)
    return _send_photo(opinion, photo_id)


def _send_photo(opinion: Opinion, photo_id: int):
    photo = db.session.get(OpinionPhoto, photo_id)
    if photo is None or photo.opinion_id != opinion.id:
        abort(404)
    response = send_file(photo_path(photo), mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
