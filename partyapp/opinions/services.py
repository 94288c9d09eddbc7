"""Rules of the opinion box (意见箱), as plain functions.

Seed 001 二(四): opinions get an explanation reply (解释答复) within 5 working days, and how
they were handled is made public. The deadline is stored on the opinion (`due_at`); the
scheduler sweep (jobs.py) reminds, marks overdue and escalates.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from difflib import SequenceMatcher

from sqlalchemy import or_, select, update
from sqlalchemy.orm import contains_eager, selectinload

from .. import audit, clock
from ..extensions import db
from ..models import Membership, Organization, Person, Role
from ..notify.services import notify
from ..phones import mask_numbers_in_text, normalize_mobile
from .models import CATEGORIES, Channel, Opinion, Rating, ReplacedLink, Status
from .stats import monthly_on_time, public_figures, village_reply_stats  # noqa: F401  (town's figures)

REPLY_WORKING_DAYS = 5
CONTENT_MIN, CONTENT_MAX = 5, 1000
REPLY_MAX = 2000
DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_BACKDATE = timedelta(days=366)   # staff enter slips received up to a year ago
DUPLICATE_SIMILARITY = 0.9
_REFERENCE_DIGITS = 8


class OpinionError(ValueError):
    """A rule was broken; the message is Chinese and shown on the page."""


@dataclass
class Submission:
    category: str
    content: str
    name: str = ""
    phone: str = ""
    public_allowed: bool = False
    channel: str = Channel.WEB
    received_at: datetime | None = None


# ---- secrets and references ----------------------------------------------------------------
def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_tracking_secret() -> str:
    """128 random bits; only its hash is stored."""
    return secrets.token_urlsafe(16)


def format_reference(reference: str) -> str:
    return f"{reference[:4]} {reference[4:]}"


def _new_reference() -> str:
    for _ in range(10):
        reference = "".join(secrets.choice("0123456789") for _ in range(_REFERENCE_DIGITS))
        if not db.session.scalar(select(Opinion.id).where(Opinion.reference == reference)):
            return reference
    raise RuntimeError("no free reference number")


def content_key(text: str) -> str:
    """Hash of the content without spaces and punctuation: the same text typed twice."""
    return hashlib.sha256(_normalised(text).encode()).hexdigest()


def _normalised(text: str) -> str:
    return re.sub(r"[\W_]+", "", text or "").lower()


# ---- submitting ----------------------------------------------------------------------------
def opinion_due_at(received_at: datetime) -> datetime:
    """End (23:59:59 China) of the 5th working day strictly after the local receipt date."""
    return clock.deadline_after(received_at, REPLY_WORKING_DAYS)


def clean_submission(data: Submission) -> Submission:
    content = (data.content or "").strip()
    if data.category not in CATEGORIES:
        raise OpinionError("请选择意见类别")
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        raise OpinionError(f"意见内容请写{CONTENT_MIN}到{CONTENT_MAX}个字")
    if data.channel not in Channel.LABELS:
        raise OpinionError("收到方式不对")
    phone = ""
    if (data.phone or "").strip():
        try:
            phone = normalize_mobile(data.phone)
        except ValueError as exc:
            raise OpinionError(str(exc)) from None
    return Submission(data.category, content, (data.name or "").strip()[:40], phone,
                      bool(data.public_allowed), data.channel, data.received_at)


def is_near_duplicate(branch_id: int, content: str) -> bool:
    """The same (or nearly the same) text sent to this village in the last few minutes."""
    recent = db.session.scalars(
        select(Opinion.content).where(Opinion.branch_id == branch_id,
                                      Opinion.created_at >= clock.now() - DUPLICATE_WINDOW)
        .order_by(Opinion.id.desc()).limit(30)).all()
    text = _normalised(content)
    return any(SequenceMatcher(None, text, _normalised(other)).ratio() >= DUPLICATE_SIMILARITY
               for other in recent)


def submit_opinion(branch: Organization, data: Submission, *, entered_by=None,
                   photos=(), check_duplicates: bool = True) -> tuple[Opinion, str]:
    """Store an opinion (villager on the web, or staff from paper/hotline/visit) and return it
    with its tracking secret. Commits: an acknowledged opinion is never lost."""
    data = clean_submission(data)
    now = clock.now()
    received_at = data.received_at or now
    if received_at > now + timedelta(minutes=5):
        raise OpinionError("收到时间不能晚于现在")
    if received_at < now - MAX_BACKDATE:
        raise OpinionError("收到日期太早了：只能登记一年内收到的意见")
    if check_duplicates and entered_by is None and is_near_duplicate(branch.id, data.content):
        raise OpinionError("刚才已收到内容相同的意见，请不要重复提交")
    secret = new_tracking_secret()
    due = opinion_due_at(received_at)
    opinion = Opinion(
        branch_id=branch.id, reference=_new_reference(), tracking_hash=hash_secret(secret),
        category=data.category, content=data.content, content_key=content_key(data.content),
        submitter_name=data.name or None, submitter_phone=data.phone or None,
        public_allowed=data.public_allowed, channel=data.channel, received_at=received_at,
        entered_by_id=getattr(entered_by, "id", None), first_due_at=due, due_at=due,
        assignee_id=branch_secretary_id(branch.id), created_at=now)
    db.session.add(opinion)
    db.session.flush()
    if photos:
        from .photos import save_photos

        save_photos(opinion, photos)
    audit.record(entered_by, "opinion.submit", "opinion", opinion.id, org_id=branch.id,
                 channel=data.channel, category=data.category)
    if opinion.assignee_id:
        notify([opinion.assignee_id], f"新的群众意见（{data.category}）",
               f"请在{clock.local_date(due).month}月{clock.local_date(due).day}日前答复。",
               link=f"/opinions/{opinion.id}", kind="opinion")
    db.session.commit()
    return opinion, secret


def branch_secretary_id(branch_id: int) -> int | None:
    today = clock.today()
    return db.session.scalar(
        select(Membership.person_id).where(
            Membership.org_id == branch_id, Membership.role == Role.SECRETARY,
            or_(Membership.ended_on.is_(None), Membership.ended_on > today))
        .order_by(Membership.id).limit(1))


# ---- tracking (no account) -----------------------------------------------------------------
def opinion_by_secret(secret: str) -> Opinion | None:
    if not secret or len(secret) > 64:
        return None
    return db.session.scalar(select(Opinion).where(Opinion.tracking_hash == hash_secret(secret))
                             .options(selectinload(Opinion.photos),
                                      selectinload(Opinion.branch)))


def tracking_was_replaced(secret: str) -> bool:
    """True for a link that 找回 has replaced by a new one (the old one says so, with the way
    on, instead of 页面不存在)."""
    if not secret or len(secret) > 64:
        return False
    return db.session.get(ReplacedLink, hash_secret(secret)) is not None


# ---- 我的意见 on this device: the tracking links a phone kept (a cookie the views read) ----
DEVICE_LINKS_MAX = 20
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def parse_device_links(value: str | None) -> list[str]:
    """The cookie's secrets, newest first, well-formed only, no repeats, at most 20."""
    seen: list[str] = []
    for part in (value or "").split("."):
        if _SECRET_SHAPE.match(part) and part not in seen:
            seen.append(part)
    return seen[:DEVICE_LINKS_MAX]


def device_links_value(secrets_: list[str]) -> str:
    return ".".join(secrets_[:DEVICE_LINKS_MAX])


def opinions_by_secrets(secrets_: list[str]) -> list[tuple[str, Opinion]]:
    """(secret, opinion) for each secret still valid, in the given order; one query."""
    hashes = {hash_secret(secret): secret for secret in secrets_}
    if not hashes:
        return []
    rows = db.session.scalars(select(Opinion).where(Opinion.tracking_hash.in_(list(hashes)))
                              .options(selectinload(Opinion.branch))).all()
    by_secret = {hashes[row.tracking_hash]: row for row in rows}
    return [(secret, by_secret[secret]) for secret in secrets_ if secret in by_secret]


def recover_tracking_link(reference: str, phone: str) -> tuple[Opinion, str] | None:
    """Lost link: reference number + the mobile number given. The old link is replaced by a
    new one (only hashes are stored, so the old one cannot be shown again)."""
    reference = re.sub(r"\D", "", reference or "")
    try:
        phone = normalize_mobile(phone)
    except ValueError:
        return None
    opinion = db.session.scalar(select(Opinion).where(
        Opinion.reference == reference, Opinion.submitter_phone == phone))
    if opinion is None:
        return None
    secret = new_tracking_secret()
    # The old link answers 链接已更换 from now on (tracking_was_replaced), not 404.
    db.session.add(ReplacedLink(tracking_hash=opinion.tracking_hash, opinion_id=opinion.id,
                                replaced_at=clock.now()))
    opinion.tracking_hash = hash_secret(secret)
    audit.record(None, "opinion.link_recovered", "opinion", opinion.id, org_id=opinion.branch_id)
    db.session.commit()
    return opinion, secret


def rate_opinion(opinion: Opinion, rating: str) -> None:
    """满意/基本满意 close it; 不满意 reopens it once (due 5 working days after the rating);
    a second 不满意 escalates it to the town."""
    if opinion.status != Status.REPLIED:
        raise OpinionError("这条意见现在不能评价")
    if rating not in Rating.LABELS:
        raise OpinionError("请选择满意、基本满意或不满意")
    now = clock.now()
    opinion.rating, opinion.rated_at = rating, now
    opinion.first_rating = opinion.first_rating or rating
    if rating != Rating.BAD:
        opinion.status = Status.CLOSED
    elif opinion.round == 1:
        _reopen(opinion, now)
    else:
        _escalate_now(opinion, now)
    audit.record(None, "opinion.rate", "opinion", opinion.id, org_id=opinion.branch_id,
                 rating=rating, round=opinion.round)
    db.session.commit()


def _reopen(opinion: Opinion, now: datetime) -> None:
    opinion.status, opinion.round, opinion.reopened_at = Status.OPEN, 2, now
    opinion.due_at = opinion_due_at(now)
    opinion.reminded_at = opinion.overdue_at = None
    if opinion.assignee_id:
        notify([opinion.assignee_id], "群众对答复不满意，请再次答复",
               f"意见 {format_reference(opinion.reference)} 需重新答复。",
               link=f"/opinions/{opinion.id}", kind="opinion")


def _escalate_now(opinion: Opinion, now: datetime) -> None:
    opinion.status = Status.ESCALATED
    opinion.escalated_at = opinion.escalated_at or now
    admins = town_admin_ids([opinion.branch.town_id])
    notify([pid for ids in admins.values() for pid in ids], "群众意见两次不满意，已上报",
           f"{opinion.branch.name}的意见 {format_reference(opinion.reference)} 两次答复均不满意。",
           link=f"/opinions/{opinion.id}", kind="opinion")


def town_admin_ids(town_ids) -> dict[int, list[int]]:
    """town id -> its admins' person ids, in one query."""
    today = clock.today()
    rows = db.session.execute(
        select(Membership.org_id, Membership.person_id).where(
            Membership.org_id.in_(set(town_ids)), Membership.role == Role.TOWN_ADMIN,
            or_(Membership.ended_on.is_(None), Membership.ended_on > today))).all()
    found: dict[int, list[int]] = {}
    for org_id, person_id in rows:
        found.setdefault(org_id, []).append(person_id)
    return found


# ---- handling (branch staff) ---------------------------------------------------------------
def branch_inbox(branch_id: int, limit: int = 200, recent: int = 30) -> list[Opinion]:
    """Open ones first — overdue before the rest, each by due time — then the latest `recent`
    others. Two indexed queries: a branch with years of opinions sorts none of them."""
    now = clock.now()
    in_branch = select(Opinion).where(Opinion.branch_id == branch_id).options(
        selectinload(Opinion.assignee))
    open_ones = db.session.scalars(in_branch.where(Opinion.status == Status.OPEN).order_by(
        Opinion.due_at >= now, Opinion.due_at, Opinion.id.desc()).limit(limit)).all()
    others = db.session.scalars(in_branch.where(Opinion.status != Status.OPEN).order_by(
        Opinion.received_at.desc(), Opinion.id.desc()).limit(recent)).all()
    return list(open_ones) + list(others)


def branch_people(branch: Organization) -> list[Person]:
    """People holding a role in the branch (the choice of whom to assign)."""
    today = clock.today()
    return list(db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Organization.path.startswith(branch.path), Person.active.is_(True),
               Membership.role.in_((Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZER,
                                    Role.COMMITTEE, Role.RECORDER, Role.MEMBER)),
               or_(Membership.ended_on.is_(None), Membership.ended_on > today))
        .distinct().order_by(Person.name_pinyin)))


def assign_opinion(actor: Person, opinion: Opinion, person_id: int, note: str = "") -> None:
    """Assign or forward (转办) to someone of the branch. The deadline does not move."""
    if opinion.status != Status.OPEN:
        raise OpinionError("已答复的意见不能再转办")
    branch = opinion.branch
    if person_id not in {p.id for p in branch_people(branch)}:
        raise OpinionError("只能交给本支部的人员办理")
    previous = opinion.assignee_id
    opinion.assignee_id = person_id
    audit.record(actor, "opinion.forward" if previous else "opinion.assign", "opinion",
                 opinion.id, org_id=branch.id, to=person_id, previous=previous,
                 note=note[:200])
    due = clock.local_date(opinion.due_at)
    notify([person_id], "请办理群众意见", f"请在{due.month}月{due.day}日前答复。{note[:200]}",
           link=f"/opinions/{opinion.id}", kind="opinion")
    db.session.commit()


def reply_days(received_at: datetime, replied_at: datetime) -> int:
    """Working days from the local day of receipt to the local day of the reply."""
    return clock.working_days_between(clock.local_date(received_at), clock.local_date(replied_at))


def reply_to_opinion(actor: Person, opinion: Opinion, text: str, *, public: bool = True,
                     summary: str = "") -> None:
    text, summary = (text or "").strip(), (summary or "").strip()
    if opinion.status != Status.OPEN:
        raise OpinionError("这条意见现在不需要答复")
    if not 2 <= len(text) <= REPLY_MAX:
        raise OpinionError(f"请填写答复内容（{REPLY_MAX}字以内）")
    if not public and not 2 <= len(summary) <= 200:
        raise OpinionError("不公开答复时，请填写一段公开的办理情况摘要（200字以内）")
    now = clock.now()
    opinion.reply_text, opinion.reply_public = text, public
    opinion.reply_summary = None if public else summary
    opinion.replied_at, opinion.replied_by_id = now, actor.id
    if opinion.first_replied_at is None:
        opinion.first_replied_at = now
        opinion.first_reply_days = reply_days(opinion.received_at, now)
    opinion.status = Status.REPLIED
    audit.record(actor, "opinion.reply", "opinion", opinion.id, org_id=opinion.branch_id,
                 public=public, round=opinion.round)
    db.session.commit()


HISTORY_LABELS = {"opinion.submit": "收到意见", "opinion.assign": "交办", "opinion.forward": "转办",
                  "opinion.handover": "交接", "opinion.reply": "答复", "opinion.rate": "群众评价"}


def opinion_history(opinion: Opinion) -> list[tuple[datetime, str]]:
    """办理经过: (when, what) from the audit trail, oldest first. Two queries."""
    import json

    from ..models import AuditEntry

    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "opinion", AuditEntry.entity_id == opinion.id,
        AuditEntry.action.in_(HISTORY_LABELS)).order_by(AuditEntry.at, AuditEntry.id)).all()
    details = [json.loads(e.detail) if e.detail else {} for e in entries]
    ids = {d.get("to") for d in details} | {e.actor_id for e in entries}
    names = dict(db.session.execute(select(Person.id, Person.name).where(
        Person.id.in_({i for i in ids if isinstance(i, int)}))).all())
    history = []
    for entry, detail in zip(entries, details):
        text = HISTORY_LABELS[entry.action]
        if entry.action == "opinion.handover":
            text += "：" + str(detail.get("note", ""))
        elif entry.action in ("opinion.assign", "opinion.forward"):
            text += f"：{names.get(entry.actor_id, '')}交给{names.get(detail.get('to'), '')}"
        elif entry.actor_id in names:
            text += f"（{names[entry.actor_id]}）"
        history.append((entry.at, text))
    return history


def opinion_for_staff(opinion_id: int) -> Opinion | None:
    return db.session.scalar(select(Opinion).where(Opinion.id == opinion_id).options(
        selectinload(Opinion.photos), selectinload(Opinion.branch),
        selectinload(Opinion.assignee)))


# ---- deadlines, badges and public figures --------------------------------------------------
def timeliness(opinion: Opinion, now: datetime | None = None) -> tuple[str, str]:
    """(label, css modifier) for the on-time/overdue badge; words, not colour alone."""
    now = now or clock.now()
    if opinion.status != Status.OPEN and opinion.replied_at is not None:
        late = opinion.replied_at > opinion.due_at
        return ("逾期答复", "danger") if late else ("按时答复", "primary")
    if opinion.status == Status.OPEN and now > opinion.due_at:
        return ("已逾期", "danger")
    return ("办理中", "info")


def calendar_changed(since: date) -> int:
    """Receives features.calendar_changed: a year's holidays were entered; recompute open
    deadlines."""
    rows = db.session.execute(select(
        Opinion.id, Opinion.round, Opinion.received_at, Opinion.reopened_at, Opinion.due_at)
        .where(Opinion.status == Status.OPEN,
               Opinion.due_at >= clock.local_datetime(since))).all()
    changes = []
    for row in rows:
        start = row.reopened_at if row.round == 2 else row.received_at
        due = opinion_due_at(start)
        if due != row.due_at:
            change = {"id": row.id, "due_at": due}
            if row.round == 1:
                change["first_due_at"] = due
            changes.append(change)
    _bulk_update(changes)
    return len(changes) + _recount_reply_days(since)


def _recount_reply_days(since: date) -> int:
    """First replies given on or after `since` may span the changed days: count them again."""
    rows = db.session.execute(select(Opinion.id, Opinion.received_at, Opinion.first_replied_at,
                                     Opinion.first_reply_days)
                              .where(Opinion.first_replied_at >= clock.local_datetime(since))).all()
    changes = [{"id": row.id, "first_reply_days": days} for row in rows
               if (days := reply_days(row.received_at, row.first_replied_at))
               != row.first_reply_days]
    _bulk_update(changes)
    return len(changes)


def _bulk_update(changes: list[dict]) -> None:
    first_round = [c for c in changes if "first_due_at" in c]
    second_round = [c for c in changes if "first_due_at" not in c]
    for batch in (first_round, second_round):
        if batch:
            db.session.execute(update(Opinion), batch)


@dataclass
class PublicOpinion:
    """What the public list may show: no name, no phone, numbers in text masked."""

    reference_tail: str
    category: str
    received_on: date
    content: str | None
    status: str
    due_on: date
    reply: str | None
    badge: tuple[str, str]
    rating: str


def public_opinions(branch_id: int, limit: int = 50) -> list[PublicOpinion]:
    opinions = db.session.scalars(select(Opinion).where(Opinion.branch_id == branch_id)
                                  .order_by(Opinion.received_at.desc()).limit(limit)).all()
    now = clock.now()
    return [_public_view(o, now) for o in opinions]


def _public_view(opinion: Opinion, now: datetime) -> PublicOpinion:
    reply = None
    if opinion.replied_at is not None:
        reply = opinion.reply_text if opinion.reply_public else opinion.reply_summary
    return PublicOpinion(
        reference_tail=opinion.reference[-4:], category=opinion.category,
        received_on=clock.local_date(opinion.received_at),
        content=mask_numbers_in_text(opinion.content) if opinion.public_allowed else None,
        status=opinion.status_label, due_on=clock.local_date(opinion.due_at),
        reply=mask_numbers_in_text(reply) if reply else None,
        badge=timeliness(opinion, now), rating=opinion.rating_label)


def public_tab(tab: str, village: Organization, query=None) -> dict | None:
    """The 意见 tab of the public village page (two queries; no paging: `query` unused)."""
    if tab != "opinions":
        return None
    return {"template": "opinions/public_tab.html",
            "opinions": public_opinions(village.id),
            "figures": public_figures(village.id)}


ESCALATION_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def escalated_opinions(town: Organization, limit: int = 100) -> list[Opinion]:
    """Opinions of the town's branches that were escalated (overdue, or two 不满意). One query."""
    return list(db.session.scalars(
        select(Opinion).join(Organization, Organization.id == Opinion.branch_id)
        # a range (not IS NOT NULL) so that SQLite, too, reads ix_opinion_escalated
        .where(Organization.path.startswith(town.path), Opinion.escalated_at > ESCALATION_EPOCH)
        .options(contains_eager(Opinion.branch))
        .order_by(Opinion.status != Status.OPEN, Opinion.escalated_at.desc()).limit(limit)))


def assigned_open(person) -> list[Opinion]:
    return list(db.session.scalars(select(Opinion).where(
        Opinion.assignee_id == person.id, Opinion.status == Status.OPEN)
        .order_by(Opinion.due_at).limit(50)))


def branches_for(person) -> list[Organization]:
    """Branches whose inbox the person may open (handle, or supervise from the town). One
    query for the whole set of roots."""
    from ..authz import orgs_where

    roots = orgs_where(person, "opinion.handle") + orgs_where(person, "opinion.supervise")
    if not roots:
        return []
    return list(db.session.scalars(select(Organization).where(
        Organization.kind.in_(("branch", "general")), Organization.active.is_(True),
        or_(*[Organization.path.startswith(root.path) for root in roots]))
        .order_by(Organization.path)))


def todo_items(person) -> list:
    """Hook: open opinions the person must answer (one query)."""
    from ..main.services import TodoItem

    rows = assigned_open(person)[:20]
    now = clock.now()
    return [TodoItem(title=f"答复群众意见：{o.category}", link=f"/opinions/{o.id}",
                     detail=_due_text(o, now), due_at=o.due_at,
                     urgent=o.due_at < now + timedelta(days=1)) for o in rows]


def _due_text(opinion: Opinion, now: datetime) -> str:
    due = clock.local_date(opinion.due_at)
    prefix = "已逾期，" if now > opinion.due_at else ""
    return f"{prefix}截止{due.month}月{due.day}日"

