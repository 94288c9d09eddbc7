"""Issue 16 — bounded uploads and imports: a 170 KB PNG claiming 40 megapixels is refused
before any pixel is decoded (memory measured in a fresh process), a 24 MP JPEG is decoded at a
reduced scale, every upload route has a rate limit, and a roster .xlsx whose shared strings
would unpack to 400 MB is refused from the zip's directory before openpyxl opens it."""
import io
import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.opinions.models import Opinion

from .factories_disclosures import jpeg_bytes, make_commitment
from .factories_meetings import make_meeting
from .factories_org import roster_xlsx, upload

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def png_40mp(tmp_path_factory) -> Path:
    """8000×5000, one colour: ~130 KB on disk, 160 MB as RGBA pixels (more when converted)."""
    path = tmp_path_factory.mktemp("png") / "40mp.png"
    Image.new("RGB", (8000, 5000), (200, 30, 30)).save(path, "PNG", optimize=True)
    return path


@pytest.fixture(scope="module")
def jpeg_24mp(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("jpeg") / "24mp.jpg"
    Image.new("RGB", (6000, 4000), (30, 120, 30)).save(path, "JPEG", quality=80)
    return path


def peak_memory_of_cleaning(path: Path) -> dict:
    """clean_photo() on the file in a fresh interpreter: its outcome and peak RSS (MB)."""
    script = (
        "import json, sys\n"
        "from partyapp.photos import PhotoError, clean_photo\n"
        "def hwm():  # VmHWM: this process's peak RSS (ru_maxrss survives exec from the parent)\n"
        "    line = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "    return int(line.split()[1]) / 1024\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "before = hwm()\n"
        "try:\n"
        "    outcome = len(clean_photo(data))\n"
        "except PhotoError as exc:\n"
        "    outcome = str(exc)\n"
        "print(json.dumps({'outcome': outcome, 'base_mb': before, 'growth_mb': hwm() - before}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_40_megapixel_png_is_refused_without_decoding_it(png_40mp, client, world):
    assert png_40mp.stat().st_size < 400_000
    measured = peak_memory_of_cleaning(png_40mp)
    assert "照片像素太大" in measured["outcome"]
    assert measured["growth_mb"] < 60, measured       # decoding it took ~450 MB
    response = client.post("/opinions/v/jia1/new", data={
        "category": "环境卫生", "content": "河边垃圾堆了一个星期没人清理。", "public_allowed": "y",
        "photos": [(io.BytesIO(png_40mp.read_bytes()), "big.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 200 and "照片像素太大" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_a_24_megapixel_jpeg_is_decoded_at_a_reduced_scale(jpeg_24mp):
    measured = peak_memory_of_cleaning(jpeg_24mp)
    assert isinstance(measured["outcome"], int), measured
    assert measured["growth_mb"] < 100, measured      # in full: 72 MB decoded + 72 MB converted
    from partyapp.photos import clean_photo

    with Image.open(io.BytesIO(clean_photo(jpeg_24mp.read_bytes()))) as kept:
        assert max(kept.size) == 1600


def test_every_upload_route_has_a_rate_limit(client, login, world, rate_limits):
    login(world.recorder)
    meeting = make_meeting(world.branch, starts_at=clock.now() - timedelta(minutes=5),
                           host=world.secretary, recorder=world.recorder)
    photo_codes = [client.post(f"/meetings/{meeting.id}/photos", data={
        "photo": (io.BytesIO(b"<html>"), "x.jpg")}, content_type="multipart/form-data"
    ).status_code for _ in range(21)]
    assert photo_codes == [303] * 20 + [429]

    commitment = make_commitment(world.branch, world.member)
    db.session.commit()
    login(world.member)
    progress_codes = [client.post(f"/disclosures/c/{commitment.id}/progress", data={
        "text": "进展", "percent": "10", "status": "in_progress",
        "photo": (io.BytesIO(jpeg_bytes()), "p.jpg")}, content_type="multipart/form-data"
    ).status_code for _ in range(21)]
    assert progress_codes[-1] == 429 and 429 not in progress_codes[:20]

    login(world.secretary)
    import_codes = [upload(client, world.branch, b"not a zip").status_code for _ in range(11)]
    assert import_codes == [200] * 10 + [429]
    assert "操作太频繁" in upload(client, world.branch, b"x").get_data(as_text=True)


def _bomb() -> bytes:
    """A real roster workbook whose sharedStrings.xml unpacks to 400 MB (a ~400 KB file)."""
    source = zipfile.ZipFile(io.BytesIO(roster_xlsx([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                bomb.writestr(item, source.read(item))
        with bomb.open("xl/sharedStrings.xml", "w") as strings:
            strings.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                          b'spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (1024 * 1024)
            for _ in range(400):
                strings.write(chunk)
            strings.write(b"</t></si></sst>")
    return out.getvalue()


def test_a_roster_that_unpacks_to_400_mb_is_refused_before_openpyxl(client, login, world,
                                                                   monkeypatch):
    data = _bomb()
    assert len(data) < 2 * 1024 * 1024
    opened = []
    import openpyxl.reader.excel

    real = openpyxl.reader.excel.load_workbook
    monkeypatch.setattr("partyapp.org.importer.load_workbook",
                        lambda *a, **k: opened.append(1) or real(*a, **k))
    login(world.secretary)
    response = upload(client, world.branch, data)
    assert response.status_code == 200
    assert "解压后过大" in response.get_data(as_text=True)
    assert opened == []
    # An ordinary roster still imports.
    ok = upload(client, world.branch, roster_xlsx([("王小明", "13800000123", "正式党员",
                                                     "2001-07-01", "", "", "")]))
    assert "解压后过大" not in ok.get_data(as_text=True) and opened == [1]
