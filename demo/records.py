"""What a branch filled in, as plain records: talks, problems, grades, rectifications,
meetings, absences; a Scenario holds one branch's campaign, a Plan its grades."""


from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DATE_FORMAT = "yyyy/m/d"
LOCAL_OFFSET = dt.timedelta(hours=8)  # saved times are UTC; the campaign's dates are Beijing dates
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # what Excel itself writes into its zip entries
NOTE = "备注"  # optional extra column a branch may add to 谈心谈话


class FillError(Exception):
    """The template does not fit the scenario (a sheet, header or ballot column is missing)."""


# --- scenario data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Talk:
    talker: str
    talkee: str
    date: dt.date
    form: str
    content: str
    note: str = ""  # written only where the sheet has a 备注 column


@dataclass(frozen=True)
class Problem:
    code: str
    target: str  # 班子 or a member's name
    category: str
    description: str
    source: str


@dataclass(frozen=True)
class Grading:
    name: str
    grade: str
    reason: str = ""
    disposition: str = ""
    feedback: dt.date | None = None


@dataclass(frozen=True)
class Rectification:
    code: str
    problem: str  # 对应问题编号
    target: str  # 班子 or the member (整改承诺)
    item: str
    measure: str
    owner: str
    deadline: dt.date
    progress: str


@dataclass(frozen=True)
class Meeting:
    kind: str
    date: dt.date
    expected: int
    present: int


@dataclass(frozen=True)
class Absence:
    """A member absent from the 民主评议 (R-P3); `makeup` is the 补课 date when held."""

    reason: str
    makeup: dt.date | None = None


@dataclass
class Scenario:
    """Everything one branch (or the 党总支, general=True) writes into its workbook."""

    branch: str
    general: bool
    absences: dict[str, Absence] = field(default_factory=dict)  # everyone else: 出席
    talks: list[Talk] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ballot_names: list[str] = field(default_factory=list)  # the 民主测评 columns
    ballots: list[list[str]] = field(default_factory=list)  # per ballot, a vote per column
    gradings: list[Grading] = field(default_factory=list)
    rectifications: list[Rectification] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    saved: dt.datetime = dt.datetime(2017, 4, 13, 17, 0)  # docProps modified (UTC, naive)
    author: str = ""  # docProps lastModifiedBy

    def tally(self) -> dict[str, Counter[str]]:
        """Votes per ballot column: grade → count, '' = 弃权 (blank cell)."""
        counts: dict[str, Counter[str]] = {n: Counter() for n in self.ballot_names}
        for ballot in self.ballots:
            for name, vote in zip(self.ballot_names, ballot):
                counts[name][vote] += 1
        return counts

    @property
    def blank_ballots(self) -> int:
        return sum(1 for b in self.ballots if all(v == "" for v in b))


@dataclass(frozen=True)
class Plan:
    """Choices make_scenario would otherwise draw at random (the demo fixes them)."""

    absences: Mapping[str, Absence] | None = None
    blank_ballots: int | None = None
    basic: Sequence[str] | None = None  # members graded 基本合格
    saved: dt.datetime | None = None


# --- text banks (user-visible content, Chinese) --------------------------------------------
