"""Demo training: this year the town's 书记轮训 (one day) where 东湖村's secretary came and
西岭村's did not — the town sees one secretary missing; a 党员集中培训 (冬训) with most of
东湖村 present; a county party-school course entered for 西岭村's organizer."""
from datetime import date

from .. import clock
from .services import add_record, check_in, plan_session


def seed(ctx) -> None:
    today = clock.today()
    admin = ctx.people["13900000000"]
    day = max(date(today.year, 1, 1), today.replace(day=1))
    rotation = plan_session(ctx.town, "rotation", f"{today.year}年支部书记轮训班", day, 1, 8,
                            "镇党校", admin)
    check_in(rotation, [ctx.members["donghu"][0].id], admin)
    course = plan_session(ctx.town, "course", f"{today.year}年党员冬训（第一期）", day, 2, 12,
                          "镇党群服务中心", admin)
    check_in(course, [p.id for p in ctx.members["donghu"][:15]], admin)
    organizer = ctx.members["xiling"][1]
    add_record(ctx.villages["xiling"], organizer, "网络党校：学习贯彻党的二十届四中全会精神",
               "县委党校", day, 3, 24, False, admin)
