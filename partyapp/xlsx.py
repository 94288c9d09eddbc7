"""Writing workbooks that run nothing: every export (会议台账, the town's 督促检查报告, the roster
template) appends its rows through `append_row`, so text a villager or cadre typed — a topic
`=HYPERLINK(...)`, a place `+1`, a name `@x`, a leading tab or CR — is stored as a text cell,
never as a formula Excel or WPS would evaluate on opening."""
from __future__ import annotations

from typing import Iterable

# What spreadsheet programs read as the start of a formula (or of a DDE payload); a text cell
# holding any of them is shown as typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def append_row(sheet, values: Iterable) -> None:
    """`sheet.append(values)`, with every string cell typed as text (openpyxl would otherwise
    type a string starting with '=' as a formula)."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
