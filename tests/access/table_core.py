"""Core routes: who may use them."""
from .rules import EVERYONE, LOGGED_IN, Access


def populate(world):
    from partyapp.extensions import db
    from partyapp.models import Notification

    note = Notification(person_id=world.member.id, title="甲村内部通知")
    db.session.add(note)
    db.session.commit()
    world.extra["note"] = note.id


ROUTES = {
    "main.home": Access(EVERYONE),
    "main.me": Access(LOGGED_IN),
    "main.healthz": Access(EVERYONE),
    "main.favicon": Access(EVERYONE),
    "main.toggle_care_mode": Access(EVERYONE, method="POST"),
    "auth.login": Access(EVERYONE),
    "auth.logout": Access(EVERYONE, method="POST"),
    "auth.logout_all": Access(LOGGED_IN, method="POST"),
    # An invitation token nobody holds: everyone gets the 'link expired' page (404).
    "auth.accept_invitation": Access(frozenset(), params=lambda w: {"token": "nope"}),
    # Likewise a one-time log-in link nobody holds.
    "auth.login_link": Access(frozenset(), params=lambda w: {"token": "nope"}),
    # Without a 服务号 configured (the tests' default) the WeChat callback does not exist.
    "auth.wechat_callback": Access(frozenset()),
    "auth.wechat_unbind": Access(LOGGED_IN, method="POST"),
    "notify.inbox": Access(LOGGED_IN),
    "notify.read_all": Access(LOGGED_IN, method="POST"),
    # A message belongs to its addressee only.
    "notify.open_note": Access(frozenset({"member"}), params=lambda w: {"note_id": w.extra["note"]},
                               secret=lambda w: "甲村内部通知"),
    "public.villages": Access(EVERYONE),
    "public.village": Access(EVERYONE, params=lambda w: {"slug": w.branch.slug}),
    "public.tab": Access(EVERYONE, params=lambda w: {"slug": w.branch.slug, "tab": "commitments"}),
    "static": Access(EVERYONE, params=lambda w: {"filename": "app.css"}),
}
