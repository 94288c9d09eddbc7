"""Demo data: the rubric of both villages for this year (copied from the town default), some
committee scores and a deduction with reasons, service hours, one exemption by branch decision,
a closed satisfaction evaluation round, and 东湖村's results in their notice period."""
from __future__ import annotations

from datetime import timedelta

from .. import clock
from ..extensions import db
from . import entries, evaluation, notice, scoring

_MANUAL = [(1, 5, "带头参加防汛值守，连续三晚巡堤"), (4, 3, "调解邻里宅基地纠纷"),
           (6, 4, "组织党员为独居老人修缮房屋")]
_HOURS = [(1, 6, "清理河道垃圾"), (2, 4, "敬老院打扫卫生"), (5, 8, "疫苗接种点秩序维护"),
          (6, 3, "村口公园义务清扫")]
_GRADES = ("excellent", "good", "good", "excellent", "fair", "good")


def seed(ctx) -> None:
    today = clock.today()
    for slug, branch in ctx.villages.items():
        members = ctx.members[slug]
        secretary = members[0]
        rubric = scoring.ensure_branch_rubric(secretary, branch, today.year)
        manual = next(i for i in rubric.items if i.kind == "manual")
        deduction = next(i for i in rubric.items if i.kind == "deduction")
        attendance = next(i for i in rubric.items if i.source == "attendance")
        for index, points, reason in _MANUAL:
            entries.add_entry(secretary, branch, manual, members[index].id, points, reason)
        entries.add_entry(secretary, branch, deduction, members[9].id, 5,
                          "无正当理由连续两次不参加主题党日")
        for index, hours, text in _HOURS:
            served_on = today - timedelta(days=20 + index)
            entries.add_hours(secretary, branch, members[index].id, served_on, hours, text)
        entries.add_exemption(secretary, branch, attendance, members[-1].id,
                              "年老体弱、行动不便，经支委会决定免于参加集中学习考核",
                              today - timedelta(days=200))
        _closed_round(branch, members, ctx.reps[slug], secretary, today)
    donghu = ctx.villages.get("donghu")
    if donghu is not None:
        notice.publish(ctx.members["donghu"][0], donghu, today.year)
    db.session.commit()


def _closed_round(branch, members, reps, secretary, today) -> None:
    quarter = (today.month + 2) // 3
    round_ = evaluation.open_round(secretary, branch, today.year, quarter - 1 if quarter > 1 else 1)
    if isinstance(round_, str):
        return
    ratees = scoring.branch_members(branch)
    raters = list(dict.fromkeys(members[:8] + reps[:3]))
    for n, rater in enumerate(raters):
        grades = {p.id: _GRADES[(n + i) % len(_GRADES)] for i, p in enumerate(ratees)
                  if p.id != rater.id}
        evaluation.cast_ballot(rater, round_, grades)
    evaluation.close_round(secretary, round_)
