"""Demo rows of the 整改清单: 东湖村's 组织生活会 查摆问题 — one item 销号 (evidence given by the
one responsible, confirmed by the secretary), one awaiting confirmation, one overdue — and one
of 西岭村's still open."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..meetings.services import ORG_LIFE, Meeting, MeetingKind, meeting_kind_link
from .models import RectificationEvidence, RectificationItem, Source, Status

ITEMS = [
    # (village, owner index, problem, measures, days from today, evidence, closed)
    ("donghu", 1, "党员学习教育不经常，部分党员学习笔记空白", "每月主题党日安排集中学习，组织委员每季度检查学习笔记",
     -20, "10月、11月主题党日已集中学习，检查笔记19本", True),
    ("donghu", 2, "“三会一课”记录不全，会议记录缺少讨论情况", "记录人会后两天内归档，书记逐次审阅",
     10, "已补全本季度会议记录，逐次写明讨论情况", False),
    ("donghu", 3, "联系服务群众不够，走访困难党员少", "每名支委联系5户，每月走访一次并记录",
     -5, None, False),
    ("xiling", 1, "村务公开栏更新不及时", "每月5日前更新公开栏，拍照留档", 25, None, False),
]


def seed(ctx) -> None:
    today = clock.today()
    for slug, owner_index, problem, measures, days, evidence, closed in ITEMS:
        branch, members = ctx.villages.get(slug), ctx.members.get(slug, [])
        if branch is None or len(members) <= owner_index:
            continue
        secretary, owner = members[0], members[owner_index]
        item = RectificationItem(
            org_id=branch.id, confirm_org_id=branch.id, source=Source.ORG_LIFE,
            source_ref=_org_life_meeting(branch.id),
            year=today.year, problem=problem, measures=measures, owner_id=owner.id,
            due_on=today + timedelta(days=days), created_by_id=secretary.id)
        db.session.add(item)
        db.session.flush()
        if evidence:
            db.session.add(RectificationEvidence(item_id=item.id, text=evidence,
                                                 added_by_id=owner.id))
        if closed:
            item.status, item.closed_by_id = Status.CLOSED, secretary.id
            item.closed_at, item.closing_note = clock.now(), "核实到位"


def _org_life_meeting(branch_id: int) -> int | None:
    """The branch's demo 组织生活会 (meetings' demo), whose 查摆问题 these items are."""
    return db.session.scalar(
        select(Meeting.id).join(meeting_kind_link, meeting_kind_link.c.meeting_id == Meeting.id)
        .join(MeetingKind, MeetingKind.id == meeting_kind_link.c.kind_id)
        .where(Meeting.branch_id == branch_id, MeetingKind.code == ORG_LIFE)
        .order_by(Meeting.starts_at.desc()).limit(1))
