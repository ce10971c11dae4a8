"""谈心谈话 coverage and matrices, 问题清单/整改清单 rows with their source row, and the
R-R2/R-R4 coverage per branch."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.common import (
    date_or_text,
    frame_of,
    joined_names,
    object_frame,
    share,
    table_rows,
)
from pipeline.normalize import (
    LIST_SPLIT,
    clean_name,
    fold,
    is_blank,
    text,
)
from pipeline.people import ordered_members
from pipeline.read.table import Table
from pipeline.sheets import talks as talks_of
from pipeline.sheets.prepare import Prepared

# --- talks ---------------------------------------------------------------------------------

@dataclass
class BranchTalks:
    row: dict[str, Any]
    missing: tuple[tuple[str, str], ...]
    matrix: pd.DataFrame


def branch_talks(b: Prepared) -> BranchTalks:
    """Coverage (R-T2, as the rules count it), missing 必谈 pairs (R-T1) and the matrix."""
    pairs = Counter((t.speaker, t.listener) for t in b.talks)
    cov = talks_of.coverage(b.talks, b.members, b.committee)
    table = b.table(C.TALKS)
    members = ordered_members(b.members)
    row: dict[str, Any] = {
        "支部": b.branch, "谈话记录数": table.rows if table is not None else 0,
        "可计谈话": sum(pairs.values()),
        "委员人数": len(b.committee), "必谈对数": cov.pairs_total,
        "已谈对数": cov.pairs_total - len(cov.missing_pairs),
        "缺少必谈对数": len(cov.missing_pairs),
        "缺少的必谈（双方）": joined_names(f"{x}—{y}" for x, y in cov.missing_pairs) or None,
        "应谈党员": cov.members_total, "已与委员谈话": cov.members_covered,
        "谈话覆盖率": share(cov.members_covered, cov.members_total),
        "未与委员谈话的党员": joined_names(cov.missing_members) or None,
    }
    order = [m.name for m in members]
    role = {m.name: m.role for m in members}
    said: dict[str, dict[str, int]] = defaultdict(dict)  # 谈话人 → 谈话对象 → talks
    for (a, o), n in pairs.items():
        said[a][o] = n
    matrix_rows: list[list[Any]] = []
    for a in order:
        heard = said.get(a, {})
        cells = [heard.get(o) or None for o in order] if heard else [None] * len(order)
        total = sum(heard.get(o, 0) for o in order) if heard else 0
        matrix_rows.append([a, role[a] or None, *cells, total])
    matrix = object_frame(matrix_rows, ["谈话人＼谈话对象", "职务", *order, "合计"])
    return BranchTalks(row, cov.missing_pairs, matrix)


# --- problems and rectifications -----------------------------------------------------------

PROBLEM_COLUMNS = ("支部", "编号", "对象", "类别", "问题描述", "来源")
RECTIFY_COLUMNS = ("支部", "编号", "对应问题编号", "对象", "整改事项", "整改措施", "责任人",
                   "完成时限", "完成情况")
TRACE_COLUMNS = ("其他列", "文件", "行号")


def _extras(table: Table, rec: dict[str, Any]) -> str | None:
    parts = [f"{c}：{text(rec.get(c))}" for c in table.extra_columns if text(rec.get(c))]
    return "；".join(parts) or None


def list_rows(b: Prepared, sheet: str, campaign: Campaign) -> list[dict[str, Any]]:
    """Every used row of 问题清单/整改清单: text as written, dates as dates, the source row."""
    table = b.table(sheet)
    out: list[dict[str, Any]] = []
    if table is None:
        return out
    headers = C.SHEETS[sheet].headers
    extras = bool(table.extra_columns)
    people: dict[tuple[str, type, Any], str] = {}  # (header, type, cell) → 对象/责任人 shown

    def person(header: str, value: Any) -> str:
        if fold(value) == C.TEAM:
            return C.TEAM
        return clean_name(value) if header == "对象" else text(value)

    for row, rec in table.records:
        item: dict[str, Any] = {"支部": b.branch}
        for header in headers:
            value = rec.get(header)
            if header == "完成时限":
                shown = date_or_text(value, campaign.year)
            elif header in ("对象", "责任人"):
                key = (header, type(value), value)
                try:
                    shown = people[key]
                except KeyError:
                    shown = people[key] = person(header, value)
                except TypeError:  # an unhashable cell value
                    shown = person(header, value)
            else:
                shown = text(value)
            item[header] = None if shown == "" else shown
        item.update({"其他列": _extras(table, rec) if extras else None, "文件": table.file,
                     "行号": row})
        out.append(item)
    return out


def with_trace(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    extra = any(r.get("其他列") for r in rows)
    trace = [c for c in TRACE_COLUMNS if c != "其他列" or extra]
    return frame_of(rows, [*columns, *trace])


def rectify_coverage(b: Prepared) -> dict[str, Any]:
    """R-R2 problem→rectification and R-R4 整改承诺 coverage of one branch, counted as the
    rules count them: numbered 班子 problems with a description; members due a commitment
    are the evaluated who took part (present, or made up)."""
    linked: set[str] = set()
    targets: set[str] = set()
    for _, rec in table_rows(b.table(C.RECTIFY)):
        linked |= {fold(p) for p in LIST_SPLIT.split(text(rec.get("对应问题编号"))) if fold(p)}
        if fold(rec.get("对象")) != C.TEAM:
            targets.add(clean_name(rec.get("对象")))
    team = [p for p in b.problems if p.team and not is_blank(p.record.get("问题描述"))]
    numbered = list(dict.fromkeys(p.number for p in team if fold(p.number)))
    unnumbered = [p for p in team if not fold(p.number)]
    uncovered = [n for n in numbered if fold(n) not in linked]
    row: dict[str, Any] = {
        "支部": b.branch, "班子问题数": len(team), "无编号": len(unnumbered),
        "_numbered": len(numbered),  # denominator of the coverage (not a column)
        "已有整改的班子问题": len(numbered) - len(uncovered),
        "班子问题整改覆盖率": share(len(numbered) - len(uncovered), len(numbered)),
        "尚无整改的问题编号": joined_names(uncovered) or None,
    }
    if not b.general:
        due = [m.name for m in ordered_members(b.evaluated) if m.present or m.makeup_date]
        without = [n for n in due if n not in targets]
        row.update({"应作整改承诺": len(due), "已作整改承诺": len(due) - len(without),
                    "整改承诺覆盖率": share(len(due) - len(without), len(due)),
                    "未作整改承诺的党员": joined_names(without) or None})
    return row


COVERAGE_COLUMNS = ("支部", "班子问题数", "无编号", "已有整改的班子问题", "班子问题整改覆盖率",
                    "尚无整改的问题编号", "应作整改承诺", "已作整改承诺", "整改承诺覆盖率",
                    "未作整改承诺的党员")
TALK_COLUMNS = ("支部", "谈话记录数", "可计谈话", "委员人数", "必谈对数", "已谈对数", "缺少必谈对数",
                "缺少的必谈（双方）", "应谈党员", "已与委员谈话", "谈话覆盖率", "未与委员谈话的党员")
MAKEUP_COLUMNS = ("支部", "姓名", "党小组", "党员类别", "缺席原因", "补课日期", "状态")
FLAG_COLUMNS = ("支部", "姓名", "规则", "提示")


