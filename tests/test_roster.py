"""Roster (SPEC §3, §8): header below titles, export synonyms, R-P1 names, R-P4 groups."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from builders import write_xlsx
from click.testing import CliRunner, Result

from pipeline import contract as C
from pipeline.cli import main
from pipeline.config import Campaign
from pipeline.people import RosterError
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "workbooks" / "campaign.toml"
HEADER = list(C.ROSTER_COLUMNS)


def person(name: str, branch: str = "第一支部", group: str = "第一党小组", role: str = "",
           kind: str = "正式党员", cadre: str = "否", dlm: str = "否") -> list[Any]:
    return [name, branch, group, role, kind, cadre, dlm]


def good_rows() -> list[list[Any]]:
    return [
        person("张伟", role="支部书记"),
        person("李娜", group="第二党小组", role="支部委员"),
        person("王强"),
        person("赵敏", group="第二党小组", kind="预备党员"),
    ]


def write_roster(tmp_path: Path, rows: list[list[Any]], header: list[str] | None = None,
                 title: bool = True) -> Path:
    top = [["2017年党员名册（导出）"], []] if title else []
    return write_xlsx(tmp_path / "roster.xlsx", {"Sheet": [*top, header or HEADER, *rows]})


def run_templates(tmp_path: Path, roster: Path) -> Result:
    return CliRunner().invoke(main, ["templates", "--config", str(CONFIG), "--roster", str(roster),
                                     "-o", str(tmp_path / "out")])


def test_header_below_title_rows(tmp_path: Path, campaign: Campaign) -> None:
    roster = load_roster(write_roster(tmp_path, good_rows()), campaign)
    assert [m.name for m in roster.members] == ["张伟", "李娜", "王强", "赵敏"]
    assert roster.branches == ["第一支部"]
    assert roster.members[0].secretary and roster.members[1].branch_committee
    assert not roster.members[3].evaluated


def test_export_synonyms_are_accepted(tmp_path: Path, campaign: Campaign) -> None:
    header = ["姓名", "所在党组织", "党小组", "党内职务", "人员类别", "是否党员领导干部",
              "是否已参加年度民主生活会"]
    rows = [person("张伟", role="支部书记"), person("赵敏", group="第二党小组", kind="预备")]
    roster = load_roster(write_roster(tmp_path, rows, header), campaign)
    assert [(m.name, m.branch, m.kind) for m in roster.members] == [
        ("张伟", "第一支部", "正式党员"), ("赵敏", "第一支部", "预备党员")]
    assert roster.members[0].roles == ("支部书记",)


def test_templates_command_writes_every_workbook(tmp_path: Path) -> None:
    rows = [*good_rows(), person("钱伟", branch="第二支部", group="一组", role="支部书记"),
            person("孙丽", branch="第二支部", group="二组", role="总支书记")]
    result = run_templates(tmp_path, write_roster(tmp_path, rows))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(["第一支部.xlsx", "第二支部.xlsx", "党总支.xlsx"])
    assert "已生成 3 个表格" in result.stdout


def test_r_p1_duplicate_name_in_a_branch_exits_2_naming_the_cell(tmp_path: Path) -> None:
    rows = [*good_rows(), person("王强", group="第二党小组")]  # header on row 3 → data rows 4..8
    result = run_templates(tmp_path, write_roster(tmp_path, rows))
    assert result.exit_code == 2
    assert "R-P1" in result.stderr
    assert "roster.xlsx Sheet!A8" in result.stderr
    assert "王强(2)" in result.stderr  # tells how to tell them apart
    assert not (tmp_path / "out").exists()


def test_r_p1_same_name_in_two_branches_is_fine(tmp_path: Path, campaign: Campaign) -> None:
    rows = [*good_rows(), person("王强", branch="第二支部"), person("钱伟", branch="第二支部",
                                                              group="第二党小组")]
    roster = load_roster(write_roster(tmp_path, rows), campaign)
    assert [m.branch for m in roster.members if m.name == "王强"] == ["第一支部", "第二支部"]


def test_r_p1_duplicate_message_without_title_rows(tmp_path: Path) -> None:
    rows = [*good_rows(), person("张伟")]
    result = run_templates(tmp_path, write_roster(tmp_path, rows, title=False))
    assert result.exit_code == 2
    assert "roster.xlsx Sheet!A6" in result.stderr and "R-P1" in result.stderr


def test_r_p4_wrong_group_count_exits_2(tmp_path: Path) -> None:
    rows = [*good_rows(), person("周杰", group="第三党小组")]
    result = run_templates(tmp_path, write_roster(tmp_path, rows))
    assert result.exit_code == 2
    assert "R-P4" in result.stderr
    assert "第一支部有 3 个党小组" in result.stderr and "应为 2 个" in result.stderr


def test_r_p4_single_group_exits_2(tmp_path: Path) -> None:
    rows = [person("张伟", role="支部书记"), person("王强")]
    result = run_templates(tmp_path, write_roster(tmp_path, rows))
    assert result.exit_code == 2
    assert "R-P4" in result.stderr and "有 1 个党小组" in result.stderr


def test_r_p4_missing_group_exits_2_naming_the_cell(tmp_path: Path) -> None:
    rows = [*good_rows(), person("周杰", group="")]
    result = run_templates(tmp_path, write_roster(tmp_path, rows))
    assert result.exit_code == 2
    assert "R-P4" in result.stderr
    assert "roster.xlsx Sheet!C8" in result.stderr and "没有填写党小组" in result.stderr


def test_r_p4_groups_per_branch_comes_from_the_config(tmp_path: Path, campaign: Campaign) -> None:
    three = dataclasses.replace(campaign, groups_per_branch=3)
    rows = [*good_rows(), person("周杰", group="第三党小组")]
    roster = load_roster(write_roster(tmp_path, rows), three)
    assert len({m.group for m in roster.members}) == 3
    with pytest.raises(RosterError) as err:
        load_roster(write_roster(tmp_path, good_rows()), three)
    assert [i.rule for i in err.value.issues] == ["R-P4"]


def test_missing_roster_column_is_reported(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "党小组"]
    rows = [[v for i, v in enumerate(r) if HEADER[i] != "党小组"] for r in good_rows()]
    result = run_templates(tmp_path, write_roster(tmp_path, rows, header))
    assert result.exit_code == 2
    assert "缺少列：党小组" in result.stderr


def test_missing_optional_roster_column_takes_its_default_with_a_warning(tmp_path: Path) -> None:
    """#10 case 13: only 姓名, 所在支部, 党小组 are needed."""
    header = [h for h in HEADER if h != "党员类别"]
    rows = [[v for i, v in enumerate(r) if HEADER[i] != "党员类别"] for r in good_rows()]
    result = run_templates(tmp_path, write_roster(tmp_path, rows, header))
    assert result.exit_code == 0
    assert "党员名册没有“党员类别”列，所有党员按“正式党员”处理" in result.stderr


def test_missing_roster_file_is_reported(tmp_path: Path) -> None:
    result = run_templates(tmp_path, tmp_path / "nowhere.xlsx")
    assert result.exit_code == 2
    assert "找不到党员名册文件" in result.stderr
