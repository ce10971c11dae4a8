"""The campaign's figures, counted once from the Filing: the 备案 and the 总结 both read them.

Pure: Filing + Campaign → Figures. The counts follow the annual 党内统计 table
“民主评议党员情况” (参加评议的党员, 评议结果 by grade, 不合格党员的处置 by 措施, 未参加评议
and why) and add what the 汇总 and the 总结 report (talks, problems, rectifications,
completeness). A member took part (参加评议) when present at the 党员大会 or made up
(补课) since; everyone else of the branch did not, so 党员 = 参加评议 + 未参加评议, and
参加评议 = the four grades + 不评定等次 + 未评定.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.stages import STAGES
from pipeline.contract import FAILED, MISSING, OVERDUE, RECEIVED_LATE, TOTAL, UNGRADED
from pipeline.followup.final import RETURNED
from pipeline.model import Filing

OTHER = "其他"
NO_REASON = "未说明原因"
UNDECIDED = "尚未确定处置"
NOT_FILLED = "未填写"
COMPLETE = "材料齐全"


@dataclass
class Figures:
    """One unit (a branch, the 党总支 itself, or the total) as the 备案 and 总结 count it."""

    unit: str
    general: bool = False  # the 党总支's own workbook: no members, ballots or grades
    members: int = 0
    full: int = 0
    probationary: int = 0
    evaluated: int = 0  # 测评对象 (R-P2)
    present: int = 0
    absent: int = 0
    made_up: int = 0  # absent, 补课 done
    took_part: int = 0  # 参加评议 = present + made up
    not_taking_part: int = 0  # 未参加评议 (absent, no 补课 yet)
    grades: Counter[str] = field(default_factory=Counter)  # the four grades, of took_part
    not_graded: int = 0  # 不评定等次, of took_part
    ungraded: int = 0  # 未评定 (evaluated, no usable grade yet), of took_part
    dispositions: Counter[str] = field(default_factory=Counter)  # 不合格: 措施 → members
    reasons: Counter[str] = field(default_factory=Counter)  # 未参加评议: 缺席原因 → members
    talks: int = 0  # 谈心谈话 records used
    talk_due: int = 0  # 应谈党员 (R-T2)
    talk_covered: int = 0
    pairs: int = 0  # 必谈对数 (R-T1)
    pairs_done: int = 0
    team_problems: Counter[str] = field(default_factory=Counter)  # 类别 → 班子 problems
    member_problems: Counter[str] = field(default_factory=Counter)  # 方面 → member problems
    rectifications: Counter[str] = field(default_factory=Counter)  # 完成情况 → items
    team_numbered: int = 0  # numbered 班子 problems (R-R2's denominator)
    team_covered: int = 0  # … with at least one rectification
    promise_due: int = 0  # members due an 整改承诺 (R-R4)
    promised: int = 0
    stages: dict[str, str] = field(default_factory=dict)  # stage → 已报送 / 逾期报送 / …
    failed: bool = False  # errors remain (未通过校验)

    @property
    def talk_share(self) -> float | None:
        return self.talk_covered / self.talk_due if self.talk_due else None

    @property
    def problems(self) -> int:
        return sum(self.team_problems.values()) + sum(self.member_problems.values())

    @property
    def rectified(self) -> int:
        return sum(self.rectifications.values())

    def add(self, other: Figures) -> None:
        """Add another unit's counts into this one (the total row)."""
        for name, value in vars(other).items():
            if isinstance(value, Counter):
                getattr(self, name).update(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                setattr(self, name, getattr(self, name) + value)
        self.failed = self.failed or other.failed


@dataclass
class Statistics:
    units: list[Figures]  # 党总支 first, then the branches in filing order
    total: Figures

    @property
    def branches(self) -> list[Figures]:
        return [u for u in self.units if not u.general]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts, NA → None."""
    return [{str(k): (None if _na(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def _na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _word(value: Any) -> str:
    return "" if value is None else str(value).strip()


def counted_grade(rec: dict[str, Any]) -> str:
    """The grade the 备案 counts for one row of 民主评议结果: the 最终等次 once the 党总支 has
    confirmed it (SPEC §12); the 支部评定 while the review is still pending; none while the
    grade is back with the branch (退回支部重议), which then counts as 未评定."""
    final = _word(rec.get("最终等次"))
    if final:
        return final
    if _word(rec.get("总支审核")).startswith(RETURNED):
        return ""
    return _word(rec.get("评定等次"))


def statistics(filing: Filing, campaign: Campaign) -> Statistics:
    """Every figure of the 备案's 汇总 and 民主评议党员情况 and of the 总结 draft."""
    summary = {r["支部"]: r for r in records(filing.summary) if r["支部"] != TOTAL}
    units = {name: Figures(name, general=r.get("党员人数") is None and _general(filing, name))
             for name, r in summary.items()}
    for name, r in summary.items():
        u = units[name]
        u.stages = {s.name: _word(r.get(s.name)) for s in STAGES}
        u.failed = r.get("状态") == FAILED
        u.evaluated = int(r.get("测评对象") or 0)
    made_up = {(r["支部"], r["姓名"]) for r in records(filing.makeups) if r.get("补课日期")}
    reason = {(r["支部"], r["姓名"]): _word(r.get("缺席原因")) for r in records(filing.makeups)}
    worst = campaign.grades[-1]
    for r in records(filing.results):
        u = units[r["支部"]]
        key = (r["支部"], r["姓名"])
        u.members += 1
        u.full += r["党员类别"] != C.PROBATIONARY
        u.probationary += r["党员类别"] == C.PROBATIONARY
        if r["出席情况"] == C.PRESENT:
            u.present += 1
        else:
            u.absent += 1
        if r["出席情况"] != C.PRESENT and key not in made_up:
            u.not_taking_part += 1
            u.reasons[reason.get(key) or NO_REASON] += 1
            continue
        u.took_part += 1
        u.made_up += r["出席情况"] != C.PRESENT
        grade = counted_grade(r)
        if grade in campaign.grades:
            u.grades[grade] += 1
            if grade == worst:
                step = _word(r.get("处置措施"))
                u.dispositions[step if step in campaign.dispositions else UNDECIDED] += 1
        elif grade == campaign.not_graded:
            u.not_graded += 1
        else:
            u.ungraded += 1  # 未评定 (or a 待补课 written for someone who has made up)
    for r in records(filing.talks):
        u = units[r["支部"]]
        u.talks = int(r.get("可计谈话") or 0)
        u.talk_due = int(r.get("应谈党员") or 0)
        u.talk_covered = int(r.get("已与委员谈话") or 0)
        u.pairs = int(r.get("必谈对数") or 0)
        u.pairs_done = int(r.get("已谈对数") or 0)
    team, aspects = campaign.branch_problem_categories, campaign.member_aspects
    for r in records(filing.problems):
        u = units[r["支部"]]
        kind = _word(r.get("类别"))
        if r.get("对象") == C.TEAM:
            u.team_problems[kind if kind in team else OTHER] += 1
        else:
            u.member_problems[kind if kind in aspects else OTHER] += 1
    for r in records(filing.coverage):
        u = units[r["支部"]]
        u.team_covered = int(r.get("已有整改的班子问题") or 0)
        u.team_numbered = u.team_covered + _count_list(r.get("尚无整改的问题编号"))
        u.promise_due = int(r.get("应作整改承诺") or 0)
        u.promised = int(r.get("已作整改承诺") or 0)
    for r in records(filing.rectifications):
        state = _word(r.get("完成情况"))
        units[r["支部"]].rectifications[state if state in C.PROGRESS else NOT_FILLED] += 1
    total = Figures(TOTAL)
    for u in units.values():
        total.add(u)
    return Statistics(list(units.values()), total)


def _count_list(value: Any) -> int:
    """How many items a '、'-joined list of the Filing holds."""
    return len([p for p in _word(value).split("、") if p])


def _general(filing: Filing, name: str) -> bool:
    """The 党总支's own row: it has no 民主评议结果 rows (its members are graded in branches)."""
    return not bool((filing.results["支部"] == name).any())


# --- words ---------------------------------------------------------------------------------

def completeness(u: Figures) -> str:
    """What the unit has sent, in words: 材料齐全, what is missing, what came late."""
    missing = [s for s, v in u.stages.items() if v in (MISSING, OVERDUE)]
    late = [s for s, v in u.stages.items() if v == RECEIVED_LATE]
    parts = [f"缺{'、'.join(missing)}" if missing else COMPLETE]
    if late:
        parts.append(f"{'、'.join(late)}逾期报送")
    if u.failed:
        parts.append("数据尚有错误待改正")
    return "；".join(parts)


def total_completeness(stats: Statistics) -> str:
    complete = sum(1 for u in stats.units if completeness(u) == COMPLETE)
    return f"{complete}/{len(stats.units)} 个单位{COMPLETE}" + (
        "；数据尚有错误待改正" if stats.total.failed else "")


def counted(counter: Counter[str], order: Sequence[str] = ()) -> str:
    """'出国访学 1 人、因病住院 1 人' in the given order, then the rest by count."""
    keys = [k for k in order if counter.get(k)] + sorted(
        (k for k in counter if k not in order and counter[k]), key=lambda k: (-counter[k], k))
    return "、".join(f"{k} {counter[k]} 人" for k in keys)


# --- the two statistics tables of the 备案 ---------------------------------------------------

def summary_columns(campaign: Campaign) -> list[str]:
    return ["支部", "党员", "参加评议", "缺席", "待补课", "测评对象", *campaign.grades,
            campaign.not_graded, "报送情况"]


def summary_frame(stats: Statistics, campaign: Campaign) -> pd.DataFrame:
    """汇总: one row per unit, then 合计. The 党总支's own row has no member counts."""
    rows: list[list[Any]] = []
    for u in [*stats.units, stats.total]:
        words = total_completeness(stats) if u is stats.total else completeness(u)
        if u.general:
            rows.append([u.unit, *[None] * (len(campaign.grades) + 6), words])
            continue
        rows.append([u.unit, u.members, u.took_part, u.absent, u.not_taking_part, u.evaluated,
                     *(u.grades[g] for g in campaign.grades), u.not_graded, words])
    return pd.DataFrame(rows, columns=summary_columns(campaign), dtype=object)


def eight_columns(campaign: Campaign) -> list[tuple[str, str]]:
    """(group, column) headers of 民主评议党员情况, as the 党内统计 table groups them."""
    cols = [("", "支部"), ("", "党员总数"), ("", "参加评议的党员")]
    cols += [("评议结果", g) for g in campaign.grades]
    cols += [("评议结果", campaign.not_graded), ("评议结果", UNGRADED)]
    cols += [(f"{campaign.grades[-1]}党员的处置", d) for d in campaign.dispositions]
    cols += [(f"{campaign.grades[-1]}党员的处置", UNDECIDED)]
    cols += [("未参加评议的党员", "人数"), ("未参加评议的党员", "原因")]
    return cols


def eight_frame(stats: Statistics, campaign: Campaign) -> pd.DataFrame:
    """民主评议党员情况: per branch and total (the 党总支's committee is graded in branches)."""
    rows: list[list[Any]] = []
    for u in [*stats.branches, stats.total]:
        rows.append([u.unit, u.members, u.took_part, *(u.grades[g] for g in campaign.grades),
                     u.not_graded, u.ungraded,
                     *(u.dispositions[d] for d in campaign.dispositions),
                     u.dispositions[UNDECIDED], u.not_taking_part,
                     counted(u.reasons) or None])
    columns = pd.MultiIndex.from_tuples(eight_columns(campaign))
    return pd.DataFrame(rows, columns=columns, dtype=object)


def unit_names(units: Iterable[Figures]) -> list[str]:
    return [u.unit for u in units]
