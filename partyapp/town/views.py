"""Routes of the town oversight feature (镇党委督查): the dashboard, its print view and
workbook, and the 督办 note on an escalated opinion."""
from __future__ import annotations

import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user

from .. import clock
from ..authz import require
from ..extensions import db
from ..models import Organization, OrgKind
from ..opinions.models import Opinion
from ..calendar.services import calendar_warnings
from . import charts, report, services
from .forms import NoteForm

bp = Blueprint("town", __name__, url_prefix="/town")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _town(town_id: int) -> Organization:
    town = db.session.get(Organization, town_id)
    if town is None or town.kind != OrgKind.TOWN:
        abort(404)
    require("town.oversee", town)
    return town


def _board(town: Organization) -> services.Dashboard:
    return services.dashboard(town, services.quarter_of(request.args.get("period")))


@bp.get("/")
def index():
    """Pick the admin's town: straight to it when there is one."""
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    towns = services.towns_for(current_user)
    if not towns:
        abort(403)
    if len(towns) == 1:
        return redirect(url_for("town.dashboard", town_id=towns[0].id))
    return render_template("town/pick.html", towns=towns)


@bp.get("/<int:town_id>/")
def dashboard(town_id):
    """One tab of the dashboard (?section=): a phone shows one part at a time, and only that
    part's figures are computed."""
    town = _town(town_id)
    section = request.args.get("section", "")
    if section not in services.SECTIONS:
        section = services.DEFAULT_SECTION
    return render_template("town/dashboard.html", board=_board(town), section=section,
                           sections=services.SECTIONS,
                           quarters=services.quarter_choices(clock.today()),
                           warnings=calendar_warnings())


@bp.get("/<int:town_id>/print")
def print_view(town_id):
    return render_template("town/print.html", board=_board(_town(town_id)))


@bp.get("/<int:town_id>/report.xlsx")
def report_xlsx(town_id):
    board = _board(_town(town_id))
    return send_file(io.BytesIO(report.workbook(board)), as_attachment=True, mimetype=XLSX,
                     download_name=f"town-{town_id}-{board.quarter.key}.xlsx")


@bp.post("/<int:town_id>/opinions/<int:opinion_id>/note")
def add_note(town_id, opinion_id):
    town = _town(town_id)
    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None or not opinion.branch.path.startswith(town.path):
        abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.add_note(current_user, town, opinion, form.text.data)
        except services.NoteError as exc:
            flash(str(exc), "error")
        else:
            flash("已添加督办意见，支部书记会收到通知。", "success")
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请重试。",
              "error")
    return redirect(url_for("opinions.detail", opinion_id=opinion_id) + "#supervision", code=303)


def opinion_notes_section(opinion) -> str:
    """The town's 督办 block on an opinion's staff page (the `opinion_detail` page section
    the town declares; the opinion page knows no town)."""
    block = services.opinion_notes_block(current_user, opinion)
    if not (block["notes"] or block["can_add"]):
        return ""
    block["form"] = NoteForm() if block["can_add"] else None
    return render_template("town/_opinion_notes.html", supervision=block, opinion=opinion)


bp.add_app_template_global(charts.svg, "town_chart_svg")
