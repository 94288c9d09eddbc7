"""党员满意度测评: a secret ballot by construction — one ballot per rater, nobody grades
themselves, results only as aggregates after the round closes, and no table row links a grade
to its rater."""
from datetime import datetime

import pytest
from sqlalchemy import func, inspect, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.main.services import todo_items
from partyapp.models import AuditEntry
from partyapp.ratings import evaluation
from partyapp.ballots import sealing
from partyapp.ballots import services as ballots
from partyapp.ballots.models import BallotVoter, SealedBallot
from partyapp.ratings.models import EvaluationRound

from .factories_ratings import make_round

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC)


@pytest.fixture
def today(frozen):
    frozen(NOW)


def ballot_for(world, rater, grade="good"):
    members = [world.member, world.group_leader, world.recorder, world.secretary]
    return {p.id: grade for p in members if p.id != rater.id}


def ballot_round(round_):
    return evaluation.ballot_round_of(round_)


def test_no_table_row_links_a_grade_to_its_rater(app_ctx):
    sealed_columns = {c["name"] for c in inspect(db.engine).get_columns("ballot_sealed")}
    assert sealed_columns == {"id", "round_id", "sealed"}     # no voter, no time, no grade
    voter_columns = {c["name"] for c in inspect(db.engine).get_columns("ballot_voter")}
    assert voter_columns == {"round_id", "voter_id"}          # no grade, no time, no id sequence
    result_columns = {c["name"] for c in inspect(db.engine).get_columns("ballot_result")}
    assert result_columns == {"round_id", "item_id", "grade", "count"}


def test_a_ballot_is_sealed_apart_from_who_voted_and_leaves_no_audit_line(world, today):
    round_ = make_round(world.branch, quarter=4)
    assert evaluation.cast_ballot(world.villager_rep, round_,
                                  ballot_for(world, world.villager_rep, "excellent")) is None
    assert db.session.scalars(select(BallotVoter.voter_id)).all() == [world.villager_rep.id]
    sealed = db.session.scalars(select(SealedBallot)).all()
    assert len(sealed) == 1 and len(sealed[0].id) == 32
    assert b"excellent" not in sealed[0].sealed                  # sealed, not readable
    assert len(sealed[0].sealed) == 12 + sealing.PAD_TO + 16     # nonce + padded body + tag
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.actor_id == world.villager_rep.id)) == 0


def test_one_ballot_per_rater_per_round(world, today):
    round_ = make_round(world.branch, quarter=4)
    assert evaluation.cast_ballot(world.member, round_, ballot_for(world, world.member)) is None
    again = evaluation.cast_ballot(world.member, round_, ballot_for(world, world.member, "poor"))
    assert again == "你已经投过票了，每人每轮只能投一次"
    assert db.session.scalar(select(func.count()).select_from(BallotVoter)) == 1
    assert db.session.scalar(select(func.count()).select_from(SealedBallot)) == 1
    evaluation.close_round(world.secretary, round_)
    counts = ballots.results([ballot_round(round_).id])[ballot_round(round_).id]
    assert {grade for per in counts.values() for grade in per} == {"good"}


def test_closing_counts_the_ballots_then_destroys_them_and_the_key(world, today):
    round_ = make_round(world.branch, quarter=4)
    key_file = sealing.key_path(ballot_round(round_).id)
    assert key_file.exists()
    for rater in (world.member, world.recorder, world.villager_rep):
        assert evaluation.cast_ballot(rater, round_, ballot_for(world, rater, "fair")) is None
    assert evaluation.close_round(world.secretary, round_) is None
    assert not key_file.exists()
    assert db.session.scalar(select(func.count()).select_from(SealedBallot)) == 0
    assert ballot_round(round_).ballots == 3
    tallied = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ballot.round_tallied"))
    assert tallied.actor_id == world.secretary.id and '"ballots": 3' in tallied.detail
    # The secretary was graded by all three voters.
    assert ballots.results([ballot_round(round_).id])[ballot_round(round_).id][
        world.secretary.id] == {"fair": 3}


def test_a_round_whose_key_is_lost_is_not_closed_silently(world, today):
    round_ = make_round(world.branch, quarter=4)
    evaluation.cast_ballot(world.member, round_, ballot_for(world, world.member))
    sealing.key_path(ballot_round(round_).id).unlink()
    assert "钥匙" in evaluation.close_round(world.secretary, round_)
    assert db.session.get(EvaluationRound, round_.id).closed_at is None
    assert evaluation.cast_ballot(world.recorder, round_, ballot_for(world, world.recorder)) == \
        "本轮票箱出了问题，请联系支部书记"


def test_nobody_grades_themselves_and_every_member_must_be_graded(world, today):
    round_ = make_round(world.branch, quarter=4)
    with_self = ballot_for(world, world.member) | {world.member.id: "excellent"}
    assert evaluation.cast_ballot(world.member, round_, with_self) == "不能给自己打分"
    partial = dict(list(ballot_for(world, world.member).items())[:2])
    assert evaluation.cast_ballot(world.member, round_, partial) == "请为名单上的每一位党员选择一个等次"
    outsider = ballot_for(world, world.member) | {world.other_member.id: "good"}
    assert evaluation.cast_ballot(world.member, round_, outsider) == "请为名单上的每一位党员选择一个等次"
    bad = {pid: "super" for pid in ballot_for(world, world.member)}
    assert evaluation.cast_ballot(world.member, round_, bad) == "等次不正确"
    assert db.session.scalar(select(func.count()).select_from(SealedBallot)) == 0


def test_the_ballot_page_lists_everyone_but_the_rater(world, today, client, login):
    round_ = make_round(world.branch, quarter=4)
    login(world.member)
    page = client.get(f"/ratings/rounds/{round_.id}").get_data(as_text=True)
    assert f'name="grade-{world.secretary.id}"' in page
    assert f'name="grade-{world.member.id}"' not in page
    response = client.post(f"/ratings/rounds/{round_.id}/ballot",
                           data={f"grade-{pid}": g for pid, g in ballot_for(world, world.member).items()})
    assert response.status_code == 303
    assert "你已投票" in client.get(f"/ratings/rounds/{round_.id}").get_data(as_text=True)
    response = client.post(f"/ratings/rounds/{round_.id}/ballot", data={"grade-x": "good"})
    assert response.status_code == 400
    # Someone of another branch may not vote here.
    login(world.other_member)
    assert client.get(f"/ratings/rounds/{round_.id}").status_code == 403


def test_results_are_aggregates_shown_only_after_the_round_closes(world, today, client, login):
    round_ = make_round(world.branch, quarter=4)
    evaluation.cast_ballot(world.group_leader, round_, ballot_for(world, world.group_leader, "excellent"))
    evaluation.cast_ballot(world.recorder, round_, ballot_for(world, world.recorder, "fair"))
    evaluation.cast_ballot(world.villager_rep, round_, ballot_for(world, world.villager_rep, "good"))
    login(world.secretary)
    page = client.get(f"/ratings/rounds/{round_.id}").get_data(as_text=True)
    assert "汇总结果" not in page            # live counts would reveal each new ballot
    assert client.post(f"/ratings/rounds/{round_.id}/close").status_code == 303
    page = client.get(f"/ratings/rounds/{round_.id}").get_data(as_text=True)
    assert "共 3 张票" in page
    results = evaluation.round_results(db.session.get(EvaluationRound, round_.id))
    assert results["ballots"] == 3
    # The member got 优秀, 基本合格, 合格: (1 + 0.5 + 0.8) / 3 = 0.77 → 合格.
    assert results["per_member"][world.member.id] == {"excellent": 1, "fair": 1, "good": 1}
    row = page[page.index("<td>普通党员</td>"):]
    assert row.startswith("<td>普通党员</td><td>1</td><td>1</td><td>1</td><td>0</td><td>合格</td>")
    # A closed round takes no more ballots.
    assert evaluation.cast_ballot(world.member, db.session.get(EvaluationRound, round_.id),
                                  ballot_for(world, world.member)) == "本轮测评已经结束"


def test_the_secretary_opens_a_round_once_per_quarter_and_members_see_it_on_home(
        world, today, client, login):
    login(world.secretary)
    url = f"/ratings/b/{world.branch.id}/rounds"
    assert client.post(url, data={"year": "2026", "quarter": "4"}).status_code == 303
    assert client.post(url, data={"year": "2026", "quarter": "4"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(EvaluationRound)) == 1
    round_ = db.session.scalar(select(EvaluationRound))
    titles = [item.title for item in todo_items(world.villager_rep)]
    assert "请参加2026年第4季度党员满意度测评" in titles
    evaluation.cast_ballot(world.villager_rep, round_, ballot_for(world, world.villager_rep))
    assert "请参加2026年第4季度党员满意度测评" not in [i.title for i in todo_items(world.villager_rep)]
    assert not [i for i in todo_items(world.other_member) if "测评" in i.title]


def test_with_fewer_than_three_ballots_no_per_member_counts_are_shown(world, today, client, login):
    round_ = make_round(world.branch, quarter=4)
    evaluation.cast_ballot(world.group_leader, round_, ballot_for(world, world.group_leader, "poor"))
    evaluation.cast_ballot(world.recorder, round_, ballot_for(world, world.recorder, "fair"))
    evaluation.close_round(world.secretary, round_)
    login(world.town_admin)
    page = client.get(f"/ratings/rounds/{round_.id}").get_data(as_text=True)
    assert "共 2 张票" in page and "不显示每人的汇总" in page
    assert "<td>普通党员</td>" not in page


def test_a_ballot_without_the_csrf_token_is_refused(world, today, client, login, csrf_enabled):
    round_ = make_round(world.branch, quarter=4)
    login(world.member)
    response = client.post(f"/ratings/rounds/{round_.id}/ballot",
                           data={f"grade-{pid}": g for pid, g in ballot_for(world, world.member).items()})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(BallotVoter)) == 0
