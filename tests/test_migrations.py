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
