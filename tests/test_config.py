"""Campaign config (SPEC §2): the seed's values by default; a bad config → exit 2, key named."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.config import DEADLINE_LABELS, Campaign, load_campaign

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = (ROOT / "workbooks" / "campaign.toml").read_text(encoding="utf-8")


def run_templates(tmp_path: Path, text: str | None, name: str = "bad.toml") -> Result:
    """`orglife templates --config <file>`; text None = the file does not exist."""
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["templates", "--config", str(path),
                                     "-o", str(tmp_path / "out")])


def edited(old: str, new: str) -> str:
    assert old in SHIPPED, old
    return SHIPPED.replace(old, new)


def assert_config_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("配置错误：")
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    assert "Traceback" not in result.stderr


def test_shipped_config_carries_the_seed_values(campaign: Campaign) -> None:
    assert campaign.organisation == "徐汇区教师进修学院党总支"
    assert campaign.year == 2017
    assert set(campaign.deadlines) == set(DEADLINE_LABELS)
    assert campaign.deadlines["talks"] == dt.date(2017, 3, 20)
    assert campaign.deadlines["member_meeting"] == dt.date(2017, 3, 31)
    assert campaign.deadlines["report"] == dt.date(2017, 4, 17)
    assert campaign.grades == ("优秀", "合格", "基本合格", "不合格")
    assert campaign.groups_per_branch == 2
    assert campaign.excellent_cap.ratio == Fraction(1, 3)
    assert campaign.excellent_cap.cap(10) == 3
    assert not campaign.vote_flags.enabled
    assert campaign.created == dt.datetime(2017, 4, 17, 12, 0)


def test_optional_sections_default_to_the_seed(tmp_path: Path) -> None:
    start = SHIPPED.index("[lists]")
    end = SHIPPED.index("[excellent_cap]")
    path = tmp_path / "short.toml"
    path.write_text(SHIPPED[:start] + SHIPPED[end:], encoding="utf-8")
    campaign = load_campaign(path)
    assert campaign.member_aspects == ("政治", "执行纪律", "品德", "发挥作用")
    assert campaign.meeting_types[-1] == "党员大会"


def test_missing_key(tmp_path: Path) -> None:
    text = edited('theme = "学习贯彻党的十八届六中全会精神"\n', "")
    assert_config_error(run_templates(tmp_path, text), "缺少配置项", "organisation.theme")


def test_missing_deadline(tmp_path: Path) -> None:
    text = edited("grading = 2017-04-14", "")
    assert_config_error(run_templates(tmp_path, text), "deadlines.grading")


def test_bad_date(tmp_path: Path) -> None:
    text = edited("study = 2017-03-17", 'study = "3月17日"')
    assert_config_error(run_templates(tmp_path, text), "deadlines.study", "3月17日",
                        "2017-03-10 的形式")


def test_bad_grades_count(tmp_path: Path) -> None:
    text = edited('names = ["优秀", "合格", "基本合格", "不合格"]', 'names = ["优秀", "合格"]')
    assert_config_error(run_templates(tmp_path, text), "grades.names", "四个等次")


def test_duplicate_grades(tmp_path: Path) -> None:
    text = edited('names = ["优秀", "合格", "基本合格", "不合格"]',
                  'names = ["优秀", "合格", "合格", "不合格"]')
    assert_config_error(run_templates(tmp_path, text), "grades.names", "不重复")


def test_grade_alias_to_unknown_grade(tmp_path: Path) -> None:
    text = edited("aliases = {}", 'aliases = { "称职" = "良好" }')
    assert_config_error(run_templates(tmp_path, text), "grades.aliases.称职", "良好")


def test_unknown_denominator(tmp_path: Path) -> None:
    text = edited('denominator = "正式党员"', 'denominator = "在职党员"')
    assert_config_error(run_templates(tmp_path, text), "excellent_cap.denominator", "在职党员",
                        "正式党员/全体党员/测评对象")


def test_bad_ratio(tmp_path: Path) -> None:
    text = edited('ratio = "1/3"', 'ratio = "三分之一"')
    assert_config_error(run_templates(tmp_path, text), "excellent_cap.ratio")


def test_vote_flags_need_a_reference(tmp_path: Path) -> None:
    text = edited("enabled = false", "enabled = true")
    assert_config_error(run_templates(tmp_path, text), "vote_flags.reference", "文号")


def test_broken_toml(tmp_path: Path) -> None:
    text = edited("[grades]", "[grades")
    assert_config_error(run_templates(tmp_path, text), "bad.toml", "格式有误", "line")


def test_missing_file(tmp_path: Path) -> None:
    result = run_templates(tmp_path, None, "nowhere.toml")
    assert_config_error(result, "找不到配置文件", "nowhere.toml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(SHIPPED.encode("gbk"))
    result = CliRunner().invoke(main, ["templates", "--config", str(path)])
    assert_config_error(result, "UTF-8")


@pytest.mark.parametrize("key,old,new", [
    ("groups.per_branch", "per_branch = 2", "per_branch = 0"),
    ("organisation.year", "year = 2017", 'year = "2017年"'),
    ("lists.meeting_types", 'meeting_types = ["集中学习"', 'meeting_types = ["", "集中学习"'),
])
def test_other_bad_values_name_their_key(tmp_path: Path, key: str, old: str, new: str) -> None:
    assert_config_error(run_templates(tmp_path, edited(old, new)), key)
