"""Campaign configuration: campaign.toml → Campaign. Defaults are the 2017 seed plan's values."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path("workbooks/campaign.toml")

# Deadline keys → the Chinese stage names used in messages and 填表说明.
DEADLINE_LABELS: dict[str, str] = {
    "self_check": "回顾检视、重点自查",
    "study": "集中学习",
    "talks": "谈心谈话",
    "problems": "查找问题、列出问题清单",
    "committee_meetings": "支委会、总支委员会",
    "member_meeting": "党员大会、民主评议党员",
    "grading": "组织评定",
    "rectification": "列出整改清单",
    "report": "总结上报",
}

DENOMINATORS = ("正式党员", "全体党员", "测评对象")
ROUNDINGS = ("floor", "round", "ceil")


class ConfigError(Exception):
    """A campaign.toml that cannot be used; the message is Chinese and names the key."""


@dataclass(frozen=True)
class Limits:
    max_unpacked_mb: int = 200
    max_rows_per_sheet: int = 100_000
    max_files: int = 5000


@dataclass(frozen=True)
class ExcellentCap:
    ratio: Fraction = Fraction(1, 3)
    denominator: str = "正式党员"
    rounding: str = "floor"

    def cap(self, base: int) -> int:
        """Largest number of 优秀 grades allowed for a branch whose denominator is `base`."""
        value = self.ratio * base
        if self.rounding == "ceil":
            return math.ceil(value)
        if self.rounding == "round":  # half up, as people round by hand
            return int(value + Fraction(1, 2))
        return math.floor(value)

    def describe(self) -> str:
        rounding = {"floor": "向下取整", "round": "四舍五入", "ceil": "向上取整"}[self.rounding]
        return f"优秀一般不超过{self.denominator}人数的{self.ratio}（{rounding}）"


@dataclass(frozen=True)
class VoteFlags:
    enabled: bool = False
    reference: str = ""
    unqualified_share: float = 0.5
    basic_or_worse_share: float = 0.5


@dataclass(frozen=True)
class Campaign:
    organisation: str
    upper_body: str
    year: int
    theme: str
    deadlines: dict[str, dt.date]
    grades: tuple[str, ...] = ("优秀", "合格", "基本合格", "不合格")
    grade_aliases: dict[str, str] = field(default_factory=dict)
    not_graded: str = "不评定等次"
    pending: str = "待补课"
    groups_per_branch: int = 2
    branch_problem_categories: tuple[str, ...] = (
        "党性意识和自我要求",
        "执行上级决定",
        "组织生活制度落实（三会一课）",
        "党员日常管理",
        "谈心谈话中提到的问题",
    )
    member_aspects: tuple[str, ...] = ("政治", "执行纪律", "品德", "发挥作用")
    dispositions: tuple[str, ...] = ("限期改正", "劝其退党", "党内除名", "除名")
    meeting_types: tuple[str, ...] = ("集中学习", "支委会", "总支委员会", "党小组会", "党员大会")
    excellent_cap: ExcellentCap = ExcellentCap()
    vote_flags: VoteFlags = VoteFlags()
    limits: Limits = Limits()
    standard: str = "四讲四有"
    plan_date: dt.date | None = None
    contact: str = "党总支办公室"
    roster_path: Path | None = None
    source: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def campaign_id(self) -> str:
        """Identity written into every template's _meta (R-F5)."""
        return f"{self.organisation}/{self.year}"

    @property
    def filing_name(self) -> str:
        return f"{self.organisation}-{self.year}-专题组织生活会备案.xlsx"

    def deadline(self, key: str) -> dt.date:
        return self.deadlines[key]

    @property
    def send_by(self) -> dt.date:
        """The last day to send every sheet, as 填表说明 states it: a sheet is 逾期报送 only
        when it first arrived after this day. Whether a stage was *held* on time is judged by
        the dates inside its sheet (R-T4, R-M1, R-G4 …), never by when the file was sent
        (issue #10, case 11: status and the filing say the same)."""
        return self.deadlines["rectification"]

    @property
    def created(self) -> dt.datetime:
        """Fixed document time for reproducible outputs: the report deadline at noon."""
        return dt.datetime.combine(self.deadlines["report"], dt.time(12, 0))


def _expect(cond: bool, key: str, form: str, found: Any) -> None:
    if not cond:
        raise ConfigError(f"配置项 {key} 的值 {found!r} 不可用，应为{form}")


def _get(data: dict[str, Any], dotted: str, default: Any = ...) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            if default is ...:
                raise ConfigError(f"配置文件缺少配置项 {dotted}")
            return default
        node = node[part]
    return node


def _str(data: dict[str, Any], key: str, default: Any = ...) -> str:
    value = _get(data, key, default)
    _expect(isinstance(value, str) and value.strip() != "", key, "非空文字，例如 \"...\"", value)
    return str(value).strip()


def _date(data: dict[str, Any], key: str) -> dt.date:
    value = _get(data, key)
    ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    _expect(ok, key, "日期，写成 2017-03-10 的形式（不加引号）", value)
    return value


def _str_list(data: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = _get(data, key, list(default))
    ok = isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
    _expect(bool(ok), key, "非空的文字列表，例如 [\"甲\", \"乙\"]", value)
    items = tuple(v.strip() for v in value)
    _expect(len(set(items)) == len(items), key, "不重复的文字列表", value)
    return items


def _int(data: dict[str, Any], key: str, default: int, low: int = 1) -> int:
    value = _get(data, key, default)
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    _expect(ok, key, f"不小于 {low} 的整数", value)
    return int(value)


def _share(data: dict[str, Any], key: str, default: float) -> float:
    value = _get(data, key, default)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1
    _expect(ok, key, "0 到 1 之间的小数，例如 0.5", value)
    return float(value)


def _ratio(data: dict[str, Any], key: str) -> Fraction:
    value = _get(data, key, "1/3")
    try:
        ratio = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        ratio = Fraction(-1)
    _expect(0 < ratio <= 1, key, "0 到 1 之间的分数或小数，例如 \"1/3\"", value)
    return ratio


def _check_deadlines(deadlines: dict[str, dt.date], year: int) -> None:
    """The plan's dates lie in the campaign year and in the plan's order: a 2018 config with
    last year's dates, or talks due after the member meeting, was accepted silently (issue
    #10, case 14). DEADLINE_LABELS lists the stages in the plan's order."""
    for key, day in deadlines.items():
        _expect(day.year == year, f"deadlines.{key}",
                f" {year} 年的日期（organisation.year = {year}；新的一年请同时修改各时间节点）",
                day.isoformat())
    keys = list(DEADLINE_LABELS)
    for before, after in itertools.pairwise(keys):
        _expect(deadlines[before] <= deadlines[after], f"deadlines.{after}",
                f"不早于 deadlines.{before}（{DEADLINE_LABELS[before]} {deadlines[before]}），"
                "与工作方案的先后顺序一致", deadlines[after].isoformat())


def campaign_from_dict(data: dict[str, Any], source: Path | None = None) -> Campaign:
    """Build a Campaign from parsed TOML, checking every key (ConfigError names the bad one)."""
    deadlines = {key: _date(data, f"deadlines.{key}") for key in DEADLINE_LABELS}
    grades = _str_list(data, "grades.names", ("优秀", "合格", "基本合格", "不合格"))
    _expect(len(grades) == 4, "grades.names", "四个等次，由好到差排列", list(grades))
    aliases = _get(data, "grades.aliases", {})
    _expect(isinstance(aliases, dict), "grades.aliases", "表，例如 { \"称职\" = \"合格\" }", aliases)
    for alias, target in aliases.items():
        _expect(target in grades, f"grades.aliases.{alias}", f"{'/'.join(grades)} 之一", target)

    cap = ExcellentCap(
        ratio=_ratio(data, "excellent_cap.ratio"),
        denominator=_str(data, "excellent_cap.denominator", "正式党员"),
        rounding=_str(data, "excellent_cap.rounding", "floor"),
    )
    _expect(cap.denominator in DENOMINATORS, "excellent_cap.denominator",
            "/".join(DENOMINATORS) + " 之一", cap.denominator)
    _expect(cap.rounding in ROUNDINGS, "excellent_cap.rounding", "/".join(ROUNDINGS) + " 之一",
            cap.rounding)

    enabled = _get(data, "vote_flags.enabled", False)
    _expect(isinstance(enabled, bool), "vote_flags.enabled", "true 或 false", enabled)
    flags = VoteFlags(
        enabled=enabled,
        reference=str(_get(data, "vote_flags.reference", "")).strip(),
        unqualified_share=_share(data, "vote_flags.unqualified_share", 0.5),
        basic_or_worse_share=_share(data, "vote_flags.basic_or_worse_share", 0.5),
    )
    if flags.enabled:
        _expect(flags.reference != "", "vote_flags.reference",
                "规定阈值的文件文号（启用票数提示时必填）", flags.reference)

    roster = _get(data, "organisation.roster", "roster.xlsx")
    _expect(isinstance(roster, str) and roster.strip() != "", "organisation.roster",
            "党员名册文件名，例如 \"roster.xlsx\"", roster)
    base = source.parent if source else Path.cwd()
    plan_date = _get(data, "organisation.plan_date", None)
    if plan_date is not None:
        plan_date = _date(data, "organisation.plan_date")

    year = _int(data, "organisation.year", 0, low=1921)
    _check_deadlines(deadlines, year)
    return Campaign(
        organisation=_str(data, "organisation.name"),
        upper_body=_str(data, "organisation.upper_body"),
        year=year,
        theme=_str(data, "organisation.theme"),
        standard=_str(data, "organisation.standard", "四讲四有"),
        contact=_str(data, "organisation.contact", "党总支办公室"),
        plan_date=plan_date,
        deadlines=deadlines,
        grades=grades,
        grade_aliases={str(k): str(v) for k, v in aliases.items()},
        not_graded=_str(data, "grades.not_graded", "不评定等次"),
        pending=_str(data, "grades.pending", "待补课"),
        groups_per_branch=_int(data, "groups.per_branch", 2),
        branch_problem_categories=_str_list(
            data, "lists.branch_problem_categories", Campaign.branch_problem_categories),
        member_aspects=_str_list(data, "lists.member_aspects", Campaign.member_aspects),
        dispositions=_str_list(data, "lists.dispositions", Campaign.dispositions),
        meeting_types=_str_list(data, "lists.meeting_types", Campaign.meeting_types),
        excellent_cap=cap,
        vote_flags=flags,
        limits=Limits(
            max_unpacked_mb=_int(data, "limits.max_unpacked_mb", 200),
            max_rows_per_sheet=_int(data, "limits.max_rows_per_sheet", 100_000),
            max_files=_int(data, "limits.max_files", 5000),
        ),
        roster_path=(base / roster).resolve(),
        source=source,
        raw=data,
    )


def load_campaign(path: Path | str = DEFAULT_CONFIG) -> Campaign:
    """Read campaign.toml; any problem becomes a ConfigError with a Chinese message."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码，请用 UTF-8 保存") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 格式有误（TOML）：{exc}") from None
    return campaign_from_dict(data, source=path.resolve())
