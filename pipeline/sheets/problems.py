"""问题清单 parsed once: every row with its 编号 and 对象 (班子 or a cleaned name)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import contract as C
from pipeline.normalize import clean_name, fold, is_blank, text
from pipeline.read.table import Record, Table


@dataclass(frozen=True)
class Problem:
    row: int
    number: str  # 编号 as written (cleaned)
    target: str  # 班子 or a member name ('' when blank)
    record: Record

    @property
    def team(self) -> bool:
        return self.target == C.TEAM

    @property
    def described(self) -> bool:
        return not is_blank(self.record["问题描述"])


def problem_rows(t: Table) -> tuple[Problem, ...]:
    """Every row of 问题清单, with 对象 read as 班子 or a cleaned name."""
    return tuple(Problem(row, text(rec["编号"]),
                         C.TEAM if fold(rec["对象"]) == C.TEAM else clean_name(rec["对象"]), rec)
                 for row, rec in t.records)


def category(value: object, choices: tuple[str, ...], suffix: str = "") -> str | None:
    """The configured category `value` names (folded; `suffix` optional), else None."""
    key = fold(value)
    for choice in choices:
        if key in (fold(choice), fold(choice + suffix) if suffix else fold(choice)):
            return choice
    return None
