"""Factories for the opinion box."""
from __future__ import annotations

from datetime import datetime

from partyapp import clock
from partyapp.opinions.models import Channel
from partyapp.opinions.services import Submission, submit_opinion


def make_opinion(branch, *, at: datetime | None = None,
                 content="村口路灯坏了很久，晚上走路不安全。", category="村务", name="",
                 phone="", public=True, channel=Channel.WEB, entered_by=None):
    """An opinion received at `at` (aware), submitted with the clock at that moment."""
    at = at or clock.now()
    with clock.travel(at):
        opinion, secret = submit_opinion(branch, Submission(
            category=category, content=content, name=name, phone=phone, public_allowed=public,
            channel=channel, received_at=at), entered_by=entered_by,
            check_duplicates=False)
    return opinion, secret
