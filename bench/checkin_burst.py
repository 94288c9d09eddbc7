"""Check-in burst: 300 members at one meeting scan the QR within seconds.

Starts the Procfile's web command (gunicorn, 2 workers x 4 threads) on a fresh temporary SQLite
database with 300 members expected at one meeting, logs them in (not timed), then fires the
300 check-ins from 50 concurrent connections of an asynchronous client (aiohttp: client and
server share the machine's two cores, so a thread-pool client would hide the server's cost).
In the same run, alternating round by round, it measures a baseline: a bare Flask +
Flask-SQLAlchemy endpoint inserting one row (bench/baseline_app.py) under the same gunicorn
command. Each round also reads the server's own CPU time (user + system of the gunicorn master
and its workers, from the kernel's accounting via psutil) before and after, divided by the
requests acknowledged: that figure hardly depends on the client or the neighbours' load.
Finally a double scan: each member scans twice at the same instant (600 requests, a fresh
meeting). The last line printed is JSON; each figure is the median of the rounds.

Targets (issue 26), in the median of five rounds:
- cpu_ratio = cpu_ms_per_checkin / baseline_cpu_ms <= 2.5 (server CPU per check-in at most
  2.5x the bare stack's insert), or a floor shown by the profile that no check can give up;
- p95_ms < 120, errors == 0, acknowledged == stored == 300 (every acknowledged check-in stored);
- double scan: double_errors == 0 and double_stored == 300.

    .venv/bin/python bench/checkin_burst.py              # five alternating rounds
    .venv/bin/python bench/checkin_burst.py --rounds 1   # one quick round
"""
from __future__ import annotations

import asyncio
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


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# ---- the asynchronous client and the server's CPU time ------------------------------------------
def server_cpu_seconds(process: subprocess.Popen) -> float:
    """User + system CPU of the gunicorn master and its live workers (kernel accounting)."""
    import psutil

    master = psutil.Process(process.pid)
    total = 0.0
    for proc in [master, *master.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _cookie_header(jar: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


async def _fetch(session, url: str, cookie: str | None, gate: asyncio.Semaphore,
                 start: asyncio.Event | None = None) -> tuple[float, int, str]:
    import aiohttp

    async with gate:
        if start is not None:
            await start.wait()
        began = time.perf_counter()
        try:
            async with session.get(url, headers={"Cookie": cookie} if cookie else None,
                                   allow_redirects=False) as response:
                body = await response.text()
                return time.perf_counter() - began, response.status, body
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return time.perf_counter() - began, 0, str(exc)


async def _async_burst(requests_: list[tuple[str, str | None]], concurrency: int = CONCURRENCY,
                       pairs: bool = False):
    """GET every (url, cookie) over `concurrency` keep-alive connections; with pairs=True each
    two consecutive requests are sent at the same instant (the double scan). Returns
    (results, seconds)."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        began = time.perf_counter()
        if pairs:
            gate = asyncio.Semaphore(concurrency // 2)

            async def pair(first, second):
                async with gate:
                    inner = asyncio.Semaphore(2)
                    return await asyncio.gather(_fetch(session, *first, inner),
                                                _fetch(session, *second, inner))
            nested = await asyncio.gather(*(pair(requests_[i], requests_[i + 1])
                                            for i in range(0, len(requests_), 2)))
            results = [r for both in nested for r in both]
        else:
            gate = asyncio.Semaphore(concurrency)
            results = await asyncio.gather(*(_fetch(session, url, cookie, gate)
                                             for url, cookie in requests_))
        return results, time.perf_counter() - began


def measured_burst(server: subprocess.Popen, requests_, **kwargs):
    """(results, seconds, server CPU seconds) of one burst."""
    cpu_before = server_cpu_seconds(server)
    results, seconds = asyncio.run(_async_burst(requests_, **kwargs))
    return results, seconds, server_cpu_seconds(server) - cpu_before


def main(rounds: int = 5) -> dict:
    """Both passes alternate `rounds` times (a fresh meeting each round); every figure is the
    median over the rounds, the rounds themselves are listed. A warm-up burst of each server
    comes first (not counted): templates, prepared statements, connection pools."""
    workdir = Path(tempfile.mkdtemp(prefix="checkin-burst-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    phones, meeting_ids, double_id = prepare_database(url, rounds + 1)
    warm_id, meeting_ids = meeting_ids[0], meeting_ids[1:]
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
            cookies = [_cookie_header(jar) for jar in pool.map(lambda p: log_in(base, p), phones)]

        def scans(meeting):
            return [(f"{base}/meetings/{meeting}/c/{make(meeting)}", jar) for jar in cookies]

        def inserts(first):
            return [(f"{base_line}/insert/{first + n}", None) for n in range(MEMBERS)]

        measured_burst(server, scans(warm_id))                    # warm-up, not counted
        measured_burst(baseline, inserts(10 ** 6))
        measured = []
        for index, meeting_id in enumerate(meeting_ids):
            app_round = measured_burst(server, scans(meeting_id))
            base_round = measured_burst(baseline, inserts(index * MEMBERS))
            measured.append(_round_figures(url, meeting_id, app_round, base_round))

        twice = [request for request in scans(double_id) for _ in range(2)]
        doubles, _, _ = measured_burst(server, twice, pairs=True)
    finally:
        stop_server(server)
        stop_server(baseline)

    report = {key: _median(measured, key) for key in measured[0]}
    for key in ("checkins", "acknowledged", "stored", "errors"):   # the worst round, not a median
        report[key] = (min if key != "errors" else max)(r[key] for r in measured)
    report["cpu_ratio"] = round(report["cpu_ms_per_checkin"] / report["baseline_cpu_ms"], 2)
    report.update({
        "double_errors": sum(1 for r in doubles if r[1] != 200 or "已签到" not in r[2]),
        "double_stored": stored_check_ins(url, double_id),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "rounds_run": len(measured),
        "rounds": [{k: r[k] for k in ("rps", "baseline_rps", "p95_ms", "cpu_ms_per_checkin",
                                      "baseline_cpu_ms", "errors", "stored")} for r in measured],
    })
    return report


def _median(rounds: list[dict], key: str):
    value = statistics.median(r[key] for r in rounds)
    return round(value, 3) if isinstance(value, float) else value


def _round_figures(url, meeting_id, app_round, base_round) -> dict:
    results, seconds, cpu = app_round
    base_results, base_seconds, base_cpu = base_round
    ok = [r for r in results if r[1] == 200 and "已签到" in r[2]]
    base_ok = sum(1 for r in base_results if r[1] == 200)
    latencies = [r[0] * 1000 for r in results]
    rps = MEMBERS / seconds
    baseline_rps = base_ok / base_seconds
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
        "cpu_ms_per_checkin": round(cpu * 1000 / max(len(ok), 1), 3),
        "baseline_cpu_ms": round(base_cpu * 1000 / max(base_ok, 1), 3),
        # context, not a target: the baseline's own latency in the same round
        "baseline_p95_ms": round(percentile([r[0] * 1000 for r in base_results], 0.95), 1),
    }


if __name__ == "__main__":
    arguments = sys.argv[1:]
    print(json.dumps(main(int(arguments[1]) if arguments[:1] == ["--rounds"] else 5),
                     ensure_ascii=False))
