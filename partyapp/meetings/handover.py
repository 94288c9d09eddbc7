"""Hand-over of meetings (called by org.handover.roles_ended): someone who left a branch leaves
the expected list (应到) of its meetings still to come, and is no longer their host or
recorder; someone who joined a branch is expected at its meetings still to come whose circle
includes them. Meetings already started or held keep their record as it was."""
from __future__ import annotations

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..extensions import db
from ..notify.services import notify
from . import circles
from .models import AttendeePart, Meeting, MeetingAttendee, MeetingStatus

OPEN = (MeetingStatus.PLANNED, MeetingStatus.PUBLISHED)


def expected_roles(meeting: Meeting) -> set[str]:
    """The roles a meeting of these kinds expects (its 应到 circle, circles.py)."""
    return {role for part in circles.parts_of(meeting.kinds) for role in part.roles}


def _in_circle(meeting: Meeting, memberships) -> bool:
    """The one point where the hand-over meets the circle rules (circles.in_circle)."""
    return circles.in_circle(meeting.kinds, meeting.org, memberships)


def hand_over(change) -> None:
    leaving = [(pid, bid) for (pid, bid) in change.ended_in() if change.left(pid, bid)]
    joining = change.joined()
    if not leaving and not joining:
        return
    now = clock.now()
    branch_ids = {bid for _, bid in leaving} | {b.id for _, b in joining}
    meetings = list(db.session.scalars(
        select(Meeting).where(Meeting.branch_id.in_(branch_ids), Meeting.status.in_(OPEN),
                              Meeting.starts_at > now)
        .options(selectinload(Meeting.kinds), selectinload(Meeting.org))))
    _leave(change, leaving, meetings)
    _join(change, joining, meetings)


def _leave(change, leaving, meetings) -> None:
    """One statement for every (meeting, leaver) pair; host and recorder cleared on the rows."""
    pairs = []
    for person_id, branch_id in leaving:
        mine = [m for m in meetings if m.branch_id == branch_id]
        pairs += [(m.id, person_id) for m in mine]
        for meeting in mine:
            if meeting.host_id == person_id:
                meeting.host_id = None
            if meeting.recorder_id == person_id:
                meeting.recorder_id = None
        if mine:
            audit.record(change.actor, "meeting.handover", "person", person_id, org_id=branch_id,
                         left_meetings=[m.id for m in mine], reason=change.reason)
    if pairs:
        db.session.execute(delete(MeetingAttendee).where(or_(*[
            and_(MeetingAttendee.meeting_id == mid, MeetingAttendee.person_id == pid)
            for mid, pid in pairs])))


def _join(change, joining, meetings) -> None:
    if not joining:
        return
    present = set(db.session.execute(select(MeetingAttendee.meeting_id, MeetingAttendee.person_id)
                                      .where(MeetingAttendee.meeting_id.in_(
                                          [m.id for m in meetings]))).all())
    rows = []
    for person_id, branch in joining:
        roles_now = change.current.get(person_id, [])
        added = [m for m in meetings if m.branch_id == branch.id
                 and (m.id, person_id) not in present and _in_circle(m, roles_now)]
        rows += [{"meeting_id": m.id, "person_id": person_id, "part": AttendeePart.EXPECTED}
                 for m in added]
        if added:
            audit.record(change.actor, "meeting.handover", "person", person_id,
                         org_id=branch.id, joined_meetings=[m.id for m in added],
                         reason=change.reason)
            notify([person_id], f"已加入{branch.name}，有{len(added)}场会议请参加",
                   "请在“会议”里查看时间地点；不能参加的请提前请假。", link="/meetings/",
                   kind="meeting")
    if rows:
        db.session.execute(MeetingAttendee.__table__.insert(), rows)
