"""Demo rows of the yearly loop: the town admin 挂点 东湖村 with this month's 研判; 西岭村 in
软弱涣散 整顿 with one month's progress; 东湖村 recommends two 书记后备, one selected."""
from __future__ import annotations

from datetime import timedelta

from .. import clock
from ..extensions import db
from .models import (Consolidation, ConsolidationProgress, Judgement, PostLink, Reserve,
                     ReserveStatus)

ADMIN_PHONE = "13900000000"


def seed(ctx) -> None:
    admin = ctx.people.get(ADMIN_PHONE)
    donghu, xiling = ctx.villages.get("donghu"), ctx.villages.get("xiling")
    if admin is None or donghu is None or xiling is None:
        return
    today = clock.today()
    db.session.add(PostLink(person_id=admin.id, branch_id=donghu.id, town_id=ctx.town.id))
    db.session.add(Judgement(branch_id=donghu.id, month=today.strftime("%Y-%m"),
                             figures="本月三会一课按期召开，群众意见均按时答复，出勤率较上月提高。",
                             actions="继续抓好承诺事项兑现，下月重点走访困难党员。",
                             author_id=admin.id))
    entry = Consolidation(
        branch_id=xiling.id, town_id=ctx.town.id, reason="堡垒指数位于全镇后列，本季度三会一课不经常",
        problems="组织生活不经常，村务公开不及时", measures="镇挂点领导每月到村指导，书记每月报告整顿进展",
        leader_id=admin.id, first_secretary="王第一", due_on=today + timedelta(days=120),
        listed_by_id=admin.id)
    db.session.add(entry)
    db.session.flush()
    db.session.add(ConsolidationProgress(consolidation_id=entry.id, month=today.strftime("%Y-%m"),
                                         text="已召开支委会研究整顿方案，补开了本月主题党日。",
                                         author_id=admin.id))
    secretary = (ctx.members.get("donghu") or [admin])[0]
    for name, status in (("李青禾", ReserveStatus.SELECTED), ("周晓东", ReserveStatus.RECOMMENDED)):
        db.session.add(Reserve(branch_id=donghu.id, name=name, note="致富带头人，群众基础好",
                               status=status, recommended_by_id=secretary.id,
                               decided_by_id=admin.id if status == ReserveStatus.SELECTED else None,
                               decided_at=clock.now() if status == ReserveStatus.SELECTED else None))
