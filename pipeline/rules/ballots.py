"""Ballots (民主测评 / 计票): R-B1..R-B6 on the prepared ballots, R-S1 on a scanned tally.

The ballots are parsed once (pipeline/sheets/ballots.py, hand_count.py); these checks read the
BallotSheet. Which source counts: 民主测评 when it holds at least one ballot, else a filled
计票 sheet (its reading issues are then reported), else none. When both are filled and
disagree, 民主测评 is used and a warning says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.normalize import clean_name, is_blank, text
from pipeline.rules._common import joined
from pipeline.sheets.ballots import (
    ABSTAIN,
    DUPLICATE,
    IDENTITY,
    NOT_EVALUATED,
    UNKNOWN,
    BallotSheet,
    Tally,
    blank_ballot,
)
from pipeline.sheets.located import at, header_at
from pipeline.sheets.prepare import Prepared


def grades_text(campaign: Campaign) -> str:
    return "/".join(campaign.grades)


def vote_values(b: Prepared, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B1: every vote is one of the grades or blank; other text is an error (counted 无效)."""
    counted = bs.counted
    for row in bs.ballots:
        read = bs.votes[row]
        if None not in read.values():  # every vote of the ballot is valid
            continue
        for col in counted:
            value = bs.rows[row][col.label]
            if read[col.label] is None:
                yield at(b, bs.table, "R-B1", "error",
                         f"对 {col.name} 的测评“{text(value)}”不是有效等次，应为 "
                         f"{grades_text(campaign)}（空白为弃权）；此票对 {col.name} 计为无效",
                         row=row, column=col.label, found=text(value),
                         expected=grades_text(campaign) + " 或空白")


def ballot_count(b: Prepared, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B2: no more ballots than members present and entitled to vote."""
    limit = b.entitled
    if len(bs.ballots) > limit:
        yield at(b, bs.table, "R-B2", "error",
                 f"共录入 {len(bs.ballots)} 张测评票，多于出席且有表决权的党员 {limit} 人"
                 "（正式党员+预备党员），请核对是否重复录入或误填票号",
                 found=len(bs.ballots), expected=f"不超过 {limit} 张")


def ballot_columns(b: Prepared, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B3: the vote columns are exactly the evaluated members.

    A vote in a column of a non-evaluated member (预备党员, exempt cadre), of an unknown name or
    of a repeated column is an error at that cell and is not counted (the ballot row is kept:
    its other votes count). A missing evaluated member's column is an error on the sheet."""
    if not bs.ballots:
        return
    why = {NOT_EVALUATED: "不是测评对象", UNKNOWN: "不在本支部名册中", DUPLICATE: "的测评列重复"}
    for col in bs.columns:
        if col.status not in why:
            continue
        reason = why[col.status]
        if col.status == NOT_EVALUATED and col.member is not None:
            reason = ("是预备党员，参加投票但不作为测评对象" if not col.member.full
                      else "是已参加年度民主生活会的党员领导干部，不作为测评对象")
        for row in bs.ballots:
            value = bs.rows[row][col.label]
            if is_blank(value):
                continue
            yield at(b, bs.table, "R-B3", "error",
                     f"{col.name} {reason}，此处的“{text(value)}”不计票",
                     row=row, column=col.label, found=text(value), expected="空白（不投票）")
    for m in bs.missing:
        yield at(b, bs.table, "R-B3", "error",
                 f"测评对象 {m.name} 没有测评列，应在表头增加以 {m.name} 为题的一列",
                 found="", expected=f"{m.name} 的测评列")


def blank_ballots(b: Prepared, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B4: a ballot blank for every member counts as 空白票 (warning: check it is not a slip)."""
    for row in bs.ballots:
        if blank_ballot(bs, row):
            number = text(bs.rows[row]["票号"])
            yield at(b, bs.table, "R-B4", "warning",
                     f"票号 {number} 整张空白，已计为空白票（对每名测评对象计弃权）；"
                     "如为漏录，请补录该票", row=row, column="票号", found=number,
                     expected="至少对一名测评对象的测评，或确认为空白票")


def ballot_numbers(b: Prepared, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B5: 票号 are unique (a later row with the same 票号 is dropped, not counted); a row
    with votes but no 票号 is not a ballot (dropped, not counted)."""
    for row, earlier in bs.duplicates:
        number = text(bs.rows[row]["票号"])
        yield at(b, bs.table, "R-B5", "error",
                 f"票号 {number} 与第 {earlier} 行重复，该行未计票；请改正票号或删去重复录入的票",
                 row=row, column="票号", found=number, expected="不重复的票号", dropped=True)
    for row in bs.ballots:
        value = bs.rows[row]["票号"]
        if isinstance(value, (bool, dt.date, dt.time)):  # a tick box, a date, a formula's result
            shown = str(value).upper() if isinstance(value, bool) else text(value)  # as Excel shows it
            yield at(b, bs.table, "R-B5", "error",
                     f"票号“{shown}”不是编号（像是勾选框、日期或公式的结果）；"
                     "请改为 001、002 这样的编号", row=row, column="票号", found=shown,
                     expected="编号，如 001")
    for row in bs.unnumbered:
        yield at(b, bs.table, "R-B5", "error",
                 "该行有测评内容但没有票号，未计票；有票号的一行才是一张票，请补填票号",
                 row=row, column="票号", found="", expected="票号", dropped=True)


def voter_identity(b: Prepared, bs: BallotSheet, campaign: Campaign) -> Iterator[Issue]:
    """R-B6: no voter identity — no column naming voters, no 票号 that is a member's name."""
    for col in bs.columns:
        if col.status == IDENTITY and any(not is_blank(rec[col.label])
                                          for rec in bs.rows.values()):
            yield header_at(b, bs.table, "R-B6", "error",
                            f"民主测评为无记名投票，不得记录投票人；“{col.name}”列的内容不会被保存，"
                            "请删除该列", column=col.label, found=col.name,
                            expected="只有 票号 和测评对象列")
    for row in bs.ballots:
        number = bs.rows[row]["票号"]
        if b.member(clean_name(number)) is not None:
            yield at(b, bs.table, "R-B6", "error",
                     f"票号“{text(number)}”是党员姓名；民主测评为无记名投票，"
                     "票号应为编号，如 1、2、3",
                     row=row, column="票号", found=text(number), expected="编号（如 1、2、3）")


BALLOT_RULES = (vote_values, ballot_count, ballot_columns, blank_ballots, ballot_numbers,
                voter_identity)


def _general(b: Prepared) -> list[Issue]:
    """The 党总支 workbook has no ballots: 总支委员 are evaluated in their own branch."""
    found = []
    for sheet in (C.BALLOTS, C.TALLY):
        t = b.table(sheet)
        if t is None:
            continue
        for row, _ in t.records:
            found.append(at(b, t, "R-B3", "error",
                            f"党总支工作簿不进行民主测评（总支委员在所在支部参加测评），{sheet}中的内容未采用",
                            row=row, column=t.columns[0], expected="在所在支部的工作簿中填写",
                            dropped=True))
    return found


def _differs(a: Tally, b: Tally, campaign: Campaign) -> list[str]:
    keys = (*campaign.grades, ABSTAIN)
    names = sorted(set(a.counts) | set(b.counts))
    return [n for n in names
            if {k: a.counts.get(n, {}).get(k) for k in keys}
            != {k: b.counts.get(n, {}).get(k) for k in keys}]


def check(b: Prepared, campaign: Campaign) -> list[Issue]:
    """Every R-B issue of the branch (民主测评 or 计票), in a fixed order."""
    if b.general:
        return _general(b)
    bs = b.ballots
    found = [i for rule in BALLOT_RULES for i in rule(b, bs, campaign)] if bs is not None else []
    if bs is not None and bs.ballots:
        if b.hand is not None and b.tally is not None:
            differ = _differs(b.tally, b.hand.tally, campaign)
            if differ:
                found.append(at(b, b.tables[C.TALLY], "R-B2", "warning",
                                f"同时填写了民主测评和计票表，两者不一致（{joined(differ)}）；"
                                "以民主测评逐票录入为准，计票表未采用",
                                found=joined(differ), expected="与民主测评一致，或只填一种"))
        return found
    return found + list(b.hand.issues if b.hand is not None else ())


def tally_branch(b: Prepared, campaign: Campaign) -> tuple[Tally | None, list[Issue]]:
    """The branch's tally (None when no ballots were entered) and every R-B issue found."""
    return b.tally, check(b, campaign)


def pending_marks(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-S1: a scanned tally with marks still 待复核 is provisional (warning per member)."""
    if b.hand is None or b.general:
        return
    t = b.tables[C.TALLY]
    for name, row, n in b.hand.pending:
        yield at(b, t, "R-S1", "warning",
                 f"{name} 尚有 {n} 个标记待复核，计票结果为暂定，请在扫描复核表中填写复核结论后"
                 "重新运行 orglife scan", row=row, column=C.TALLY_PENDING, found=n,
                 expected="待复核 0")


def _rule(rule: str, implementation: object) -> object:
    def run(b: Prepared, campaign: Campaign) -> list[Issue]:
        return [i for i in check(b, campaign) if i.rule == rule]

    run.__name__ = getattr(implementation, "__name__", rule)
    run.__doc__ = getattr(implementation, "__doc__", None)
    run.implementation = implementation  # type: ignore[attr-defined]
    return run


RULE_CHECKS = (
    ("R-B1", _rule("R-B1", vote_values)),
    ("R-B2", _rule("R-B2", ballot_count)),
    ("R-B3", _rule("R-B3", ballot_columns)),
    ("R-B4", _rule("R-B4", blank_ballots)),
    ("R-B5", _rule("R-B5", ballot_numbers)),
    ("R-B6", _rule("R-B6", voter_identity)),
    ("R-S1", pending_marks),
)
