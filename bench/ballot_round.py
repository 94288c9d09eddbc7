"""One 满意度测评 round in a branch of N members (a fresh SQLite database, or DATABASE_URL):
every member votes (grading the N-1 others), then the round is closed — counted, the sealed
ballots and the key destroyed, the storage rewritten (SQLite VACUUM, PostgreSQL VACUUM FULL).

    .venv/bin/python bench/ballot_round.py            # 60 members
    .venv/bin/python bench/ballot_round.py --n 200

Prints the figures; the last line is JSON:
{"members": N, "cast_ms_median": ms, "cast_ms_max": ms, "close_s": s, "sealed_bytes": b}
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partyapp import create_app  # noqa: E402
from partyapp.demo import add_org, add_role  # noqa: E402
from partyapp.extensions import db  # noqa: E402
from partyapp.models import OrgKind, PartyStatus, Person, Role  # noqa: E402
from partyapp.ratings import evaluation  # noqa: E402
from partyapp.ratings.models import Grade  # noqa: E402


def build(n: int):
    db.create_all()
    town = add_org(None, OrgKind.TOWN, "基准镇党委")
    branch = add_org(town, OrgKind.BRANCH, "基准村党支部", village="基准村", slug="bench")
    people = [Person(name=f"党员{i}", name_pinyin=f"dang yuan {i:04d}", phone=f"139{i:08d}",
                     party_status=PartyStatus.FULL) for i in range(n)]
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        add_role(person, branch, Role.MEMBER)
    add_role(people[0], branch, Role.SECRETARY)
    db.session.commit()
    return branch, people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{scratch / 'bench.db'}"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "BALLOT_KEY_DIR": str(scratch / "keys")})
    with app.app_context():
        db.drop_all()
        branch, people = build(args.n)
        round_ = evaluation.open_round(people[0], branch, 2026, 4)
        timings = []
        for i, voter in enumerate(people):
            ballot = {p.id: Grade.ORDER[(i + j) % 4] for j, p in enumerate(people) if p.id != voter.id}
            started = time.perf_counter()
            assert evaluation.cast_ballot(voter, round_, ballot) is None
            timings.append((time.perf_counter() - started) * 1000)
        sealed = db.session.execute(db.text("SELECT SUM(LENGTH(sealed)) FROM ballot_sealed")).scalar()
        started = time.perf_counter()
        assert evaluation.close_round(people[0], round_) is None
        close_s = time.perf_counter() - started
        db.drop_all()
    figures = {"members": args.n, "cast_ms_median": round(statistics.median(timings), 2),
               "cast_ms_max": round(max(timings), 2), "close_s": round(close_s, 3),
               "sealed_bytes": int(sealed)}
    print(f"{args.n} ballots of {args.n - 1} grades: cast median {figures['cast_ms_median']} ms, "
          f"max {figures['cast_ms_max']} ms; close (count, destroy, rewrite) {figures['close_s']} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
