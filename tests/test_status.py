"""orglife status on the demo inbox, whose branches send in stages (dated folders): what it
shows on three days of the campaign, and the stage states of the consolidated filing's 汇总."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline import contract as C
from pipeline.app import validate
from pipeline.cli import main
from pipeline.config import load_campaign
from pipeline.consolidate.stages import STAGES, first_sent, stage_detail
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"
BRANCHES = ["第一支部", "第二支部", "第三支部", "第四支部"]
STAGE_NAMES = [s.name for s in STAGES]  # 谈心谈话 问题清单 民主测评 组织评定 整改清单 会议情况
CHASE = "需要催报"


def status(as_of: str) -> tuple[dict[str, dict[str, str]], dict[str, str], str]:
    """(branch → stage → state, branch → what is chased, the whole output)."""
    result = CliRunner().invoke(main, ["status", str(INBOX), "--as-of", as_of,
                                       "--config", str(CONFIG)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    table: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for line in out.splitlines():
        if line.startswith("┃"):
            header = [c.strip() for c in line.strip("┃").split("┃")]
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            table[cells[0]] = dict(zip(header[1:], cells[1:]))
    chased: dict[str, str] = {}
    if CHASE in out:
        for line in out.split(CHASE, 1)[1].splitlines()[1:]:
            if line.startswith("  ") and "：" in line:
                branch, owed = line.strip().split("：", 1)
                chased[branch] = owed
    return table, chased, out


def test_as_of_3_21_talks_are_in_and_problems_not_yet_due():
    table, chased, out = status("2017-03-21")
    assert "截至 2017-03-21" in out
    assert set(table) == {*BRANCHES, C.GENERAL_BRANCH}
    for branch, row in table.items():
        assert list(row) == STAGE_NAMES
        assert row["谈心谈话"] == "已报送", branch
        assert row["问题清单"] == "未报送", branch  # due 3/24: not chased yet
        later = ("民主测评", "组织评定", "整改清单", "会议情况")
        assert all(row[s] in ("未报送", "不适用") for s in later), branch
    assert chased == {}
    assert "目前没有逾期未报送的表格" in out


def test_as_of_3_25_the_fourth_branch_is_reminded_not_chased_for_its_problem_list():
    """#10 case 11: sent on time = by the send deadline 填表说明 states (4/14); the stage's own
    date only raises a reminder."""
    table, chased, out = status("2017-03-25")
    assert chased == {}
    assert "提醒（时间节点已过、尚未报送；2017-04-14 前报送不算逾期）：\n  第四支部：问题清单" in out
    assert table["第四支部"]["问题清单"] == "未报送"
    assert table["第四支部"]["谈心谈话"] == "已报送"
    for branch in ["第一支部", "第二支部", "第三支部", C.GENERAL_BRANCH]:
        assert table[branch]["谈心谈话"] == table[branch]["问题清单"] == "已报送", branch
        assert table[branch]["会议情况"] == "未报送", branch  # due 3/31


def test_as_of_4_20_everything_is_in_and_nothing_to_chase():
    table, chased, out = status("2017-04-20")
    assert chased == {}
    assert "目前没有逾期未报送的表格" in out
    for branch, row in table.items():
        for stage, state in row.items():
            if branch == C.GENERAL_BRANCH and stage in ("民主测评", "组织评定"):
                assert state == "不适用"
            else:  # 第四支部's 问题清单 arrived on 3/31: after its 3/24 node, before 4/14
                assert state == "已报送", (branch, stage)


@pytest.fixture(scope="module")
def outcome():
    campaign = load_campaign(CONFIG)
    return campaign, validate(INBOX, campaign, load_roster(campaign.roster_path, campaign))


def test_first_arrival_dates_each_stage_by_its_earliest_send(outcome):
    """The final files are all from April; the stages are dated by the dated-folder sends."""
    campaign, result = outcome
    first = first_sent(result.intake)
    detail = stage_detail(result.branches, campaign, None, first)
    rows = {(r["支部"], r["阶段"]): r for r in detail.to_dict("records")}
    talks = rows[("第一支部", "谈心谈话")]
    assert talks["首次报送"] == dt.datetime(2017, 3, 20, 15, 40)  # 2017-03-20/第一支部.xlsx
    assert talks["采用文件"] == "第一支部.xlsx" and talks["文件保存时间"].month == 4
    late = rows[("第四支部", "问题清单")]
    assert late["状态"] == "已报送" and late["首次报送"] == dt.datetime(2017, 3, 31, 22, 10)
    assert late["最迟报送日期"] == dt.date(2017, 4, 14)


def test_as_of_4_15_a_missing_stage_is_overdue(tmp_path: Path):
    """After the send deadline, what has not arrived is 逾期未报送 and chased; what arrived
    after it is 逾期报送, in status and in the filing alike."""
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox, copy_function=shutil.copy2)
    for path in inbox.rglob("第四支部*"):
        path.unlink()
    result = CliRunner().invoke(main, ["status", str(inbox), "--as-of", "2017-04-15",
                                       "--config", str(CONFIG)])
    assert "需要催报（已过最迟报送日期 2017-04-14 仍未报送）：" in result.stdout
    assert "第四支部：谈心谈话（逾期未报送）" in result.stdout


def test_filing_summary_shows_no_late_stage(tmp_path: Path):
    out = tmp_path / "备案.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(INBOX), "-o", str(out),
                                       "--config", str(CONFIG)])
    assert result.exit_code == 0, result.output
    # stages per branch are in the office's 工作底稿, beside the 备案 that -o names
    work = tmp_path / "徐汇区教师进修学院党总支-2017-专题组织生活会工作底稿.xlsx"
    values = list(openpyxl.load_workbook(work)["汇总"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(values) if r and r[0] == "支部")
    header = list(values[head])
    states: dict[tuple[str, str], str] = {}
    for row in values[head + 1:]:
        if row[0] in (*BRANCHES, C.GENERAL_BRANCH):
            for stage in STAGE_NAMES:
                states[(row[0], stage)] = row[header.index(stage)]
    assert len(states) == 5 * len(STAGE_NAMES)
    # every sheet arrived by 4/14, the send deadline of 填表说明 (#10 case 11)
    assert set(states.values()) == {"已报送", "不适用"}
    assert {k for k, v in states.items() if v == "不适用"} == {
        (C.GENERAL_BRANCH, "民主测评"), (C.GENERAL_BRANCH, "组织评定")}
