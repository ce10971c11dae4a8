"""谈心谈话 parsed once: the usable talks (both names in the roster, two different people)
and the coverage the rules and the filing report (R-T1 pairs, R-T2 members)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import combinations

from pipeline.normalize import clean_name
from pipeline.people import Member
from pipeline.read.table import Table

SIDES = ("谈话人", "谈话对象")


@dataclass(frozen=True)
class Talk:
    row: int
    speaker: str
    listener: str


def usable_talks(t: Table, names: Collection[str]) -> tuple[Talk, ...]:
    """The talks that count, in sheet order (the others are R-T3 errors)."""
    found = []
    for row, rec in t.records:
        a, c = clean_name(rec["谈话人"]), clean_name(rec["谈话对象"])
        if a in names and c in names and a != c:
            found.append(Talk(row, a, c))
    return tuple(found)


@dataclass(frozen=True)
class Coverage:
    """What the filing's 谈心谈话 sheet shows for a branch."""

    pairs_total: int
    missing_pairs: tuple[tuple[str, str], ...]  # committee pairs without a talk (R-T1)
    members_total: int  # members who should talk with a committee member (non-committee)
    missing_members: tuple[str, ...]  # of those, who has no talk with one (R-T2)

    @property
    def members_covered(self) -> int:
        return self.members_total - len(self.missing_members)


def coverage(talks: Sequence[Talk], members: Sequence[Member],
             committee: Sequence[Member]) -> Coverage:
    """R-T1 pairs and R-T2 member coverage from the usable talks."""
    done = {frozenset((t.speaker, t.listener)) for t in talks}
    names = [m.name for m in committee]
    pairs = list(combinations(names, 2))
    missing_pairs = tuple(p for p in pairs if frozenset(p) not in done)
    cset = set(names)
    others = [m.name for m in members if m.name not in cset]
    reached = {n for p in done for n in p if (p - {n}) & cset}
    missing = tuple(n for n in others if n not in reached)
    return Coverage(len(pairs), missing_pairs, len(others), missing)
