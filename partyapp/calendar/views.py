"""The town admin's page for the working-day calendar (节假日安排), and its old address."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..authz import orgs_where, require
from .forms import CalendarForm
from .services import calendar_warnings, enter_year, parse_schedule, stored_years, year_days

bp = Blueprint("calendar", __name__)


@bp.route("/calendar/", methods=["GET", "POST"])
def admin():
    towns = orgs_where(current_user, "calendar.manage")
    require("calendar.manage", towns[0] if towns else None)
    form = CalendarForm()
    if request.method == "GET":
        missing = clock.missing_calendar_years()
        form.year.data = missing[0] if missing else clock.today().year + 1
    if form.validate_on_submit():
        try:
            days = parse_schedule(form.schedule.data, form.year.data)
        except ValueError as exc:
            form.schedule.errors.append(str(exc))
        else:
            changed = enter_year(current_user, form.year.data, days,
                                 complete=form.complete.data, org_id=towns[0].id)
            flash(f"{form.year.data}年安排已录入（{len(days)}天），"
                  f"重新计算了{changed}条意见的答复期限。", "success")
            return redirect(url_for("calendar.admin", year=form.year.data), code=303)
    shown_year = request.args.get("year", type=int) or clock.today().year
    if not 2000 <= shown_year <= 2100:
        shown_year = clock.today().year
    return render_template("calendar/admin.html", form=form, years=stored_years(),
                           shown_year=shown_year, days=year_days(shown_year),
                           warnings=calendar_warnings(), on_calendar_page=True)


@bp.route("/opinions/calendar", methods=["GET", "POST"])
def old_address():
    """The page lived under the opinion box until the calendar got its own room: bookmarks
    and forms still posted there keep working (308 keeps the method and the form)."""
    return redirect(url_for("calendar.admin", **request.args), code=308)
