"""Nobody judges their own promise (一年一考核、三年一评定): the owner reports progress;
已兑现 and the annual and term verdicts are recorded by someone else with the right — the
secretary, or the town for the secretary's own commitments. Status and percentage agree."""
from sqlalchemy import func, select

from partyapp.disclosures.models import Assessment, Commitment, CommitmentUpdate
from partyapp.extensions import db

from .factories_disclosures import make_commitment


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _state(commitment):
    db.session.expire_all()
    c = db.session.get(Commitment, commitment.id)
    return c.status, c.percent


def progress(client, commitment, status, percent, text="本月进展"):
    return client.post(f"/disclosures/c/{commitment.id}/progress",
                       data={"text": text, "percent": str(percent), "status": status})


def assess(client, commitment, kind="annual", verdict="kept"):
    return client.post(f"/disclosures/c/{commitment.id}/assessment", data={
        "kind": kind, "period": "2026", "verdict": verdict, "reasons": "按期完成"})


def test_the_secretary_cannot_judge_his_own_commitment_the_town_does(world, client, login):
    commitment = make_commitment(world.branch, world.secretary, status="in_progress", percent=35)
    db.session.commit()
    login(world.secretary)
    page = client.get(f"/disclosures/c/{commitment.id}").get_data(as_text=True)
    assert "记录考核结论" not in page and "不能给自己的承诺下结论" in page
    refused = progress(client, commitment, "kept", 100)
    assert refused.status_code == 200
    assert "不能给自己的承诺下结论" in refused.get_data(as_text=True)
    for kind in ("annual", "term"):
        refused = assess(client, commitment, kind)
        assert refused.status_code == 200
        assert "不能给自己的承诺下结论" in refused.get_data(as_text=True)
    assert _state(commitment) == ("in_progress", 35)
    assert count(Assessment) == 0 and count(CommitmentUpdate) == 0
    # He reports progress as any owner does.
    assert progress(client, commitment, "in_progress", 100, "全部完工，等待验收").status_code == 303

    # The town records the verdicts on the secretary's commitment.
    login(world.town_admin)
    assert "记录考核结论" in client.get(f"/disclosures/c/{commitment.id}").get_data(as_text=True)
    assert progress(client, commitment, "kept", 100, "镇党委验收：已兑现").status_code == 303
    assert assess(client, commitment).status_code == 303
    assert _state(commitment) == ("kept", 100)
    assert count(Assessment) == 1


def test_a_members_commitment_is_judged_by_the_secretary_not_by_its_owner(world, client, login):
    commitment = make_commitment(world.branch, world.member, status="in_progress", percent=90)
    db.session.commit()
    login(world.member)
    refused = progress(client, commitment, "kept", 100)
    assert "不能给自己的承诺下结论" in refused.get_data(as_text=True)
    assert _state(commitment) == ("in_progress", 90)
    login(world.secretary)
    assert progress(client, commitment, "kept", 100, "支部验收").status_code == 303
    assert assess(client, commitment).status_code == 303
    # Nor may the owner undo the verdict by reporting "in progress" again.
    login(world.member)
    refused = progress(client, commitment, "in_progress", 80)
    assert "不能给自己的承诺下结论" in refused.get_data(as_text=True)
    assert _state(commitment) == ("kept", 100)


def test_status_and_percentage_agree(world, client, login):
    commitment = make_commitment(world.branch, world.member)
    db.session.commit()
    login(world.member)
    cases = [("not_started", 35, "状态是“未开始”，完成百分比应为 0"),
             ("kept", 90, "“已兑现”要完成 100%")]
    for status, percent, message in cases:
        response = progress(client, commitment, status, percent)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    login(world.secretary)
    response = progress(client, commitment, "partly_kept", 100)
    assert "应为“已兑现”" in response.get_data(as_text=True)
    response = progress(client, commitment, "kept", 90)
    assert "“已兑现”要完成 100%" in response.get_data(as_text=True)
    assert count(CommitmentUpdate) == 0 and _state(commitment) == ("not_started", 0)
    login(world.member)
    assert progress(client, commitment, "in_progress", 35).status_code == 303
