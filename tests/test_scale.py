"""`flask seed-scale` on a small scale (the constants shrunk): it fills every branch, the demo
ones included, and refuses a non-empty database. The full size is timed in the README."""
from sqlalchemy import func, select

from partyapp.cli import scale_seeding
from partyapp.extensions import db
from partyapp.models import Membership, Organization, OrgKind, Role

scale = scale_seeding()   # bench/scale_seed.py, as `flask seed-scale` loads it


def test_seed_scale_fills_the_county(app, app_ctx, monkeypatch):
    for name, value in {"BRANCHES": 4, "MEMBERS": 80, "YEARS": 1, "OPINIONS": 200,
                        "COMMITMENTS": 40}.items():
        monkeypatch.setattr(scale, name, value)
    from partyapp.disclosures.models import Commitment, CommitmentUpdate
    from partyapp.meetings.models import Meeting, MeetingAttendee
    from partyapp.opinions.models import Opinion

    result = app.test_cli_runner().invoke(args=["seed-scale"])
    assert result.exit_code == 0, result.output
    count = lambda q: db.session.scalar(select(func.count()).select_from(q.subquery()))  # noqa
    assert count(select(Organization.id).where(Organization.kind == OrgKind.BRANCH)) == 4
    # 80 party members in groups: the two demo villages (19 each) topped up to 20, two new 20s.
    members = select(Membership.person_id).join(Organization, Organization.id == Membership.org_id) \
        .where(Organization.kind == OrgKind.GROUP, Membership.role == Role.MEMBER).distinct()
    assert count(members) == 80
    theme_days = select(Meeting.id).where(Meeting.topic.like("____年%月主题党日"))
    assert count(theme_days) == 4 * 12
    # Each branch and month: 主题党日, 支部委员会 and a 党小组会 in each of its two groups.
    scaled = select(Meeting.id).where(Meeting.topic.like("____年%月%"))
    assert count(scaled) == 4 * 12 * 4
    # Attendees: 20 members, 5 on the committee, 20 across the two groups.
    assert count(select(MeetingAttendee.person_id).where(
        MeetingAttendee.meeting_id.in_(scaled))) == 4 * 12 * (20 + 5 + 20)
    assert count(select(Opinion.id).where(Opinion.content.like("第%号意见：%"))) == 200
    ours = select(Commitment.id).where(Commitment.title.like("承诺事项%号：为群众办实事"))
    assert count(ours) == 40
    assert count(select(CommitmentUpdate.id).where(CommitmentUpdate.commitment_id.in_(ours))) \
        == 120
    again = app.test_cli_runner().invoke(args=["seed-scale"])
    assert again.exit_code != 0 and "not empty" in again.output
