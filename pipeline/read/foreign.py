"""Workbooks in the inbox that are not a branch's submission (R-F2): the office roster saved
into it, a filing or validation report this tool wrote. They were placed as if they were: the
roster became 第一支部's 党员名册, a previous filing the 党总支's input (406 errors: issue #10,
case 8). Recognised by their content, listed as 非报送文件 with a warning, never read."""

from __future__ import annotations

from pipeline import contract as C
from pipeline.normalize import fold
from pipeline.read import RawWorkbook
from pipeline.read.table import Header, sheet_header

# Every 工作底稿 and validation report this tool writes has these sheets (write/filing.py);
# the 备案 that goes up has these (report/beian.py).
_OUR_OUTPUT = frozenset(fold(n) for n in ("校验问题", "说明"))
_OUR_BEIAN = frozenset(fold(n) for n in ("汇总", "民主评议党员情况", "说明"))


def not_a_submission(book: RawWorkbook) -> str:
    """Why the workbook is not a branch's submission ('' when it may be one)."""
    names = {fold(n) for n in book.sheets}
    if fold(C.META) in names:
        return ""  # a template of ours: placed by its _meta
    if _OUR_OUTPUT <= names:
        what = "工作底稿" if fold("汇总") in names else "校验报告"
        return f"这是本工具生成的{what}（有“校验问题”“说明”等表），不是支部报送的表格，未读取"
    if _OUR_BEIAN <= names:
        return ("这是本工具生成的备案工作簿（有“汇总”“民主评议党员情况”“说明”等表），"
                "不是支部报送的表格，未读取")
    for sheet in book.sheets.values():
        if sheet.error:
            continue
        header = sheet_header(sheet, ("姓名", "所在支部"), synonyms=C.ROSTER_SYNONYMS)
        if isinstance(header, Header):
            return (f"这是党员名册（工作表“{sheet.name}”有“所在支部”列，是党总支的名册而不是"
                    "支部报送的表格），未读取；党员名册请放在 workbooks/ 中，不要放进收件箱")
    return ""
