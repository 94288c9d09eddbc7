"""Upload burst (issue 16): a 170 KB PNG claiming 40 megapixels, and a 24 MP phone JPEG,
eight at once through the opinion box under the Procfile's gunicorn (2 workers × 4 threads)
on a fresh temporary SQLite database, while a villager keeps loading the public page.

Reports each worker's peak RSS (VmHWM, so the decode's peak is caught however short), the
answers, and the public page's latency during each burst. The last line printed is JSON.

    .venv/bin/python bench/upload_burst.py
"""
from __future__ import annotations

import io
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import checkin_burst as burst  # noqa: E402

AT_ONCE = 8


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def rss_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def images() -> dict[str, bytes]:
    png = io.BytesIO()
    Image.new("RGB", (8000, 5000), (200, 30, 30)).save(png, "PNG", optimize=True)
    jpeg = io.BytesIO()
    # A phone-like photo: smooth detail, a few MB (the box takes 5 MB a photo).
    Image.effect_noise((600, 400), 60).convert("RGB").resize((6000, 4000), Image.BICUBIC).save(
        jpeg, "JPEG", quality=85)
    return {"png_40mp": png.getvalue(), "jpeg_24mp": jpeg.getvalue()}


def post_photo(base: str, name: str, data: bytes, n: int) -> tuple[int, float, str]:
    session = requests.Session()
    page = session.get(f"{base}/opinions/v/bench/new", timeout=60).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    began = time.perf_counter()
    response = session.post(f"{base}/opinions/v/bench/new", data={
        "csrf_token": token, "category": "环境卫生", "public_allowed": "y",
        "content": f"压测照片第{n}张：" + "、".join(str(n * 7 + k) for k in range(6))},
        files={"photos": (f"{name}.{'png' if 'png' in name else 'jpg'}", data)},
        allow_redirects=False, timeout=120)
    outcome = ("kept" if response.status_code == 303 else
               "refused" if "照片像素太大" in response.text else "other")
    return response.status_code, time.perf_counter() - began, outcome


def burst_with_page(base: str, name: str, data: bytes) -> dict:
    stop = threading.Event()
    latencies: list[float] = []

    def keep_loading():
        while not stop.is_set():
            elapsed, status, _ = burst.timed_get(f"{base}/v/bench/opinions")
            if status == 200:
                latencies.append(elapsed)
            time.sleep(0.05)

    reader = threading.Thread(target=keep_loading)
    reader.start()
    time.sleep(0.3)
    with ThreadPoolExecutor(AT_ONCE) as pool:
        results = list(pool.map(lambda n: post_photo(base, name, data, n), range(AT_ONCE)))
    time.sleep(0.3)
    stop.set()
    reader.join()
    return {"upload_bytes": len(data), "answers": sorted({f"{s} {o}" for s, _, o in results}),
            "upload_max_s": round(max(t for _, t, _ in results), 2),
            "public_page_max_ms": round(1000 * max(latencies)) if latencies else None,
            "public_page_median_ms": round(1000 * statistics.median(latencies))
            if latencies else None, "public_page_loads": len(latencies)}


def main() -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="upload-burst-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    burst.MEMBERS = 5
    burst.prepare_database(url)
    port = burst.free_port()
    server = burst.start_server(port, {"DATABASE_URL": url, "SECRET_KEY": burst.SECRET,
                                       "UPLOAD_FOLDER": str(workdir / "uploads"),
                                       "RATELIMIT_ENABLED": "false"})
    base = f"http://127.0.0.1:{port}"
    figures = {}
    try:
        pids = worker_pids(server.pid)
        figures["worker_rss_at_start_mb"] = [round(rss_mb(p, "VmRSS")) for p in pids]
        for name, data in images().items():
            figures[name] = burst_with_page(base, name, data)
            figures[name]["worker_peak_rss_mb"] = [round(rss_mb(p, "VmHWM")) for p in pids]
    finally:
        burst.stop_server(server)
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
