"""Routes of the ratings feature (评星定级): parse, call a service, render or redirect."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import authz, clock
from ..extensions import db
from ..models import Organization, Person
from . import entries, evaluation, notice, outcomes, scoring, services
from .forms import (AnswerForm, EntryForm, ExemptionForm, HoursForm, ObjectionForm, PublishForm,
                    RevokeForm, RoundForm)
from .models import EvaluationRound, Grade, ItemKind, Objection

bp = Blueprint("ratings", __name__, url_prefix="/ratings")

SEE_BRANCH = ("rating.manage", "town.oversee")


def _year() -> int:
    year = request.args.get("year", type=int) or clock.today().year
    return year if 2000 <= year <= 2100 else clock.today().year


def _require_any(permissions, org) -> None:
    if not any(authz.can(current_user, p, org) for p in permissions):
        authz.require(permissions[0], org)


def _branch_or_404(branch_id: int, permissions=SEE_BRANCH) -> Organization:
    branch = db.session.get(Organization, branch_id)
    if branch is None or branch.kind not in ("branch", "general"):
        abort(404)
    _require_any(permissions, branch)
    return branch


def _member_or_404(branch: Organization, person_id: int) -> Person:
    person = next((p for p in scoring.branch_members(branch) if p.id == person_id), None)
    if person is None:
        abort(404)
    return person


# ---- the member's own breakdown ------------------------------------------------------------
@bp.get("/")
@login_required
def mine():
    year = _year()
    rubric, score = services.my_score(current_user, year)
    branch = services.member_branch(current_user)
    can_manage = branch is not None and authz.can(current_user, "rating.manage", branch)
    publication = notice.latest_publication(branch.id) if branch is not None else None
    towns = [org for org in authz.orgs_where(current_user, "town.oversee") if org.kind == "town"]
    return render_template("ratings/mine.html", year=year, rubric=rubric, score=score,
                           branch=branch, can_manage=can_manage, publication=publication,
                           towns=towns,
                           rounds=evaluation.open_rounds_for(current_user, [branch.id])
                           if branch is not None else [])


# ---- the town compares branches (never people) ----------------------------------------------
@bp.get("/town/<int:town_id>")
def town(town_id):
    town = db.session.get(Organization, town_id)
    if town is None or town.kind != "town":
        abort(404)
    authz.require("town.oversee", town)
    year = _year()
    return render_template("ratings/town.html", town=town, year=year, today=clock.today(),
                           rows=notice.town_comparison(town, year))


# ---- the secretary's branch overview (pinyin order, never a ranking) -----------------------
@bp.get("/b/<int:branch_id>")
def branch(branch_id):
    branch = _branch_or_404(branch_id)
    year = _year()
    rubric, scores = scoring.branch_scores(branch, year)
    return render_template("ratings/branch.html", branch=branch, year=year, rubric=rubric,
                           scores=scores, member_url=_member_url(branch, year),
                           rounds=evaluation.branch_rounds(branch.id),
                           publication=notice.latest_publication(branch.id, year),
                           round_form=RoundForm(year=year, quarter=(clock.today().month + 2) // 3),
                           publish_form=PublishForm(year=year),
                           can_manage=authz.can(current_user, "rating.manage", branch))


def _member_url(branch, year):
    """person id -> that member's page. url_for once: the addresses differ only in the id, and
    a url_for per member was a third of the overview's rendering."""
    sample = url_for(".member", branch_id=branch.id, person_id=0, year=year)
    head, _, tail = sample.rpartition("/m/0")
    return lambda person_id: f"{head}/m/{person_id}{tail}"


@bp.get("/b/<int:branch_id>/m/<int:person_id>")
def member(branch_id, person_id):
    branch = _branch_or_404(branch_id)
    return _member_page(branch, _member_or_404(branch, person_id), _year())


def _member_page(branch, person, year, *, entry_form=None, hours_form=None,
                 exemption_form=None):
    rubric, scores = scoring.branch_scores(branch, year, people=[person])
    entry_form = entry_form or EntryForm()
    exemption_form = exemption_form or ExemptionForm()
    hours_form = hours_form or HoursForm(served_on=clock.today())
    items = rubric.items if rubric else []
    entry_form.position.choices = [SelectChoice(i.position, f"{i.label}（最多 {i.max_points} 分）")
                                   for i in items if i.kind != ItemKind.AUTO]
    exemption_form.position.choices = [SelectChoice(i.position, i.label) for i in items
                                       if i.kind != ItemKind.DEDUCTION]
    hours = entries.hours_of(person.id, year)
    return render_template("ratings/member.html", branch=branch, person=person, year=year,
                           rubric=rubric, score=scores[0] if scores else None, hours=hours,
                           entry_form=entry_form, hours_form=hours_form,
                           exemption_form=exemption_form, revoke_form=RevokeForm(),
                           can_manage=authz.can(current_user, "rating.manage", branch))


def _choices(form, branch, year):
    rubric = scoring.find_rubric(branch, year)
    items = rubric.items if rubric else []
    form.position.choices = [SelectChoice(i.position, i.label) for i in items]


@bp.post("/b/<int:branch_id>/m/<int:person_id>/entries")
def add_entry(branch_id, person_id):
    branch = _branch_or_404(branch_id, ("rating.manage",))
    person, year = _member_or_404(branch, person_id), _year()
    form = EntryForm()
    _choices(form, branch, year)
    if form.validate_on_submit():
        item = entries.branch_item(current_user, branch, year, form.position.data)
        result = entries.add_entry(current_user, branch, item, person.id, form.points.data,
                                   form.reason.data.strip())
        if not isinstance(result, str):
            flash("已记分", "success")
            return redirect(url_for(".member", branch_id=branch.id, person_id=person.id,
                                    year=year), code=303)
        db.session.rollback()
        form.points.errors = [result]
    return _member_page(branch, person, year, entry_form=form)


@bp.post("/b/<int:branch_id>/m/<int:person_id>/hours")
def add_hours(branch_id, person_id):
    branch = _branch_or_404(branch_id, ("rating.manage",))
    person, year = _member_or_404(branch, person_id), _year()
    form = HoursForm()
    if form.validate_on_submit():
        result = entries.add_hours(current_user, branch, person.id, form.served_on.data,
                                   form.hours.data, form.description.data.strip())
        if not isinstance(result, str):
            flash("已登记服务时长", "success")
            return redirect(url_for(".member", branch_id=branch.id, person_id=person.id,
                                    year=year), code=303)
        form.hours.errors = [result]
    return _member_page(branch, person, year, hours_form=form)


@bp.post("/b/<int:branch_id>/m/<int:person_id>/exemptions")
def add_exemption(branch_id, person_id):
    branch = _branch_or_404(branch_id, ("rating.manage",))
    person, year = _member_or_404(branch, person_id), _year()
    form = ExemptionForm()
    _choices(form, branch, year)
    if form.validate_on_submit():
        item = entries.branch_item(current_user, branch, year, form.position.data)
        result = entries.add_exemption(current_user, branch, item, person.id,
                                       form.decision_text.data.strip(), form.decided_on.data)
        if not isinstance(result, str):
            flash("已记录免于考核的决定", "success")
            return redirect(url_for(".member", branch_id=branch.id, person_id=person.id,
                                    year=year), code=303)
        db.session.rollback()
        form.position.errors = [result]
    return _member_page(branch, person, year, exemption_form=form)


@bp.post("/b/<int:branch_id>/revoke/<kind>/<int:row_id>")
def revoke(branch_id, kind, row_id):
    branch = _branch_or_404(branch_id, ("rating.manage",))
    row = entries.row_in_branch(kind, row_id, branch)
    if row is None:
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash("请填写撤销理由", "error")
    else:
        error = entries.revoke(current_user, kind, row, branch, form.reason.data.strip())
        flash(error or "已撤销（记录保留）", "error" if error else "success")
    return redirect(url_for(".member", branch_id=branch.id, person_id=row.person_id,
                            year=_year()), code=303)


# ---- rubric --------------------------------------------------------------------------------
@bp.route("/b/<int:branch_id>/rubric", methods=["GET", "POST"])
def rubric(branch_id):
    branch = _branch_or_404(branch_id)
    year = _year()
    error = None
    if request.method == "POST":
        authz.require("rating.manage", branch)
        if request.form.get("adopt"):
            scoring.adopt_default_rubric(current_user, branch, year)
            flash("已采用镇党委默认细则", "success")
            return redirect(url_for(".rubric", branch_id=branch.id, year=year), code=303)
        own = scoring.ensure_branch_rubric(current_user, branch, year)
        parsed = _parse_rubric(own)
        if isinstance(parsed, str):
            db.session.rollback()
            error = parsed
        else:
            scoring.update_rubric(current_user, own, *parsed)
            flash("评星细则已保存", "success")
            return redirect(url_for(".rubric", branch_id=branch.id, year=year), code=303)
    return render_template("ratings/rubric.html", branch=branch, year=year, error=error,
                           rubric=scoring.find_rubric(branch, year), kinds=ItemKind.LABELS,
                           star_labels=scoring.STAR_LABELS,
                           can_manage=authz.can(current_user, "rating.manage", branch))


def _int_field(name: str, low: int, high: int) -> int | None:
    try:
        value = int(request.form.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _parse_rubric(rubric):
    base = _int_field("base", 0, 100)
    maxima = {item.id: _int_field(f"max-{item.position}", 0, 100) for item in rubric.items}
    stars = {t.stars: _int_field(f"stars-{t.stars}", 0, 200) for t in rubric.thresholds}
    if base is None or None in maxima.values() or None in stars.values():
        return "请填写 0 到 100 之间的整数（星级分数线 0 到 200）"
    ordered = [stars[s] for s in sorted(stars)]
    if ordered != sorted(set(ordered)):
        return "星级越高，分数线应越高"
    return base, maxima, stars


def _back_to_branch(branch, problem: str):
    """A refused branch-level action: say why on the branch page."""
    flash(problem, "error")
    return redirect(url_for(".branch", branch_id=branch.id), code=303)


# ---- satisfaction evaluation -------------------------------------------------------------
@bp.post("/b/<int:branch_id>/rounds")
def open_round(branch_id):
    branch = _branch_or_404(branch_id, ("rating.manage",))
    form = RoundForm()
    if not form.validate_on_submit():
        return _back_to_branch(branch, "请选择年份和季度")
    result = evaluation.start_round(current_user, branch, form.year.data, form.quarter.data)
    if isinstance(result, str):
        return _back_to_branch(branch, result)
    return redirect(url_for(".round", round_id=result.id), code=303)


def _round_or_404(round_id: int) -> EvaluationRound:
    round_ = db.session.get(EvaluationRound, round_id)
    if round_ is None:
        abort(404)
    return round_


def _round_access(round_):
    """(may vote, may see results); 403 for everyone else."""
    branch = round_.branch
    is_rater = current_user.is_authenticated and current_user.id in evaluation.rater_ids(branch) \
        and authz.can(current_user, "rating.view", branch)
    sees = any(authz.can(current_user, p, branch) for p in SEE_BRANCH)
    if not (is_rater or sees):
        _require_any(SEE_BRANCH, branch)
    return is_rater, sees


@bp.get("/rounds/<int:round_id>")
def round(round_id):
    round_ = _round_or_404(round_id)
    is_rater, sees = _round_access(round_)
    return _round_page(round_, is_rater, sees)


def _round_page(round_, is_rater, sees, error=None, chosen=None, outcome=None):
    voted = is_rater and evaluation.has_voted(round_, current_user.id)
    ratees = evaluation.ratees_for(round_.branch, current_user) if is_rater and not voted else []
    results = evaluation.round_results(round_) if sees and round_.closed_at else None
    members = scoring.branch_members(round_.branch) if results else []
    can_manage = authz.can(current_user, "rating.manage", round_.branch)
    return render_template("ratings/round.html", round=round_, is_rater=is_rater, voted=voted,
                           ratees=ratees, results=results, members=members, grades=Grade,
                           error=error, chosen=chosen or {},
                           aggregate_label=scoring.aggregate_label, can_manage=can_manage,
                           **_outcome_context(round_, can_manage, sees, **(outcome or {})))


def _outcome_context(round_, can_manage, sees, error=None, chosen=None, objection_form=None):
    """The 评定公布 part of the round page: the committee's confirmation form (when no notice
    runs), and the published list with its objections."""
    published = outcomes.latest_notice(round_) if round_.closed_at else None
    today = clock.today()
    may_publish = can_manage and round_.closed_at and (
        published is None or published.is_final(today))
    objections = notice.objections_of(published.id) if published else []
    if published and not sees:
        objections = [o for o in objections if o.person_id == current_user.id]
    listed = outcomes.visible_outcomes(published, current_user.id, sees) if published else []
    return dict(proposals=outcomes.proposals(round_) if may_publish else [],
                outcome_error=error, outcome_chosen=chosen or {}, published=published,
                outcomes=listed, outcome_objections=objections,
                can_object_outcome=bool(published and published.is_open(today) and any(
                    o.person_id == current_user.id for o in listed)),
                outcome_objection_form=objection_form or ObjectionForm(),
                answer_form=AnswerForm(), today=today)


@bp.post("/rounds/<int:round_id>/ballot")
def cast(round_id):
    round_ = _round_or_404(round_id)
    is_rater, sees = _round_access(round_)
    if not is_rater:
        abort(403)
    grades = {}
    for key, value in request.form.items():
        if key.startswith("grade-"):
            try:
                grades[int(key[6:])] = value
            except ValueError:
                abort(400)
    error = evaluation.cast_ballot(current_user, round_, grades)
    if error:
        return _round_page(round_, is_rater, sees, error=error, chosen=grades)
    flash("已投票，谢谢参与（无记名）", "success")
    return redirect(url_for(".round", round_id=round_.id), code=303)


@bp.post("/rounds/<int:round_id>/close")
def close_round(round_id):
    round_ = _round_or_404(round_id)
    authz.require("rating.manage", round_.branch)
    error = evaluation.close_round(current_user, round_)
    if error:
        flash(error, "error")
    else:
        flash("测评已结束，选票已计数并销毁，可以查看汇总结果", "success")
    return redirect(url_for(".round", round_id=round_.id), code=303)


@bp.post("/rounds/<int:round_id>/outcomes")
def publish_outcomes(round_id):
    round_ = _round_or_404(round_id)
    authz.require("rating.manage", round_.branch)
    is_rater, sees = _round_access(round_)
    chosen, poor = {}, set()
    for key, value in request.form.items():
        if key.startswith("outcome-") and key.isascii() and key[8:].isdigit() and len(key) < 20:
            chosen[int(key[8:])] = value
        elif key.startswith("poor-") and key.isascii() and key[5:].isdigit() and len(key) < 20:
            poor.add(int(key[5:]))
    days = request.form.get("notice_days", "")
    result = outcomes.publish(current_user, round_, chosen, poor,
                              int(days) if days.isascii() and days.isdigit() and len(days) < 3 else 0)
    if isinstance(result, str):
        return _round_page(round_, is_rater, sees, outcome={"error": result, "chosen": chosen})
    flash("评定结果已公示", "success")
    return redirect(url_for(".round", round_id=round_.id, _anchor="outcomes"), code=303)


@bp.post("/rounds/<int:round_id>/objections")
def object_to_outcome(round_id):
    round_ = _round_or_404(round_id)
    is_rater, sees = _round_access(round_)
    published = outcomes.latest_notice(round_)
    if published is None:
        abort(404)
    form = ObjectionForm()
    if form.validate_on_submit():
        result = outcomes.lodge_objection(current_user, round_, published, form.reason.data.strip())
        if not isinstance(result, str):
            flash("异议已提交，书记会答复你", "success")
            return redirect(url_for(".round", round_id=round_.id, _anchor="outcomes"), code=303)
        form.reason.errors = [result]
    return _round_page(round_, is_rater, sees, outcome={"objection_form": form})


# ---- 公示 and objections ------------------------------------------------------------------
@bp.post("/b/<int:branch_id>/publish")
def publish(branch_id):
    branch = _branch_or_404(branch_id, ("rating.manage",))
    form = PublishForm()
    if not form.validate_on_submit():
        return _back_to_branch(branch, "请填写年份和公示期（1 到 30 个工作日）")
    result = notice.publish(current_user, branch, form.year.data, form.notice_days.data)
    if isinstance(result, str):
        return _back_to_branch(branch, result)
    return redirect(url_for(".publication", publication_id=result.id), code=303)


def _publication_or_404(publication_id: int):
    publication = notice.publication_with_results(publication_id)
    if publication is None:
        abort(404)
    authz.require("rating.view", publication.branch)
    return publication


@bp.get("/p/<int:publication_id>")
def publication(publication_id):
    return _publication_page(_publication_or_404(publication_id))


def _publication_page(publication, objection_form=None):
    branch = publication.branch
    can_manage = authz.can(current_user, "rating.manage", branch)
    sees_all = can_manage or authz.can(current_user, "town.oversee", branch)
    objections = notice.objections_of(publication.id)
    if not sees_all:
        objections = [o for o in objections if o.person_id == current_user.id]
    today = clock.today()
    results = notice.sorted_results(publication)
    return render_template("ratings/publication.html", publication=publication,
                           results=results, objections=objections,
                           is_open=publication.is_open(today), is_final=publication.is_final(today),
                           can_object=current_user.is_party_member and any(
                               r.person_id == current_user.id for r in results),
                           objection_form=objection_form or ObjectionForm(),
                           answer_form=AnswerForm(), can_manage=can_manage,
                           star_labels=scoring.STAR_LABELS)


@bp.post("/p/<int:publication_id>/objections")
def object_to(publication_id):
    publication = _publication_or_404(publication_id)
    if not any(r.person_id == current_user.id for r in notice.results_of(publication)):
        abort(403)
    form = ObjectionForm()
    if form.validate_on_submit():
        result = notice.lodge_objection(current_user, publication, form.reason.data.strip())
        if not isinstance(result, str):
            flash("异议已提交，书记会答复你", "success")
            return redirect(url_for(".publication", publication_id=publication.id), code=303)
        form.reason.errors = [result]
    return _publication_page(publication, objection_form=form)


@bp.get("/objections/<int:objection_id>")
def objection(objection_id):
    """Where an objection is read and answered: its 公示's page (links on 首页)."""
    found = db.session.get(Objection, objection_id)
    if found is None:
        abort(404)
    authz.require("rating.manage", found.notice.branch)
    announced = outcomes.round_of_notice(found.notice)
    if announced is not None:
        return redirect(url_for(".round", round_id=announced.id, _anchor="outcomes"))
    if notice.publication_with_results(found.notice_id) is None:
        abort(404)
    return redirect(url_for(".publication", publication_id=found.notice_id))


@bp.post("/objections/<int:objection_id>/answer")
def answer(objection_id):
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        abort(404)
    announced = outcomes.round_of_notice(objection.notice)
    if announced is None and notice.publication_with_results(objection.notice_id) is None:
        abort(404)                                  # another feature's 公示
    authz.require("rating.manage", objection.notice.branch)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash("请填写答复内容", "error")
    else:
        link = url_for(".round", round_id=announced.id, _anchor="outcomes") if announced else None
        error = notice.answer_objection(current_user, objection, form.answer.data.strip(), link)
        flash(error or "已答复", "error" if error else "success")
    if announced is not None:
        return redirect(url_for(".round", round_id=announced.id, _anchor="outcomes"), code=303)
    return redirect(url_for(".publication", publication_id=objection.notice_id), code=303)
