"""Demo 党费: every member of both villages has a standard (farmers a fixed 1 元, some employed
or retired with a base); eight months of records, paid month by month by most. In 东湖村 one
member is 3 months behind and one 6 months behind with the branch's note of the talk; in 西岭村
one is 4 months behind. The demo member (13800000010) is employed with a base of 4,200 元."""
from .. import clock
from ..extensions import db
from .models import DuesCategory, DuesProfile
from .services import add_note, month_key, open_month, record_payment, shift_month

MONTHS = 8
BEHIND = {"donghu": {10: 3, 11: 6}, "xiling": {10: 4}}   # member index -> months behind


def seed(ctx) -> None:
    today = clock.today()
    for slug, branch in ctx.villages.items():
        for index, person in enumerate(ctx.members[slug]):
            category = (DuesCategory.EMPLOYED if index in (4, 8) else DuesCategory.RETIRED
                        if index in (0, 12) else DuesCategory.FARMER)
            base = {DuesCategory.EMPLOYED: 420000, DuesCategory.RETIRED: 360000}.get(category)
            db.session.add(DuesProfile(person_id=person.id, branch_id=branch.id,
                                       category=category, base_fen=base,
                                       fixed_fen=None if base else 100))
    db.session.commit()
    this_month = month_key(today)
    months = [shift_month(this_month, -n) for n in range(MONTHS - 1, -1, -1)]
    for month in months:
        open_month(month)
    for slug, branch in ctx.villages.items():
        recorder = ctx.members[slug][2]
        for index, person in enumerate(ctx.members[slug]):
            behind = BEHIND[slug].get(index, 0)
            paid = months[:len(months) - 1 - behind] if behind else months[:-1]
            for month in paid:
                record_payment(branch, person, [month], _paid_on(month, today), "cash", False,
                               recorder)
        for index, behind in BEHIND[slug].items():
            if behind >= 6:
                add_note(branch, ctx.members[slug][index], "reason",
                         "外出务工，已电话联系，本人说春节回村一次交清。", ctx.members[slug][0])


def _paid_on(month: str, today):
    year, number = map(int, month.split("-"))
    day = today.replace(year=year, month=number, day=10)
    return min(day, today)
