"""Roster (花名册), people and the audit trail of a branch."""
import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user

from .. import authz, features
from ..extensions import db, limiter
from ..models import Organization
from . import importer, services
from .forms import ImportForm, PersonForm, RobotForm

# The town admin's routes (town_views.py) are on this blueprint too.
bp = Blueprint("org", __name__, url_prefix="/org")


def _branch_or_404(branch_id: int, permission: str) -> Organization:
    branch = services.load_branch(branch_id)
    authz.require(permission, branch)  # None -> 403 for everyone (nothing leaks)
    return branch


def _entry_or_404(branch, person_id: int):
    entry = services.roster_entry(branch, person_id)
    if entry is None:
        abort(404)
    return entry


@bp.app_template_global()
def roles_held(person) -> list[str]:
    """The person's current titles, e.g. ['书记', '村委会主任'] (一肩挑), for 我的."""
    return services.role_titles(authz.active_memberships(person))


@bp.get("/<int:branch_id>/roster")
def roster(branch_id):
    branch = _branch_or_404(branch_id, "roster.view")
    return render_template("org/roster.html", branch=branch, entries=services.roster(branch),
                           former=services.former_people(branch),
                           can_manage=authz.can(current_user, "roster.manage", branch),
                           can_audit=authz.can(current_user, "audit.view", branch))


@bp.route("/<int:branch_id>/people/new", methods=["GET", "POST"])
def person_new(branch_id):
    branch = _branch_or_404(branch_id, "roster.manage")
    form = PersonForm(groups=services.branch_groups(branch))
    if form.validate_on_submit():
        data = form.to_data()
        problems = services.check_person_data(branch, data)
        if not problems:
            person = services.create_person(branch, data, current_user)
            flash(f"已添加{person.name}。可以为他发邀请链接，让他设置密码。", "success")
            return redirect(url_for("org.roster", branch_id=branch.id), code=303)
        form.add_problems(problems)
    return render_template("org/person_form.html", branch=branch, form=form, entry=None)


@bp.route("/<int:branch_id>/people/<int:person_id>/edit", methods=["GET", "POST"])
def person_edit(branch_id, person_id):
    branch = _branch_or_404(branch_id, "roster.manage")
    entry = _entry_or_404(branch, person_id)
    form = PersonForm(groups=services.branch_groups(branch))
    if request.method == "GET":
        form.fill_from(entry)
    elif form.validate_on_submit():
        data = form.to_data()
        problems = services.check_person_data(branch, data, person=entry.person)
        if not problems:
            services.update_person(branch, entry, data, current_user)
            flash(f"已保存{entry.person.name}的信息", "success")
            return redirect(url_for("org.roster", branch_id=branch.id), code=303)
        form.add_problems(problems)
    return render_template("org/person_form.html", branch=branch, form=form, entry=entry)


@bp.post("/<int:branch_id>/people/<int:person_id>/deactivate")
def person_deactivate(branch_id, person_id):
    branch = _branch_or_404(branch_id, "roster.manage")
    entry = _entry_or_404(branch, person_id)
    try:
        services.deactivate_person(branch, entry, current_user)
    except services.RosterError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("org.person_edit", branch_id=branch.id, person_id=person_id),
                        code=303)
    flash(f"已停用{entry.person.name}：所有设备已退出登录，历史记录保留", "success")
    return redirect(url_for("org.roster", branch_id=branch.id), code=303)


@bp.post("/<int:branch_id>/people/<int:person_id>/invite")
def person_invite(branch_id, person_id):
    """Shown once (only the token's hash is kept), so the page is the POST's answer."""
    branch = _branch_or_404(branch_id, "roster.manage")
    entry = _entry_or_404(branch, person_id)
    token = services.issue_invitation(branch, entry.person, current_user)
    link = _invitation_link(token)
    response = current_app.make_response(render_template(
        "org/invitation.html", branch=branch, person=entry.person, link=link,
        qr=services.qr_data_uri(link)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:branch_id>/people/<int:person_id>/login-link")
def person_login_link(branch_id, person_id):
    """A one-time log-in QR the secretary shows the member (shown once, like an invitation)."""
    branch = _branch_or_404(branch_id, "roster.manage")
    entry = _entry_or_404(branch, person_id)
    token = services.issue_login_link(branch, entry.person, current_user)
    link = _invitation_link(token, "auth.login_link")
    response = current_app.make_response(render_template(
        "org/invitation.html", branch=branch, person=entry.person, link=link,
        qr=services.qr_data_uri(link), login_link=True))
    response.headers["Cache-Control"] = "no-store"
    return response


def _invitation_link(token: str, endpoint: str = "auth.accept_invitation") -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for(endpoint, token=token)
    return base + path if base else url_for(endpoint, token=token, _external=True)


@bp.get("/<int:branch_id>/import")
def import_form(branch_id):
    branch = _branch_or_404(branch_id, "roster.manage")
    return render_template("org/import.html", branch=branch, form=ImportForm(), result=None,
                           file_error=None)


@bp.post("/<int:branch_id>/import")
@limiter.limit("10 per 10 minutes")   # per account
def import_roster(branch_id):
    branch = _branch_or_404(branch_id, "roster.manage")
    form = ImportForm()
    result, file_error = None, None
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise importer.ImportFileError("请选择要导入的 Excel 文件")
            limit = current_app.config.get("ROSTER_IMPORT_MAX_BYTES", importer.MAX_BYTES)
            rows = importer.read_rows(upload.read(limit + 1), upload.filename, limit)
            result = importer.import_roster(branch, rows, current_user)
        except importer.ImportFileError as exc:
            file_error = str(exc)
        if result is not None and not result.problems:
            flash(f"导入成功：共{result.imported}人", "success")
            return redirect(url_for("org.roster", branch_id=branch.id), code=303)
    return render_template("org/import.html", branch=branch, form=form, result=result,
                           file_error=file_error)


@bp.get("/<int:branch_id>/import/template.xlsx")
def import_template(branch_id):
    branch = _branch_or_404(branch_id, "roster.manage")
    return send_file(io.BytesIO(importer.template_workbook(branch)), mimetype=importer.XLSX_MIME,
                     as_attachment=True, download_name="花名册导入模板.xlsx")


@bp.get("/<int:org_id>/audit")
def audit_trail(org_id):
    org = db.session.get(Organization, org_id)
    authz.require("audit.view", org)
    page = request.args.get("page", "1")
    page = int(page) if (page.isascii() and page.isdigit()) else 1
    return render_template("org/audit.html", org=org, trail=services.audit_trail(org, page),
                           labels={**services.ACTION_LABELS, **features.registry().audit_labels()}, describe=services.describe_detail)


@bp.app_template_global()
def org_links(person) -> list[tuple[str, str]]:
    """Roster and audit-trail entries for the 我的 page, where the person may use them."""
    return [(label, url_for(endpoint, **{arg: org.id}))
            for label, endpoint, arg, org in services.org_links(person)]


@bp.route("/<int:branch_id>/robot", methods=["GET", "POST"])
def robot(branch_id):
    """The branch's WeCom group robot: set, clear, or send a test message."""
    branch = _branch_or_404(branch_id, "roster.manage")
    form = RobotForm()
    prefix = current_app.config["WECOM_WEBHOOK_PREFIX"]
    if form.validate_on_submit():
        problem = services.check_robot_webhook(form.webhook.data, prefix)
        if problem is None:
            services.set_robot_webhook(branch, form.webhook.data, current_user)
            flash("已保存群机器人地址" if branch.wecom_webhook else "已停用群机器人", "success")
            return redirect(url_for("org.robot", branch_id=branch.id), code=303)
        form.webhook.errors.append(problem)
    from ..notify.services import recent_messages

    return render_template("org/robot.html", branch=branch, form=form,
                           masked=services.masked_webhook(branch.wecom_webhook),
                           recent=recent_messages(branch.id))


@bp.post("/<int:branch_id>/robot/test")
def robot_test(branch_id):
    branch = _branch_or_404(branch_id, "roster.manage")
    if not branch.wecom_webhook:
        flash("还没有设置群机器人地址", "error")
    else:
        services.queue_robot_test(branch)
        flash("测试消息已排队，一分钟内发到群里；发送结果见本页“最近发出的群消息”", "success")
    return redirect(url_for("org.robot", branch_id=branch.id), code=303)
