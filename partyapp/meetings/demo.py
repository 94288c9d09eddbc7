"""Demo meetings, one of every kind, each expecting its own circle (circles.py): past meetings
filed ahead and closed with check-ins, a 支部党员大会 entered afterwards (补记), a filed plan
not yet held (计划报备), a standing exemption, and one meeting starting shortly so the check-in
screen can be tried at once."""
from datetime import date, timedelta

from sqlalchemy import insert

from .. import clock
from ..extensions import db
from .models import CheckIn, LeaveRequest, MeetingStatus
from .services import (MeetingPlan, approve_exemption, attendee_ids, close_meeting, kind_by_code,
                       plan_meeting)

PAST = [  # (days ago, kinds, topic)
    (40, ("theme_day", "party_lecture"), "主题党日：学习党的二十届四中全会精神（书记讲党课）"),
    (33, ("branch_committee",), "支委会：研究冬季防火和困难群众走访"),
    (26, ("group_meeting",), "党小组会：交流“党员联系户”情况"),
    (20, ("party_mass_joint",), "党群联席会议：通报三季度村务，听取代表意见"),
    (12, ("theme_day",), "主题党日：清理河道志愿服务"),
    (8, ("villager_reps",), "村民代表会议：表决村道硬化方案"),
    (5, ("joint_leadership",), "班子联席会议：研究集体经济合作社年终分配"),
    (15, ("org_life",), "年度专题组织生活会：对照检查，查摆问题，开展批评和自我批评"),
]
BACKFILLED = (45, ("branch_assembly",), "支部党员大会：讨论发展对象（会后补记）")
FILED_PLAN = (7, ("branch_committee",), "支委会：研究年终党员评星")


def seed(ctx) -> None:
    for slug, branch in ctx.villages.items():
        members = ctx.members[slug]
        secretary, recorder = members[0], members[2]
        people = list({p.id: p for p in members + ctx.reps[slug] + ctx.others.get(slug, [])}
                      .values())
        for index, (days, codes, topic) in enumerate(PAST):
            org = ctx.groups[slug][0] if "group_meeting" in codes else branch
            start = clock.local_datetime(clock.today() - timedelta(days=days)).replace(hour=11)
            with clock.travel(start - timedelta(days=5)):     # filed ahead (计划报备)
                meeting = _plan(secretary, recorder, org, codes, topic, start)
            if index == 0:     # asked for leave beforehand, approved: not absent
                db.session.add(LeaveRequest(meeting_id=meeting.id, person_id=members[6].id,
                                            leave_type="sick", reason="住院", status="approved"))
            _hold(meeting, people, start, recorder, topic, index,
                  away={members[6].id} if index == 0 else set())
        _backfilled(branch, secretary, recorder, people)
        days, codes, topic = FILED_PLAN
        _plan(secretary, recorder, branch, codes, topic,
              clock.local_datetime(clock.today() + timedelta(days=days)).replace(hour=19),
              status=MeetingStatus.PLANNED)
        soon = clock.now() + timedelta(minutes=10)
        _plan(secretary, recorder, branch, ("theme_day",), "本月主题党日：学习新修订的村规民约", soon)
        db.session.commit()
        # A bedridden elderly member, exempted from today to the end of next year.
        today = clock.today()
        approve_exemption(secretary, branch, members[16], today, date(today.year + 1, 12, 31),
                          "年老卧床，行动不便，经支委会研究、书记批准免于参加组织生活")
    db.session.commit()


def _backfilled(branch, secretary, recorder, people) -> None:
    """补记: a members' meeting held 45 days ago, entered three days later."""
    days, codes, topic = BACKFILLED
    start = clock.local_datetime(clock.today() - timedelta(days=days)).replace(hour=19)
    with clock.travel(start + timedelta(days=3)):
        meeting = _plan(secretary, recorder, branch, codes, topic, start)
    _hold(meeting, people, start, recorder, topic, 3)


def _hold(meeting, people, start, recorder, topic, index, away=frozenset()) -> None:
    on_list = set(attendee_ids(meeting.id))
    present = [p for i, p in enumerate(p for p in people if p.id in on_list)
               if (i + index) % 6 and p.id not in away]
    _check_in(meeting, present, start)
    db.session.flush()
    # a 补记 is closed when it is entered; the others two hours after they began
    when = start + timedelta(days=3, hours=1) if meeting.backfilled else start + timedelta(hours=2)
    with clock.travel(when):
        close_meeting(recorder, meeting, f"{topic}。书记主持，与会人员逐一发言，形成三项工作安排。")


def _plan(secretary, recorder, org, codes, topic, start, status=MeetingStatus.PUBLISHED):
    meeting = plan_meeting(secretary, MeetingPlan(
        org=org, kinds=[kind_by_code(code) for code in codes], topic=topic, starts_at=start,
        ends_at=start + timedelta(hours=2), place="村党群服务中心", host_id=secretary.id,
        recorder_id=recorder.id))
    meeting.status = status
    if status == MeetingStatus.PUBLISHED:
        meeting.published_at = meeting.created_at
    return meeting


def _check_in(meeting, people, start):
    rows = [{"meeting_id": meeting.id, "person_id": p.id, "method": "qr",
             "at": start + timedelta(minutes=(i * 7) % 25 - 10), "late": (i * 7) % 25 - 10 > 10,
             "flag_far": False, "flag_shared_device": False} for i, p in enumerate(people)]
    if rows:
        db.session.execute(insert(CheckIn), rows)
