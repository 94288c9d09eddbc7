"""Demo for the town dashboard: the other features' demo data already fill it (the opinion
box's demo ends with one sweep, so overdue opinions have reached the town). Here the town
admin writes a 督办 note on the first escalated one."""
from sqlalchemy import select

from ..extensions import db
from ..opinions.models import Opinion
from .models import SupervisoryNote

ADMIN_PHONE = "13900000000"
NOTE = "请支部书记三个工作日内上门答复群众，并把办理结果报镇党委组织办。"


def seed(ctx) -> None:
    admin = ctx.people.get(ADMIN_PHONE)
    first = db.session.scalar(select(Opinion).where(Opinion.escalated_at.is_not(None))
                              .order_by(Opinion.escalated_at, Opinion.id).limit(1))
    if admin is None or first is None:
        return
    db.session.add(SupervisoryNote(opinion_id=first.id, town_id=ctx.town.id, author_id=admin.id,
                                   text=NOTE))
