"""党费 routes: the member's own page; the dues book only the recorder (记录人); arrears only the
secretary and the 组织委员 (the world has no 组织委员: tests/test_dues.py checks one)."""
from .rules import LOGGED_IN, Access

RECORDER = frozenset({"recorder"})
ARREARS = frozenset({"secretary"})
BRANCH = lambda w: {"branch_id": w.branch.id}   # noqa: E731
VILLAGE = lambda w: "甲一村"                    # noqa: E731


def populate(world):
    from partyapp import clock
    from partyapp.dues import services
    from partyapp.dues.models import DuesRecord
    from partyapp.extensions import db

    services.set_profile(world.branch, world.member, "farmer", None, 100, world.recorder)
    record = db.session.query(DuesRecord).filter_by(person_id=world.member.id).one()
    world.extra["dues_record"] = record.id
    world.extra["dues_month"] = services.month_key(clock.today())


def _payment(world):
    from partyapp import clock

    return {"months": [world.extra["dues_month"]], "how": "cash",
            "paid_on": clock.today().isoformat()}


def _person(world):
    return {"branch_id": world.branch.id, "person_id": world.member.id}


ROUTES = {
    "dues.mine": Access(LOGGED_IN),
    "dues.book": Access(RECORDER, params=BRANCH, secret=VILLAGE),
    "dues.person": Access(RECORDER, params=_person, secret=VILLAGE),
    "dues.profile": Access(RECORDER, method="POST", params=_person,
                           data=lambda w: {"category": "farmer", "fixed": "1.00"}),
    "dues.pay": Access(RECORDER, method="POST", params=_person,
                       data=_payment),
    "dues.enter_due": Access(RECORDER, method="POST",
                             params=lambda w: {"branch_id": w.branch.id,
                                               "record_id": w.extra["dues_record"]},
                             data=lambda w: {"due": "1.50"}),
    "dues.arrears": Access(ARREARS, params=BRANCH, secret=VILLAGE),
    "dues.add_note": Access(ARREARS, method="POST", params=_person,
                            data=lambda w: {"kind": "reason", "text": "外出务工"}),
}
