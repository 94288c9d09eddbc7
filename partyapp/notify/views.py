"""消息: the inbox."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from . import services

bp = Blueprint("notify", __name__, url_prefix="/inbox")


@bp.get("/")
@login_required
def inbox():
    return render_template("notify/inbox.html", notes=services.inbox(current_user.id))


@bp.post("/read-all")
@login_required
def read_all():
    services.mark_all_read(current_user.id)
    return redirect(url_for("notify.inbox"), code=303)


@bp.get("/<int:note_id>")
@login_required
def open_note(note_id):
    note = services.open_notification(current_user.id, note_id)
    if note is None:
        abort(404)
    if note.link and note.link.startswith("/") and not note.link.startswith("//"):
        return redirect(note.link)
    return redirect(url_for("notify.inbox"))
