"""Roster import from Excel (.xlsx). Every row is checked first; one bad row and nothing is
imported — the secretary gets a per-row report (行号, 列, 问题) in Chinese. A phone number that
is already registered is an error row (never a silent update): edit that person instead."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from .. import audit
from ..extensions import db
from ..xlsx import append_row
from ..models import Organization, PartyStatus, Role
from . import services
from .services import PersonData

MAX_BYTES = 2 * 1024 * 1024
# Inside the .xlsx (a zip): what a roster of a few hundred people unpacks to is well under a
# few MB; a crafted file can claim 400 MB of shared strings in a 2 MB upload.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_UNPACKED_MEMBER = 20 * 1024 * 1024
MAX_MEMBERS = 200
MAX_RATIO = 200     # uncompressed / compressed of one member (text compresses ~10-50×)
MAX_ROWS = 1000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = ["姓名", "手机号", "党员身份(正式党员/预备党员/群众)", "入党日期", "党小组",
           "职务(逗号分隔:书记/副书记/组织委员/宣传委员/纪检委员/支部委员/记录人/两委成员/"
           "集体经济组织班子成员/党小组长/村民代表/股东代表/异地务工人员代表)", "两委职务"]
SHORT_HEADERS = ["姓名", "手机号", "党员身份", "入党日期", "党小组", "职务", "两委职务"]
STATUS_WORDS = {"正式党员": PartyStatus.FULL, "正式": PartyStatus.FULL,
                "预备党员": PartyStatus.PROBATIONARY, "预备": PartyStatus.PROBATIONARY,
                "群众": None, "": None}
ROLE_WORDS = {"书记": Role.SECRETARY, "副书记": Role.DEPUTY_SECRETARY, "组织委员": Role.ORGANIZER,
              "记录人": Role.RECORDER, "两委成员": Role.COMMITTEE, "党小组长": Role.GROUP_LEADER,
              "村民代表": Role.VILLAGER_REP, "宣传委员": Role.PUBLICITY, "纪检委员": Role.DISCIPLINE,
              "支部委员": Role.BRANCH_COMMITTEE, "委员": Role.BRANCH_COMMITTEE,
              "集体经济组织班子成员": Role.COLLECTIVE_LEADER, "股东代表": Role.SHAREHOLDER_REP,
              "异地务工人员代表": Role.MIGRANT_REP}
FIELD_COLUMNS = {"name": "姓名", "phone": "手机号", "party_status": "党员身份",
                 "joined_party_on": "入党日期", "group_id": "党小组", "roles": "职务",
                 "committee_post": "两委职务"}
EXAMPLE_NAME = "张三（示例，导入前请删除）"
_SPLIT = re.compile(r"[,，、;；\s]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class ImportFileError(ValueError):
    """The file itself cannot be used (type, size, layout); message in Chinese."""


@dataclass
class RowProblem:
    row: int
    column: str
    problem: str


@dataclass
class ImportResult:
    imported: int = 0
    problems: list[RowProblem] | None = None


def template_workbook(branch: Organization) -> bytes:
    """The downloadable template: Chinese headers, one example row, drop-down for status."""
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    append_row(sheet, HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    groups = services.branch_groups(branch)
    append_row(sheet, [EXAMPLE_NAME, "13800138000", "正式党员", "2001-07-01",
                  groups[0].name if groups else "", "党小组长", ""])
    for column, width in zip("ABCDEFG", (14, 16, 22, 14, 14, 40, 16)):
        sheet.column_dimensions[column].width = width
    status = DataValidation(type="list", formula1='"正式党员,预备党员,群众"', allow_blank=True)
    sheet.add_data_validation(status)
    status.add("C2:C1001")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_rows(data: bytes, filename: str, max_bytes: int = MAX_BYTES) -> list[tuple[int, list]]:
    """(Excel row number, 7 cell values) for every non-empty row under the header."""
    if not filename.lower().endswith(".xlsx"):
        raise ImportFileError("只能导入 .xlsx 格式的 Excel 文件（请用模板另存为 .xlsx）")
    if len(data) > max_bytes:
        raise ImportFileError(f"文件太大：花名册文件不能超过{_size_label(max_bytes)}")
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError("文件不是有效的 Excel（.xlsx）文件")
    _check_unpacked_sizes(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError("Excel 文件无法读取，请用模板重新填写") from None
    try:
        return _rows_of(book.worksheets[0])
    finally:
        book.close()


def _check_unpacked_sizes(data: bytes) -> None:
    """Read the zip's directory (no member is unpacked) and refuse an archive that would
    expand far beyond a roster before openpyxl reads it. The sizes in the directory are what
    the zip module checks while unpacking too (it stops at the declared size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError("文件不是有效的 Excel（.xlsx）文件") from None
    too_big = ImportFileError("文件内容异常（解压后过大），请用模板重新填写后另存为 .xlsx")
    if len(members) > MAX_MEMBERS:
        raise too_big
    total = 0
    for member in members:
        total += member.file_size
        if (member.file_size > MAX_UNPACKED_MEMBER or total > MAX_UNPACKED_BYTES
                or member.file_size > MAX_RATIO * max(member.compress_size, 1024)):
            raise too_big


def _size_label(size: int) -> str:
    return f"{size // (1024 * 1024)}MB" if size >= 1024 * 1024 else f"{size // 1024}KB"


def _rows_of(sheet) -> list[tuple[int, list]]:
    rows = sheet.iter_rows(values_only=True)
    header = [str(v or "").strip() for v in next(rows, ())][:7]
    if [h.split("(")[0] for h in header] != SHORT_HEADERS:
        raise ImportFileError("表头不对：第1行应为 " + "、".join(SHORT_HEADERS) + "（请下载模板）")
    result = []
    for number, values in enumerate(rows, start=2):
        cells = list(values[:7]) + [None] * (7 - len(values[:7]))
        if all(v is None or str(v).strip() == "" for v in cells):
            continue
        if len(result) >= MAX_ROWS:
            raise ImportFileError(f"一次最多导入{MAX_ROWS}人，请分批导入")
        result.append((number, cells))
    if not result:
        raise ImportFileError("文件里没有人员：请从第2行开始填写")
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise ValueError("日期格式不对，请写成 2001-07-01")
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        raise ValueError("日期不存在，请检查") from None


def parse_row(number: int, cells: list, groups: dict[str, int]) -> tuple[PersonData, list[RowProblem]]:
    name, phone, status, joined, group, roles, post = cells
    problems = []
    if _text(name) == EXAMPLE_NAME:
        problems.append(RowProblem(number, "姓名", "这是模板里的示例行，请删除这一行"))
    data = PersonData(name=_text(name), phone=_text(phone), committee_post=_text(post) or None)
    status_text = _text(status)
    if status_text not in STATUS_WORDS:
        problems.append(RowProblem(number, "党员身份", f"“{status_text[:20]}”不认识，应为正式党员、预备党员或群众"))
    data.party_status = STATUS_WORDS.get(status_text)
    try:
        data.joined_party_on = _parse_date(joined)
    except ValueError as exc:
        problems.append(RowProblem(number, "入党日期", str(exc)))
    group_name = _text(group)
    if group_name:
        if group_name in groups:
            data.group_id = groups[group_name]
        else:
            problems.append(RowProblem(number, "党小组", f"本支部没有“{group_name[:20]}”"))
    words = [w for w in _SPLIT.split(_text(roles)) if w]
    unknown = [w for w in words if w not in ROLE_WORDS]
    if unknown:
        problems.append(RowProblem(number, "职务", "不认识：" + "、".join(w[:10] for w in unknown[:3])))
    chosen = [ROLE_WORDS[w] for w in words if w in ROLE_WORDS]
    data.villager_rep = Role.VILLAGER_REP in chosen
    data.roles = tuple(dict.fromkeys(r for r in chosen if r != Role.VILLAGER_REP))
    return data, problems


def import_roster(branch: Organization, rows: list[tuple[int, list]], actor) -> ImportResult:
    """Checks every row; imports all of them in one transaction, or nothing."""
    groups = services.branch_groups(branch)
    by_name = {g.name: g.id for g in groups}
    problems: list[RowProblem] = []
    parsed: list[PersonData] = []
    seen_phones: dict[str, int] = {}
    taken = services.registered_phones(_text(cells[1]) for _, cells in rows)
    for number, cells in rows:
        data, row_problems = parse_row(number, cells, by_name)
        for field_name, message in services.check_person_data(branch, data, groups,
                                                              taken_phones=taken):
            if not any(p.column == FIELD_COLUMNS[field_name] for p in row_problems):
                row_problems.append(RowProblem(number, FIELD_COLUMNS[field_name], message))
        if data.phone in seen_phones:
            row_problems.append(RowProblem(number, "手机号", f"与第{seen_phones[data.phone]}行重复"))
        seen_phones.setdefault(data.phone, number)
        problems.extend(row_problems)
        parsed.append(data)
    if problems:
        return ImportResult(0, problems)
    for data in parsed:
        services.add_person(branch, data, actor)
    audit.record(actor, "roster.import", "organization", branch.id, org_id=branch.id,
                 count=len(parsed))
    db.session.commit()
    return ImportResult(len(parsed), [])
