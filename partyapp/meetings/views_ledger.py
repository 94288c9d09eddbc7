"""Routes of the 台账 (page, print, Excel) and compliance (达标)."""
from __future__ import annotations

import io

from flask import render_template, request, send_file

from ..authz import require
from . import services
from .views_common import _branch, bp


# ---- ledger and compliance ----------------------------------------------------------------------
def _ledger_context(branch_id: int):
    branch = _branch(branch_id)
    require("meeting.ledger", branch)
    period = services.parse_period(request.args.get("period"))
    kind_id = request.args.get("kind", type=int)
    meetings, counts = services.ledger(branch, period, kind_id)
    return dict(branch=branch, period=period, kind_id=kind_id, meetings=meetings, counts=counts,
                kinds=services.active_kinds(),
                plans=services.filed_plans([branch.id], period.first, period.last, kind_id),
                flags=services.flagged_check_ins([m.id for m in meetings]))


@bp.get("/ledger/<int:branch_id>")
def ledger_page(branch_id):
    return render_template("meetings/ledger.html", **_ledger_context(branch_id))


@bp.get("/ledger/<int:branch_id>/print")
def ledger_print(branch_id):
    context = _ledger_context(branch_id)
    context["rows"] = services.attendee_rows_by_meeting([m.id for m in context["meetings"]])
    return render_template("meetings/ledger_print.html", **context)


@bp.get("/ledger/<int:branch_id>/export.xlsx")
def ledger_export(branch_id):
    branch = _branch(branch_id)
    require("meeting.ledger", branch)
    period = services.parse_period(request.args.get("period"))
    data = services.export_workbook(branch, period)
    return send_file(io.BytesIO(data), as_attachment=True,
                     download_name=f"meetings-{branch.slug or branch.id}-{period.key}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/compliance/<int:branch_id>")
def compliance(branch_id):
    branch = _branch(branch_id)
    require("meeting.ledger", branch)
    period = services.parse_period(request.args.get("period"))
    return render_template("meetings/compliance.html", branch=branch, period=period,
                           result=services.branch_compliance([branch.id], period)[branch.id],
                           backfilled=[m for m in services.held_meetings(
                               [branch.id], period.first, period.last, with_people=False)
                               if m.backfilled])
