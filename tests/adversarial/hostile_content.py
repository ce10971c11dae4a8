"""Kinds of issue #10 in what the sheets say: ballots rebuilt from their issues, odd values,
merged data cells, files that are not a send, who the members are, rough edges. Registered
into the corpus REGISTRY (see corpus.py); listed in README.md beside this file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from click.testing import CliRunner
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook

from pipeline import contract as C
from pipeline.cli import main

from .corpus import (
    CONFIG,
    ONE,
    ROSTER,
    Base,
    Expect,
    Run,
    _with_meta,
    edit,
    kind,
    put,
    write,
)

# --- case 12: a ballot rebuilt from its issues ------------------------------------------------

SLIP_ROW = 10  # a ballot of 第一支部's 民主测评


def _dot_every_vote(wb: OpenpyxlWorkbook) -> None:
    ws = wb[C.BALLOTS]
    for c in range(2, ws.max_column + 1):
        if ws.cell(2, c).value and ws.cell(SLIP_ROW, c).value:
            ws.cell(SLIP_ROW, c).value = f"{ws.cell(SLIP_ROW, c).value}。"


def _ballot_not_rebuilt(run: Run) -> None:
    typed = [i for i in run.issues if i.rule == "R-B1" and i.row == SLIP_ROW]
    assert len(typed) > 20  # the office's own report names each cell
    rows = run.filing_rows("校验问题")
    header = next(r for r in rows if r and "规则" in r)
    slips = [dict(zip(header, r)) for r in rows if r and "R-B1" in r]
    assert len(slips) == len(typed)  # one line per member column …
    for r in slips:  # … saying how many ballots, never a value of the ballot
        assert r["发现值"] == "1 张票" and "。" not in str(r["说明"]), r
        assert str(r["单元格"]).isalpha(), r


@kind("ballot-typed-with-full-stop-on-every-vote", exit_code=1, check=_ballot_not_rebuilt,
      expect=[Expect("R-B1", "error", ONE, C.BALLOTS, text="不是有效等次")])
def ballot_slip(inbox: Path, base: Base) -> None:
    """One ballot typed with "。" after every vote: 34 R-B1 lines in the filing's 校验问题, each
    with its value, rebuilt that ballot; now each member column says how many ballots."""
    edit(inbox / ONE, _dot_every_vote)


# --- case 19: values that were accepted or shown wrongly -------------------------------------

def _ballot_numbers(wb: OpenpyxlWorkbook) -> None:
    ws = wb[C.BALLOTS]
    ws.cell(3, 1).value = True
    ws.cell(4, 1).value = dt.datetime(2017, 3, 31)
    ws.cell(4, 1).number_format = "yyyy/m/d"


@kind("ballot-number-true-or-a-date", exit_code=1,
      expect=[Expect("R-B5", "error", ONE, C.BALLOTS, "A3", text="票号“TRUE”不是编号"),
              Expect("R-B5", "error", ONE, C.BALLOTS, "A4", text="票号“2017-03-31”不是编号")])
def ballot_number_true(inbox: Path, base: Base) -> None:
    """票号 TRUE (a tick box) and a date were accepted silently; now each is an error."""
    edit(inbox / ONE, _ballot_numbers)


def _minus_one(wb: OpenpyxlWorkbook) -> None:
    cell = wb[C.TALKS]["C3"]
    cell.value = -1
    cell.number_format = "yyyy/m/d"


@kind("date-cell-holding-minus-one", exit_code=1,
      expect=[Expect("R-T4", "error", ONE, C.TALKS, "C3", text="单元格中是 0、负数或小数")])
def date_minus_one(inbox: Path, base: Base) -> None:
    """A date-formatted -1 in 谈心谈话 read as a time: the message said “00:00:00”; now it
    says what the cell holds and what to type."""
    edit(inbox / ONE, _minus_one)


@kind("head-count-1e10", exit_code=1,
      expect=[Expect("R-M3", "error", ONE, C.MEETINGS, "C3", text="不超过 100000 的整数")])
def head_count(inbox: Path, base: Base) -> None:
    """应到 1e10 was accepted as a head count; now it is an error."""
    edit(inbox / ONE, lambda wb: put(wb[C.MEETINGS], 3, "应到", 1e10))


# --- case 5: votes merged over several ballots -----------------------------------------------

@kind("vote-merged-over-five-ballots", exit_code=1,
      expect=[Expect("R-F3", "error", ONE, C.BALLOTS, "C5:C9", text="是合并单元格（跨 5 行）"),
              Expect("R-F3", "error", ONE, C.BALLOTS, "B12:F12", text="是合并单元格（跨 5 列）")])
def merged_votes(inbox: Path, base: Base) -> None:
    """A vote merged over five ballot rows, another over five member columns: counted as 弃权
    with no message; now each range is an error at its cells."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.BALLOTS]
        ws.merge_cells("C5:C9")
        ws.merge_cells("B12:F12")
    edit(inbox / ONE, change)


# --- case 8: workbooks that are not a branch's submission -------------------------------------

ROSTER_COPY = "第一支部名册.xlsx"


@kind("office-roster-in-the-inbox", exit_code=0, status={ROSTER_COPY: "非报送文件"},
      expect=[Expect("R-F2", "warning", ROSTER_COPY, text="这是党员名册")])
def roster_in_inbox(inbox: Path, base: Base) -> None:
    """The office roster re-saved into the inbox (named after a branch): it became 第一支部's
    党员名册; now it is listed as 非报送文件."""
    shutil.copyfile(ROSTER, inbox / ROSTER_COPY)


FILING_COPY = "党总支-去年备案.xlsx"


@kind("previous-filing-in-the-inbox", exit_code=0, status={FILING_COPY: "非报送文件"},
      expect=[Expect("R-F2", "warning", FILING_COPY, text="这是本工具生成的备案工作簿")])
def filing_in_inbox(inbox: Path, base: Base) -> None:
    """A previous filing copied into the inbox: it became the 党总支's input (406 errors);
    now it is listed as 非报送文件."""
    out = inbox.parent / "earlier"
    result = CliRunner().invoke(main, ["consolidate", str(base.inbox), "-o", str(out / "a.xlsx"),
                                       "--config", str(CONFIG), "--roster", str(ROSTER)])
    assert result.exit_code == 0, result.output
    shutil.copyfile(out / "a.xlsx", inbox / FILING_COPY)


# --- case 7: who the members are ----------------------------------------------------------

WRONG_META = "第一支部（补报）.xlsx"
FOUR_FILE = "第四支部.xlsx"


def _first_branch_intact(run: Run) -> None:
    assert run.outcome is not None
    one = next(b for b in run.outcome.branches if b.branch == "第一支部")
    assert {t.file for t in one.tables.values()} == {ONE}
    rows = run.filing_rows("民主评议结果")
    header = next(r for r in rows if r and r[0] == "支部")
    first = [r for r in rows[rows.index(header) + 1:] if r and r[0] == "第一支部"]
    assert len(first) == len(run.base.members("第一支部"))


@kind("meta-claims-another-branch", exit_code=1, status={WRONG_META: "无法识别"},
      check=_first_branch_intact,
      expect=[Expect("R-F2", "error", WRONG_META, text="但表中的 37 名党员中有 37 名是第四支部的党员")])
def meta_other_branch(inbox: Path, base: Base) -> None:
    """第四支部's workbook with a `_meta` claiming 第一支部 (a copied template): 第一支部's 34
    members vanished from 民主评议结果 and 第四支部's ballots counted twice; now the file is
    reported as another branch's content and not used."""
    data = (inbox / FOUR_FILE).read_bytes()
    write(inbox / WRONG_META, _with_meta(data, "branch", "第一支部"),
          mtime=dt.datetime(2017, 4, 20, 8, 0))


def _members_from_office(run: Run) -> None:
    assert run.outcome is not None
    one = next(b for b in run.outcome.branches if b.branch == "第一支部")
    office = run.base.members("第一支部")
    assert [m.name for m in one.members] == [m.name for m in office]
    assert [m.name for m in one.evaluated] == [m.name for m in office if m.evaluated]


def _edit_roster(wb: OpenpyxlWorkbook) -> None:
    ws = wb[C.ROSTER]
    ws["D4"] = C.PROBATIONARY  # 郭永红 re-categorised
    ws["A5"] = "杜婷"  # 杜婷婷 mistyped
    ws.delete_rows(6)  # 任思琪 deleted
    ws.append(["张新来", "第一党小组", None, "正式党员", "否", "否", "出席"])  # added
    ws.append(["曹莉莉", "第二党小组", None, "正式党员", "否", "否", "出席"])  # 第四支部's


@kind("branch-roster-differs-from-office", exit_code=0, check=_members_from_office,
      expect=[Expect("R-P2", "warning", ONE, C.ROSTER, "D4", text="郭永红 的党员类别在本表中为“预备党员”"),
              Expect("R-P2", "warning", ONE, C.ROSTER, "A5", text="是否是 杜婷婷 改名或写错"),
              Expect("R-P2", "warning", ONE, C.ROSTER, "", text="缺少：党总支名册中的 任思琪"),
              Expect("R-P2", "warning", ONE, C.ROSTER, text="新增：张新来 不在党总支名册中"),
              Expect("R-P2", "warning", ONE, C.ROSTER, text="曹莉莉 在党总支名册中属于第四支部")],
      tolerate=[Expect("R-P4", "error", ONE, C.ROSTER), Expect("R-P1", "error", ONE, C.ROSTER)])
def roster_differs(inbox: Path, base: Base) -> None:
    """The branch's 党员名册 re-categorises, mistypes, deletes and adds members: who was
    evaluated silently changed and the errors blamed the ballots; now the office roster
    decides, and each difference is one warning on 党员名册."""
    edit(inbox / ONE, _edit_roster)


# --- case 18: rough edges in what the office reads --------------------------------------------

def _mistyped_talk(wb: OpenpyxlWorkbook) -> None:
    ws = wb[C.TALKS]
    ws["B3"] = ws["B3"].value[:-1] + ("军" if ws["B3"].value[-1] != "军" else "国")


def _suggestion(run: Run) -> None:
    (found,) = [i for i in run.issues if i.rule == "R-T3" and i.cell == "B3"]
    assert found.expected in found.message  # the closest roster name, suggested


@kind("talk-name-mistyped", exit_code=1, check=_suggestion,
      expect=[Expect("R-T3", "error", ONE, C.TALKS, "B3", text="名册中相近的姓名：")],
      tolerate=[Expect("R-T2", "warning", ONE), Expect("R-T1", "warning", ONE)])
def talk_name_mistyped(inbox: Path, base: Base) -> None:
    """谈话对象 with its last character changed (王建国 → 王建军): R-T3 offered no suggestion;
    now it names the closest roster names (never replaces them)."""
    edit(inbox / ONE, _mistyped_talk)
