"""Flask-Login's loader: the person of the session, with their unread count in the same query,
and the answer to a page that needs a log-in (a redirect, or HX-Redirect for htmx)."""
from flask import current_app, flash, g, redirect, request, url_for
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm.util import identity_key

from ..extensions import db, login_manager
from ..models import Notification, Person
from . import services


def configure_login(app) -> None:
    # Built once: on every request this is the first query, and when the person is not in the
    # session yet a prepared select costs about a third of session.get() (measured for the
    # check-in burst: 300 phones in a minute). It also brings the person's unread count for
    # the layout's badge (an index-only count), which saves every page a query of its own.
    unread = (select(func.count(Notification.id))
              .where(Notification.person_id == Person.id, Notification.read_at.is_(None))
              .correlate(Person).scalar_subquery())
    # The log-in's own row must still exist (log-out deletes it): checked in the same query.
    by_id = select(Person, unread, services.live_login_column(Person.id)).where(
        Person.id == bindparam("person_id"))

    def person_by_id(person_id: int, token: str):
        token_hash = services.login_token_hash(token)
        if identity_key(Person, person_id) in db.session.identity_map:
            person = db.session.get(Person, person_id)
            return person if services.login_is_live(person_id, token) else None
        row = db.session.execute(by_id, {"person_id": person_id, "token_hash": token_hash}
                                 ).one_or_none()
        if row is None or not row[2]:
            return None
        g.unread_count = row[1]
        return row[0]

    @login_manager.user_loader
    def load_person(session_id: str):
        person_id, version, token = (session_id.split(":") + ["", ""])[:3]
        if not (person_id.isascii() and person_id.isdigit()) or not token or len(token) > 64:
            return None
        person = person_by_id(int(person_id), token)
        if person is None or str(person.session_version) != version or not person.active:
            return None
        person.login_token = token
        return person

    @login_manager.unauthorized_handler
    def unauthorized():
        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            response = current_app.response_class(status=204)
            response.headers["HX-Redirect"] = login_url
            return response
        flash("请先登录", "info")
        return redirect(login_url)
