"""Backups: SQLite's online backup API (safe while the site is serving) plus uploaded photos,
packed in one .tar.gz; restore does the reverse. PostgreSQL deployments use pg_dump."""
from __future__ import annotations

import io
import os
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

DB_MEMBER = "partyapp.db"
UPLOADS_MEMBER = "uploads"


def sqlite_path(database_uri: str) -> Path | None:
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)


def pg_dump_instructions(database_uri: str) -> str:
    url = make_url(database_uri).set(drivername="postgresql")
    safe = url.render_as_string(hide_password=True)
    return ("This site runs on PostgreSQL; back it up with PostgreSQL's own tools:\n"
            f"  pg_dump --format=custom --file=partyapp.dump '{safe}'\n"
            f"  pg_restore --clean --if-exists --dbname='{safe}' partyapp.dump\n"
            "and copy the uploads folder alongside.")


def backup_sqlite(db_file: Path, uploads: Path, target: Path) -> dict:
    """Copy the live database page by page (readers and writers keep going), then pack it
    with the uploads. Returns what was written."""
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / DB_MEMBER
        source = sqlite3.connect(db_file, timeout=30)
        copy = sqlite3.connect(snapshot)
        try:
            with copy:
                # One step: in WAL mode this reads a snapshot while writers go on. A
                # stepped backup restarts on every write and never ends on a busy site.
                source.backup(copy)
            integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
            source.close()
        if integrity != "ok":
            raise RuntimeError(f"backup failed its integrity check: {integrity}")
        target.parent.mkdir(parents=True, exist_ok=True)
        photos = 0
        # The archive holds password hashes and keys: readable by its owner only, from the
        # first byte (created 0600, and tightened if an older file is overwritten).
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(snapshot, arcname=DB_MEMBER)
            if uploads.is_dir():
                for path in sorted(uploads.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=f"{UPLOADS_MEMBER}/{path.relative_to(uploads)}")
                        photos += 1
    return {"file": str(target), "bytes": target.stat().st_size, "uploads": photos}


def restore_sqlite(archive_path: Path, db_file: Path, uploads: Path) -> dict:
    """Put a backup back: the database through the backup API (so open connections see a
    consistent switch), then the uploads. Stop the web and clock processes first."""
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive_path, "r:gz") as archive:
        members = archive.getmembers()
        _refuse_unsafe(members)
        archive.extractall(scratch, filter="data")
        snapshot = Path(scratch) / DB_MEMBER
        if not snapshot.exists():
            raise RuntimeError("this archive holds no partyapp.db")
        source = sqlite3.connect(snapshot)
        live = sqlite3.connect(db_file, timeout=30)
        try:
            with live:
                source.backup(live)
        finally:
            live.close()
            source.close()
        restored = 0
        extracted = Path(scratch) / UPLOADS_MEMBER
        if extracted.is_dir():
            for path in extracted.rglob("*"):
                if path.is_file():
                    destination = uploads / path.relative_to(extracted)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(path.read_bytes())
                    restored += 1
    return {"restored_from": str(archive_path), "uploads": restored}


def _refuse_unsafe(members) -> None:
    for member in members:
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
            raise RuntimeError(f"unsafe path in archive: {name}")


__all__ = ["backup_sqlite", "restore_sqlite", "sqlite_path", "pg_dump_instructions", "io"]
