"""Helper of scripts/lighthouse.sh: prepare (a meeting open now, a member's session cookie)
and report (scores from Lighthouse's JSON; the last line is JSON)."""
import json
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 95
MEMBER = "13800000010"


def prepare(work: Path) -> None:
    from flask.sessions import SecureCookieSessionInterface
    from sqlalchemy import select

    from partyapp import clock, create_app
    from partyapp.extensions import db
    from partyapp.meetings import services
    from partyapp.meetings.checkin import make_token
    from partyapp.models import Organization, Person

    app = create_app()
    with app.app_context():
        branch = db.session.scalar(select(Organization).where(Organization.slug == "donghu"))
        start = clock.now() - timedelta(minutes=5)
        meeting = services.plan_meeting(None, services.MeetingPlan(
            org=branch, kinds=[services.kind_by_code("theme_day")], topic="主题党日（测评）",
            starts_at=start, ends_at=start + timedelta(hours=3)))
        meeting.status = "published"
        db.session.commit()
        member = db.session.scalar(select(Person).where(Person.phone == MEMBER))
        cookie = SecureCookieSessionInterface().get_signing_serializer(app).dumps(
            {"_user_id": member.get_id(), "_fresh": True})
        (work / "meeting_id").write_text(str(meeting.id))
        (work / "cookie").write_text(f"session={cookie}")


def scan_path(work: Path) -> str:
    from partyapp import create_app
    from partyapp.meetings.checkin import make_token

    meeting_id = int((work / "meeting_id").read_text())
    with create_app().app_context():
        return f"/meetings/{meeting_id}/c/{make_token(meeting_id)}"


def _checked_in(work: Path) -> bool:
    """The measured page was the 已签到 result (not an expired-code page)."""
    from sqlalchemy import func, select

    from partyapp import create_app
    from partyapp.extensions import db
    from partyapp.meetings.models import CheckIn

    meeting_id = int((work / "meeting_id").read_text())
    with create_app().app_context():
        return bool(db.session.scalar(select(func.count(CheckIn.id)).where(
            CheckIn.meeting_id == meeting_id)))


def report(work: Path, names: list[str]) -> int:
    scores, worst = {}, 100
    for name in names:
        data = json.loads((work / f"{name}.json").read_text())
        scores[name] = {key: round(category["score"] * 100)
                        for key, category in data["categories"].items()}
        worst = min(worst, *scores[name].values())
        print(f"{name:10} " + "  ".join(f"{k} {v}" for k, v in scores[name].items()))
        for audit in data["audits"].values():
            if audit.get("score") is not None and audit["score"] < 0.9 and \
                    audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"):
                print(f"           - {audit['id']}: {audit['title']}")
    if "checkin" in names:
        print("check-in stored by the measured scan:", _checked_in(work))
    print(json.dumps({"pages": scores, "worst": worst, "target": TARGET}, ensure_ascii=False))
    return 0 if worst >= TARGET else 1


if __name__ == "__main__":
    if sys.argv[1] == "--scan":
        print(scan_path(Path(sys.argv[2])))
        sys.exit(0)
    if sys.argv[1] == "--report":
        sys.exit(report(Path(sys.argv[2]), sys.argv[3:]))
    prepare(Path(sys.argv[1]))
