"""`flask seed-scale`: a county-sized database for the page benchmarks (bench/pages.py).
It lives with the benchmarks, not in the package; partyapp/cli.py loads it from here when the
command runs.

The demo town first (so the demo log-ins work and every feature's demo rows exist), then the
county is filled up to 20 branches and 2,000 members, with three years of meetings and their
check-ins, 50,000 opinions and 2,000 commitments with monthly updates — spread over every
branch, the demo ones included, so a demo page on this database shows county-sized data.
Bulk inserts through Core `insert()` with lists of dicts, in chunks; no ORM objects per row."""
from __future__ import annotations

import hashlib
import random
import time
from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import Membership, Organization, OrgKind, PartyStatus, Person, Role

BRANCHES = 20
MEMBERS = 2_000
YEARS = 3
OPINIONS = 50_000
COMMITMENTS = 2_000
CHUNK = 5_000
VILLAGES = "青石 白沙 红旗 新桥 柳塘 杏花 金竹 梅岭 松林 荷塘 桃源 麦田 石门 清泉 龙潭 凤凰 竹溪 枫林".split()


def _bulk(model_or_table, rows: list[dict]) -> None:
    table = getattr(model_or_table, "__table__", model_or_table)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])


def _ids(model, *where) -> list[int]:
    return list(db.session.scalars(select(model.id).where(*where).order_by(model.id)))


# ---- organisation and people ----------------------------------------------------------------
def _branches(town: Organization) -> list[Organization]:
    existing = list(db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.BRANCH).order_by(Organization.id)))
    from partyapp.demo import add_org

    for n in range(BRANCHES - len(existing)):
        name = VILLAGES[n % len(VILLAGES)] + ("村" if n < len(VILLAGES) else f"{n}村")
        branch = add_org(town, OrgKind.BRANCH, f"{name}党支部", village=name, slug=f"v{n + 1:02d}")
        for group in ("第一党小组", "第二党小组"):
            add_org(branch, OrgKind.GROUP, group)
        existing.append(branch)
    db.session.flush()
    return existing


def _people(branches, password_hash: str) -> dict[int, list[int]]:
    """Fill every branch to MEMBERS / BRANCHES party members (in its groups). Returns the
    party members of each branch and of each group (org id -> person ids)."""
    per_branch = MEMBERS // len(branches)
    groups = {}
    for org_id, parent_id in db.session.execute(select(Organization.id, Organization.parent_id)
                                                .where(Organization.kind == OrgKind.GROUP)):
        groups.setdefault(parent_id, []).append(org_id)
    counts = dict(db.session.execute(
        select(Organization.parent_id, func.count(func.distinct(Membership.person_id)))
        .join(Membership, Membership.org_id == Organization.id)
        .where(Organization.kind == OrgKind.GROUP, Membership.role == Role.MEMBER)
        .group_by(Organization.parent_id)).all())
    people, roles, phone = [], [], 15_000_000_000
    plan = []
    for branch in branches:
        for n in range(per_branch - counts.get(branch.id, 0)):
            phone += 1
            people.append({"name": f"党员{branch.id}-{n:03d}", "name_pinyin": f"dang yuan {n}",
                           "phone": str(phone), "password_hash": password_hash,
                           "party_status": PartyStatus.FULL, "joined_party_on": date(1990, 7, 1),
                           "is_villager_rep": False, "active": True, "session_version": 1,
                           "created_at": clock.now()})
            plan.append((branch.id, groups[branch.id][n % len(groups[branch.id])], n))
    _bulk(Person, people)
    new_ids = list(db.session.scalars(select(Person.id).where(Person.phone.in_(
        [p["phone"] for p in people])).order_by(Person.phone))) if people else []
    for person_id, (branch_id, group_id, n) in zip(new_ids, plan):
        roles.append({"person_id": person_id, "org_id": group_id, "role": Role.MEMBER,
                      "started_on": date(2023, 1, 1)})
        if n == 0 and not counts.get(branch_id):
            roles += [{"person_id": person_id, "org_id": branch_id, "role": role,
                       "started_on": date(2023, 1, 1)} for role in (Role.SECRETARY, Role.RECORDER)]
    _bulk(Membership, roles)
    members: dict[int, list[int]] = {}
    for person_id, group_id, parent_id in db.session.execute(
            select(Membership.person_id, Organization.id, Organization.parent_id)
            .join(Organization, Organization.id == Membership.org_id)
            .where(Organization.kind == OrgKind.GROUP, Membership.role == Role.MEMBER,
                   Membership.ended_on.is_(None)).order_by(Membership.person_id)):
        members.setdefault(parent_id, []).append(person_id)
        members.setdefault(group_id, []).append(person_id)
    return members


# ---- meetings and check-ins -----------------------------------------------------------------
# Every month of the last YEARS years, per branch: 主题党日 (all members; with 党课 each
# quarter), 支部委员会 (five members); per party group: 党小组会 (its members). (day, kind)
SERIES = (("theme_day", 10), ("branch_committee", 3), ("group_meeting", 20))
SERIES_NAMES = {"theme_day": "主题党日", "branch_committee": "支部委员会", "group_meeting": "党小组会"}


def _meetings(branches, members: dict[int, list[int]], rng: random.Random) -> tuple[int, int]:
    from partyapp.meetings.models import CheckIn, Meeting, MeetingAttendee, MeetingKind, meeting_kind_link
    from partyapp.meetings.services import store_counts

    kinds = dict(db.session.execute(select(MeetingKind.code, MeetingKind.id)).all())
    groups = {}
    for group_id, parent_id in db.session.execute(select(Organization.id, Organization.parent_id)
                                                  .where(Organization.kind == OrgKind.GROUP)):
        groups.setdefault(parent_id, []).append(group_id)
    today = clock.today()
    first_month = date(today.year - YEARS, today.month, 1)
    months = [(first_month.year + (first_month.month - 1 + k) // 12,
               (first_month.month - 1 + k) % 12 + 1) for k in range(YEARS * 12)]
    plan = []   # (row, kind codes, attendees)
    for branch in branches:
        for year, month in months:
            for code, day in SERIES:
                starts = datetime(year, month, day, 1, 0, tzinfo=clock.UTC)   # 09:00 in China
                orgs = groups.get(branch.id, []) if code == "group_meeting" else [branch.id]
                for org_id in orgs:
                    people = members.get(org_id, [])
                    codes = [code] + (["party_lecture"] if code == "theme_day" and month % 3 == 0
                                      else [])
                    plan.append((_meeting_row(branch.id, org_id, starts,
                                              f"{year}年{month}月{SERIES_NAMES[code]}"), codes,
                                 people[:5] if code == "branch_committee" else people))
    first_new = (db.session.scalar(select(func.max(Meeting.id))) or 0) + 1
    _bulk(Meeting, [row for row, _, _ in plan])
    ids = list(db.session.scalars(select(Meeting.id).where(Meeting.id >= first_new)
                                  .order_by(Meeting.id)))
    links, attendees, check_ins = [], [], []
    for meeting_id, (row, codes, people) in zip(ids, plan):
        links += [{"meeting_id": meeting_id, "kind_id": kinds[c]} for c in codes if c in kinds]
        for person_id in people:
            attendees.append({"meeting_id": meeting_id, "person_id": person_id})
            if rng.random() < 0.9:
                check_ins.append({"meeting_id": meeting_id, "person_id": person_id,
                                  "at": row["starts_at"] - timedelta(minutes=rng.randint(0, 25)),
                                  "method": "qr", "late": False, "flag_far": False,
                                  "flag_shared_device": False})
    _bulk(meeting_kind_link, links)
    _bulk(MeetingAttendee, attendees)
    _bulk(CheckIn, check_ins)
    store_counts(ids)    # the rows are closed records, as close_meeting would leave them
    return len(ids), len(check_ins)


def _meeting_row(branch_id: int, org_id: int, starts: datetime, topic: str) -> dict:
    return {"org_id": org_id, "branch_id": branch_id, "topic": topic, "starts_at": starts,
            "ends_at": starts + timedelta(hours=2), "place": "村党群服务中心", "status": "closed",
            "checkin_opens_minutes": 30, "late_after_minutes": 10,
            "minutes": "学习文件，讨论村务，布置下月工作。", "published_at": starts - timedelta(days=5),
            "reminded_at": starts - timedelta(days=1), "closed_at": starts + timedelta(hours=3),
            "created_at": starts - timedelta(days=7)}


# ---- opinions --------------------------------------------------------------------------------
CATEGORIES = ["村务", "环境卫生", "道路交通", "治安", "其他"]


def _opinions(branches, rng: random.Random) -> int:
    from partyapp.opinions.models import Opinion

    now = clock.now()
    between = clock.working_days_counter(clock.local_date(now) - timedelta(days=YEARS * 366 + 2),
                                         clock.local_date(now) + timedelta(days=4))
    taken = set(db.session.scalars(select(Opinion.reference)))
    rows = []
    for n in range(OPINIONS):
        branch = branches[n % len(branches)]
        received = now - timedelta(days=YEARS * 365 * (OPINIONS - n) / OPINIONS, hours=n % 24)
        due = received + timedelta(days=7)
        reference = f"{n + 10_000_000:08d}"
        while reference in taken:
            reference = f"{rng.randrange(10**8):08d}"
        taken.add(reference)
        content = f"第{n}号意见：{CATEGORIES[n % 5]}方面的问题，请村里尽快处理。"
        open_now = n >= OPINIONS - 40
        rows.append({
            "branch_id": branch.id, "reference": reference,
            "tracking_hash": hashlib.sha256(f"scale-{n}".encode()).hexdigest(),
            "category": CATEGORIES[n % 5], "content": content,
            "content_key": hashlib.sha256(content.encode()).hexdigest(),
            "public_allowed": n % 3 != 0, "channel": "web", "received_at": received,
            "created_at": received, "status": "open" if open_now else "replied", "round": 1,
            "first_due_at": due, "due_at": due,
            "reply_text": None if open_now else "已处理，谢谢您的意见。", "reply_public": True,
            "replied_at": None if open_now else received + timedelta(days=3),
            "first_replied_at": None if open_now else received + timedelta(days=3),
            "first_reply_days": None if open_now else between(
                clock.local_date(received), clock.local_date(received + timedelta(days=3)))})
    _bulk(Opinion, rows)
    return len(rows)


# ---- commitments ----------------------------------------------------------------------------
def _commitments(branches, members: dict[int, list[int]]) -> tuple[int, int]:
    from partyapp.disclosures.models import Commitment, CommitmentUpdate

    now = clock.now()
    rows = []
    for n in range(COMMITMENTS):
        branch = branches[n % len(branches)]
        owners = members.get(branch.id) or [None]
        rows.append({"branch_id": branch.id, "owner_id": owners[n % len(owners)],
                     "kind": "member" if n % 4 else "annual", "title": f"承诺事项{n}号：为群众办实事",
                     "content": "分阶段推进", "baseline": "尚未开始", "target": "年底前完成",
                     "due_on": date(now.year, 12, 31), "status": "in_progress", "percent": 50,
                     "created_at": now - timedelta(days=200), "updated_at": now,
                     "progress_at": now - timedelta(days=10)})
    _bulk(Commitment, [r for r in rows if r["owner_id"]])
    ids = _ids(Commitment, Commitment.title.like("承诺事项%号：为群众办实事"))
    updates = [{"commitment_id": cid, "at": now - timedelta(days=30 * k), "text": f"第{k}次进展",
                "percent": 50 - k * 5, "status": "in_progress"}
               for cid in ids for k in range(1, 4)]
    _bulk(CommitmentUpdate, updates)
    return len(ids), len(updates)


@click.command("seed-scale")
@with_appcontext
@click.option("--seed", default=7, help="Random seed (the same database every time).")
def seed_scale_command(seed):
    """Build a county-sized database (demo town + 20 branches, 2,000 members, 3 years of
    meetings with check-ins, 50,000 opinions, 2,000 commitments with updates)."""
    from partyapp.auth.services import hash_password
    from partyapp.demo import DEMO_PASSWORD, database_is_empty, seed_demo

    if not database_is_empty():
        raise click.ClickException("The database is not empty: run on a fresh database.")
    began = time.perf_counter()
    rng = random.Random(seed)
    password_hash = hash_password(DEMO_PASSWORD)
    ctx = seed_demo(password_hash)
    branches = _branches(ctx.town)
    members = _people(branches, password_hash)
    db.session.commit()
    meetings, check_ins = _meetings(branches, members, rng)
    db.session.commit()
    opinions = _opinions(branches, rng)
    db.session.commit()
    commitments, updates = _commitments(branches, members)
    db.session.commit()
    people = db.session.scalar(select(func.count(Person.id)))
    click.echo(f"County database: {len(branches)} branches, {people} people, {meetings} meetings, "
               f"{check_ins} check-ins, {opinions} opinions, {commitments} commitments, "
               f"{updates} updates in {time.perf_counter() - began:.1f} s.")



