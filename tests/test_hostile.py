"""Issue #10 cases that are not one inbox kind: a file deleted while the run reads the inbox,
the command line's messages and exit codes, outputs named by the user."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from builders import workpaper
from click.testing import CliRunner

from pipeline import app
from pipeline.cli import main
from pipeline.config import load_campaign
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"


@pytest.fixture(scope="module")
def campaign_and_roster():
    campaign = load_campaign(CONFIG)
    return campaign, load_roster(campaign.roster_path, campaign)


def test_file_deleted_mid_run_is_said_so_not_a_broken_link(tmp_path: Path,
                                                           campaign_and_roster) -> None:
    """Case 19: a file removed after the inbox was listed was reported as
    “链接指向的文件不存在”; it is a file deleted or moved during the run."""
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox)
    victim = inbox / "第四支部.xlsx"

    def step(message: str) -> None:
        if "第二支部.xls" in message and victim.exists():
            victim.unlink()  # the next file the scan opens

    v = app.validate(inbox, *campaign_and_roster, progress=step, workers=1)  # serial order
    found = [i for i in v.report.issues if i.file == "第四支部.xlsx"]
    assert [(i.rule, i.severity) for i in found] == [("R-F1", "error")]
    assert "文件在处理过程中被删除或移走" in found[0].message
    assert "链接" not in found[0].message


def consolidate(inbox: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["consolidate", str(inbox), "-o", str(out),
                                     "--config", str(CONFIG), *extra])


def summary_rows(path: Path) -> dict[str, dict]:
    """汇总 of the 工作底稿 written beside the 备案 `path` (it has the 状态 column)."""
    book = openpyxl.load_workbook(workpaper(path), read_only=True)
    rows = list(book["汇总"].iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "支部")
    return {r[0]: dict(zip(header, r)) for r in rows[rows.index(header) + 1:] if r and r[0]}


def test_empty_inbox_is_not_a_pass(tmp_path: Path) -> None:
    """Case 10: an empty inbox gave exit 0, 通过校验 and 出席 = every member."""
    (tmp_path / "inbox").mkdir()
    result = consolidate(tmp_path / "inbox", tmp_path / "备案.xlsx")
    assert result.exit_code == 1
    assert "未报送：收件箱中没有收到任何支部的表格；退出码 1" in result.stdout
    assert "通过校验" not in result.stdout
    rows = summary_rows(tmp_path / "备案.xlsx")
    assert {r["状态"] for r in rows.values()} == {"未报送", "未通过校验"}
    assert rows["合计"]["状态"] == "未通过校验"  # the R-F3 error: nothing received
    assert all(r["出席"] is None for n, r in rows.items() if n != "合计")


def test_branch_that_sent_nothing_or_part_is_not_passed(tmp_path: Path) -> None:
    """Case 10: a branch that sent nothing was 通过校验; now 未报送, and one that sent only its
    talks is 不完整; the filing as a whole is 不完整 (no error: exit 0, said in words)."""
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox, copy_function=shutil.copy2)
    for path in inbox.rglob("第四支部*"):
        path.unlink()
    for path in inbox.rglob("第三支部*"):
        if "2017-03-2" not in str(path.parent):
            path.unlink()  # 第三支部 keeps only its earliest sends
    result = consolidate(inbox, tmp_path / "备案.xlsx")
    rows = summary_rows(tmp_path / "备案.xlsx")
    assert rows["第四支部"]["状态"] == "未报送" and rows["第四支部"]["出席"] is None
    assert rows["第三支部"]["状态"] == "不完整"
    assert rows["第一支部"]["状态"] == "通过校验"
    assert rows["合计"]["状态"] == "不完整"
    assert result.exit_code == 0, result.stdout
    assert "（不完整：第三支部、第四支部 尚有阶段未报送，见汇总表各阶段列）" in result.stdout


# --- case 17: the command line in Chinese ----------------------------------------------------

ENGLISH = ("Usage", "Error", "Missing", "No such", "Show this message", "Options", "Commands",
           "Try ", "default:", "does not match")


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(("args", "said"), [
    (("consolidate",), "错误：缺少参数 收件箱文件夹"),
    (("consolidate", str(INBOX), "--bogus"), "错误：没有选项 --bogus"),
    (("consolidate", str(INBOX), "--ot", "x.xlsx"), "您是否想用 --out"),
    (("status", str(INBOX), "--as-of", "3月25日"),
     "错误：--as-of 的值“3月25日”不是日期，应写成 2017-03-25 或 2017/03/25 的形式"),
    (("frobnicate",), "错误：没有命令“frobnicate”"),
    (("consolidate", str(INBOX), "-o"), "错误：选项 -o 后面需要一个值"),
    (("validate", str(INBOX), "extra"), "错误：多余的参数：extra"),
])
def test_usage_errors_are_in_chinese(args: tuple[str, ...], said: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert said in result.stderr
    assert not any(word in result.stderr for word in ENGLISH), result.stderr


@pytest.mark.parametrize("args", [("--help",), ("consolidate", "--help"), ("status", "-h")])
def test_help_pages_are_in_chinese(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 0
    assert "用法：orglife" in result.stdout and "显示本说明并退出" in result.stdout
    assert not any(word in result.stdout for word in ENGLISH), result.stdout


def test_output_with_another_extension_is_an_error_not_a_folder(tmp_path: Path) -> None:
    result = consolidate(INBOX, tmp_path / "备案.xls")
    assert result.exit_code == 2
    assert "输出文件应以 .xlsx 结尾" in result.stderr
    assert not (tmp_path / "备案.xls").exists()


def test_missing_config_hints_at_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(INBOX), "--config",
                                       str(tmp_path / "nowhere.toml")])
    assert result.exit_code == 2
    assert "找不到配置文件" in result.stderr and "用 --config 指定配置文件" in result.stderr


def test_unwritable_output_is_said_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_bytes(b"a file, not a folder")
    result = consolidate(INBOX, tmp_path / "blocked" / "备案.xlsx")
    assert result.exit_code == 2
    assert "无法写入" in result.stderr and "blocked 是一个文件，不是文件夹" in result.stderr
    assert "exists" not in result.stderr


def test_a_254_byte_output_name_is_written(tmp_path: Path) -> None:
    """The temporary name was built from the target's: over the 255-byte limit."""
    name = "备" * 83 + ".xlsx"  # 83 × 3 + 5 = 254 bytes
    assert len(name.encode()) == 254
    result = consolidate(INBOX, tmp_path / name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).stat().st_size > 0
    beside = {workpaper(tmp_path / name).name, "徐汇区教师进修学院党总支-2017-专题组织生活会总结.docx"}
    assert {p.name for p in tmp_path.iterdir()} == {name, *beside}  # no temporary file left


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    """A killed run leaves .orglife-<pid>-….tmp beside the output: the next run removes it."""
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".orglife-{dead}-abc123.tmp"
    stale.write_bytes(b"half a workbook")
    other = tmp_path / "笔记.tmp"  # not ours: kept
    other.write_bytes(b"x")
    result = consolidate(INBOX, tmp_path / "备案.xlsx")
    assert result.exit_code == 0, result.output
    assert not stale.exists() and other.exists()


def test_last_years_files_in_the_inbox_are_noted(tmp_path: Path) -> None:
    """Case 15: the demo inbox read with a new year's config gave 20 × R-F5 and make's
    "Error 1"; now one note says the inbox holds another campaign's files, and the summary
    line says what exit 1 means."""
    config = tmp_path / "campaign.toml"
    text = CONFIG.read_text(encoding="utf-8")
    config.write_text(text.replace("year = 2017", "year = 2018", 1).replace("= 2017-", "= 2018-"),
                      encoding="utf-8")
    assert config.read_text(encoding="utf-8") != text
    result = CliRunner().invoke(main, ["consolidate", str(INBOX), "-o", str(tmp_path / "a.xlsx"),
                                       "--config", str(config), "--roster",
                                       str(ROOT / "workbooks" / "roster.xlsx")])
    assert result.exit_code == 1
    assert "注意：收件箱中有 20 个文件属于其他活动或旧版模板" in result.stdout
    assert "make consolidate INBOX=收件箱文件夹" in result.stdout
    assert "退出码 1" in result.stdout


# --- case 14: another year ------------------------------------------------------------------

def _config(tmp_path: Path, **replace: str) -> Path:
    text = CONFIG.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_year_with_last_years_dates_is_refused(tmp_path: Path) -> None:
    from pipeline.config import ConfigError

    path = _config(tmp_path, **{"year = 2017": "year = 2018"})
    with pytest.raises(ConfigError, match=r"deadlines\.self_check 的值 '2017-03-10' 不可用，应为 2018 年的日期"):
        load_campaign(path)


def test_talks_due_after_the_member_meeting_are_refused(tmp_path: Path) -> None:
    from pipeline.config import ConfigError

    text = CONFIG.read_text(encoding="utf-8")
    talks = next(line for line in text.splitlines() if line.startswith("talks"))
    path = _config(tmp_path, **{talks: "talks = 2017-04-02"})
    with pytest.raises(ConfigError, match=r"deadlines\.problems .*不早于 deadlines\.talks"):
        load_campaign(path)


def test_templates_of_another_year_hint_that_year(tmp_path: Path) -> None:
    from pipeline.write.templates import build_workbook

    text = CONFIG.read_text(encoding="utf-8")
    path = _config(tmp_path, **{"year = 2017": "year = 2018"})
    path.write_text(path.read_text(encoding="utf-8").replace("= 2017-", "= 2018-"),
                    encoding="utf-8")
    assert text != path.read_text(encoding="utf-8")
    campaign = load_campaign(path)
    roster = load_roster(ROOT / "workbooks" / "roster.xlsx", campaign)
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(campaign, roster, "第一支部")))
    prompts = [dv.prompt or "" for ws in wb for dv in ws.data_validations.dataValidation]
    guide = " ".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert any("2018/3/15" in p for p in prompts)
    assert not any("2017" in p for p in prompts) and "2017" not in guide


# --- case 13: a 全国党员管理信息系统 export as the roster --------------------------------------

def _export(path: Path) -> Path:
    """The office roster as the national system exports it: its own columns, no 职务 and no
    是/否 columns."""
    src = openpyxl.load_workbook(ROOT / "workbooks" / "roster.xlsx").active
    rows = list(src.iter_rows(values_only=True))[1:]  # below the title row
    head = [str(h) for h in rows[0]]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "姓名", "性别", "公民身份号码", "人员类别", "所在党组织", "所在党小组", "入党日期"])
    for n, r in enumerate(rows[1:], start=1):
        rec = dict(zip(head, r))
        ws.append([n, rec["姓名"], "女", f"31010419800101{n:04d}", rec["党员类别"],
                   rec["所在支部"], rec["党小组"], "2001-07-01"])
    wb.save(path)
    return path


def test_a_national_system_export_is_a_roster(tmp_path: Path) -> None:
    """It was refused for four missing columns; now 职务 defaults to none and the two 是/否
    columns to 否, each default said in one warning; extra columns ignored."""
    campaign = load_campaign(CONFIG)
    roster = load_roster(_export(tmp_path / "导出.xlsx"), campaign)
    office = load_roster(ROOT / "workbooks" / "roster.xlsx", campaign)
    assert [m.name for m in roster.members] == [m.name for m in office.members]
    assert not any(m.roles or m.leading_cadre or m.attended_dlm for m in roster.members)
    assert [m.kind for m in roster.members] == [m.kind for m in office.members]
    said = [n.message for n in roster.notes]
    assert [(n.rule, n.severity) for n in roster.notes] == [("R-F3", "warning")] * 3
    assert said[0].startswith("党员名册没有“职务”列，所有党员按“普通党员（无职务）”处理")
    assert "没有“是否党员领导干部”列，所有党员按“否”处理" in said[1]
    result = CliRunner().invoke(main, ["templates", "--config", str(CONFIG), "--roster",
                                       str(tmp_path / "导出.xlsx"), "-o", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert "[警告][R-F3]" in result.stderr and "没有“职务”列" in result.stderr


def test_console_rule_titles_end_at_a_phrase() -> None:
    """Case 18: "最常见的问题" cut rule titles at 24 characters, mid-phrase."""
    from pipeline.issues import RULES
    from pipeline.render import short_title

    assert short_title(RULES["R-P2"].title) == "测评对象为正式党员"
    for rule in RULES.values():
        shown = short_title(rule.title)
        assert rule.title.startswith(shown) and len(shown) <= 26, rule.id
        rest = rule.title[len(shown):]
        assert not rest or rest[0] in "，；：（", (rule.id, shown)
