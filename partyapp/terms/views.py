"""Routes of the terms feature: the town's list of terms, and one organisation's term page
where the town registers or corrects it (a 换届 itself is recorded on the org pages)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import clock
from ..authz import can, require
from ..extensions import db
from ..models import Organization, OrgKind
from . import services
from .forms import TermForm

bp = Blueprint("terms", __name__, url_prefix="/terms")


def _org(org_id: int, permission: str) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None or org.kind not in services.TERM_KINDS:
        abort(404)
    require(permission, org)
    return org


@bp.get("/town/<int:town_id>")
def town(town_id):
    org = _org(town_id, "term.manage")
    if org.kind != OrgKind.TOWN:
        abort(404)
    return render_template("terms/town.html", town=org, rows=services.town_terms(org))


@bp.get("/org/<int:org_id>")
def org_term(org_id):
    org = _org(org_id, "term.view")
    row = services.org_row(org)
    form = None
    if can(current_user, "term.manage", org):
        form = TermForm(data={"started_on": row.term.started_on if row.term else None,
                              "years": row.term.years if row.term else services.default_years()})
    return _page(org, row, form)


@bp.post("/org/<int:org_id>/record")
def record(org_id):
    org = _org(org_id, "term.manage")
    form = TermForm()
    if form.validate_on_submit():
        try:
            services.record_term(org, form.started_on.data, form.years.data, current_user)
        except services.TermError as exc:
            db.session.rollback()
            form.started_on.errors = list(form.started_on.errors) + [str(exc)]
        else:
            flash(f"已登记{org.name}的届期", "success")
            return redirect(url_for("terms.org_term", org_id=org.id), code=303)
    return _page(org, services.org_row(org), form)


def _page(org, row, form):
    return render_template("terms/org.html", org=org, row=row, form=form,
                           history=services.history(org), today=clock.today())
