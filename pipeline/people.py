"""Members and the roster (SPEC §3): who is evaluated (R-P2), names (R-P1), groups (R-P4)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline import contract as C
from pipeline.issues import Issue
from pipeline.normalize import clean_text

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
    # warnings about the roster file itself (a default taken for a missing column), reported
    # with the validation (R-F3)
    notes: tuple[Issue, ...] = ()

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


def ordered_members(members: Sequence[Member]) -> list[Member]:
    """Seed order: 总支书记/支部书记, committee, then members; roster order within."""
    return [m for _, _, m in sorted(((role_order(m), i, m) for i, m in enumerate(members)),
                                    key=lambda t: (t[0], t[1]))]
