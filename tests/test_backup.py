"""flask backup / flask restore: a round trip while another thread keeps writing."""
import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from partyapp import clock, create_app
from partyapp.extensions import db
from partyapp.models import Notification

from .factories import make_person

# These tests make their own SQLite database, so they run in the PostgreSQL pass too.


@pytest.fixture
def sqlite_app(tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "opinions").mkdir(parents=True)
    (uploads / "opinions" / "photo.jpg").write_bytes(b"\xff\xd8photo")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(uploads),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}"})
    with app.app_context():
        db.create_all()
    return app


def test_backup_while_writing_then_restore_round_trip(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        person = make_person("备份测试")
        db.session.commit()
        person_id = person.id
    engine = create_engine(sqlite_app.config["SQLALCHEMY_DATABASE_URI"])
    stop = threading.Event()
    written = []

    def keep_writing():
        with engine.connect() as connection:
            connection.execute(text("PRAGMA busy_timeout=5000"))
            while not stop.is_set():
                connection.execute(Notification.__table__.insert().values(
                    person_id=person_id, title=f"n{len(written)}", body="", kind="info",
                    created_at=clock.now()))
                connection.commit()
                written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    deadline = time.monotonic() + 10
    while len(written) < 50 and writer.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(written) >= 50, "the writer thread did not get going"
    archive = tmp_path / "backup.tar.gz"
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["backup", str(archive)])
    count_at_backup_end = len(written)
    time.sleep(0.05)
    stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    assert "1 photos" in result.output
    total = len(written)

    (tmp_path / "uploads" / "opinions" / "photo.jpg").unlink()
    restored = runner.invoke(args=["restore", str(archive), "--yes"])
    assert restored.exit_code == 0, restored.output
    with engine.connect() as connection:
        in_backup = connection.execute(select(func.count()).select_from(Notification.__table__)).scalar()
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    engine.dispose()
    assert 50 <= in_backup <= count_at_backup_end < total + 1
    assert in_backup < total  # writes after the backup are not in it: it is a point in time
    assert (tmp_path / "uploads" / "opinions" / "photo.jpg").read_bytes() == b"\xff\xd8photo"


def test_restore_refuses_an_archive_with_unsafe_paths(sqlite_app, tmp_path):
    import io
    import tarfile

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        data = b"x"
        info = tarfile.TarInfo("../../etc/passwd_partyapp")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    result = sqlite_app.test_cli_runner().invoke(args=["restore", str(evil), "--yes"])
    assert result.exit_code != 0 and "unsafe path" in str(result.exception)


def test_the_backup_archive_is_readable_by_its_owner_only(sqlite_app, tmp_path):
    """Issue 16: the archive holds password hashes and keys — mode 0600, also when an older
    archive (0644) is overwritten."""
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"old")
    archive.chmod(0o644)
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert archive.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh.tar.gz"
    assert sqlite_app.test_cli_runner().invoke(args=["backup", str(fresh)]).exit_code == 0
    assert fresh.stat().st_mode & 0o777 == 0o600
