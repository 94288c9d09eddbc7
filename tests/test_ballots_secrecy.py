"""The heart of the secret ballot: members and villager representatives vote through the pages,
the secretary closes the round, and then an attacker holding everything — the live database,
its WAL, a backup taken after the close, the site's key folder, PostgreSQL's xmin and ctid —
tries to tie any grade to its voter. It must fail, on SQLite and on PostgreSQL.

The same attacker (tests/ballot_attacker.py) ties every ballot when it is given the storage of
partyapp before this change: see tests/test_ballots_migration.py."""
from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from partyapp import backup, clock
from partyapp.ballots import sealing
from partyapp.ballots import services as ballots
from partyapp.ballots.models import SealedBallot
from partyapp.extensions import db
from partyapp.models import Role
from partyapp.ratings import evaluation
from partyapp.ratings.models import EvaluationRound, Grade

from . import ballot_attacker as attacker
from .factories import make_person

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC)


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def cast_all_through_the_pages(world, client, login):
    """Eight voters (seven members and a villager representative) grade the other members.
    Every ballot differs and nobody gets the same grade from everyone, so the counts alone
    cannot give a ballot away."""
    for n in range(3):
        make_person(f"党员{n}", org=world.branch)
    db.session.commit()
    login(world.secretary)
    assert client.post(f"/ratings/b/{world.branch.id}/rounds",
                       data={"year": "2026", "quarter": "4"}).status_code == 303
    round_ = db.session.scalar(select(EvaluationRound))
    ratees = [p.id for p in evaluation.ratees_for(round_.branch, world.villager_rep)]
    voters = sorted(evaluation.rater_ids(round_.branch))
    truth = {}
    for i, voter_id in enumerate(voters):
        ballot = {ratee: Grade.ORDER[(i + 2 * j) % 4] for j, ratee in enumerate(ratees)
                  if ratee != voter_id}
        login(db.session.get(type(world.member), voter_id))
        assert client.get(f"/ratings/rounds/{round_.id}").status_code == 200
        response = client.post(f"/ratings/rounds/{round_.id}/ballot",
                               data={f"grade-{pid}": g for pid, g in ballot.items()})
        assert response.status_code == 303, response.get_data(as_text=True)
        truth[voter_id] = ballot
    assert len(truth) == 8 and len({tuple(sorted(b.items())) for b in truth.values()}) == 8
    return round_, truth


def raw_reader():
    connection = db.engine.raw_connection()
    return attacker.Reader(connection, db.engine.dialect.name), connection


def sqlite_file() -> Path:
    return Path(make_url(db.engine.url).database)


def test_nobody_can_tie_a_grade_to_a_voter_once_the_round_is_closed(
        app, world, client, login, frozen, tmp_path):
    frozen(NOW)
    round_, truth = cast_all_through_the_pages(world, client, login)
    box = evaluation.ballot_round_of(round_)
    sealed = list(db.session.scalars(select(SealedBallot.sealed)))       # what was on disk
    assert len(sealed) == 8
    key_dir = sealing.key_dir()

    # While open, a reader of the database alone (a backup, a dump, the town's DBA) gets
    # nothing: the ballots are sealed and the key is not in the database.
    reader, connection = raw_reader()
    assert attacker.correct(attacker.tie(reader), truth) == set()
    connection.close()

    login(world.secretary)
    db.session.remove()                       # no reader of ours holds the WAL open
    assert client.post(f"/ratings/rounds/{round_.id}/close").status_code == 303

    # The counts are right: nothing was lost on the way.
    expected = Counter((ratee, grade) for ballot in truth.values() for ratee, grade in ballot.items())
    counted = ballots.results([box.id])[box.id]
    assert {(ratee, g): n for ratee, per in counted.items() for g, n in per.items()} == expected
    assert not sealing.key_path(box.id).exists()

    # After the close: the attacker has the live database, the key folder, and more.
    reader, connection = raw_reader()
    try:
        assert attacker.correct(attacker.tie(reader, key_dir), truth) == set()
        if is_postgres():
            assert_postgres_files_hold_no_ballot(connection, sealed)
    finally:
        connection.close()
    if is_postgres():
        assert_a_pg_dump_ties_nothing(truth, key_dir, sealed, tmp_path)
    else:
        assert_sqlite_files_wal_and_backup_tie_nothing(app, truth, key_dir, sealed, tmp_path)


def assert_sqlite_files_wal_and_backup_tie_nothing(app, truth, key_dir, sealed, tmp_path):
    db_file = sqlite_file()
    # The database file, its WAL and shared memory hold no sealed ballot, not even in free pages.
    assert attacker.contains_any(attacker.sqlite_files(db_file), sealed) == []
    # Every commit still held in the WAL, rebuilt and attacked.
    for snapshot in attacker.wal_snapshots(db_file):
        reader = attacker.sqlite_reader(snapshot)
        assert attacker.correct(attacker.tie(reader, key_dir), truth) == set()
        reader.connection.close()
    # A backup taken after the close, with the project's own backup.
    archive = tmp_path / "after-close.tar.gz"
    backup.backup_sqlite(db_file, Path(app.config["UPLOAD_FOLDER"]), archive)
    assert attacker.contains_any(archive.read_bytes(), sealed) == []
    copy = attacker.backup_copy(archive, tmp_path)
    assert attacker.contains_any(copy.read_bytes(), sealed) == []
    reader = attacker.sqlite_reader(copy)
    assert attacker.correct(attacker.tie(reader, key_dir), truth) == set()
    reader.connection.close()


def assert_postgres_files_hold_no_ballot(connection, sealed):
    """The ballot tables' files on disk (and the TOAST table that holds the long sealed values)
    hold no sealed ballot: VACUUM FULL wrote them anew without the deleted rows."""
    cursor = connection.cursor()
    cursor.execute("CHECKPOINT")              # what is in shared buffers goes to the files
    cursor.execute("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relname IN "
                   "('ballot_sealed', 'ballot_voter', 'ballot_result') UNION "
                   "SELECT c.reltoastrelid::regclass::text FROM pg_class c "
                   "WHERE c.relname = 'ballot_sealed' AND c.reltoastrelid <> 0")
    relations = [row[0] for row in cursor.fetchall()]
    assert len(relations) == 4
    for relation in relations:
        cursor.execute("SELECT pg_relation_size(%s::regclass), "
                       "pg_read_binary_file(pg_relation_filepath(%s::regclass))",
                       (relation, relation))
        size, data = cursor.fetchone()
        assert attacker.contains_any(bytes(data or b""), sealed) == [], relation
    cursor.close()


def assert_a_pg_dump_ties_nothing(truth, key_dir, sealed, tmp_path):
    """A backup taken after the close the way the project says (pg_dump, pg_restore)."""
    url = make_url(db.engine.url)
    dump = tmp_path / "after-close.dump"
    pg = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username]
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", *pg, url.database],
                   check=True)
    assert attacker.contains_any(dump.read_bytes(), sealed) == []
    scratch = f"partyapp_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={scratch}", *pg, str(dump)],
                       check=True)
        restored = create_engine(url.set(database=scratch))
        connection = restored.raw_connection()
        try:
            reader = attacker.Reader(connection, "postgresql")
            assert attacker.correct(attacker.tie(reader, key_dir), truth) == set()
        finally:
            connection.close()
            restored.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def test_the_honest_caveat_someone_with_the_key_and_the_database_during_the_round(
        world, client, login, frozen):
    """What the round page admits: while the round is open, whoever holds both the database
    and the server's key folder can open the sealed ballots (and, on PostgreSQL, match each to
    its voter by the transaction that wrote both). After the close: see the test above."""
    frozen(NOW)
    round_, truth = cast_all_through_the_pages(world, client, login)
    reader, connection = raw_reader()
    try:
        guesses = attacker.tie(reader, sealing.key_dir())
    finally:
        connection.close()
    opened = {tuple(sorted(b.items())) for _, b in guesses}
    assert {tuple(sorted(b.items())) for b in truth.values()} <= opened
    if is_postgres():
        assert attacker.correct(guesses, truth) == set(truth)


def test_the_page_promises_what_holds_and_says_what_remains(world, client, login, frozen):
    frozen(NOW)
    login(world.secretary)
    client.post(f"/ratings/b/{world.branch.id}/rounds", data={"year": "2026", "quarter": "4"})
    round_ = db.session.scalar(select(EvaluationRound))
    login(world.member)
    page = client.get(f"/ratings/rounds/{round_.id}").get_data(as_text=True)
    assert "书记和镇里都查不到你给谁评了什么" in page
    assert "任何人都查不到" not in page
    assert "测评进行中" in page and "测评结束后" in page
