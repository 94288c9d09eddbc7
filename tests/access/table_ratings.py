"""Ratings routes: who may use them. Objects live in branch A1 (the personas' branch)."""
from .rules import BRANCH_INSIDERS, LOGGED_IN, OFFICERS, TOWN, Access

SECRETARY = frozenset({"secretary"})
RATERS = frozenset({"member", "group_leader", "recorder", "secretary", "villager_rep"})
RATED = frozenset({"member", "group_leader", "recorder", "secretary"})


def populate(world):
    from partyapp import clock
    from partyapp.extensions import db
    from partyapp.ratings import entries, notice

    from ..factories_ratings import branch_rubric, make_round, manual_item

    year = clock.today().year
    rubric = branch_rubric(world.secretary, world.branch, year)
    entry = entries.add_entry(world.secretary, world.branch, manual_item(rubric), world.member.id,
                              5, "带头清理河道")
    hours = entries.add_hours(world.secretary, world.branch, world.member.id, clock.today(), 2,
                              "敬老院义务劳动")
    exemption = entries.add_exemption(world.secretary, world.branch, manual_item(rubric),
                                      world.group_leader.id, "年老体弱，支委会决定免考", clock.today())
    round_ = make_round(world.branch, year=year, quarter=1)
    publication = notice.publish(world.secretary, world.branch, year)
    objection = notice.lodge_objection(world.member, publication, "服务时长漏登了一次")
    announced = _announced_round(world, year)
    world.extra.update(r_entry=entry.id, r_hours=hours.id, r_exemption=exemption.id,
                       r_round=round_.id, r_publication=publication.id, r_objection=objection.id,
                       r_announced=announced.id)
    db.session.commit()


def _announced_round(world, year):
    """A closed round whose outcomes the committee published."""
    from partyapp.ratings import evaluation, outcomes
    from partyapp.ratings.scoring import branch_members

    from ..factories_ratings import make_round

    round_ = make_round(world.branch, year=year, quarter=2)
    members = branch_members(world.branch)
    for rater in (world.group_leader, world.recorder, world.villager_rep):
        evaluation.cast_ballot(rater, round_, {p.id: "good" for p in members if p.id != rater.id})
    evaluation.close_round(world.secretary, round_)
    outcomes.publish(world.secretary, round_, {p.id: "good" for p in members}, set())
    return round_


def _branch(w):
    return {"branch_id": w.branch.id}


def _member(w):
    return {"branch_id": w.branch.id, "person_id": w.member.id}


def _grades(w):
    from partyapp.ratings.scoring import branch_members

    return {f"grade-{p.id}": "good" for p in branch_members(w.branch)}


ROUTES = {
    "ratings.mine": Access(LOGGED_IN),
    "ratings.town": Access(TOWN, params=lambda w: {"town_id": w.town.id}),
    "ratings.branch": Access(OFFICERS, params=_branch, secret=lambda w: "普通党员"),
    "ratings.member": Access(OFFICERS, params=_member, secret=lambda w: "带头清理河道"),
    "ratings.rubric": Access(OFFICERS, params=_branch),
    "ratings.add_entry": Access(SECRETARY, method="POST", params=_member,
                                data=lambda w: {"position": "5", "points": "3", "reason": "调解纠纷"}),
    "ratings.add_hours": Access(SECRETARY, method="POST", params=_member,
                                data=lambda w: {"served_on": "2026-03-02", "hours": "1.5",
                                                "description": "植树"}),
    "ratings.add_exemption": Access(SECRETARY, method="POST", params=_member,
                                    data=lambda w: {"position": "3", "decision_text": "患病",
                                                    "decided_on": "2026-03-02"}),
    "ratings.revoke": Access(SECRETARY, method="POST",
                             params=lambda w: {"branch_id": w.branch.id, "kind": "hours",
                                               "row_id": w.extra["r_hours"]},
                             data=lambda w: {"reason": "登记重复"}),
    "ratings.open_round": Access(SECRETARY, method="POST", params=_branch,
                                 data=lambda w: {"year": "2026", "quarter": "2"}),
    "ratings.round": Access(RATERS | {"town_admin"}, params=lambda w: {"round_id": w.extra["r_round"]}),
    "ratings.cast": Access(RATERS, method="POST", params=lambda w: {"round_id": w.extra["r_round"]},
                           data=_grades),
    "ratings.close_round": Access(SECRETARY, method="POST",
                                  params=lambda w: {"round_id": w.extra["r_round"]}),
    "ratings.publish": Access(SECRETARY, method="POST", params=_branch,
                              data=lambda w: {"year": "2026", "notice_days": "5"}),
    "ratings.publication": Access(BRANCH_INSIDERS,
                                  params=lambda w: {"publication_id": w.extra["r_publication"]},
                                  secret=lambda w: "普通党员"),
    "ratings.object_to": Access(RATED, method="POST",
                                params=lambda w: {"publication_id": w.extra["r_publication"]},
                                data=lambda w: {"reason": "请核对出勤"}),
    "ratings.publish_outcomes": Access(SECRETARY, method="POST",
                                       params=lambda w: {"round_id": w.extra["r_announced"]},
                                       data=lambda w: {"notice_days": "5"}),
    "ratings.object_to_outcome": Access(RATERS | {"town_admin"}, method="POST",
                                        params=lambda w: {"round_id": w.extra["r_announced"]},
                                        data=lambda w: {"reason": "请核对"}),
    "ratings.objection": Access(SECRETARY, params=lambda w: {"objection_id": w.extra["r_objection"]}),
    "ratings.answer": Access(SECRETARY, method="POST",
                             params=lambda w: {"objection_id": w.extra["r_objection"]},
                             data=lambda w: {"answer": "已核对，补登一次服务时长"}),
}
