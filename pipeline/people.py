"""Members and the roster (SPEC §3): who is evaluated (R-P2), names (R-P1), groups (R-P4)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import contract as C
from pipeline.batch import fewer_collections
from pipeline.config import Campaign
from pipeline.excel.read import UnreadableFile, read_path
from pipeline.excel.table import MissingColumns, Table, locate
from pipeline.issues import Issue, issue
from pipeline.normalize import DateError, clean_name, clean_text, fold, out_of_campaign, parse_date

_ROLE_SPLIT = re.compile(r"[、,，/;；\s]+")


@dataclass(frozen=True)
class Member:
    name: str
    branch: str
    group: str
    roles: tuple[str, ...]
    kind: str  # 正式党员 / 预备党员
    leading_cadre: bool = False
    attended_dlm: bool = False  # 已参加年度民主生活会
    present: bool = True  # 民主评议出席
    absence_reason: str = ""
    makeup_date: dt.date | None = None

    @property
    def role(self) -> str:
        return "、".join(self.roles)

    @property
    def full(self) -> bool:
        return self.kind == C.FULL_MEMBER

    @property
    def exempt_cadre(self) -> bool:
        return self.leading_cadre and self.attended_dlm

    @property
    def evaluated(self) -> bool:
        """R-P2: 正式党员, except leading cadres who attended the 民主生活会."""
        return self.full and not self.exempt_cadre

    @property
    def branch_committee(self) -> bool:
        return any(r in C.BRANCH_COMMITTEE_ROLES for r in self.roles)

    @property
    def general_committee(self) -> bool:
        return any(r in C.GENERAL_COMMITTEE_ROLES for r in self.roles)

    @property
    def secretary(self) -> bool:
        return C.BRANCH_SECRETARY in self.roles

    @property
    def category(self) -> str:
        """What 民主评议结果 shows in 党员类别."""
        if self.kind == C.PROBATIONARY:
            return C.PROBATIONARY
        if self.exempt_cadre:
            return "党员领导干部（已参加民主生活会）"
        return C.FULL_MEMBER


def role_order(m: Member) -> tuple[int, int]:
    """Branch order: 支部书记 first (SPEC §4 民主测评), then 总支 and 支部 committee, then members."""
    if C.BRANCH_SECRETARY in m.roles:
        return (0, 0)
    if C.GENERAL_SECRETARY in m.roles:
        return (1, 0)
    if m.general_committee:
        return (1, 1)
    if m.branch_committee:
        return (1, 2)
    return (2, 0)


def general_order(m: Member) -> tuple[int, int]:
    """总支 order: 总支书记, then 总支委员."""
    return (0, 0) if C.GENERAL_SECRETARY in m.roles else (1, 0)


def evaluated_in_order(members: Sequence[Member]) -> list[Member]:
    """The 民主测评 columns: evaluated members, 支部书记 first, committee next, roster order."""
    indexed = [(role_order(m), i, m) for i, m in enumerate(members) if m.evaluated]
    return [m for _, _, m in sorted(indexed, key=lambda t: (t[0], t[1]))]


def parse_roles(value: Any) -> tuple[tuple[str, ...], list[str]]:
    """'支部书记、总支委员' → (roles, unknown parts)."""
    roles, unknown = _roles(clean_text(value))
    return roles, list(unknown)


@functools.lru_cache(maxsize=4096)
def _roles(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    parts = [p for p in _ROLE_SPLIT.split(text) if p and p not in ("党员", "无")]
    return tuple(p for p in parts if p in C.ROLES), tuple(p for p in parts if p not in C.ROLES)


@dataclass
class Roster:
    members: list[Member]
    source: str

    @property
    def branches(self) -> list[str]:
        """Branch names in roster order."""
        return list(dict.fromkeys(m.branch for m in self.members))

    def of_branch(self, branch: str) -> list[Member]:
        return [m for m in self.members if m.branch == branch]

    def general_committee(self) -> list[Member]:
        committee = [(general_order(m), i, m) for i, m in enumerate(self.members)
                     if m.general_committee]
        return [m for _, _, m in sorted(committee, key=lambda t: (t[0], t[1]))]


class RosterError(Exception):
    """The roster cannot be used; `issues` holds the located Chinese messages."""

    def __init__(self, issues: list[Issue]):
        super().__init__("\n".join(i.text for i in issues))
        self.issues = issues


# Cell types that DataFrame.to_dict("records") hands back unchanged (it boxes numpy scalars).
_NATIVE = frozenset({str, type(None), int, float, bool, dt.datetime, dt.date, dt.time,
                     dt.timedelta})


def _row_dicts(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """frame.to_dict("records"); for an object frame of plain Python values (what locate()
    builds) without pandas' per-value boxing."""
    if all(d == np.dtype(object) for d in frame.dtypes):
        rows = frame.to_numpy(dtype=object).tolist()
        if _NATIVE.issuperset(map(type, chain.from_iterable(rows))):
            columns = frame.columns.tolist()
            return [dict(zip(columns, row)) for row in rows]
    return frame.to_dict("records")


def _yes(value: Any) -> bool | None:
    key = fold(value)
    if key in C.YES_NO_SYNONYMS:
        return C.YES_NO_SYNONYMS[key] == C.YES
    return None


def members_from_table(table: Table, branch: str | None,
                       year: int = 2017) -> tuple[list[Member], list[Issue]]:
    """Rows of a roster-like table → members, with cell-located issues for unusable values.

    `branch` is None for the office roster (the 所在支部 column says it), or the branch whose
    own 党员名册 sheet this is. Kept on the table (intake and the rules read the same sheet)."""
    memo = getattr(table, "memo", None)
    key = ("members_from_table", branch, year)
    if memo is None or key not in memo:
        found = _members_from_table(table, branch, year)
        if memo is None:
            return found
        memo[key] = (tuple(found[0]), tuple(found[1]))
    members, problems = memo[key]
    return list(members), list(problems)


def _members_from_table(table: Table, branch: str | None,
                        year: int) -> tuple[list[Member], list[Issue]]:
    members: list[Member] = []
    problems: list[Issue] = []
    f = table.frame

    def bad(rule: str, row: int, col: str, found: Any, expected: str, msg: str,
            dropped: bool = False) -> None:
        problems.append(issue(rule, "error", msg, branch=branch or "", cell=table.cell(row, col),
                              found=found, expected=expected, dropped=dropped, file=table.file,
                              sheet=table.sheet))

    # to_dict, not iterrows: one Series per row was half of the rules' time (measured).
    for r, rec in zip(f.index.tolist(), _row_dicts(f)):
        name = clean_name(rec["姓名"])
        if not name:
            bad("R-P1", r, "姓名", "", "党员姓名", "姓名为空，该行未计入名册", dropped=True)
            continue
        home = branch or clean_text(rec.get("所在支部"))
        if not home:
            bad("R-P4", r, "所在支部", "", "支部名称", f"{name} 的所在支部为空", dropped=True)
            continue
        roles, unknown = parse_roles(rec.get("职务"))
        if unknown:
            bad("R-P2", r, "职务", clean_text(rec.get("职务")), "/".join(C.ROLES) + " 或留空",
                f"职务“{'、'.join(unknown)}”不认识，应为 {'/'.join(C.ROLES)} 或留空（普通党员）")
        kind = C.MEMBER_KIND_SYNONYMS.get(fold(rec.get("党员类别")))
        if kind is None:
            bad("R-P2", r, "党员类别", clean_text(rec.get("党员类别")), "正式党员/预备党员",
                f"{name} 的党员类别为“{clean_text(rec.get('党员类别'))}”，应为 正式党员 或 预备党员")
            kind = C.FULL_MEMBER
        flags = {}
        for col in ("是否党员领导干部", "是否已参加年度民主生活会"):
            value = _yes(rec.get(col))
            if value is None:
                bad("R-P2", r, col, clean_text(rec.get(col)), "是/否",
                    f"{name} 的“{col}”为“{clean_text(rec.get(col))}”，应为 是 或 否")
                value = False
            flags[col] = value
        present = True
        attendance = fold(rec.get("民主评议出席"))
        if attendance == C.ABSENT:
            present = False
        elif attendance not in ("", C.PRESENT):
            bad("R-P3", r, "民主评议出席", clean_text(rec.get("民主评议出席")), "出席/缺席",
                f"{name} 的民主评议出席为“{clean_text(rec.get('民主评议出席'))}”，应为 出席 或 缺席")
        makeup: dt.date | None = None
        try:
            makeup = parse_date(rec.get("补课日期"), year)
            if makeup is not None and (why := out_of_campaign(makeup, year)):
                makeup = None
                raise DateError(why)
        except DateError as exc:
            bad("R-P3", r, "补课日期", clean_text(rec.get("补课日期")), "日期，如 2017/4/7",
                f"{name} 的补课日期：{exc.args[0]}")
        members.append(Member(
            name=name, branch=home, group=clean_text(rec.get("党小组")), roles=roles, kind=kind,
            leading_cadre=flags["是否党员领导干部"], attended_dlm=flags["是否已参加年度民主生活会"],
            present=present, absence_reason=clean_text(rec.get("缺席原因")), makeup_date=makeup,
        ))
    return members, problems


def check_names_and_groups(members: Sequence[Member], table: Table, campaign: Campaign,
                           rows: Sequence[int]) -> Iterator[Issue]:
    """R-P1 unique names inside a branch; R-P4 each member in one of the branch's N groups."""
    seen: dict[tuple[str, str], int] = {}
    for m, row in zip(members, rows):
        key = (m.branch, m.name)
        if key in seen:
            yield issue("R-P1", "error",
                        f"{m.branch}有两名党员都叫“{m.name}”（另见第 {seen[key]} 行），"
                        f"请写成 {m.name}(2) 加以区分", branch=m.branch,
                        cell=table.cell(row, "姓名"), found=m.name,
                        expected="支部内唯一的姓名", file=table.file, sheet=table.sheet)
        else:
            seen[key] = row
    by_branch: dict[str, list[tuple[Member, int]]] = defaultdict(list)
    for m, row in zip(members, rows):
        by_branch[m.branch].append((m, row))
    n = campaign.groups_per_branch
    for branch, items in by_branch.items():
        for m, row in items:
            if not m.group:
                yield issue("R-P4", "error", f"{m.name} 没有填写党小组，每名党员应属于一个党小组",
                            branch=branch, cell=table.cell(row, "党小组"), found="",
                            expected="党小组名称", file=table.file, sheet=table.sheet)
        groups = Counter(m.group for m, _ in items if m.group)
        if groups and len(groups) != n:
            first = items[0][1]
            listed = "、".join(groups)
            yield issue("R-P4", "error",
                        f"{branch}有 {len(groups)} 个党小组（{listed}），按配置应为 {n} 个",
                        branch=branch, cell=table.cell(first, "党小组"), found=listed,
                        expected=f"{n} 个党小组", file=table.file, sheet=table.sheet)


@fewer_collections()
def load_roster(path: Path, campaign: Campaign) -> Roster:
    """Read the office roster (first sheet). RosterError lists every located problem."""
    name = path.name
    try:
        book = read_path(path)
    except FileNotFoundError:
        raise RosterError([issue("R-F1", "error", f"找不到党员名册文件 {path}", file=name)]) from None
    except UnreadableFile as exc:
        raise RosterError([issue("R-F1", "error", str(exc), file=name)]) from None
    if not book.sheets:
        raise RosterError([issue("R-F1", "error", "党员名册中没有工作表", file=name)])
    sheet = next(iter(book.sheets.values()))
    table = locate(sheet.rows, C.ROSTER_COLUMNS, file=name, sheet=sheet.name,
                   synonyms=C.ROSTER_SYNONYMS)
    if isinstance(table, MissingColumns):
        raise RosterError([issue(
            "R-F3", "error",
            f"党员名册缺少列：{'、'.join(table.missing)}（应有 {'、'.join(C.ROSTER_COLUMNS)}）",
            file=name, sheet=sheet.name, found="", expected="、".join(C.ROSTER_COLUMNS))])
    members, problems = members_from_table(table, None)
    kept_rows = [r for r, rec in zip(table.frame.index.tolist(), _row_dicts(table.frame))
                 if clean_name(rec["姓名"]) and clean_text(rec.get("所在支部"))]
    problems += list(check_names_and_groups(members, table, campaign, kept_rows))
    if problems:
        raise RosterError(problems)
    if not members:
        raise RosterError([issue("R-P1", "error", "党员名册中没有党员", file=name, sheet=sheet.name)])
    return Roster(members, name)
