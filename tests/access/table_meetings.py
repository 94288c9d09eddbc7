"""Meetings routes: who may use them. The meeting is branch A1's 主题党日, open for check-in
now; its expected list is A1's party members (member, group leader, recorder, secretary)."""
from datetime import timedelta

from .rules import BRANCH_INSIDERS, EVERYONE, LOGGED_IN, Access

MEMBERS = frozenset({"member", "group_leader", "recorder", "secretary"})
RUNNERS = frozenset({"recorder", "secretary"})
LEDGER = frozenset({"recorder", "secretary", "town_admin"})
ROSTER = frozenset({"secretary", "town_admin"})
PLANNERS = frozenset({"group_leader", "secretary", "other_branch_secretary"})
SECRETARY = frozenset({"secretary"})
TOWN_ADMINS = frozenset({"town_admin", "other_town_admin"})
SECRET_TOPIC = "甲一村内部会议主题"


def populate(world):
    from partyapp import clock
    from partyapp.extensions import db
    from partyapp.meetings.models import (AttendanceExemption, CheckIn, LeaveRequest, MakeUpStudy,
                                          MeetingPhoto)

    from ..factories_meetings import make_meeting

    now = clock.now()
    meeting = make_meeting(world.branch, starts_at=now - timedelta(minutes=5), topic=SECRET_TOPIC,
                           host=world.secretary, recorder=world.recorder)
    spare = make_meeting(world.branch, starts_at=now + timedelta(days=2), topic=SECRET_TOPIC)
    check_in = CheckIn(meeting_id=meeting.id, person_id=world.member.id, at=now)
    leave = LeaveRequest(meeting_id=spare.id, person_id=world.group_leader.id,
                         leave_type="sick", reason="住院")
    study = MakeUpStudy(meeting_id=spare.id, person_id=world.member.id, due_on=clock.today())
    exemption = AttendanceExemption(branch_id=world.branch.id, person_id=world.member.id,
                                    starts_on=clock.today(), ends_on=clock.today(),
                                    reason="长期卧床", approved_by_id=world.secretary.id)
    photo = MeetingPhoto(meeting_id=meeting.id, name="ab" * 16 + ".jpg",
                         uploaded_by_id=world.secretary.id)
    db.session.add_all([check_in, leave, study, exemption, photo])
    db.session.commit()
    from partyapp.meetings.photos import photo_folder

    (photo_folder() / photo.name).write_bytes(b"\xff\xd8\xff\xd9")
    from partyapp.meetings.services import kind_by_code

    world.extra.update(kind=kind_by_code("party_lecture").id, meeting=meeting.id, spare=spare.id, check_in=check_in.id, leave=leave.id,
                       study=study.id, exemption=exemption.id,
                       photo=photo.name)


def _token(world):
    from partyapp.meetings.checkin import make_token

    return make_token(world.extra["meeting"])


M = lambda w: {"meeting_id": w.extra["meeting"]}          # noqa: E731
SPARE = lambda w: {"meeting_id": w.extra["spare"]}        # noqa: E731
BRANCH = lambda w: {"branch_id": w.branch.id}             # noqa: E731
TOPIC = lambda w: SECRET_TOPIC                            # noqa: E731

ROUTES = {
    "meetings.index": Access(LOGGED_IN),
    "meetings.kinds": Access(TOWN_ADMINS),
    "meetings.update_kind": Access(TOWN_ADMINS, method="POST",
                                   params=lambda w: {"kind_id": w.extra["kind"]},
                                   data=lambda w: {f"k{w.extra['kind']}-period": "quarter",
                                                   f"k{w.extra['kind']}-min_per_period": "1",
                                                   f"k{w.extra['kind']}-active": "1"}),
    "meetings.detail": Access(BRANCH_INSIDERS, params=M, secret=TOPIC),
    "meetings.plan": Access(PLANNERS),
    "meetings.publish": Access(SECRETARY, params=SPARE, method="POST"),
    "meetings.cancel": Access(SECRETARY, params=SPARE, method="POST"),
    "meetings.edit": Access(SECRETARY, params=SPARE, secret=TOPIC),
    "meetings.notice": Access(SECRETARY, params=M, secret=TOPIC),
    "meetings.request_leave": Access(MEMBERS, params=SPARE, secret=TOPIC),
    "meetings.decide_leave": Access(SECRETARY, params=lambda w: {"leave_id": w.extra["leave"]},
                                    method="POST", data=lambda w: {"decision": "approve"}),
    "meetings.screen": Access(RUNNERS, params=M, secret=TOPIC),
    "meetings.screen_live": Access(RUNNERS, params=M),
    "meetings.qr_png": Access(RUNNERS, params=M),
    "meetings.scan": Access(MEMBERS, params=lambda w: {"meeting_id": w.extra["meeting"],
                                                       "token": _token(w)}, secret=TOPIC),
    "meetings.scan_complete": Access(MEMBERS, params=M, secret=TOPIC),
    "meetings.report_position": Access(frozenset({"member"}), method="POST",
                                       params=lambda w: {"check_in_id": w.extra["check_in"]},
                                       data=lambda w: {"lat": "30.1", "lng": "120.1"}),
    "meetings.door": Access(RUNNERS, params=M, secret=TOPIC),
    "meetings.door_manual": Access(RUNNERS, params=M, method="POST",
                                   data=lambda w: {"person_id": w.secretary.id}),
    "meetings.door_code": Access(RUNNERS, params=M, method="POST", data=lambda w: {"code": "X"}),
    "meetings.door_sync": Access(RUNNERS, params=M, method="POST"),
    "meetings.door_worker": Access(EVERYONE),
    "meetings.my_code": Access(LOGGED_IN),
    "meetings.door_undo": Access(RUNNERS, params=M, method="POST",
                                 data=lambda w: {"person_id": w.secretary.id}),
    "meetings.close": Access(RUNNERS, params=M, secret=TOPIC),
    "meetings.makeup_done": Access(frozenset({"member"}), method="POST",
                                   params=lambda w: {"study_id": w.extra["study"]}),
    "meetings.ledger_page": Access(LEDGER, params=BRANCH),
    "meetings.ledger_print": Access(LEDGER, params=BRANCH),
    "meetings.ledger_export": Access(LEDGER, params=BRANCH),
    "meetings.compliance": Access(LEDGER, params=BRANCH),
    "meetings.exemptions": Access(SECRETARY, params=BRANCH, secret=lambda w: "长期卧床"),
    "meetings.approve_exemption": Access(
        SECRETARY, params=BRANCH, method="POST",
        data=lambda w: {"person_id": str(w.group_leader.id), "starts_on": "2026-01-01",
                        "ends_on": "2026-01-31", "reason": "在外地务工"}),
    "meetings.end_exemption": Access(SECRETARY, method="POST",
                                     params=lambda w: {"exemption_id": w.extra["exemption"]}),
    "meetings.upload_photo": Access(RUNNERS, params=M, method="POST"),
    "meetings.photo": Access(BRANCH_INSIDERS, params=lambda w: {"name": w.extra["photo"]}),
    "meetings.code_sheet": Access(ROSTER, params=BRANCH, secret=lambda w: w.member.name),
    "meetings.reissue_code": Access(ROSTER, method="POST",
                                    params=lambda w: {"person_id": w.member.id}),
}
