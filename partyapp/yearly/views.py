"""Routes of the town's yearly loop: the town's page (达标创优, 软弱涣散 candidates and list,
挂点, 书记后备), a 整顿台账, a village's 一月一研判 and a branch's 书记后备 recommendations."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..authz import can, require
from ..extensions import db
from ..models import Organization, OrgKind
from ..town import services as town_services
from . import services
from .forms import (AssessForm, ConfirmForm, DecideForm, JudgementForm, LinkForm, ListForm,
                    ReserveForm, TextForm)

bp = Blueprint("yearly", __name__, url_prefix="/yearly")


def _town(town_id: int) -> Organization:
    town = db.session.get(Organization, town_id)
    if town is None or town.kind != OrgKind.TOWN:
        abort(404)
    require("town.manage", town)
    return town


def _branch(town: Organization, branch_id: int) -> Organization:
    branch = db.session.get(Organization, branch_id)
    if branch is None or branch.kind != OrgKind.BRANCH or not branch.path.startswith(town.path):
        abort(404)
    return branch


def _year() -> int:
    text = request.args.get("year", "")
    this = clock.today().year
    return int(text) if text.isascii() and text.isdigit() and 2000 <= int(text) <= this else this


def _errors(form) -> str:
    return "；".join(e for errors in form.errors.values() for e in errors) or "请重试。"


def _back(town: Organization, year: int, anchor: str):
    return redirect(url_for("yearly.town_page", town_id=town.id, year=year) + anchor, code=303)


def _list_form(town, branches) -> ListForm:
    form = ListForm()
    form.branch_id.choices = [SelectChoice(b.id, b.name) for b in branches]
    form.leader_id.choices = [SelectChoice(0, "（暂无）")] + [
        SelectChoice(p.id, p.name) for p in services.town_people(town)]
    return form


def _link_form(town, branches) -> LinkForm:
    form = LinkForm()
    form.person_id.choices = [SelectChoice(p.id, p.name) for p in services.town_people(town)]
    form.branch_id.choices = [SelectChoice(b.id, b.name) for b in branches]
    return form


@bp.get("/town/<int:town_id>/")
def town_page(town_id):
    town, year = _town(town_id), _year()
    branches, _ = town_services.branches_and_groups(town)
    quarter = town_services.quarter_of(request.args.get("period"))
    reserves = services.reserves_of_town(town)
    return render_template(
        "yearly/town.html", town=town, year=year, branches=branches,
        auto=services.auto_items(town, year), results=services.assessments_of(town, year),
        items_of=services.items_of, manual_labels=services.MANUAL_ITEMS,
        create_rule=services.create_rule_text(), weak_share=round(100 * services.weak_share()),
        candidates=services.candidates(town, quarter), quarter=quarter,
        entries=services.consolidations_of(town), links=services.links_of(town),
        reserves=reserves, below=services.below_ratio(town, reserves),
        ratio=services.RESERVE_RATIO, today=clock.today(), assess_form=AssessForm(),
        confirm_form=ConfirmForm(), list_form=_list_form(town, branches),
        link_form=_link_form(town, branches), decide_form=DecideForm())


@bp.post("/town/<int:town_id>/assess/<int:branch_id>")
def assess(town_id, branch_id):
    town, year = _town(town_id), _year()
    branch = _branch(town, branch_id)
    form = AssessForm()
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return _back(town, year, "#assess")
    manual = {"position": (form.position.data, form.position_evidence.data),
              "satisfaction": (form.satisfaction.data, form.satisfaction_evidence.data)}
    try:
        result = services.assess(current_user, town, branch, year, manual)
    except services.YearlyError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{branch.name}：{result.outcome_label if result.passed else '不达标'}（评定已保存）。",
              "success")
    return _back(town, year, "#assess")


@bp.post("/town/<int:town_id>/publish")
def publish(town_id):
    town, year = _town(town_id), _year()
    if ConfirmForm().validate_on_submit():
        try:
            count = services.publish_results(current_user, town, year)
        except services.YearlyError as exc:
            flash(str(exc), "error")
        else:
            flash(f"已公示 {count} 个支部的达标创优结果，公示期 5 个工作日。", "success")
    else:
        flash("请重试。", "error")
    return _back(town, year, "#assess")


@bp.post("/town/<int:town_id>/finalize")
def finalize(town_id):
    town, year = _town(town_id), _year()
    if ConfirmForm().validate_on_submit():
        try:
            count = services.finalize_results(current_user, town, year)
        except services.YearlyError as exc:
            flash(str(exc), "error")
        else:
            flash(f"已确定 {count} 个支部的结果；不达标的支部已列入督导整改。", "success")
    else:
        flash("请重试。", "error")
    return _back(town, year, "#assess")


@bp.post("/town/<int:town_id>/consolidation")
def list_branch(town_id):
    town, year = _town(town_id), _year()
    branches, _ = town_services.branches_and_groups(town)
    form = _list_form(town, branches)
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return _back(town, year, "#consolidation")
    try:
        entry = services.list_for_consolidation(
            current_user, town, _branch(town, form.branch_id.data), reason=form.reason.data,
            problems=form.problems.data, measures=form.measures.data,
            leader_id=form.leader_id.data or None, first_secretary=form.first_secretary.data,
            due_on=form.due_on.data)
    except services.YearlyError as exc:
        flash(str(exc), "error")
        return _back(town, year, "#consolidation")
    flash("已列入软弱涣散整顿，支部书记会收到通知。", "success")
    return redirect(url_for("yearly.ledger", entry_id=entry.id), code=303)


def _entry(entry_id: int):
    entry = services.consolidation_by_id(entry_id)
    if entry is None:
        abort(404)
    if not services.may_see_consolidation(current_user, entry.branch):
        if not current_user.is_authenticated:
            abort(current_app.login_manager.unauthorized())
        abort(404)
    return entry


@bp.get("/consolidation/<int:entry_id>")
def ledger(entry_id):
    entry = _entry(entry_id)
    return render_template("yearly/ledger.html", entry=entry,
                           progress=services.progress_of(entry), today=clock.today(),
                           history=services.consolidations_of_branch(entry.branch),
                           may_close=can(current_user, "town.manage", entry.branch),
                           form=TextForm())


@bp.post("/consolidation/<int:entry_id>/progress")
def add_progress(entry_id):
    entry = _entry(entry_id)
    form = TextForm()
    if form.validate_on_submit():
        try:
            services.add_progress(current_user, entry, form.text.data)
        except services.YearlyError as exc:
            flash(str(exc), "error")
        else:
            flash("本月进展已登记。", "success")
    else:
        flash(_errors(form), "error")
    return redirect(url_for("yearly.ledger", entry_id=entry.id), code=303)


@bp.post("/consolidation/<int:entry_id>/close")
def close(entry_id):
    entry = _entry(entry_id)
    require("town.manage", entry.branch)
    form = TextForm()
    if form.validate_on_submit():
        try:
            services.close_consolidation(current_user, entry, form.text.data)
        except services.YearlyError as exc:
            flash(str(exc), "error")
        else:
            flash("已验收销号，台账保留。", "success")
    else:
        flash(_errors(form), "error")
    return redirect(url_for("yearly.ledger", entry_id=entry.id), code=303)


@bp.post("/town/<int:town_id>/links")
def set_link(town_id):
    town, year = _town(town_id), _year()
    branches, _ = town_services.branches_and_groups(town)
    form = _link_form(town, branches)
    if form.validate_on_submit():
        try:
            services.set_link(current_user, town, form.person_id.data,
                              _branch(town, form.branch_id.data), form.linked.data == "1")
        except services.YearlyError as exc:
            flash(str(exc), "error")
        else:
            flash("挂点已调整。", "success")
    else:
        flash(_errors(form), "error")
    return _back(town, year, "#links")


@bp.route("/village/<int:branch_id>/judgements", methods=["GET", "POST"])
def judgements(branch_id):
    branch = db.session.get(Organization, branch_id)
    if branch is None or branch.kind != OrgKind.BRANCH:
        abort(404)
    require("town.oversee", branch)
    form = JudgementForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.write_judgement(current_user, branch, form.figures.data,
                                         form.actions.data)
            except services.YearlyError as exc:
                flash(str(exc), "error")
            else:
                flash("本月研判已保存。", "success")
                return redirect(url_for("yearly.judgements", branch_id=branch.id), code=303)
        else:
            flash(_errors(form), "error")
    return render_template("yearly/judgements.html", branch=branch, form=form,
                           rows=services.judgements_of(branch),
                           month=clock.today().strftime("%Y-%m"))


@bp.route("/branch/<int:branch_id>/reserves", methods=["GET", "POST"])
def reserves(branch_id):
    branch = db.session.get(Organization, branch_id)
    if branch is None or branch.kind != OrgKind.BRANCH:
        abort(404)
    require("reserve.recommend", branch)
    form = ReserveForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.recommend_reserve(current_user, branch, form.name.data, form.note.data)
            except services.YearlyError as exc:
                flash(str(exc), "error")
            else:
                flash("已推荐，等待镇党委选定。", "success")
                return redirect(url_for("yearly.reserves", branch_id=branch.id), code=303)
        else:
            flash(_errors(form), "error")
    return render_template("yearly/reserves.html", branch=branch, form=form,
                           rows=services.reserves_of_branch(branch),
                           entries=services.consolidations_of_branch(branch)
                           if services.may_see_consolidation(current_user, branch) else [])


@bp.post("/reserves/<int:reserve_id>/decide")
def decide(reserve_id):
    reserve = services.reserve_by_id(reserve_id)
    if reserve is None:
        abort(404)
    require("town.manage", reserve.branch)
    form = DecideForm()
    if form.validate_on_submit():
        services.decide_reserve(current_user, reserve, form.selected.data == "1")
        flash("已记录镇党委意见。", "success")
    else:
        flash(_errors(form), "error")
    town = next((t for t in town_services.towns_for(current_user)
                 if reserve.branch.path.startswith(t.path)), None)
    if town is None:
        abort(403)
    return redirect(url_for("yearly.town_page", town_id=town.id) + "#reserves", code=303)


def town_section(town=None, **_context) -> Markup:
    """The town dashboard's door to the yearly page (no queries: the figures are there)."""
    if town is None or not can(current_user, "town.manage", town):
        return Markup("")
    return Markup(render_template("yearly/_town_section.html", town=town))
