"""Routes of the 整改清单: a list (with the form raising an item), an item with its evidence and
销号, evidence photos, the printable 台账 and the town's overview."""
from __future__ import annotations

from flask import (Blueprint, abort, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..authz import can, require
from ..extensions import db
from ..models import Organization, OrgKind
from ..meetings.services import ORG_LIFE, Meeting
from . import photos, services
from .forms import CloseForm, EvidenceForm, ItemForm
from .models import Source, Status

bp = Blueprint("rectification", __name__, url_prefix="/rectification")


def _org(org_id: int, permission: str = "rectification.view") -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        abort(404)
    require(permission, org)
    return org


def _item(item_id: int):
    item = services.item_by_id(item_id)
    if item is None:
        abort(404)
    if not (current_user.is_authenticated and current_user.id == item.owner_id):
        require("rectification.view", item.org)
    return item


def _item_form(org: Organization) -> ItemForm:
    form = ItemForm()
    form.owner_id.choices = [SelectChoice(p.id, p.name) for p in services.responsible_people(org)]
    return form


def _org_life_meeting(org: Organization, meeting_id: int | None) -> Meeting | None:
    """The branch's own 组织生活会 whose 查摆问题 are being listed (?meeting=), if any."""
    meeting = db.session.get(Meeting, meeting_id) if meeting_id else None
    if meeting is None or meeting.branch_id != org.id or not _is_org_life(meeting):
        return None
    return meeting


def _is_org_life(meeting) -> bool:
    return any(kind.code == ORG_LIFE for kind in meeting.kinds)


@bp.route("/org/<int:org_id>", methods=["GET", "POST"])
def org_list(org_id):
    org = _org(org_id)
    may_raise = can(current_user, "rectification.manage", org)
    meeting = _org_life_meeting(org, request.args.get("meeting", type=int))
    form, problems = _item_form(org), []
    if request.method == "POST":
        if not may_raise:
            abort(403)
        if form.validate_on_submit():
            item = services.raise_item(current_user, org, problem=form.problem.data,
                                       measures=form.measures.data, owner_id=form.owner_id.data,
                                       due_on=form.due_on.data, source=Source.ORG_LIFE,
                                       source_ref=meeting.id if meeting else None)
            if not isinstance(item, list):
                flash("整改事项已列入清单，责任人会收到消息。", "success")
                return redirect(url_for("rectification.org_list", org_id=org.id,
                                        meeting=meeting.id if meeting else None), code=303)
            problems = item
    status = request.args.get("status", "")
    return render_template(
        "rectification/list.html", org=org, form=form, problems=problems, may_raise=may_raise,
        meeting=meeting,
        items=services.items_of(org, status=status if status in Status.LABELS else None),
        status=status, statuses=Status.LABELS, today=clock.today())


@bp.get("/org/<int:org_id>/print")
def print_view(org_id):
    org = _org(org_id)
    items = services.items_of(org)
    return render_template("rectification/print.html", org=org, items=items, today=clock.today(),
                           evidence=services.evidence_by_item([item.id for item in items]))


@bp.get("/<int:item_id>")
def detail(item_id):
    item = _item(item_id)
    return render_template(
        "rectification/detail.html", item=item, evidence=services.evidence_of(item.id),
        today=clock.today(), may_add=services.may_add_evidence(current_user, item),
        close_problem=services.close_problem(current_user, item),
        may_confirm=can(current_user, "rectification.confirm", item.confirm_org),
        evidence_form=EvidenceForm(), close_form=CloseForm())


@bp.post("/<int:item_id>/evidence")
def add_evidence(item_id):
    item = _item(item_id)
    if not services.may_add_evidence(current_user, item):
        abort(403)
    form = EvidenceForm()
    problem = None if form.validate_on_submit() else "请写明整改情况（2 到 1000 个字）"
    photo = None
    upload = request.files.get("photo")
    if problem is None and upload is not None and upload.filename:
        try:
            photo = photos.save_photo(upload.stream)
        except photos.PhotoError as exc:
            problem = str(exc)
    problem = problem or services.add_evidence(current_user, item, form.text.data, photo)
    flash(problem or "整改材料已提交，等待另一位同志确认销号。", "error" if problem else "success")
    return redirect(url_for("rectification.detail", item_id=item.id), code=303)


@bp.post("/<int:item_id>/close")
def close(item_id):
    item = _item(item_id)
    form = CloseForm()
    if not form.validate_on_submit():
        problem = "确认意见最多 500 个字"
    else:
        problem = services.close_item(current_user, item, form.note.data or "")
    flash(problem or "已确认整改到位，销号。", "error" if problem else "success")
    return redirect(url_for("rectification.detail", item_id=item.id), code=303)


@bp.get("/photos/<name>")
def photo(name):
    item = services.photo_item(name) if photos.is_photo_name(name) else None
    if item is None:
        abort(404)
    _item(item.id)
    response = send_from_directory(photos.photo_folder(), name, mimetype="image/jpeg",
                                   max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/town/<int:town_id>")
def town(town_id):
    town_org = _org(town_id)
    if town_org.kind != OrgKind.TOWN:
        abort(404)
    require("town.oversee", town_org)
    return render_template("rectification/town.html", town=town_org,
                           rows=_town_rows(town_org), today=clock.today(),
                           overdue=[item for item in services.items_of(town_org,
                                                                        status=Status.OPEN)
                                    if item.is_overdue(clock.today())])


def _town_rows(town_org: Organization) -> list:
    return services.town_counts(town_org)


def town_section(town=None, **_context) -> Markup:
    """The town dashboard's block: each branch's open and overdue items (one query)."""
    if town is None or not can(current_user, "town.oversee", town):
        return Markup("")
    return Markup(render_template("rectification/_town_section.html", town=town,
                                  rows=_town_rows(town)))


def meeting_section(meeting=None, **_context) -> Markup:
    """A 组织生活会's page: its 查摆问题 as items of the branch's 整改清单, and the way to add one."""
    if meeting is None or not _is_org_life(meeting) or not can(
            current_user, "rectification.view", meeting.branch):
        return Markup("")
    items = services.items_of(meeting.branch, source=Source.ORG_LIFE, source_ref=meeting.id)
    return Markup(render_template(
        "rectification/_meeting_section.html", meeting=meeting, items=items, today=clock.today(),
        may_raise=can(current_user, "rectification.manage", meeting.branch)))
