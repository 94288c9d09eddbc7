"""The demo town admin (13900000000) sees a meaningful dashboard from the other features'
demo data: both villages, held meetings and attendance, opinion figures, an escalated
opinion with the town's 督办 note, commitments."""
from datetime import datetime

from werkzeug.security import generate_password_hash

from partyapp import clock
from partyapp.demo import seed_demo
from partyapp.town import services


def test_demo_town_admin_sees_a_full_dashboard(app_ctx, frozen, client, login):
    frozen(datetime(2026, 11, 20, 10, tzinfo=clock.CHINA))
    ctx = seed_demo(generate_password_hash("demo1234", method="pbkdf2:sha256:1000"))
    admin = ctx.people["13900000000"]
    board = services.dashboard(ctx.town, services.quarter_of("2026-Q4"))
    assert len(board.rows) == 2
    assert all(row.attendance.expected > 0 for row in board.rows)
    assert all(row.replies["received"] > 0 for row in board.rows)
    assert board.escalated and board.notes[board.escalated[0].id]
    assert any(row.open_commitments for row in board.rows)
    login(admin)
    page = client.get("/town/", follow_redirects=True).get_data(as_text=True)
    for village in ctx.villages.values():
        assert village.name in page
    charts = client.get(f"/town/{ctx.town.id}/?section=meetings").get_data(as_text=True)
    assert charts.count('class="town-chart"') == 2          # one per village
    escalated = client.get(f"/town/{ctx.town.id}/?section=opinions").get_data(as_text=True)
    assert "请支部书记三个工作日内上门答复群众" in escalated and 'class="town-chart"' in escalated
    me = client.get("/me").get_data(as_text=True)
    assert f"/town/{ctx.town.id}/" in me
