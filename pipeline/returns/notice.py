"""The texts that go with the return packages: `<支部名>-通知.txt`, a short notice the office
pastes into an e-mail, and `退回汇总.txt`, one line per branch.

Anonymity (R-B6): the notice is read by more people than the branch's ballot clerk (it is
forwarded, pasted, archived), so it never quotes a ballot row: an issue on a 民主测评 row is
told by the member column and a count only. The marked cells are in the branch's own copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.anonymity import NEUTRAL
from pipeline.issues import RULES, Issue
from pipeline.returns.checklist import cn_date
from pipeline.returns.markup import Located
from pipeline.returns.package import NEEDS_FIX, NOT_SENT, BranchReturn

PACKAGE_SUFFIX = "-修改意见.xlsx"
NOTICE_SUFFIX = "-通知.txt"
SUMMARY_NAME = "退回汇总.txt"


def _ballot_row(i: Issue) -> bool:
    return i.sheet == C.BALLOTS and i.row > 0


def _where(loc: Located) -> str:
    i = loc.issue
    if loc.cell:
        return f"{i.sheet}!{loc.cell}"
    return i.sheet or "文件"


def issue_lines(located: Sequence[Located], columns: Mapping[str, str]) -> list[str]:
    """One line per issue; ballot-row issues grouped by (rule, member column) with a count,
    in the place of the group's first issue. `columns`: the copy's 民主测评 column letter →
    its header (the member's name)."""
    items: list[str | tuple[str, str]] = []
    counts: dict[tuple[str, str], int] = {}
    for loc in located:
        i = loc.issue
        if not _ballot_row(i):
            items.append(f"{_where(loc)}：{i.message}（{i.rule}）")
            continue
        letters = "".join(ch for ch in loc.cell if ch.isalpha())
        key = (i.rule, "" if i.rule in NEUTRAL else columns.get(letters, ""))
        if key not in counts:
            items.append(key)
        counts[key] = counts.get(key, 0) + 1
    return [item if isinstance(item, str) else _ballot_line(*item, counts[item])
            for item in items]


def _ballot_line(rule: str, member: str, n: int) -> str:
    if rule in NEUTRAL:
        return f"{C.BALLOTS}：{NEUTRAL[rule]}（共 {n} 处，{rule}）"
    column = f"“{member}”一列" if member else ""
    return f"{C.BALLOTS}：{column}有 {n} 处不符合要求——{RULES[rule].title}（{rule}）"


def notice(ret: BranchReturn, located: Sequence[Located], columns: Mapping[str, str],
           campaign: Campaign, as_of: dt.date, due: dt.date, package: str) -> str:
    """The notice for one branch (plain text, lines joined with \\n)."""
    errors = [loc for loc in located if loc.issue.severity == "error"]
    warnings = [loc for loc in located if loc.issue.severity == "warning"]
    out = [f"{ret.branch}：", ""]
    sender = "总支班子" if ret.general else "贵支部"  # the 党总支's own workbook: its committee
    if ret.state == NEEDS_FIX:
        found = "、".join(f"{n} 处{label}" for n, label in ((len(errors), "错误"),
                                                             (len(warnings), "警告")) if n)
        out.append(f"    经审核，截至{cn_date(as_of)}，{sender}报送的{campaign.year}年专题组织生活会"
                   f"和民主评议党员表格有 {found}，请{'修改' if errors else '核实'}：")
    else:
        out.append(f"    截至{cn_date(as_of)}，{sender}报送的{campaign.year}年专题组织生活会"
                   "和民主评议党员表格已通过校验，但尚有表格逾期未报送：")
    for label, group in (("错误（必须修改）", errors), ("警告（请核实，确有原因的可不改）", warnings)):
        if group:
            out += ["", label + "："]
            out += [f"{n}. {line}" for n, line in enumerate(issue_lines(group, columns), 1)]
    if ret.overdue:
        out += ["", "逾期未报送（请尽快补报）："]
        out += [f"{n}. {g.stage}（截止日期 {cn_date(g.deadline)}）"
                for n, g in enumerate(ret.overdue, 1)]
    if ret.pending:
        out += ["", "尚未到截止日期、还未报送的：" + "；".join(
            f"{g.stage}（{cn_date(g.deadline)}前）" for g in ret.pending)]
    out += ["", f"    请在附件《{package}》中修改：有问题的单元格已用颜色标出（红色为错误，黄色为警告）"
            "并附批注，第一页“修改清单”列出了全部问题。"
            + ("未报送的表格可直接在该文件中填写。" if ret.gaps else "")
            + f"请于{cn_date(due)}前将修改后的这个文件原样发回（文件名可以改，"
            "请勿删除或改名工作表，请保留隐藏的 _meta 表）。",
            "", f"{campaign.organisation}", cn_date(as_of)]
    return "\n".join(out) + "\n"


def summary_line(ret: BranchReturn) -> str:
    state = ret.state
    missing = "、".join(g.stage for g in ret.overdue)
    if state == NEEDS_FIX:
        line = f"{ret.branch}\t{NEEDS_FIX}（{len(ret.errors)} 错误，{len(ret.warnings)} 警告）"
        return line + (f"；{NOT_SENT}：{missing}" if missing else "")
    if state == NOT_SENT:
        return f"{ret.branch}\t{NOT_SENT}（{missing}）"
    return f"{ret.branch}\t{state}"


def summary(returns: Sequence[BranchReturn], campaign: Campaign, as_of: dt.date,
            due: dt.date) -> str:
    """退回汇总.txt: every branch, in roster order, then 党总支."""
    counts = {s: sum(1 for r in returns if r.state == s) for s in (NEEDS_FIX, NOT_SENT)}
    head = [f"{campaign.organisation} {campaign.year}年专题组织生活会 退回修改汇总"
            f"（截至{cn_date(as_of)}，改正后于{cn_date(due)}前发回；缺报 = 已过截止日期仍未报送）",
            f"共 {len(returns)} 个：{NEEDS_FIX} {counts[NEEDS_FIX]} 个，{NOT_SENT} "
            f"{counts[NOT_SENT]} 个，已通过 {len(returns) - sum(counts.values())} 个", ""]
    return "\n".join([*head, *(summary_line(r) for r in returns)]) + "\n"
