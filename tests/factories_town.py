"""Factories for the town dashboard: a town of branches with meetings, opinions and
commitments on known dates (the figures in tests/test_town.py are worked out from these)."""
from __future__ import annotations

from datetime import datetime, timedelta

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings.models import CheckIn
from partyapp.meetings.services import close_meeting, kind_by_code
from partyapp.models import Role
from partyapp.opinions.services import reply_to_opinion

from .factories import make_branch, make_group, make_person, make_town
from .factories_meetings import make_meeting
from .factories_opinions import make_opinion


def local(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=clock.CHINA).astimezone(clock.UTC)


def held(org, day: datetime, kinds, attendees, present):
    """A meeting with its expected list and the people who checked in, closed the way a
    recorder closes it (which freezes its counts)."""
    with clock.travel(day - timedelta(days=3)):    # filed ahead, as planned: not a 补记
        meeting = make_meeting(org, kinds=kinds, starts_at=day,
                               attendee_ids=[p.id for p in attendees], host=attendees[0],
                               recorder=attendees[0])
    db.session.add_all([CheckIn(meeting_id=meeting.id, person_id=p.id, at=day) for p in present])
    db.session.commit()
    with clock.travel(day + timedelta(hours=3)):
        assert close_meeting(attendees[0], meeting, "学习文件，讨论村务，布置下月工作。") == []
    return meeting


def opinion(branch, received: datetime, replied: datetime | None = None, by=None):
    made, _ = make_opinion(branch, at=received)
    if replied is not None:
        with clock.travel(replied):
            reply_to_opinion(by, made, "已安排处理，谢谢您的意见。")
    return made


def weekly_joint_off() -> None:
    """The town set 班子联席会议 aside (not required) so the figures stay small."""
    kind_by_code("joint_leadership").active = False
    db.session.commit()


def small_branch(town, slug, village, *, groups=1):
    """A branch with a secretary and two members (in its first group when it has one)."""
    branch = make_branch(town, slug, village)
    group_list = [make_group(branch, f"第{n + 1}党小组") for n in range(groups)]
    home = group_list[0] if group_list else branch
    secretary = make_person(f"{village}书记", org=branch, roles=(Role.MEMBER, Role.SECRETARY))
    members = [make_person(f"{village}党员{n}", org=home) for n in (1, 2)]
    db.session.commit()
    return branch, group_list, secretary, members


__all__ = ["local", "held", "opinion", "weekly_joint_off", "small_branch", "make_town",
           "make_person"]
