"""计票 (a hand count, or a scanned tally from `orglife scan`) parsed once into a Tally.

One row per evaluated member: 姓名, 优秀, 合格, 基本合格, 不合格, 弃权 (numbers; a blank count
cell is 0), optionally 无效 and 待复核 (scanned tallies: counted in no grade and not in 有效票).
The two totals are given in either of two ways:
  (a) a row whose 姓名 cell reads 发出票数 (or 收回票数), with the number in one count column —
      normally the cell right of the label, under 优秀;
  (b) a column headed 发出票数 (or 收回票数), with the number in one row or repeated on every
      member row (the same number; differing numbers are an R-B2 error).
Each member's counts (grades, 弃权, 无效, 待复核) must add up to 收回票数, and
收回票数 ≤ 发出票数 ≤ members entitled to vote (正式+预备党员 who attended). A 计票 sheet with
names only (no count, no total) is unused. Reading the sheet finds its R-B1/R-B2/R-B3 issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import clean_name, is_blank, parse_count, text
from pipeline.people import Member
from pipeline.read.table import Table
from pipeline.sheets.ballots import ABSTAIN, INVALID, PENDING, VALID, Tally
from pipeline.sheets.located import at

TOTALS = (C.TALLY_ISSUED, C.TALLY_RETURNED)
OPTIONAL = ((INVALID, C.TALLY_INVALID), (PENDING, C.TALLY_PENDING))


@dataclass(frozen=True)
class HandCount:
    """A filled 计票 sheet: its tally and the issues found reading it, and the cell of every
    member's 待复核 count above 0 (R-S1)."""

    tally: Tally
    issues: tuple[Issue, ...]
    pending: tuple[tuple[str, int, int], ...] = ()  # (member, Excel row, marks pending)


def count_columns(t: Table, campaign: Campaign) -> list[tuple[str, str]]:
    """(count key, table column): the grades by name (contract headers by position), 弃权,
    then 无效 and 待复核 where the sheet has them."""
    contract = [c.header for c in C.TALLY_SHEET.columns[1:5]]
    pairs = [(g, g if g in t.columns else contract[i]) for i, g in enumerate(campaign.grades)]
    optional = [(key, col) for key, col in OPTIONAL if col in t.columns]
    return [*pairs, (ABSTAIN, "弃权"), *optional]


def hand_count_filled(t: Table, campaign: Campaign) -> bool:
    """A 计票 sheet is used only when a count or a total is filled in."""
    cols = [col for _, col in count_columns(t, campaign)]
    cols += [c for c in TOTALS if c in t.columns]
    return any(not is_blank(rec[c]) for _, rec in t.records for c in cols)


def hand_count(t: Table, branch: str, member_of: Mapping[str, Member],
               evaluated: list[Member], entitled: int, campaign: Campaign) -> HandCount | None:
    """Read a filled 计票 sheet (None when not filled): counts per member and the totals,
    with R-B1/R-B2/R-B3 issues.

    A member row with a count that is not a whole number is dropped (R-B1); a row for a name
    that is not an evaluated member, or a second row for the same member, is dropped (R-B3)."""
    if not hand_count_filled(t, campaign):
        return None
    found: list[Issue] = []
    cols = count_columns(t, campaign)
    totals: dict[str, tuple[int, str, int]] = {}  # label → (row, column, value)
    counts: dict[str, dict[str, int]] = {}
    cells: dict[str, str] = {}
    listed: set[str] = set()  # members with a row (counted, or dropped for a bad number)
    rows: dict[str, int] = {}

    def number(row: int, col: str, value: Any, what: str) -> int | None:
        try:
            return parse_count(value)
        except ValueError:
            found.append(at(branch, t, "R-B1", "error",
                            f"{what}“{text(value)}”不是票数，应为 0 或正整数", row=row, column=col,
                            found=text(value), expected="0 或正整数", dropped=True))
            raise

    def total(label: str, row: int, col: str, value: Any) -> None:
        try:
            n = number(row, col, value, label)
        except ValueError:
            return
        if n is None:
            return
        if label not in totals:
            totals[label] = (row, col, n)
        elif totals[label][2] != n:  # the same number repeated on every row is fine
            first = totals[label]
            found.append(at(branch, t, "R-B2", "error",
                            f"{label}前后不一致：第 {first[0]} 行为 {first[2]}，此处为 {n}；"
                            f"以第 {first[0]} 行为准", row=row, column=col, found=n,
                            expected=f"{label} {first[2]}"))

    for row, rec in t.records:
        name = clean_name(rec["姓名"])
        for label in TOTALS:  # format (b): a column headed 发出票数 / 收回票数
            if label in t.columns and not is_blank(rec[label]):
                total(label, row, label, rec[label])
        if name in TOTALS:  # format (a): a row labelled 发出票数 / 收回票数
            filled = [col for _, col in cols if not is_blank(rec[col])]
            if len(filled) != 1:
                found.append(at(branch, t, "R-B2", "error",
                                f"{name}一行应只在一个票数格（如“优秀”列）填写数字，"
                                f"现填写了 {len(filled)} 格", row=row, column="姓名",
                                found=len(filled), expected="一个数字"))
            if filled:
                total(name, row, filled[0], rec[filled[0]])
            continue
        values = [(key, col, rec[col]) for key, col in cols]
        if all(is_blank(v) for _, _, v in values) and not name:
            continue
        member = member_of.get(name)
        if member is None or not member.evaluated:
            why = ("姓名为空" if not name else f"“{text(rec['姓名'])}”不在本支部名册中"
                   if member is None else f"“{text(rec['姓名'])}”不是测评对象")
            found.append(at(branch, t, "R-B3", "error", f"计票表中{why}，该行未计入",
                            row=row, column="姓名", found=text(rec["姓名"]),
                            expected="测评对象姓名", dropped=True))
            continue
        if name in listed:
            found.append(at(branch, t, "R-B3", "error", f"{name} 在计票表中出现两次，该行未计入",
                            row=row, column="姓名", found=name, expected="每名测评对象一行",
                            dropped=True))
            continue
        listed.add(name)
        c: dict[str, int] = {INVALID: 0}
        try:
            for key, col, value in values:
                c[key] = number(row, col, value, f"{name} 的{key}票数") or 0
        except ValueError:
            continue
        c[VALID] = sum(c[g] for g in campaign.grades)
        counts[name] = c
        rows[name] = row
        cells[name] = t.cell(row, "姓名")

    for m in evaluated:
        if m.name not in listed:
            found.append(at(branch, t, "R-B3", "error", f"计票表中没有测评对象 {m.name} 的票数",
                            found="", expected=f"{m.name} 的一行"))

    issued = totals.get(C.TALLY_ISSUED)
    returned = totals.get(C.TALLY_RETURNED)
    for label, item in ((C.TALLY_ISSUED, issued), (C.TALLY_RETURNED, returned)):
        if item is None:
            found.append(at(branch, t, "R-B2", "error",
                            f"计票表没有填写{label}；请在姓名列写“{label}”，在其右侧（优秀列）填数字",
                            found="", expected=label))
    if issued and issued[2] > entitled:
        found.append(at(branch, t, "R-B2", "error",
                        f"发出票数 {issued[2]} 多于出席且有表决权的党员 {entitled} 人"
                        "（正式党员+预备党员）",
                        row=issued[0], column=issued[1], found=issued[2],
                        expected=f"不超过 {entitled}"))
    if issued and returned and returned[2] > issued[2]:
        found.append(at(branch, t, "R-B2", "error",
                        f"收回票数 {returned[2]} 多于发出票数 {issued[2]}",
                        row=returned[0], column=returned[1], found=returned[2],
                        expected=f"不超过 {issued[2]}"))
    ballots = returned[2] if returned else max((sum(c[k] for k, _ in cols)
                                                for c in counts.values()), default=0)
    if returned:
        for name, c in counts.items():
            total_votes = sum(c[k] for k, _ in cols)
            if total_votes != returned[2]:
                found.append(at(branch, t, "R-B2", "error",
                                f"{name} 的各等次票数与弃权合计 {total_votes}，应等于收回票数 "
                                f"{returned[2]}", row=rows[name], column="姓名", found=total_votes,
                                expected=f"合计 {returned[2]}"))
    tally = Tally(C.TALLY, t.file, t.sheet, ballots, None, counts,
                  issued=issued[2] if issued else None, returned=returned[2] if returned else None,
                  cells=cells)
    pending = tuple((name, rows[name], c[PENDING]) for name, c in counts.items()
                    if c.get(PENDING))
    return HandCount(tally, tuple(found), pending)
