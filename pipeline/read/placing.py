"""Placing a file on its branch (R-F2, R-F5): by `_meta`, else by its sheets and a branch
name in its path or titles."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue, issue
from pipeline.model import InputFile
from pipeline.normalize import clean_text, fold, is_blank
from pipeline.read import RawSheet, RawWorkbook
from pipeline.read.intake import (
    OTHER_CAMPAIGN,
    TITLE_ROWS_WITHOUT_HEADER,
    UNPLACED,
    contract_name,
)
from pipeline.read.table import Header, sheet_header

# --- placing (R-F2, R-F5) -----------------------------------------------------------------

def read_meta(book: RawWorkbook) -> tuple[RawSheet, dict[str, tuple[str, int]]] | None:
    """The `_meta` sheet and its key → (value, Excel row), None when the file has none."""
    sheet = next((s for s in book.sheets.values() if fold(s.name) == fold(C.META)), None)
    if sheet is None or sheet.error:
        return None
    values: dict[str, tuple[str, int]] = {}
    for r, row in enumerate(sheet.rows):
        if row and not is_blank(row[0]):
            key = fold(row[0]).lower()
            if key not in values:
                values[key] = (clean_text(row[1]) if len(row) > 1 else "", r + 1)
    return sheet, values


def mentioned(text: str, names: Sequence[str]) -> list[str]:
    """The names that occur in `text` (folded), without those inside a longer match."""
    key = fold(text)
    hits = [n for n, folded in _folded(tuple(names)) if folded and folded in key]
    return [n for n in hits if not any(n != m and fold(n) in fold(m) for m in hits)]


@functools.lru_cache(maxsize=64)
def _folded(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each name with its folded key (the branch names, asked about for every file)."""
    return tuple((n, fold(n)) for n in names)


def place(f: InputFile, book: RawWorkbook, campaign: Campaign, known: list[str],
           strict: bool, issues: list[Issue]) -> str | None:
    """The branch a file belongs to, or None (status and issue set)."""
    meta = read_meta(book)
    if meta is not None:
        sheet, values = meta

        def cell(key: str) -> str:
            return f"B{values[key][1]}" if key in values else ""

        def value(key: str) -> str:
            return values.get(key, ("", 0))[0]

        template, version, claimed = value("template"), value("version"), value("branch")
        claim = fold(claimed)
        known_claim = next((k for k, key in _folded(tuple(known)) if key == claim), "")

        def other(key: str, found: str, expected: str, message: str) -> None:
            """R-F5: the file is not used."""
            f.status, f.branch = OTHER_CAMPAIGN, known_claim
            f.note = message.split("，")[0]
            issues.append(issue("R-F5", "error", message, branch=known_claim, file=f.name,
                                sheet=sheet.name, cell=cell(key), found=found, expected=expected))

        if template and template != C.TEMPLATE_ID:
            other("template", template, C.TEMPLATE_ID,
                  f"_meta 中的模板标识“{template}”不是本活动的报送模板（应为 {C.TEMPLATE_ID}），"
                  "该文件未采用")
            return None
        theirs = value("campaign")
        if theirs and fold(theirs) != fold(campaign.campaign_id):
            other("campaign", theirs, campaign.campaign_id,
                  f"这是“{theirs}”活动的表格，本次活动为“{campaign.campaign_id}”，"
                  "该文件未采用；请使用本次下发的模板")
            return None
        if (template or version) and version != C.TEMPLATE_VERSION:
            other("version", version or "（空）", C.TEMPLATE_VERSION,
                  f"模板版本“{version or '（空）'}”未知（本系统的模板版本为 "
                  f"{C.TEMPLATE_VERSION}），该文件未采用；请使用本次下发的模板")
            return None
        if claimed:
            if not known_claim and strict:
                f.status = UNPLACED
                f.note = f"_meta 中的支部“{claimed}”不在党员名册中"
                issues.append(issue(
                    "R-F2", "error",
                    f"_meta 中的支部“{claimed}”不在党员名册中，无法归入任何支部；"
                    f"应为 {'、'.join(known)} 之一", file=f.name, sheet=sheet.name,
                    cell=cell("branch"), found=claimed, expected="党员名册中的支部名称"))
                return None
            branch = known_claim or claimed
            named = [b for b in mentioned(f.name, known) if b != C.GENERAL_BRANCH]
            if len(named) == 1 and named[0] != branch:
                issues.append(issue(
                    "R-F2", "warning",
                    f"文件名写的是“{named[0]}”，但表内 _meta 标明为“{branch}”，已按 _meta 归入"
                    f"{branch}；如有误请重新下载本支部的模板", branch=branch, file=f.name,
                    sheet=sheet.name, cell=cell("branch"), found=named[0], expected=branch))
            return branch
    return _place_by_content(f, book, known, issues)


def _title_text(book: RawWorkbook) -> str:
    """The title rows (above the header) of every contract sheet, as one text."""
    parts: list[str] = []
    for sheet in book.sheets.values():
        name = contract_name(sheet.name)
        if name is None or sheet.error:
            continue
        header = sheet_header(sheet, C.SHEETS[name].headers)
        top = header.row if isinstance(header, Header) else TITLE_ROWS_WITHOUT_HEADER
        for row in sheet.rows[:top]:
            parts += [clean_text(v) for v in row if not is_blank(v)]
    return " ".join(parts)


def _place_by_content(f: InputFile, book: RawWorkbook, known: list[str],
                      issues: list[Issue]) -> str | None:
    """R-F2 without `_meta`: contract sheets plus one branch name in the path or the titles."""
    if not any(contract_name(s) for s in book.sheets):
        _unplaced(f, issues, "文件中没有本次报送的工作表（" + "、".join(
            s.name for s in C.DATA_SHEETS) + "），也没有 _meta 标记，无法识别", "没有报送工作表")
        return None
    branches = [k for k in known if k != C.GENERAL_BRANCH]
    titles = _title_text(book)
    for where, text in (("文件名", f.name), ("表格标题", titles)):
        hits = mentioned(text, branches)
        if len(hits) == 1:
            f.note = "；".join(x for x in (f.note, f"没有 _meta，按{where}识别为{hits[0]}") if x)
            return hits[0]
        if len(hits) > 1:
            _unplaced(f, issues, f"{where}中同时出现了 {'、'.join(hits)}，无法确定属于哪个支部；"
                      "请每个支部单独报送，并使用本支部的模板", "、".join(hits))
            return None
    if mentioned(f.name, [C.GENERAL_BRANCH]) or mentioned(titles, [C.GENERAL_BRANCH]):
        f.note = "；".join(x for x in (f.note, f"没有 _meta，识别为{C.GENERAL_BRANCH}") if x)
        return C.GENERAL_BRANCH
    _unplaced(f, issues, "文件没有 _meta 标记，文件名和表格标题中也没有支部名称，无法识别属于哪个支部；"
              "请使用党总支下发的模板，或在文件名中写明支部名称", "")
    return None


def _unplaced(f: InputFile, issues: list[Issue], message: str, found: str) -> None:
    f.status, f.note = UNPLACED, message.split("；")[0]
    issues.append(issue("R-F2", "error", message, file=f.name, found=found,
                        expected="_meta 标记或支部名称"))


