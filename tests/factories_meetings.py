"""Factories for meetings: a meeting of a branch with its default expected list."""
from __future__ import annotations

from datetime import datetime, timedelta

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import services
from partyapp.meetings.models import Meeting, MeetingStatus


def make_meeting(org, *, kinds=("theme_day",), starts_at: datetime | None = None,
                 minutes=90, topic="学习党的二十届四中全会精神", host=None, recorder=None,
                 attendee_ids=None, status=MeetingStatus.PUBLISHED, place="村党群服务中心",
                 lat=None, lng=None, **settings) -> Meeting:
    starts_at = starts_at or clock.now() + timedelta(minutes=5)
    meeting = services.plan_meeting(host, services.MeetingPlan(
        org=org, kinds=[services.kind_by_code(code) for code in kinds], topic=topic,
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), place=place,
        host_id=host.id if host else None, recorder_id=recorder.id if recorder else None,
        attendee_ids=attendee_ids, lat=lat, lng=lng, **settings))
    meeting.status = status
    db.session.commit()
    return meeting
