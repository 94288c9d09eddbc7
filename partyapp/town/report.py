"""The quarterly inspection report (每季度督促检查) as one Excel workbook, one sheet per part
of the dashboard."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from .. import clock
from ..rectification import services as rectification
from ..xlsx import append_row
from .compliance import QUARTER_COLUMN
from .score import PART_LABELS
from .services import Dashboard

MISSING_FILL = PatternFill("solid", fgColor="F4CCCC")
CELL_TEXT = {"ok": "✓ 达标", "open": "… 本期未结束", "missing": "✗ 缺会", "none": "—",
             "future": "未开始"}


def cell_text(cell) -> str:
    if cell.state in ("none", "future"):
        return CELL_TEXT[cell.state]
    backfilled = f"（含补记{cell.backfilled}）" if cell.backfilled else ""
    return f"{CELL_TEXT[cell.state]} 已开{cell.held}/应开{cell.required}{backfilled}"


def workbook(board: Dashboard) -> bytes:
    book = Workbook()
    _summary(book.active, board)
    _compliance(book.create_sheet("会议达标"), board)
    _replies(book.create_sheet("意见答复"), board)
    _escalated(book.create_sheet("上报督办"), board)
    _commitments(book.create_sheet("承诺预警"), board)
    _stars(book.create_sheet("星级分布"), board)
    _attendance(book.create_sheet("出勤趋势"), board)
    _terms(book.create_sheet("换届届期"), board)
    _dues(book.create_sheet("党费收缴"), board)
    _training(book.create_sheet("教育培训"), board)
    _rectification(book.create_sheet("整改清单"), board)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet, names) -> None:
    append_row(sheet, names)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _summary(sheet, board) -> None:
    sheet.title = "堡垒指数"
    append_row(sheet, [f"{board.town.name} {board.quarter.label} 督促检查报告"])
    append_row(sheet, [board.formula])
    _header(sheet, ["支部", *PART_LABELS.values(), "综合得分", "星级", "红黑榜"])
    for row in board.rows:
        verdict = "表扬" if row in board.praise else "帮扶" if row in board.help else ""
        append_row(sheet, [row.branch.name, *[round(100 * row.score.parts[p]) for p in PART_LABELS],
                      round(100 * row.score.value), row.score.stars, verdict])


def _compliance(sheet, board) -> None:
    matrix = board.matrix
    _header(sheet, ["支部", "会议类别", *[label for _, label, _ in matrix.columns]])
    for row in board.rows:
        for group in matrix.groups:
            cells = matrix.row_cells(row.branch.id, group)
            append_row(sheet, [row.branch.name, group, *[cell_text(c) for c in cells]])
            for index, cell in enumerate(cells):
                if cell.state == "missing":
                    sheet.cell(sheet.max_row, 3 + index).fill = MISSING_FILL
    append_row(sheet, [])
    append_row(sheet, [f"“{QUARTER_COLUMN}”列为按季度开的会（支部党员大会、党课、党群联席会议）。"
                  "一周算在它的星期一所在的月份；只统计已归档的会议。"])


def _replies(sheet, board) -> None:
    _header(sheet, ["村", "本季度收到", "已答复", "按时答复", "逾期答复", "超期未答复",
                    "按时答复率%", "答复用时中位数（工作日）", "现有待答复", "其中超期"])
    for row in board.rows:
        r = row.replies
        append_row(sheet, [row.branch.village_name or row.branch.name, r["received"], r["replied"],
                      r["on_time"], r["late"], r["overdue_open"], r["on_time_rate"],
                      r["median_reply_days"], row.open_now, row.overdue_now])
    append_row(sheet, [])
    _header(sheet, ["月份", "按时答复", "应答复", "按时答复率%"])
    for label, on_time, decided, rate in board.reply_trend_cells:
        append_row(sheet, [label, on_time, decided, rate])


def _escalated(sheet, board) -> None:
    _header(sheet, ["村", "编号", "类别", "上报时间", "状态", "督办意见"])
    for opinion in board.escalated:
        notes = "；".join(n.text for n in board.notes.get(opinion.id, []))
        append_row(sheet, [opinion.branch.village_name or opinion.branch.name, opinion.reference,
                      opinion.category, clock.to_local(opinion.escalated_at).strftime("%Y-%m-%d"),
                      opinion.status_label, notes])


def _commitments(sheet, board) -> None:
    _header(sheet, ["支部", "承诺人", "承诺事项", "完成期限", "最近更新", "问题"])
    for row in board.rows:
        for alert in row.alerts:
            append_row(sheet, [row.branch.name, alert.owner_name, alert.title,
                          alert.due_on.isoformat(),
                          clock.to_local(alert.last_update_at).strftime("%Y-%m-%d")
                          if alert.last_update_at else "从未更新", "、".join(alert.reasons)])


def _stars(sheet, board) -> None:
    _header(sheet, ["支部", "五星", "四星", "三星", "二星", "一星", "不合格"])
    for row in board.rows:
        append_row(sheet, [row.branch.name, *[row.stars.get(n, 0) for n in (5, 4, 3, 2, 1, 0)]])
    if not board.stars_published:
        append_row(sheet, ["本年度各支部尚未公示评星结果"])


def _attendance(sheet, board) -> None:
    _header(sheet, ["支部", *board.trend_labels])
    for trend in board.attendance_trends:
        append_row(sheet, [trend.branch.name, *[f"{c.present}/{c.expected}" if c.expected else "—"
                                           for _, c in trend.cells]])


def _terms(sheet, board) -> None:
    _header(sheet, ["组织", "本届开始", "任期（年）", "届满", "情况"])
    for row in board.terms:
        term = row.term
        append_row(sheet, [row.org.name, term.started_on.isoformat() if term else "",
                      term.years if term else "", term.ends_on.isoformat() if term else "",
                      row.label])
        if row.state in ("overdue", "none"):
            sheet.cell(sheet.max_row, 5).fill = MISSING_FILL


def _dues(sheet, board) -> None:
    append_row(sheet, [f"{board.quarter.label} 党费收缴（只列人数和金额）"])
    _header(sheet, ["支部", "有记录的党员", "应交（元）", "已交（元）", "交纳率%", "未交人月",
                    "连续3个月以上未交（人）"])
    for row in board.rows:
        d = board.dues[row.branch.id]
        append_row(sheet, [row.branch.name, d.members, d.due_fen / 100, d.paid_fen / 100, d.paid_rate,
                      d.unpaid_months, d.behind_3])


def _training(sheet, board) -> None:
    training = board.training
    append_row(sheet, [f"{training.year}年还没有轮训的支部书记（每年至少1次、不少于1天）"])
    _header(sheet, ["支部", "书记", "已培训学时"])
    for row in training.missing_rotation:
        append_row(sheet, [row.branch.name, row.person.name, row.tally.hours])
    append_row(sheet, [])
    _header(sheet, ["支部", "党员", f"未满{training.target:g}学时"])
    for row in board.rows:
        append_row(sheet, [row.branch.name, training.members.get(row.branch.id, 0),
                      training.below_target.get(row.branch.id, 0)])
def _rectification(sheet, board) -> None:
    """整改一个，销号一个: each branch's items (open, overdue, closed), then the overdue ones."""
    _header(sheet, ["支部", "整改中", "已超期", "已销号"])
    for branch, c in rectification.town_counts(board.town):
        append_row(sheet, [branch.name, c.open, c.overdue, c.closed])
    append_row(sheet, [])
    _header(sheet, ["支部", "已超期的问题", "责任人", "整改时限"])
    today = clock.today()
    for item in rectification.items_of(board.town, status="open"):
        if item.is_overdue(today):
            append_row(sheet, [item.org.name, item.problem, item.owner.name,
                               item.due_on.isoformat()])
