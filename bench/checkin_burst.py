"""Check-in burst: 300 members at one meeting scan the QR within seconds.

Starts the Procfile's web command (gunicorn) on a fresh temporary SQLite database with 300
members expected at one meeting, logs them in (not timed), then fires the 300 check-ins from
50 concurrent clients with valid tokens. In the same run it measures a baseline: a bare
Flask + Flask-SQLAlchemy endpoint inserting one row (bench/baseline_app.py) under the same
gunicorn settings. Then a second pass: each member scans twice at the same instant (600
requests, a fresh meeting). The last line printed is JSON.

    .venv/bin/python bench/checkin_burst.py              # the run the issue describes
    .venv/bin/python bench/checkin_burst.py --rounds 5   # alternate 5 times, median round
"""
from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMBERS = 300
CONCURRENCY = 50
SECRET = "bench-secret-key"
PASSWORD = "bench1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_web_command(port: int, module: str = "app:app") -> list[str]:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    command = line.split(":", 1)[1].strip()
    command = re.sub(r"\$\{PORT(:-[^}]*)?\}", str(port), command)
    command = re.sub(r"\$\{HOST(:-[^}]*)?\}", "127.0.0.1", command)
    return [part if part != "app:app" else module for part in shlex.split(command)]


def start_server(port: int, env: dict, module: str = "app:app") -> subprocess.Popen:
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ, **env, PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""))
    process = subprocess.Popen(procfile_web_command(port, module), cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError("gunicorn did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


# ---- data ---------------------------------------------------------------------------------------
def prepare_database(url: str, rounds: int = 1) -> tuple[list[str], list[int], int]:
    """Migrate, then 300 members of one branch, one meeting open for check-in now per round
    and one for the double-scan pass."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from partyapp import clock, create_app
    from partyapp.demo import add_org, add_role
    from partyapp.extensions import db
    from partyapp.meetings import services
    from partyapp.models import OrgKind, Person, Role

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        town = add_org(None, OrgKind.TOWN, "压测镇党委")
        branch = add_org(town, OrgKind.BRANCH, "压测村党支部", village="压测村", slug="bench")
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # bench only
        phones = [f"138{n:08d}" for n in range(MEMBERS)]
        people = [Person(name=f"党员{n:03d}", phone=phone, password_hash=hashed,
                         party_status="full") for n, phone in enumerate(phones)]
        db.session.add_all(people)
        db.session.flush()
        for person in people:
            add_role(person, branch, Role.MEMBER)
        start = clock.now() - timedelta(minutes=5)
        ids = []
        for topic in [f"压测：主题党日{n + 1}" for n in range(rounds)] + ["压测：同一时刻扫两次"]:
            meeting = services.plan_meeting(None, services.MeetingPlan(
                org=branch, kinds=[services.kind_by_code("theme_day")], topic=topic,
                starts_at=start, ends_at=start + timedelta(hours=3)))
            meeting.status = "published"
            ids.append(meeting.id)
        db.session.commit()
        db.engine.dispose()
    return phones, ids[:-1], ids[-1]


def stored_check_ins(url: str, meeting_id: int) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM check_in WHERE meeting_id = :m"),
                                   {"m": meeting_id}).scalar()
    engine.dispose()
    return count


def token_maker():
    from partyapp import create_app
    from partyapp.meetings.checkin import make_token

    from partyapp.meetings.checkin import current_slot

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    made: dict[tuple[int, int], str] = {}
    lock = threading.Lock()

    def make(meeting_id: int) -> str:
        """The token the screen shows right now (computed once per 15-second slot)."""
        key = (meeting_id, current_slot())
        with lock:
            if key not in made:
                with app.app_context():
                    made[key] = make_token(meeting_id, key[1])
            return made[key]

    return make


# ---- clients ------------------------------------------------------------------------------------
def log_in(base: str, phone: str) -> dict:
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    response = session.post(f"{base}/auth/login", data={
        "csrf_token": csrf.group(1), "phone": phone, "password": PASSWORD, "remember": "y"},
        allow_redirects=False, timeout=30)
    if response.status_code != 303:
        raise RuntimeError(f"log-in failed for {phone}: {response.status_code}")
    return session.cookies.get_dict()


def timed_get(url: str, cookies: dict | None = None) -> tuple[float, int, str]:
    began = time.perf_counter()
    try:
        response = requests.get(url, cookies=cookies, timeout=60)
        return time.perf_counter() - began, response.status_code, response.text
    except requests.RequestException as exc:
        return time.perf_counter() - began, 0, str(exc)


def burst(tasks, concurrency=CONCURRENCY):
    """Run the callables on `concurrency` clients; returns (results, seconds)."""
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda task: task(), tasks))
    return results, time.perf_counter() - began


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main(rounds: int = 1) -> dict:
    """One round is the spec's run. With --rounds N both passes alternate N times (a fresh
    meeting each round) and the round with the median ratio is reported, the others listed:
    on a shared 2-core machine a one-second burst is at the mercy of its neighbours."""
    workdir = Path(tempfile.mkdtemp(prefix="checkin-burst-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    phones, meeting_ids, double_id = prepare_database(url, rounds)
    baseline_url = f"sqlite:///{workdir / 'baseline.db'}"
    os.environ["BASELINE_DATABASE_URL"] = baseline_url
    import bench.baseline_app  # noqa: F401  (creates its table once, before the workers start)

    make = token_maker()
    port, baseline_port = free_port(), free_port()
    server = start_server(port, {"DATABASE_URL": url, "SECRET_KEY": SECRET})
    baseline = start_server(baseline_port, {"BASELINE_DATABASE_URL": baseline_url},
                            "bench.baseline_app:app")
    base, base_line = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{baseline_port}"
    try:
        with ThreadPoolExecutor(8) as pool:                       # untimed
            cookies = list(pool.map(lambda phone: log_in(base, phone), phones))
        burst([lambda n=n: timed_get(f"{base_line}/insert/{n}") for n in range(50)])  # warm-up

        def scan(jar, meeting):
            return lambda: timed_get(f"{base}/meetings/{meeting}/c/{make(meeting)}", jar)

        measured = []
        for index, meeting_id in enumerate(meeting_ids):
            results, seconds = burst([scan(jar, meeting_id) for jar in cookies])
            base_results, base_seconds = burst([
                lambda n=n: timed_get(f"{base_line}/insert/{index * MEMBERS + n}")
                for n in range(MEMBERS)])
            measured.append(_round_figures(url, meeting_id, results, seconds, base_results,
                                           base_seconds))

        barriers = [threading.Barrier(2, timeout=30) for _ in cookies]

        def twice(jar, barrier):
            def run():
                barrier.wait()
                return timed_get(f"{base}/meetings/{double_id}/c/{make(double_id)}", jar)
            return run

        doubles, _ = burst([twice(jar, barriers[i]) for i, jar in enumerate(cookies)
                            for _ in range(2)])
    finally:
        stop_server(server)
        stop_server(baseline)

    report = dict(sorted(measured, key=lambda r: r["ratio"])[len(measured) // 2])
    report.update({
        "double_errors": sum(1 for r in doubles if r[1] != 200 or "已签到" not in r[2]),
        "double_stored": stored_check_ins(url, double_id),
        "load_average_1m": round(os.getloadavg()[0], 2),
    })
    if rounds > 1:
        report["rounds"] = [{k: r[k] for k in ("rps", "baseline_rps", "ratio", "p95_ms",
                                               "errors", "stored")} for r in measured]
    return report


def _round_figures(url, meeting_id, results, seconds, base_results, base_seconds) -> dict:
    ok = [r for r in results if r[1] == 200 and "已签到" in r[2]]
    latencies = [r[0] * 1000 for r in results]
    rps = MEMBERS / seconds
    baseline_rps = sum(1 for r in base_results if r[1] == 200) / base_seconds
    return {
        "checkins": MEMBERS,
        "acknowledged": len(ok),
        "stored": stored_check_ins(url, meeting_id),
        "errors": sum(1 for r in results if r[1] != 200),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "rps": round(rps, 1),
        "baseline_rps": round(baseline_rps, 1),
        "ratio": round(rps / baseline_rps, 3),
        # context, not a target: the baseline's own latency in the same round
        "baseline_p95_ms": round(percentile([r[0] * 1000 for r in base_results], 0.95), 1),
    }


if __name__ == "__main__":
    arguments = sys.argv[1:]
    print(json.dumps(main(int(arguments[1]) if arguments[:1] == ["--rounds"] else 1),
                     ensure_ascii=False))
