"""The first run is the real thing: a fresh clone's `make run` serves the Procfile's processes
(gunicorn and the clock) through honcho, on 127.0.0.1, and /healthz says ok within a minute
(the clock has beaten, so reminders and overdue marks happen from the first run)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "partyapp"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    # Reuse this test run's virtualenv instead of installing from scratch; its stamp must look
    # newer than the clone's pyproject.toml, or make would reinstall into the shared venv.
    (clone / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    os.utime(clone / "pyproject.toml", (0, 0))
    stamp = clone / ".venv" / ".installed"
    if not stamp.exists():   # a venv made by hand, not by make
        stamp.touch()
    return clone


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def test_fresh_clone_make_run_is_healthy_within_a_minute(tmp_path):
    clone = _fresh_clone(tmp_path)
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "HOST", "FLASK_APP", "VIRTUAL_ENV")}
    env.update(PORT=str(port), PYTHONDONTWRITEBYTECODE="1")
    log = open(tmp_path / "make-run.log", "wb")
    started = time.monotonic()
    process = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    body, seen = None, None
    try:
        while time.monotonic() - started < 60:
            assert process.poll() is None, (tmp_path / "make-run.log").read_text()[-3000:]
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                body = response.json()
                if body.get("status") == "ok":
                    seen = time.monotonic() - started
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        output = (tmp_path / "make-run.log").read_text()
        assert seen is not None, f"/healthz never ok in 60 s: {body}\n{output[-3000:]}"
        # Both Procfile processes are up, and the web server is gunicorn, not Flask's.
        assert "web.1" in output and "clock.1" in output, output[-3000:]
        assert "gunicorn" in output.lower() and "development server" not in output
        # The demo passwords are public: only this machine can reach the server.
        assert f"127.0.0.1:{port}" in output
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert home.status_code == 200 and "党群小站" in home.text
    finally:
        _stop(process)
        log.close()
    assert process.returncode is not None
