"""Demo meetings: a few past, closed meetings with check-ins for both villages, and one
meeting starting shortly so the check-in screen can be tried at once."""
from datetime import timedelta

from sqlalchemy import insert

from .. import clock
from ..extensions import db
from .models import CheckIn, LeaveRequest, MeetingStatus
from .services import MeetingPlan, close_meeting, kind_by_code, plan_meeting

PAST = [  # (days ago, kinds, topic)
    (40, ("theme_day", "party_lecture"), "主题党日：学习党的二十届四中全会精神（书记讲党课）"),
    (33, ("branch_committee",), "支委会：研究冬季防火和困难群众走访"),
    (26, ("group_meeting",), "党小组会：交流“党员联系户”情况"),
    (12, ("theme_day",), "主题党日：清理河道志愿服务"),
]


def seed(ctx) -> None:
    for slug, branch in ctx.villages.items():
        members = ctx.members[slug]
        secretary, recorder = members[0], members[2]
        for index, (days, codes, topic) in enumerate(PAST):
            org = ctx.groups[slug][0] if "group_meeting" in codes else branch
            start = clock.local_datetime(clock.today() - timedelta(days=days)).replace(hour=11)
            meeting = _plan(secretary, recorder, org, codes, topic, start)
            present = [p for i, p in enumerate(_expected(meeting, members)) if (i + index) % 6]
            _check_in(meeting, present, start)
            if index == 0:
                db.session.add(LeaveRequest(meeting_id=meeting.id, person_id=members[6].id,
                                            leave_type="sick", reason="住院", status="approved"))
            db.session.flush()
            with clock.travel(start + timedelta(hours=2)):
                close_meeting(recorder, meeting, f"{topic}。书记主持，与会党员逐一发言，形成三项工作安排。")
        soon = clock.now() + timedelta(minutes=10)
        upcoming = _plan(secretary, recorder, branch, ("theme_day",), "本月主题党日：学习新修订的村规民约", soon)
        upcoming.status, upcoming.published_at = MeetingStatus.PUBLISHED, clock.now()
    db.session.commit()


def _plan(secretary, recorder, org, codes, topic, start):
    meeting = plan_meeting(secretary, MeetingPlan(
        org=org, kinds=[kind_by_code(code) for code in codes], topic=topic, starts_at=start,
        ends_at=start + timedelta(hours=2), place="村党群服务中心", host_id=secretary.id,
        recorder_id=recorder.id))
    meeting.status = MeetingStatus.PUBLISHED
    return meeting


def _expected(meeting, members):
    from .services import attendee_ids

    ids = set(attendee_ids(meeting.id))
    return [p for p in members if p.id in ids]


def _check_in(meeting, people, start):
    rows = [{"meeting_id": meeting.id, "person_id": p.id, "method": "qr",
             "at": start + timedelta(minutes=(i * 7) % 25 - 10), "late": (i * 7) % 25 - 10 > 10,
             "flag_far": False, "flag_shared_device": False} for i, p in enumerate(people)]
    if rows:
        db.session.execute(insert(CheckIn), rows)
