"""组织评定 parsed once: one usable row per member (R-G1 drops the others), the grade each
member may show, and the R-A1 quota of 优秀 per branch.

Expected 评定等次: an evaluated member who attended, or was absent and has a 补课日期, gets one
of the four grades (blank = not graded yet); an absent evaluated member without 补课 shows
待补课; 预备党员 and exempt cadres show 不评定等次 (an absent one may show 待补课).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import clean_name, normalize_grade, text
from pipeline.people import Member
from pipeline.read.table import Record, Table
from pipeline.sheets.ballots import VALID, Tally
from pipeline.sheets.located import at


@dataclass(frozen=True)
class GradeRow:
    row: int
    member: Member
    value: str | None  # a grade, not_graded, pending, '' (blank), None (unknown text)
    record: Record


def grade_rows(t: Table, branch: str, member_of: Mapping[str, Member],
               campaign: Campaign) -> tuple[tuple[GradeRow, ...], tuple[Issue, ...]]:
    """The usable 组织评定 rows (one per member, sheet order) and the R-G1 issues of the rows
    dropped: a blank or unknown 姓名, or a second row for the same member."""
    values = (*campaign.grades, campaign.not_graded, campaign.pending)
    found: list[Issue] = []
    rows: list[GradeRow] = []
    seen: dict[str, int] = {}
    for row, rec in t.records:
        name = clean_name(rec["姓名"])
        member = member_of.get(name)
        if member is None:
            what = "姓名为空" if not name else f"“{text(rec['姓名'])}”不在本支部名册中"
            found.append(at(branch, t, "R-G1", "error", f"{what}，该行评定未采用",
                            row=row, column="姓名", found=text(rec["姓名"]),
                            expected="名册中的姓名", dropped=True))
            continue
        if name in seen:
            found.append(at(branch, t, "R-G1", "error",
                            f"{name} 已在第 {seen[name]} 行评定，该行重复，未采用",
                            row=row, column="姓名", found=name, expected="每名党员一行",
                            dropped=True))
            continue
        seen[name] = row
        value = normalize_grade(rec["评定等次"], values, campaign.grade_aliases)
        rows.append(GradeRow(row, member, value, rec))
    return tuple(rows), tuple(found)


def graded_now(m: Member) -> bool:
    """Should get one of the four grades now (evaluated, and present or made up)."""
    return m.evaluated and (m.present or m.makeup_date is not None)


def usable_grades(members: Sequence[Member], rows: Sequence[GradeRow],
                  campaign: Campaign) -> dict[str, str]:
    """Member → the 评定等次 the filing may show: a grade, 不评定等次 or 待补课 ('' = none yet).

    Values that R-G1 rejects are left out ('' for the evaluated, the expected 不评定等次 or
    待补课 otherwise)."""
    by_name = {r.member.name: r.value for r in rows}
    out: dict[str, str] = {}
    for m in members:
        value = by_name.get(m.name) or ""
        if not m.evaluated:
            absent_pending = value == campaign.pending and not m.present
            out[m.name] = campaign.pending if absent_pending else campaign.not_graded
        elif not graded_now(m):
            out[m.name] = campaign.pending
        else:
            out[m.name] = value if value in campaign.grades else ""
    return out


def ballot_grade(tally: Tally, name: str, campaign: Campaign) -> str | None:
    """The best grade a strict majority of valid votes reaches or beats (None: no valid vote)."""
    c = tally.counts.get(name)
    if not c or not c.get(VALID):
        return None
    running = 0
    for g in campaign.grades:
        running += c.get(g, 0)
        if 2 * running > c[VALID]:
            return g
    return campaign.grades[-1]


@dataclass(frozen=True)
class Quota:
    """R-A1 for one branch: 优秀 grades given, the cap, and what the cap is computed from."""

    excellent: int
    cap: int
    base: int  # the denominator's head count
    rule: str  # e.g. 优秀一般不超过正式党员人数的1/3（向下取整）

    @property
    def exceeded(self) -> bool:
        return self.excellent > self.cap


def quota(members: Sequence[Member], usable: Mapping[str, str], campaign: Campaign) -> Quota:
    """The branch's 优秀 count against `campaign.excellent_cap` (denominator from the config:
    正式党员 / 全体党员 / 测评对象 of the branch)."""
    cap = campaign.excellent_cap
    base = {"正式党员": sum(1 for m in members if m.full),
            "全体党员": len(members),
            "测评对象": sum(1 for m in members if m.evaluated)}[cap.denominator]
    best = campaign.grades[0]
    given = sum(1 for g in usable.values() if g == best)
    return Quota(given, cap.cap(base), base, cap.describe())
