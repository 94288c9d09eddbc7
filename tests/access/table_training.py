"""Training routes: the member's own hours; a branch's per-person hours its officers and the
town; the town's sessions only the town's own admin."""
from .rules import LOGGED_IN, OFFICERS, Access

TOWN_ONLY = frozenset({"town_admin"})
BRANCH = lambda w: {"branch_id": w.branch.id}   # noqa: E731
VILLAGE = lambda w: "甲一村"                    # noqa: E731


def populate(world):
    from partyapp import clock
    from partyapp.training import services

    session = services.plan_session(world.town, "rotation", "支部书记轮训班", clock.today(), 1, 8,
                                    "镇党校", world.town_admin)
    world.extra["training_session"] = session.id


def _today(world):
    from partyapp import clock

    return clock.today().isoformat()


SESSION = lambda w: {"session_id": w.extra["training_session"]}   # noqa: E731

ROUTES = {
    "training.mine": Access(LOGGED_IN),
    "training.town": Access(TOWN_ONLY, params=lambda w: {"town_id": w.town.id}, secret=VILLAGE),
    "training.plan": Access(TOWN_ONLY, method="POST", params=lambda w: {"town_id": w.town.id},
                            data=lambda w: {"kind": "course", "title": "冬训", "starts_on": _today(w),
                                            "days": "1", "hours": "8"}),
    "training.session": Access(TOWN_ONLY, params=SESSION, secret=lambda w: "书记甲"),
    "training.check_in": Access(TOWN_ONLY, method="POST", params=SESSION,
                                data=lambda w: {"person_id": str(w.secretary.id)}),
    "training.branch": Access(OFFICERS, params=BRANCH, secret=VILLAGE),
    "training.add_record": Access(OFFICERS, method="POST", params=BRANCH,
                                  data=lambda w: {"person_id": str(w.member.id), "title": "网络党校",
                                                  "started_on": _today(w), "days": "1",
                                                  "hours": "4"}),
}
