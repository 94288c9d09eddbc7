"""The town's yearly loop: the town page and its changes only for the town's own admin; a 整顿台账
for the town and that branch's secretary only (never members, other branches or the public); 研判
for the town; 书记后备 recommendations for the branch's secretary and the town."""
from .rules import Access

OWN_TOWN = frozenset({"town_admin"})
LEDGER = frozenset({"town_admin", "secretary"})
TOWN = lambda w: {"town_id": w.town.id}   # noqa: E731
SECRET = lambda w: "整顿台账机密问题"      # noqa: E731


def populate(world):
    from datetime import timedelta

    from partyapp import clock
    from partyapp.extensions import db
    from partyapp.yearly.models import Consolidation, Reserve

    entry = Consolidation(branch_id=world.branch.id, town_id=world.town.id, reason="堡垒指数靠后",
                          problems="整顿台账机密问题", measures="每月报告", due_on=clock.today()
                          + timedelta(days=60), listed_by_id=world.town_admin.id)
    reserve = Reserve(branch_id=world.branch.id, name="后备甲", note="群众基础好",
                      recommended_by_id=world.secretary.id)
    db.session.add_all([entry, reserve])
    db.session.commit()
    world.extra["yearly_entry"], world.extra["yearly_reserve"] = entry.id, reserve.id


ENTRY = lambda w: {"entry_id": w.extra["yearly_entry"]}   # noqa: E731
ROUTES = {
    "yearly.town_page": Access(OWN_TOWN, params=TOWN, secret=SECRET),
    "yearly.assess": Access(OWN_TOWN, method="POST",
                            params=lambda w: {"town_id": w.town.id, "branch_id": w.branch.id},
                            data=lambda w: {"position": "y", "position_evidence": "阵地照片"}),
    "yearly.publish": Access(OWN_TOWN, method="POST", params=TOWN),
    "yearly.finalize": Access(OWN_TOWN, method="POST", params=TOWN),
    "yearly.list_branch": Access(OWN_TOWN, method="POST", params=TOWN,
                                 data=lambda w: {"branch_id": w.other_branch.id,
                                                 "reason": "理由", "problems": "问题",
                                                 "measures": "措施", "due_on": "2099-01-01"}),
    "yearly.ledger": Access(LEDGER, params=ENTRY, secret=SECRET),
    "yearly.add_progress": Access(LEDGER, method="POST", params=ENTRY,
                                  data=lambda w: {"text": "本月召开支委会"}),
    "yearly.close": Access(OWN_TOWN, method="POST", params=ENTRY,
                           data=lambda w: {"text": "镇党委验收合格"}),
    "yearly.set_link": Access(OWN_TOWN, method="POST", params=TOWN,
                              data=lambda w: {"person_id": w.town_admin.id,
                                              "branch_id": w.branch.id, "linked": "1"}),
    "yearly.judgements": Access(OWN_TOWN, params=lambda w: {"branch_id": w.branch.id}),
    "yearly.reserves": Access(LEDGER, params=lambda w: {"branch_id": w.branch.id}),
    "yearly.decide": Access(OWN_TOWN, method="POST",
                            params=lambda w: {"reserve_id": w.extra["yearly_reserve"]},
                            data=lambda w: {"selected": "1"}),
}
