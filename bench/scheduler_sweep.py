"""One opinion sweep over N open opinions (5% past due) in a fresh SQLite database.

    .venv/bin/python bench/scheduler_sweep.py            # 100,000 opinions
    .venv/bin/python bench/scheduler_sweep.py --n 10000  # to see the query count stay put

Prints the figures; the last line is JSON:
{"opinions": N, "marked": M, "sweep_s": s, "queries": q}
(marked = opinions the sweep claimed as overdue; reminders/escalations/digests are shown
above it). Target: sweep_s < 2 and q independent of N.
"""
import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partyapp import clock, create_app  # noqa: E402
from partyapp.demo import add_org, add_role  # noqa: E402
from partyapp.extensions import db  # noqa: E402
from partyapp.models import OrgKind, Person, Role  # noqa: E402
from partyapp.opinions import jobs  # noqa: E402
from partyapp.opinions.models import Opinion  # noqa: E402

BRANCHES = 20
NOW = datetime(2026, 10, 22, 9, 0, tzinfo=clock.CHINA).astimezone(clock.UTC)


def build(n: int) -> None:
    db.create_all()
    town = add_org(None, OrgKind.TOWN, "基准镇党委")
    admin = Person(name="镇管理员", phone="13900000000")
    db.session.add(admin)
    branches = []
    for b in range(BRANCHES):
        branch = add_org(town, OrgKind.BRANCH, f"基准{b}村党支部", village=f"基准{b}村",
                         slug=f"bench{b}")
        secretary = Person(name=f"书记{b}", phone=f"138{b:08d}")
        db.session.add(secretary)
        db.session.flush()
        add_role(secretary, branch, Role.SECRETARY)
        branches.append((branch.id, secretary.id))
    db.session.flush()
    add_role(admin, town, Role.TOWN_ADMIN)
    db.session.commit()
    rows = [_row(i, n, branches) for i in range(n)]
    for start in range(0, n, 20_000):
        db.session.execute(insert(Opinion), rows[start:start + 20_000])
    db.session.commit()


def _row(i: int, n: int, branches) -> dict:
    branch_id, secretary_id = branches[i % BRANCHES]
    past_due = i < n // 20                                # 5% past due
    due = NOW - timedelta(hours=1 + i % 72) if past_due else NOW + timedelta(days=1 + i % 30)
    received = due - timedelta(days=7)
    return dict(branch_id=branch_id, reference=f"{i:08d}", tracking_hash=f"{i:064x}",
                category="村务", content=f"第{i}条意见", content_key=f"{i:064x}",
                public_allowed=True, channel="web", received_at=received, created_at=received,
                status="open", round=1, first_due_at=due, due_at=due, assignee_id=secretary_id,
                reply_public=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                          "SECRET_KEY": "bench", "NOTIFY_SENDER": "record"})
        with app.app_context(), clock.travel(NOW):
            build(n)
            statements = []
            event.listen(db.engine, "before_cursor_execute",
                         lambda *args: statements.append(args[2]))
            started = time.perf_counter()
            result = jobs.sweep()
            elapsed = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
    print(f"sweep result: {result}")
    print(json.dumps({"opinions": n, "marked": result["overdue"], "sweep_s": round(elapsed, 3),
                      "queries": len(statements)}))


if __name__ == "__main__":
    main()
