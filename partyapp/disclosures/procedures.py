"""Decision procedures are data: named steps with their rules. This file only holds the seed
rows (written into the database once) and the arithmetic that checks a rule."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from .models import Procedure, ProcedureStep

SIYI = "siyi_liangkai"
DONGGUAN = "dangqun_lianxi"

# Which meeting a step may link (`meeting=` below): the kind of meeting it happens at.
MEMBERS_MEETING = "branch_assembly"          # 支部党员大会 (a meeting kind code)
PARTY_MASS_JOINT = "party_mass_joint"        # 党群联席会议
WITH_VILLAGER_REPS = "with_villager_reps"    # any kind that includes villager representatives

# code -> (name, [step fields]) ; fractions as (numerator, denominator, strict)
_HALF, _TWO_THIRDS = (1, 2, True), (2, 3, False)
SEED = {
    SIYI: ("四议两公开", [
        dict(name="党组织提议", body="村党组织"),
        dict(name="两委会商议", body="村“两委”班子"),
        dict(name="党员大会审议", body="全体党员", quorum=_HALF, passing=_HALF,
             pass_base="expected", on_fail="return", return_to=2, meeting=MEMBERS_MEETING),
        dict(name="村民代表会议决议", body="村民代表", quorum=_TWO_THIRDS, passing=_HALF,
             pass_base="present", on_fail="end", meeting=WITH_VILLAGER_REPS),
        dict(name="决议公开", body="向全体村民公开", public_notice=True),
        dict(name="实施结果公开", body="向全体村民公开", public_notice=True),
    ]),
    DONGGUAN: ("党群联席会议", [
        dict(name="党工委书记提议", body="党工委书记"),
        dict(name="班子商议", body="村（社区）班子"),
        dict(name="会议审议", body="党群联席会议", quorum=_HALF, meeting=PARTY_MASS_JOINT),
        dict(name="集体决议", body="党群联席会议", quorum=_HALF, passing=_HALF,
             pass_base="present", on_fail="end", meeting=PARTY_MASS_JOINT),
        dict(name="书面公开", body="向全体村（居）民书面公开", public_notice=True),
        dict(name="实施结果公开", body="向全体村（居）民公开", public_notice=True),
    ]),
}


def ensure_procedures() -> dict[str, Procedure]:
    """Write the seed procedures if missing; return them by code (idempotent)."""
    existing = {p.code: p for p in db.session.scalars(select(Procedure))}
    for code, (name, steps) in SEED.items():
        if code not in existing:
            existing[code] = _add_procedure(code, name, steps)
    return existing


def _add_procedure(code, name, steps) -> Procedure:
    procedure = Procedure(code=code, name=name)
    db.session.add(procedure)
    db.session.flush()
    for position, spec in enumerate(steps, start=1):
        quorum, passing = spec.get("quorum"), spec.get("passing")
        db.session.add(ProcedureStep(
            procedure_id=procedure.id, position=position, name=spec["name"], body=spec["body"],
            quorum_num=quorum and quorum[0], quorum_den=quorum and quorum[1],
            quorum_strict=bool(quorum and quorum[2]),
            pass_num=passing and passing[0], pass_den=passing and passing[1],
            pass_strict=bool(passing and passing[2]), pass_base=spec.get("pass_base", "present"),
            on_fail=spec.get("on_fail", "end"), return_to=spec.get("return_to"),
            public_notice=spec.get("public_notice", False)))
    db.session.flush()
    return procedure


def step_meeting_rule(procedure_code: str, position: int) -> str | None:
    """The meeting a seeded step must link (MEMBERS_MEETING …), or None for any meeting."""
    steps = SEED.get(procedure_code, ("", []))[1]
    return steps[position - 1].get("meeting") if 0 < position <= len(steps) else None


# ---- rule arithmetic -------------------------------------------------------------------------
@dataclass
class VoteResult:
    passed: bool
    reason: str


def reaches(count: int, total: int, num: int, den: int, strict: bool) -> bool:
    """count > num/den of total (strict) or count >= num/den of total; exact integers."""
    return count * den > num * total if strict else count * den >= num * total


def fraction_words(num: int, den: int, strict: bool) -> str:
    words = {(1, 2): "半数", (2, 3): "三分之二"}.get((num, den), f"{num}/{den}")
    return ("超过" if strict else "达到") + words


def check_meeting(step: ProcedureStep, expected: int, present: int,
                  votes_for: int | None) -> VoteResult:
    """The step's quorum and pass rules applied to one meeting's counts."""
    if step.is_meeting and not reaches(present, expected, step.quorum_num, step.quorum_den,
                                       step.quorum_strict):
        need = fraction_words(step.quorum_num, step.quorum_den, step.quorum_strict)
        return VoteResult(False, f"到会{present}人，未{need}（应到{expected}人），会议无效")
    if not step.is_vote:
        return VoteResult(True, f"应到{expected}人，实到{present}人" if step.is_meeting else "")
    base = expected if step.pass_base == "expected" else present
    base_words = "应到" if step.pass_base == "expected" else "实到"
    need = fraction_words(step.pass_num, step.pass_den, step.pass_strict)
    if reaches(votes_for or 0, base, step.pass_num, step.pass_den, step.pass_strict):
        return VoteResult(True, f"赞成{votes_for}票，{need}（{base_words}{base}人），通过")
    return VoteResult(False, f"赞成{votes_for or 0}票，未{need}（{base_words}{base}人），未通过")
