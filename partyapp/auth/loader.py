"""Flask-Login's loader: the person of the session, with their unread count in the same query,
and the answer to a page that needs a log-in (a redirect, or HX-Redirect for htmx)."""
from flask import current_app, flash, g, redirect, request, url_for
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm.util import identity_key

from ..extensions import db, login_manager
from ..models import Notification, Person


def configure_login(app) -> None:
    # Built once: on every request this is the first query, and when the person is not in the
    # session yet a prepared select costs about a third of session.get() (measured for the
    # check-in burst: 300 phones in a minute). It also brings the person's unread count for
    # the layout's badge (an index-only count), which saves every page a query of its own.
    unread = (select(func.count(Notification.id))
              .where(Notification.person_id == Person.id, Notification.read_at.is_(None))
              .correlate(Person).scalar_subquery())
    by_id = select(Person, unread).where(Person.id == bindparam("person_id"))

    def person_by_id(person_id: int):
        if identity_key(Person, person_id) in db.session.identity_map:
            return db.session.get(Person, person_id)
        row = db.session.execute(by_id, {"person_id": person_id}).one_or_none()
        if row is None:
            return None
        g.unread_count = row[1]
        return row[0]

    @login_manager.user_loader
    def load_person(session_id: str):
        person_id, _, version = session_id.partition(":")
        if not (person_id.isascii() and person_id.isdigit()):
            return None
        person = person_by_id(int(person_id))
        if person is None or str(person.session_version) != version or not person.active:
            return None
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
