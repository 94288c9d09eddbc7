"""Page speed at county scale: every main page, as the right role, in-process (test client),
on the small demo database and on the county database (`flask seed-scale`).

For each page: p95 of 30 timed requests (after 3 untimed) and the SQL statements one request
sends. query_growth is the largest ratio county/demo of a page's statement count (1 = the
page does the same work whatever the size). The last line printed is JSON:
{"pages": n, "worst_p95_ms": x, "worst_queries": q, "query_growth": g}.
Targets: worst p95 < 50 ms, worst queries <= 15, growth 1. Excel downloads (the ledger and the
town's quarterly workbook) are measured too but reported apart ("downloads_worst_p95_ms"): a
file is not a screen, and most of its time is openpyxl writing the workbook.

    .venv/bin/python bench/pages.py            # builds both databases in a temp folder
    .venv/bin/python bench/pages.py --keep DIR # reuse/keep them in DIR

PAGES is the one table of what is measured; the lead extends it. Rows whose endpoint is not in
the URL map (features not merged yet) are skipped and named in the output.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS, WARM = 30, 3
ADMIN, SECRETARY, RECORDER, MEMBER = "13900000000", "13800000001", "13800000003", "13800000010"
VILLAGE = "donghu"


def _branch(ctx):
    return {"branch_id": ctx["branch"]}


def _branch_org(ctx):
    return {"org_id": ctx["branch"]}


def _meeting(ctx):
    return {"meeting_id": ctx["meeting"]}


# (label, endpoint, who logs in (phone or None), params(ctx) -> url_for values)
PAGES = [
    ("public commitments", "public.tab", None, lambda c: {"slug": VILLAGE, "tab": "commitments"}),
    ("public decisions", "public.tab", None, lambda c: {"slug": VILLAGE, "tab": "decisions"}),
    ("public results", "public.tab", None, lambda c: {"slug": VILLAGE, "tab": "results"}),
    ("public opinions", "public.tab", None, lambda c: {"slug": VILLAGE, "tab": "opinions"}),
    ("opinion form", "opinions.submit", None, lambda c: {"slug": VILLAGE}),
    ("log-in", "auth.login", None, lambda c: {}),
    ("member home", "main.home", MEMBER, lambda c: {}),
    ("member me", "main.me", MEMBER, lambda c: {}),
    ("member meetings", "meetings.index", MEMBER, lambda c: {}),
    ("member inbox", "notify.inbox", MEMBER, lambda c: {}),
    ("secretary home", "main.home", SECRETARY, lambda c: {}),
    ("meeting page", "meetings.detail", SECRETARY, _meeting),
    ("meeting screen", "meetings.screen", RECORDER, _meeting),
    ("meeting door", "meetings.door", RECORDER, _meeting),
    ("ledger", "meetings.ledger_page", SECRETARY, _branch),
    ("compliance", "meetings.compliance", SECRETARY, _branch),
    ("opinion inbox", "opinions.inbox", SECRETARY, _branch),
    ("opinion detail", "opinions.detail", SECRETARY, lambda c: {"opinion_id": c["opinion"]}),
    ("disclosures", "disclosures.index", SECRETARY, lambda c: {}),
    ("commitment", "disclosures.commitment", SECRETARY,
     lambda c: {"commitment_id": c["commitment"]}),
    ("roster", "org.roster", SECRETARY, _branch),
    ("town home", "main.home", ADMIN, lambda c: {}),
    ("town people", "org.town_people", ADMIN, lambda c: {"town_id": c["town"]}),
    # Town dashboard and star rating.
    ("town dashboard", "town.dashboard", ADMIN, lambda c: {"town_id": c["town"]}),
    *[(f"town tab {key}", "town.dashboard", ADMIN,
       lambda c, key=key: {"town_id": c["town"], "section": key})
      for key in ("meetings", "opinions", "commitments", "stars", "terms", "dues", "training")],
    ("town stars", "ratings.town", ADMIN, lambda c: {"town_id": c["town"]}),
    ("my stars", "ratings.mine", MEMBER, lambda c: {}),
    ("branch rating", "ratings.branch", SECRETARY, _branch),
    # 换届 terms.
    ("town terms", "terms.town", ADMIN, lambda c: {"town_id": c["town"]}),
    ("branch term", "terms.org_term", SECRETARY, lambda c: {"org_id": c["branch"]}),
    # 党费.
    ("my dues", "dues.mine", MEMBER, lambda c: {}),
    ("dues book", "dues.book", RECORDER, _branch),
    ("dues arrears", "dues.arrears", SECRETARY, _branch),
    # Training.
    ("my training", "training.mine", MEMBER, lambda c: {}),
    ("branch training", "training.branch", SECRETARY, _branch),
    ("town training", "training.town", ADMIN, lambda c: {"town_id": c["town"]}),
    # 整改清单 (issue 22).
    ("rectification list", "rectification.org_list", SECRETARY, _branch_org),
    ("rectification print", "rectification.print_view", SECRETARY, _branch_org),
    ("rectification item", "rectification.detail", MEMBER,
     lambda c: {"item_id": c["rectification_item"]}),
    ("rectification town", "rectification.town", ADMIN, lambda c: {"town_id": c["town"]}),
    # Downloads: Excel workbooks, reported apart from the pages (a file, not a screen).
    ("ledger workbook", "meetings.ledger_export", SECRETARY, _branch),
]


# Blueprints merged later are also walked automatically: each GET page of theirs whose URL needs
# at most a town, branch or village is measured as this role (unless PAGES already has it).
AUTO = {"town": ADMIN, "ratings": SECRETARY}
DOWNLOADS = (".xlsx",)        # files, not screens: their figures are reported apart
REDIRECTS = {"town.index"}   # sends the admin on to their town's dashboard (measured above)
AUTO_PARAMS = {"town_id": lambda c: c["town"], "branch_id": lambda c: c["branch"],
               "org_id": lambda c: c["branch"], "slug": lambda c: VILLAGE}


def auto_pages(app) -> list:
    listed = {endpoint for _, endpoint, _, _ in PAGES}
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint not in AUTO or rule.endpoint in listed or rule.endpoint in REDIRECTS \
                or "GET" not in rule.methods \
                or not set(rule.arguments) <= AUTO_PARAMS.keys():
            continue
        names = sorted(rule.arguments)
        found.append((f"{rule.endpoint} (auto)", rule.endpoint, AUTO[blueprint],
                      lambda c, names=names: {n: AUTO_PARAMS[n](c) for n in names}))
        listed.add(rule.endpoint)
    return found


def build(directory: Path) -> dict[str, str]:
    """demo.db (seed-demo) and county.db (seed-scale), made once by the real commands and
    upgraded to the current migrations each run."""
    urls = {}
    for name, command in (("demo", "seed-demo"), ("county", "seed-scale")):
        path = directory / f"{name}.db"
        urls[name] = f"sqlite:///{path}"
        env = {"DATABASE_URL": urls[name], "PATH": str(Path(sys.executable).parent)}
        flask = str(Path(sys.executable).parent / "flask")
        # a kept database is brought up to the current migrations; a new one is also filled
        for args in (["db", "upgrade"],) + (() if path.exists() else ([command],)):
            subprocess.run([flask, "--app", "app", *args], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return urls


def context(app) -> dict:
    """Ids the page parameters need: the demo village's branch, its latest meeting, the
    newest opinion and commitment."""
    from sqlalchemy import select

    from partyapp.disclosures.models import Commitment
    from partyapp.extensions import db
    from partyapp.meetings.models import Meeting
    from partyapp.models import Organization
    from partyapp.opinions.models import Opinion
    from partyapp.rectification.models import RectificationItem

    with app.app_context():
        branch = db.session.scalar(select(Organization).where(Organization.slug == VILLAGE))
        return {
            "branch": branch.id, "town": branch.parent_id,
            "meeting": db.session.scalar(select(Meeting.id).where(
                Meeting.branch_id == branch.id).order_by(Meeting.starts_at.desc())),
            "opinion": db.session.scalar(select(Opinion.id).where(
                Opinion.branch_id == branch.id).order_by(Opinion.id.desc())),
            "commitment": db.session.scalar(select(Commitment.id).where(
                Commitment.branch_id == branch.id).order_by(Commitment.id.desc())),
            "rectification_item": db.session.scalar(select(RectificationItem.id).where(
                RectificationItem.org_id == branch.id).order_by(RectificationItem.id)),
        }


def measure(url: str) -> tuple[dict, list[str]]:
    from flask import url_for
    from sqlalchemy import event, select

    from partyapp import create_app, freeze_heap
    from partyapp.extensions import db, limiter
    from partyapp.models import Person

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    limiter.enabled = False
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    ctx = context(app)
    freeze_heap()     # as app.py does in every worker
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        people = {phone: person.get_id() for phone, person in (
            (p, db.session.scalar(select(Person).where(Person.phone == p)))
            for p in (ADMIN, SECRETARY, RECORDER, MEMBER))}
    results, skipped = {}, []
    for label, endpoint, phone, params in PAGES + auto_pages(app):
        if endpoint not in endpoints:
            skipped.append(label)
            continue
        client = app.test_client()
        if phone:
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = people[phone], True
        with app.test_request_context():
            path = url_for(endpoint, **params(ctx))
        for _ in range(WARM):
            status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"{label} {path}: status {status}")
        statements.clear()
        client.get(path)
        count = len([s for s in statements if not s.lstrip().upper().startswith("PRAGMA")])
        timings = []
        for _ in range(RUNS):
            began = time.perf_counter()
            client.get(path).get_data()
            timings.append((time.perf_counter() - began) * 1000)
        p95 = sorted(timings)[int(0.95 * (RUNS - 1))]
        results[label] = {"path": path, "p95_ms": round(p95, 1),
                          "median_ms": round(statistics.median(timings), 1), "queries": count}
    return results, skipped


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", help="folder for demo.db and county.db (reused when present)")
    args = parser.parse_args()
    directory = Path(args.keep or tempfile.mkdtemp(prefix="pages-"))
    directory.mkdir(parents=True, exist_ok=True)
    urls = build(directory)
    demo, skipped = measure(urls["demo"])
    county, _ = measure(urls["county"])
    print(f"{'page':22} {'demo p95 (median)':>18} {'county p95 (median)':>20}  queries demo/county")
    for label in demo:
        d, c = demo[label], county[label]
        print(f"{label:22} {d['p95_ms']:>8.1f} ({d['median_ms']:>5.1f})    "
              f"{c['p95_ms']:>8.1f} ({c['median_ms']:>5.1f})    "
              f"{d['queries']:>5}/{c['queries']:<5} {c['path']}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    if skipped:
        print("not in the URL map (skipped):", ", ".join(skipped))
    pages = [k for k in demo if not demo[k]["path"].endswith(DOWNLOADS)]
    downloads = [k for k in demo if k not in pages]
    both = [r[k] for r in (demo, county) for k in pages]
    files = [r[k] for r in (demo, county) for k in downloads]
    return {"pages": len(pages),
            "worst_p95_ms": max(r["p95_ms"] for r in both),
            "worst_queries": max(r["queries"] for r in both),
            "query_growth": round(max(county[k]["queries"] / max(demo[k]["queries"], 1)
                                      for k in demo), 2),
            "downloads": len(downloads),
            "downloads_worst_p95_ms": max((r["p95_ms"] for r in files), default=None),
            "downloads_worst_queries": max((r["queries"] for r in files), default=None)}


if __name__ == "__main__":
    print(json.dumps(main()))
