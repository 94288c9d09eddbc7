"""flask create-admin and flask seed-demo, and the demo log-ins the README lists."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partyapp.demo import DEMO_LOGINS
from partyapp.extensions import db
from partyapp.models import AuditEntry, Membership, Organization, Person, Role

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_admin_makes_the_town_and_its_first_admin(app_ctx, runner, client):
    result = runner.invoke(args=["create-admin", "--name", "何志远", "--phone", "139-0000-0000",
                                 "--town", "青山镇党委", "--password", "secret-123"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(Person).where(Person.phone == "13900000000"))
    town = db.session.scalar(select(Organization).where(Organization.name == "青山镇党委"))
    assert town.kind == "town" and town.path == f"/{town.id}/"
    assert [(m.org_id, m.role) for m in admin.memberships] == [(town.id, Role.TOWN_ADMIN)]
    assert db.session.scalar(select(AuditEntry.action)) == "admin.create"
    response = client.post("/auth/login", data={"phone": "13900000000", "password": "secret-123"})
    assert response.status_code == 303


def test_create_admin_refuses_bad_phone_taken_phone_and_short_password(app_ctx, runner):
    bad = runner.invoke(args=["create-admin", "--name", "甲", "--phone", "12345",
                              "--town", "青山镇党委", "--password", "secret-123"])
    assert bad.exit_code != 0 and "手机号格式不对" in bad.output
    short = runner.invoke(args=["create-admin", "--name", "甲", "--phone", "13900000001",
                                "--town", "青山镇党委", "--password", "short"])
    assert short.exit_code != 0 and "密码至少8位" in short.output
    assert _count(Person) == 0
    runner.invoke(args=["create-admin", "--name", "甲", "--phone", "13900000001",
                        "--town", "青山镇党委", "--password", "secret-123"])
    again = runner.invoke(args=["create-admin", "--name", "乙", "--phone", "13900000001",
                                "--town", "青山镇党委", "--password", "secret-123"])
    assert again.exit_code != 0 and "已经有账号" in again.output
    assert _count(Person) == 1


def test_second_admin_joins_the_existing_town(app_ctx, runner):
    for phone in ("13900000001", "13900000002"):
        runner.invoke(args=["create-admin", "--name", "甲", "--phone", phone,
                            "--town", "青山镇党委", "--password", "secret-123"])
    assert _count(Organization) == 1 and _count(Membership) == 2


def test_seed_demo_loads_two_villages_and_about_forty_members(app_ctx, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output and "13800000001" in result.output
    members = db.session.scalar(select(func.count(Person.id)).where(Person.party_status.is_not(None)))
    assert members == 38                       # 19 party members in each of two villages
    # + 3 non-member villager representatives, a collective-economy leader, a shareholder and a
    # migrant-worker representative each, + admin
    assert _count(Person) == 51
    kinds = sorted(db.session.scalars(select(Organization.kind)))
    assert kinds == ["branch", "branch", "group", "group", "group", "group", "town"]


def test_seed_demo_refuses_a_non_empty_database_and_if_empty_is_a_no_op(app_ctx, runner, world):
    people = _count(Person)
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0 and "not loaded" in quiet.output
    assert _count(Person) == people


def test_every_demo_login_in_the_readme_works(app, app_ctx, runner):
    runner.invoke(args=["seed-demo"])
    readme = README.read_text(encoding="utf-8")
    for role, village, phone in DEMO_LOGINS:
        assert phone in readme, phone
        client = app.test_client()
        response = client.post("/auth/login", data={"phone": phone, "password": "demo1234"})
        assert response.status_code == 303, (role, phone)
        assert client.get("/me").status_code == 200
    assert re.search(r"demo1234", readme)


def test_demo_secretary_runs_her_roster(app, app_ctx, runner):
    runner.invoke(args=["seed-demo"])
    client = app.test_client()
    client.post("/auth/login", data={"phone": "13800000001", "password": "demo1234"})
    me = client.get("/me").get_data(as_text=True)
    assert "担任：书记、村委会主任" in me
    branch = db.session.scalar(select(Organization).where(Organization.slug == "donghu"))
    roster = client.get(f"/org/{branch.id}/roster").get_data(as_text=True)
    assert "共 25 人" in roster                # 19 party members + 6 non-members (reps, leaders)
