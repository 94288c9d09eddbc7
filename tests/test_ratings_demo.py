"""The demo: both villages have this year's rubric, committee scores with reasons, a closed
evaluation round, and 东湖村's results in their notice period."""
from datetime import datetime

from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import Organization, Person
from partyapp.ratings import scoring
from partyapp.ballots.models import BallotResult, BallotVoter, SealedBallot
from partyapp.ratings.models import EvaluationRound, Publication, Rubric, ScoreEntry


def test_demo_seeds_rubrics_entries_a_closed_round_and_a_publication(app, app_ctx, frozen, client,
                                                                     login):
    frozen(datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    branches = db.session.scalars(select(Organization).where(Organization.kind == "branch")).all()
    assert {r.org_id for r in db.session.scalars(select(Rubric).where(Rubric.year == 2026))} == \
        {b.id for b in branches} | {branches[0].town_id}
    assert db.session.scalar(select(func.count(ScoreEntry.id))) == 8      # 4 per village
    rounds = db.session.scalars(select(EvaluationRound)).all()
    assert len(rounds) == 2 and all(r.closed_at is not None for r in rounds)
    # 8 members + 3 representatives vote in each village; each grades the 18 or 19 others.
    assert db.session.scalar(select(func.count()).select_from(BallotVoter)) == 22
    # Counted and destroyed: only the counts per member and grade are left.
    assert db.session.scalar(select(func.count()).select_from(SealedBallot)) == 0
    grades_given = db.session.scalar(select(func.sum(BallotResult.count)))
    assert grades_given == 2 * (8 * 18 + 3 * 19)
    publication = db.session.scalar(select(Publication))
    assert publication.ends_on.isoformat() == "2026-11-30"   # 5 working days after Mon 11-23
    rubric, scores = scoring.branch_scores(publication.branch, 2026)
    assert len(scores) == 19 and all(0 <= s.stars <= 5 for s in scores)
    secretary = db.session.scalar(select(Person).where(Person.phone == "13800000001"))
    login(secretary)
    assert client.get(f"/ratings/p/{publication.id}").status_code == 200
    assert client.get(f"/ratings/b/{publication.branch_id}").status_code == 200
    assert "党员电子名片" in client.get("/me").get_data(as_text=True)
