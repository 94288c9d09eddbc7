"""Migrations upgrade an empty database to the models exactly (autogenerate finds nothing)."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from partyapp import create_app
from partyapp.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


@pytest.fixture
def empty_database(tmp_path):
    """A brand-new database of the same kind the suite runs on."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    base, _, _ = url.rpartition("/")
    name = f"partyapp_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_stored_figures_are_filled_in_for_existing_rows(empty_database):
    """0010 adds the frozen meeting counts and the working days to a first reply: on a database
    that already holds records (the demo), the upgrade fills them in exactly as the services
    write them."""
    from flask_migrate import downgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database})
    figures = text("SELECT 'm', id, expected_count, present_count, late_count, leave_count "
                   "FROM meeting WHERE status = 'closed' UNION ALL "
                   "SELECT 'o', id, first_reply_days, 0, 0, 0 FROM opinion "
                   "WHERE first_replied_at IS NOT NULL ORDER BY 1, 2")
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        written = db.session.execute(figures).all()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0009_opinion_escalated_index")
        upgrade(directory=MIGRATIONS)
        filled = db.session.execute(figures).all()
        db.session.remove()
        db.engine.dispose()
    meetings = [row for row in written if row[0] == "m"]
    assert meetings and all(row[2] for row in meetings)                 # counts were frozen
    assert any(row[5] for row in meetings)                              # a leave among them
    assert len([row for row in written if row[0] == "o"]) >= 3
    assert filled == written


def test_attendance_circles_put_existing_lists_right(empty_database):
    """0013 on a database with lists made by the old rule (every member expected at every
    meeting): a committee meeting keeps its committee as 应到, the recorder who came as 列席,
    drops the ordinary member with their invented 补学, and its frozen counts follow; a
    members' meeting is untouched; a villager representatives' meeting to come expects the
    representatives (host and recorder sit in)."""
    from datetime import datetime, timedelta, timezone

    from flask_migrate import downgrade

    from partyapp.models import Role

    from .factories import make_branch, make_group, make_person, make_town

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database})
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0012_secret_ballots")
        branch = make_branch(make_town(), "old")
        group = make_group(branch)
        secretary = make_person("书记", org=branch, roles=(Role.MEMBER, Role.SECRETARY))
        organizer = make_person("组织委员", org=branch, roles=(Role.MEMBER, Role.ORGANIZER))
        recorder = make_person("记录人", org=branch, roles=(Role.MEMBER, Role.RECORDER))
        member = make_person("党员", org=group)
        rep = make_person("代表", org=branch, roles=(Role.VILLAGER_REP,), status=None)
        db.session.commit()
        members = [secretary.id, organizer.id, recorder.id, member.id]
        ids = {code: kid for code, kid in db.session.execute(
            text("SELECT code, id FROM meeting_kind"))}

        def meeting(code, start, status, people, came=()):
            mid = db.session.execute(text(
                "INSERT INTO meeting (org_id, branch_id, topic, starts_at, ends_at, place, host_id,"
                " recorder_id, status, checkin_opens_minutes, late_after_minutes, minutes,"
                " created_at) VALUES (:b, :b, 'x', :s, :e, '', :h, :r, :st, 30, 10, '', :s)"
                " RETURNING id"), {"b": branch.id, "s": start, "e": start + timedelta(hours=1),
                                   "h": secretary.id, "r": recorder.id, "st": status}).scalar()
            db.session.execute(text("INSERT INTO meeting_kind_link VALUES (:m, :k)"),
                               {"m": mid, "k": ids[code]})
            db.session.execute(text("INSERT INTO meeting_attendee VALUES (:m, :p)"),
                               [{"m": mid, "p": p} for p in people])
            if came:
                db.session.execute(text(
                    "INSERT INTO check_in (meeting_id, person_id, at, method, late, flag_far,"
                    " flag_shared_device) VALUES (:m, :p, :at, 'qr', false, false, false)"),
                    [{"m": mid, "p": p, "at": start} for p in came])
            return mid

        held = meeting("branch_committee", now - timedelta(days=10), "closed", members,
                       came=(secretary.id, recorder.id))
        db.session.execute(text("INSERT INTO make_up_study (meeting_id, person_id, due_on) "
                                "VALUES (:m, :p, :d)"),
                           [{"m": held, "p": p, "d": now.date()} for p in (organizer.id, member.id)])
        coming = meeting("branch_committee", now + timedelta(days=5), "published", members)
        theme = meeting("theme_day", now - timedelta(days=3), "closed", members, came=members)
        reps = meeting("villager_reps", now + timedelta(days=6), "planned", members + [rep.id])
        db.session.commit()
        upgrade(directory=MIGRATIONS)

        def listed(mid):
            return dict(db.session.execute(text(
                "SELECT person_id, part FROM meeting_attendee WHERE meeting_id = :m"),
                {"m": mid}).all())

        assert listed(held) == {secretary.id: "expected", organizer.id: "expected",
                                recorder.id: "observer"}
        assert set(db.session.scalars(text("SELECT person_id FROM make_up_study"))) == {
            organizer.id}
        assert db.session.execute(text(
            "SELECT expected_count, present_count FROM meeting WHERE id = :m"),
            {"m": held}).one() == (2, 1)
        assert listed(coming) == {secretary.id: "expected", organizer.id: "expected",
                                  recorder.id: "observer"}
        assert listed(theme) == {pid: "expected" for pid in members}
        assert listed(reps) == {rep.id: "expected", secretary.id: "observer",
                                recorder.id: "observer"}
        assert dict(db.session.execute(text("SELECT code, circle FROM meeting_kind")).all())[
            "joint_leadership"] == "two_committees"
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0012_secret_ballots")
        assert db.session.scalar(text("SELECT count(*) FROM meeting_attendee")) == 3 + 3 + 4 + 3
        db.session.remove()
        db.engine.dispose()
