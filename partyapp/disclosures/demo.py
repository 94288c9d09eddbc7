"""Demo data: commitments with monthly progress for the secretary and two-committee members of
both villages, one decision through all six steps of 四议两公开 and one still in progress."""
from __future__ import annotations

from datetime import date, timedelta

from .. import clock
from ..extensions import db
from . import commitments as commitment_service
from . import decisions as decision_service
from .models import CommitmentKind

# (owner index in ctx.members[slug], kind, title, baseline, target, due in days, updates)
# updates: (days ago, text, percent, status)
_COMMITMENTS = [
    (0, CommitmentKind.ANNUAL, "硬化通组道路", "第三、四组道路为泥路，雨天难行，共 2.3 公里",
     "年底前硬化 2.3 公里，宽 4.5 米", 40,
     [(75, "完成测量和预算，报镇政府立项", 15, "in_progress"),
      (45, "上级资金到位，施工队进场", 40, "in_progress"),
      (12, "第三组 1.4 公里路面浇筑完成", 65, "in_progress")]),
    (0, CommitmentKind.PLEDGE, "每周二书记接待日", "群众反映问题要跑多次",
     "每周二上午在村委会接待，当场登记、5 个工作日内答复", 300,
     [(60, "接待日制度上墙，已接待 11 人次", 30, "in_progress"),
      (20, "累计接待 26 人次，答复 24 件", 55, "in_progress")]),
    (1, CommitmentKind.TERM, "建成村卫生站", "村民看病要去 8 公里外的镇卫生院",
     "卫生站投入使用，每周开诊 5 天", 500,
     [(50, "选址确定在村委会东侧旧仓库", 20, "in_progress"),
      (40, "改造资金缺口 6 万元，等待镇里答复", 20, "blocked")]),
    (2, CommitmentKind.ANNUAL, "老年人助餐点", "70 岁以上老人 46 人，多数独居",
     "助餐点开张，每天供应午餐", -5,
     [(90, "场地和厨师落实", 50, "in_progress"),
      (30, "10 月 8 日开张，每天约 30 人就餐，支部验收兑现", 100, "kept")]),
    (6, CommitmentKind.MEMBER, "每月义务清扫村口公园", "公园落叶垃圾无人清理",
     "每月至少 2 次", 200, [(25, "本月清扫 2 次", 40, "in_progress")]),
]


def seed(ctx) -> None:
    for slug, branch in ctx.villages.items():
        members = ctx.members[slug]
        for owner_index, kind, title, baseline, target, due_days, updates in _COMMITMENTS:
            _seed_commitment(branch, members[owner_index], kind, title, baseline, target,
                             due_days, updates, judge=members[0])
        _seed_decisions(branch, members[0], len(members) - 2, len(ctx.reps[slug]))


def _seed_commitment(branch, owner, kind, title, baseline, target, due_days, updates, judge):
    """`judge` (the secretary) records a verdict status: nobody judges their own promise."""
    today = clock.today()
    data = commitment_service.CommitmentInput(
        owner_id=owner.id, kind=kind, title=title, content="", baseline=baseline,
        target=target, due_on=today + timedelta(days=due_days))
    commitment = commitment_service.create_commitment(owner, branch, data, {owner.id})
    commitment.created_at = clock.now() - timedelta(days=100)
    for days_ago, text, percent, status in updates:
        author = judge if status in commitment_service.VERDICT_STATUSES else owner
        update = commitment_service.add_progress(author, commitment, text, percent, status)
        update.at = commitment.progress_at = commitment.updated_at = (
            clock.now() - timedelta(days=days_ago))


def _seed_decisions(branch, secretary, full_members, reps):
    done = decision_service.start_decision(
        secretary, branch, "siyi_liangkai", "村文化广场建设",
        "在村委会南侧空地建设文化广场，占地 3 亩，预算 40 万元")
    texts = ["支部委员会提出建设文化广场的议题", "两委联席会议商议，形成初步方案",
             "党员大会审议通过方案", "村民代表会议表决通过", "决议在公开栏和微信群公示 7 天",
             "广场于 9 月底建成，实际支出 38.6 万元，明细见村务公开栏"]
    start = clock.today() - timedelta(days=120)
    for position, text in enumerate(texts, start=1):
        _step(secretary, done, position, start + timedelta(days=position * 15), text,
              full_members, reps)
    ongoing = decision_service.start_decision(
        secretary, branch, "siyi_liangkai", "村集体鱼塘对外承包",
        "鱼塘 20 亩承包期满，拟公开招标承包 5 年")
    ongoing_texts = ["支部提出公开招标承包鱼塘", "两委商议招标方案", "党员大会审议通过招标方案"]
    for position, text in enumerate(ongoing_texts, start=1):
        _step(secretary, ongoing, position, clock.today() - timedelta(days=30 - position * 7),
              text, full_members, reps)


def _step(actor, decision, position, day: date, text, full_members, reps):
    counts = {}
    if position == 3:
        counts = dict(expected=full_members, present=full_members - 2,
                      votes_for=full_members - 4, votes_against=1, votes_abstain=1)
    elif position == 4:
        counts = dict(expected=reps, present=reps, votes_for=reps - 1, votes_against=1,
                      votes_abstain=0)
    decision_service.record_step(actor, decision, position, decision_service.StepInput(
        held_on=day, public_text=text, **counts))
    db.session.flush()
