"""Roster import from Excel: a good file imports everyone in one go; one bad row imports
nothing and the secretary gets a per-row report in Chinese; wrong files are refused."""
import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from partyapp.extensions import db
from partyapp.models import AuditEntry, Membership, Person

from .factories_org import roster_xlsx, upload


def _count_people():
    return db.session.scalar(select(func.count(Person.id)))


GOOD_ROWS = [
    ("张建国", "13811110001", "正式党员", "1988-07-01", "第一党小组", "书记，两委成员", "村委会主任"),
    ("阿丽", "13811110002", "预备党员", datetime(2025, 6, 30), "第一党小组", "党小组长、村民代表", None),
    ("钱大海", 13811110003, "群众", None, None, "村民代表", None),
    ("孙玉梅", "138 1111 0004", "正式", "2001/7/1", "", "", ""),
]


def test_template_download_has_the_chinese_headers(client, login, world):
    login(world.secretary)
    response = client.get(f"/org/{world.branch.id}/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:2] == ["姓名", "手机号"] and headers[2].startswith("党员身份(正式党员/预备党员/群众)")
    assert headers[3:5] == ["入党日期", "党小组"] and headers[5].startswith("职务(") and headers[6] == "两委职务"
    assert sheet["E2"].value == "第一党小组"


def test_the_template_example_row_left_in_is_reported_not_imported(client, login, world):
    login(world.secretary)
    template = client.get(f"/org/{world.branch.id}/import/template.xlsx").data
    response = upload(client, world.branch, template)
    report = _report_rows(response.get_data(as_text=True))
    assert report == [["第2行", "姓名", "这是模板里的示例行，请删除这一行"]]
    assert db.session.scalar(select(Person).where(Person.phone == "13800138000")) is None


def test_good_file_imports_everyone_with_their_roles(client, login, world):
    login(world.secretary)
    before = _count_people()
    response = upload(client, world.branch, roster_xlsx(GOOD_ROWS))
    assert response.status_code == 303
    assert _count_people() == before + 4
    people = {p.name: p for p in db.session.scalars(
        select(Person).where(Person.phone.like("1381111000%")))}
    assert people["阿丽"].party_status == "probationary"
    assert people["阿丽"].joined_party_on == date(2025, 6, 30) and people["阿丽"].is_villager_rep
    assert people["钱大海"].party_status is None and people["钱大海"].phone == "13811110003"
    assert people["孙玉梅"].joined_party_on == date(2001, 7, 1) and people["孙玉梅"].phone == "13811110004"
    roles = sorted((m.person.name, m.role, m.post, m.org_id) for m in db.session.scalars(
        select(Membership).where(Membership.person_id.in_([p.id for p in people.values()]))))
    g, b = world.group.id, world.branch.id
    assert roles == sorted([
        ("张建国", "member", None, g), ("张建国", "secretary", None, b),
        ("张建国", "committee", "村委会主任", b),
        ("阿丽", "member", None, g), ("阿丽", "group_leader", None, g), ("阿丽", "villager_rep", None, b),
        ("钱大海", "villager_rep", None, b),
        ("孙玉梅", "member", None, b)])
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "roster.import")) \
        == '{"count": 4}'
    roster = client.get(f"/org/{world.branch.id}/roster").get_data(as_text=True)
    assert roster.index("阿丽") < roster.index("张建国")


def test_one_bad_row_imports_nothing_and_reports_each_problem(client, login, world):
    login(world.secretary)
    before = _count_people()
    rows = GOOD_ROWS + [
        ("", "12345", "党员", "2001-13-01", "第九党小组", "队长", None),       # row 6
        ("周长青", world.member.phone, "正式党员", "2001-07-01", None, None, None),  # row 7
        ("吴春花", "13811110001", "群众", None, None, "村民代表", None),       # row 8: dup of row 2
    ]
    response = upload(client, world.branch, roster_xlsx(rows))
    assert response.status_code == 200
    assert _count_people() == before
    body = response.get_data(as_text=True)
    assert "没有导入任何人" in body
    report = [(cells[0], cells[1], cells[2]) for cells in _report_rows(body)]
    assert ("第6行", "姓名", "请填写姓名") in report
    assert ("第6行", "手机号", "手机号格式不对，请填写11位手机号") in report
    assert ("第6行", "党员身份", "“党员”不认识，应为正式党员、预备党员或群众") in report
    assert ("第6行", "入党日期", "日期不存在，请检查") in report
    assert ("第6行", "党小组", "本支部没有“第九党小组”") in report
    assert ("第6行", "职务", "不认识：队长") in report
    assert ("第7行", "手机号", "这个手机号已经登记过了") in report
    assert ("第8行", "手机号", "与第2行重复") in report
    assert not any(row.startswith(("第2行", "第3行", "第4行", "第5行")) for row, _, _ in report)


def _report_rows(body):
    import re

    table = body[body.index("import-report"):]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)
            if "<td>" in row]


def test_wrong_file_types_and_layouts_are_refused_in_chinese(client, login, world):
    login(world.secretary)
    before = _count_people()
    cases = [
        (b"name,phone\n", "roster.csv", "只能导入 .xlsx 格式"),
        (b"not a zip at all", "roster.xlsx", "不是有效的 Excel"),
        (_zip_without_workbook(), "roster.xlsx", "无法读取"),
        (roster_xlsx([], headers=["名字", "电话"]), "roster.xlsx", "表头不对"),
        (roster_xlsx([]), "roster.xlsx", "文件里没有人员"),
    ]
    for data, name, message in cases:
        response = upload(client, world.branch, data, filename=name)
        assert response.status_code == 200, name
        assert message in response.get_data(as_text=True), name
    assert "请选择要导入的" in client.post(f"/org/{world.branch.id}/import").get_data(as_text=True)
    assert _count_people() == before


def test_file_over_the_size_limit_is_refused(app, client, login, world, monkeypatch):
    # The limit is 2MB; lowered here so the test client keeps the body in memory.
    monkeypatch.setitem(app.config, "ROSTER_IMPORT_MAX_BYTES", 64 * 1024)
    login(world.secretary)
    response = upload(client, world.branch, b"PK" + b"0" * (64 * 1024), filename="big.xlsx")
    assert "文件太大：花名册文件不能超过64KB" in response.get_data(as_text=True)


def test_default_size_limit_is_two_megabytes():
    from partyapp.org.importer import ImportFileError, read_rows

    try:
        read_rows(b"PK" + b"0" * (2 * 1024 * 1024), "big.xlsx")
    except ImportFileError as exc:
        assert str(exc) == "文件太大：花名册文件不能超过2MB"
    else:
        raise AssertionError("a file over 2MB was accepted")


def _zip_without_workbook():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    return buffer.getvalue()


def test_import_is_refused_to_other_branches(client, login, world):
    login(world.other_branch_secretary)
    response = upload(client, world.branch, roster_xlsx(GOOD_ROWS))
    assert response.status_code == 403
    assert db.session.scalar(select(Person).where(Person.phone == "13811110001")) is None


def test_import_checks_with_a_fixed_number_of_queries(client, login, world, queries):
    login(world.secretary)
    bad = ("", "1", "", None, None, None, None)
    client.get("/")   # warm-up: the first page loads the holiday calendar once per process
    db.session.expire_all()
    with queries() as small:
        upload(client, world.branch, roster_xlsx(GOOD_ROWS[:1] + [bad]))
    db.session.expire_all()
    many = [(f"人{i}", f"1381111{i:04d}", "群众", None, None, "村民代表", None) for i in range(40)]
    with queries() as large:
        upload(client, world.branch, roster_xlsx(many + [bad]))
    assert large.count == small.count
