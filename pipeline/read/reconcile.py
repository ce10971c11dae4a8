"""The branch's 党员名册 against the office roster (SPEC §3; issue #10, case 7).

The office roster decides who is a member and who is evaluated; the branch's own sheet carries
attendance (民主评议出席, 缺席原因, 补课日期). A branch that deleted, added or re-categorised
members in its sheet silently changed who was evaluated, and the errors then blamed the
ballots. Now every difference is one warning on 党员名册 for the office to act on, and a file
whose members belong to another branch than its `_meta` claims is reported as such.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from collections.abc import Mapping, Sequence

from pipeline import contract as C
from pipeline.issues import Issue, issue
from pipeline.normalize import clean_name, is_blank
from pipeline.people import Member
from pipeline.read import RawWorkbook
from pipeline.read.intake import contract_name
from pipeline.read.roster import RosterSheet
from pipeline.read.table import Header, data_rows, sheet_header

ATTENDANCE = ("present", "absence_reason", "makeup_date")
_COMPARED = (("kind", "党员类别"), ("roles", "职务"), ("leading_cadre", "是否党员领导干部"),
             ("attended_dlm", "是否已参加年度民主生活会"), ("group", "党小组"))
OFFICE = "以党总支名册为准；如名册有误，请告知党总支办公室修改名册"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return C.YES if value else C.NO
    if isinstance(value, tuple):
        return "、".join(value) or "（无）"
    return str(value) or "（空）"


def reconcile(office: Sequence[Member], own: RosterSheet, branch: str,
              homes: Mapping[str, set[str]]) -> tuple[list[Member], list[Issue]]:
    """The branch's members: the office's, with attendance from its own sheet; one warning
    per difference (新增, 缺少, 改名?, 类别或职务不同, a member of another branch)."""
    t = own.table
    rows = dict(zip((m.name for m in own.members), own.named_rows))
    theirs = {m.name: m for m in own.members}
    members: list[Member] = []
    issues: list[Issue] = []

    def warn(message: str, row: int, column: str, found: str, expected: str) -> None:
        issues.append(issue("R-P2", "warning", message, branch=branch, file=t.file,
                            sheet=t.sheet, cell=t.cell(row, column) if row else "",
                            found=found, expected=expected))

    missing = [m for m in office if m.name not in theirs]
    added = [m for m in own.members if m.name not in {o.name for o in office}]
    for m in office:
        mine = theirs.get(m.name)
        if mine is None:
            members.append(m)
            continue
        members.append(dataclasses.replace(m, **{f: getattr(mine, f) for f in ATTENDANCE}))
        for field, column in _COMPARED:
            if getattr(mine, field) != getattr(m, field):
                warn(f"{m.name} 的{column}在本表中为“{_shown(getattr(mine, field))}”，党总支名册中为"
                     f"“{_shown(getattr(m, field))}”；{OFFICE}（测评对象按党总支名册确定）",
                     rows[m.name], column, _shown(getattr(mine, field)),
                     _shown(getattr(m, field)))
    renamed: set[str] = set()
    for m in added:
        row = rows[m.name]
        close = difflib.get_close_matches(m.name, [o.name for o in missing], n=1, cutoff=0.5)
        elsewhere = sorted(homes.get(m.name, set()) - {branch})
        if elsewhere:
            warn(f"{m.name} 在党总支名册中属于{'、'.join(elsewhere)}，不是{branch}的党员，"
                 f"未计入本支部；{OFFICE}", row, "姓名", m.name, f"{branch}的党员")
        elif close:
            renamed.add(close[0])
            warn(f"{m.name} 不在党总支名册中，是否是 {close[0]} 改名或写错？已按党总支名册的"
                 f"{close[0]}计算，{m.name} 未计入；{OFFICE}", row, "姓名", m.name, close[0])
        else:
            warn(f"新增：{m.name} 不在党总支名册中，未计入本支部（不是测评对象）；{OFFICE}",
                 row, "姓名", m.name, "党总支名册中的党员")
    for m in missing:
        if m.name not in renamed:
            warn(f"缺少：党总支名册中的 {m.name} 不在本表中，按党总支名册计入（出席情况按出席）；"
                 f"{OFFICE}", 0, "姓名", "", m.name)
    return members, issues


def names_in(book: RawWorkbook) -> list[str]:
    """The member names a branch workbook lists: its 党员名册, else 组织评定, else the
    民主测评 columns."""
    sheets = {contract_name(s.name): s for s in book.sheets.values()
              if contract_name(s.name) and not s.error}
    for name in (C.ROSTER, C.GRADING):
        sheet = sheets.get(name)
        if sheet is None:
            continue
        header = sheet_header(sheet, C.SHEETS[name].headers)
        if isinstance(header, Header):
            col = list(header.all_columns).index("姓名")
            names = [clean_name(v[col]) for v in data_rows(sheet.rows, header).values()
                     if not is_blank(v[col])]
            if names:
                return names
    ballots = sheets.get(C.BALLOTS)
    if ballots is not None:
        header = sheet_header(ballots, C.BALLOTS_SHEET.headers)
        if isinstance(header, Header):
            return [clean_name(n) for n in header.extras]
    return []


def belongs_elsewhere(book: RawWorkbook, claimed: str,
                      homes: Mapping[str, set[str]]) -> tuple[str, int, int] | None:
    """(other branch, its names, names read) when most of the file's members are another
    branch's members in the office roster; None when the file is the claimed branch's."""
    names = names_in(book)
    known = [homes[n] for n in names if n in homes]
    if len(known) < 3:
        return None
    votes = Counter(b for branches in known if claimed not in branches for b in branches)
    if not votes:
        return None
    other, n = votes.most_common(1)[0]
    if other != claimed and n * 2 > len(known):
        return other, n, len(names)
    return None
