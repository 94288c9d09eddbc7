"""SIGKILL the web server (the Procfile's gunicorn command, on a temporary SQLite database)
in the middle of a check-in burst: every check-in that was acknowledged ("✓ 已签到" came
back) is in the database afterwards. Reuses the burst bench's set-up (bench/checkin_burst.py)."""
from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from bench import checkin_burst as burst

MEMBERS = 80
KILL_AFTER = 25   # acknowledgements seen before the kill


def test_acknowledged_check_ins_survive_a_sigkill_of_the_server(tmp_path, monkeypatch):
    monkeypatch.setattr(burst, "MEMBERS", MEMBERS)
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    phones, (meeting_id,), _ = burst.prepare_database(url)
    make = burst.token_maker()
    port = burst.free_port()
    server = burst.start_server(port, {"DATABASE_URL": url, "SECRET_KEY": burst.SECRET,
                                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    base = f"http://127.0.0.1:{port}"
    killed = threading.Event()
    acknowledged: list[str] = []
    lock = threading.Lock()
    try:
        with ThreadPoolExecutor(8) as pool:
            jars = list(pool.map(lambda phone: (phone, burst.log_in(base, phone)), phones))

        def scan(phone, jar):
            _, status, body = burst.timed_get(
                f"{base}/meetings/{meeting_id}/c/{make(meeting_id)}", jar)
            if status == 200 and "已签到" in body:
                with lock:
                    acknowledged.append(phone)
                    if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                        killed.set()
                        os.killpg(server.pid, signal.SIGKILL)   # mid-burst, no clean shutdown

        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda item: scan(*item), jars))
    finally:
        if not killed.is_set():
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    assert killed.is_set(), "the burst finished before the kill: nothing was tested"
    assert KILL_AFTER <= len(acknowledged) < MEMBERS, "the kill landed mid-burst"
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = set(connection.execute(text(
            "SELECT person.phone FROM check_in JOIN person ON person.id = check_in.person_id "
            "WHERE check_in.meeting_id = :m"), {"m": meeting_id}).scalars())
        integrity = connection.execute(text("PRAGMA integrity_check")).scalar()
    engine.dispose()
    assert set(acknowledged) <= stored, f"lost: {set(acknowledged) - stored}"
    assert integrity == "ok"
