"""Disclosures routes: who may use them. Objects live in branch A1 (the personas' branch)."""
from .rules import BRANCH_INSIDERS, BRANCH_MEMBERS, EVERYONE, LOGGED_IN, Access

SECRETARY = frozenset({"secretary"})
VOTERS = frozenset({"member", "group_leader", "recorder", "secretary", "villager_rep"})


def populate(world):
    from io import BytesIO

    from partyapp.disclosures.photos import save_photo
    from partyapp.extensions import db

    from ..factories_disclosures import jpeg_bytes, make_commitment, make_decision, make_round

    commitment = make_commitment(world.branch, world.member, title="甲一村内部承诺")
    decision = make_decision(world.branch, world.secretary, title="甲一村决策事项")
    review = make_round(world.branch)
    world.extra.update(commitment=commitment.id, decision=decision.id, round=review.id,
                       commitment_photo=save_photo(BytesIO(jpeg_bytes())))
    db.session.commit()


def _branch(w):
    return {"branch_id": w.branch.id}


ROUTES = {
    "disclosures.index": Access(LOGGED_IN),
    # Officers register anyone's commitment; members their own 党员承诺.
    "disclosures.new_commitment": Access(BRANCH_MEMBERS, params=_branch),
    "disclosures.commitment": Access(
        BRANCH_INSIDERS, params=lambda w: {"commitment_id": w.extra["commitment"]},
        secret=lambda w: "甲一村内部承诺"),
    # The owner (member), the branch officers and the town (who judge) update progress.
    "disclosures.add_progress": Access(
        frozenset({"member", "secretary", "town_admin"}), method="POST",
        params=lambda w: {"commitment_id": w.extra["commitment"]},
        data=lambda w: {"text": "本月完成路基", "percent": "30", "status": "in_progress"}),
    "disclosures.assess": Access(
        frozenset({"secretary", "town_admin"}), method="POST", params=lambda w: {"commitment_id": w.extra["commitment"]},
        data=lambda w: {"kind": "annual", "period": "2026", "verdict": "kept", "reasons": "按期完成"}),
    "disclosures.photo": Access(EVERYONE, params=lambda w: {"name": w.extra["commitment_photo"]}),
    "disclosures.new_decision": Access(SECRETARY, params=_branch),
    "disclosures.decision": Access(
        BRANCH_INSIDERS, params=lambda w: {"decision_id": w.extra["decision"]},
        secret=lambda w: "甲一村决策事项"),
    "disclosures.record_step": Access(
        SECRETARY, method="POST", params=lambda w: {"decision_id": w.extra["decision"]},
        data=lambda w: {"position": "1", "held_on": "2026-11-02", "public_text": "支部提议"}),
    "disclosures.open_review": Access(SECRETARY, method="POST", params=_branch),
    "disclosures.review": Access(VOTERS, params=lambda w: {"round_id": w.extra["round"]}),
    "disclosures.vote": Access(
        VOTERS, method="POST", params=lambda w: {"round_id": w.extra["round"]},
        data=lambda w: {f"rating-{w.extra['commitment']}": "good"}),
    "disclosures.close_review": Access(SECRETARY, method="POST",
                                       params=lambda w: {"round_id": w.extra["round"]}),
}
