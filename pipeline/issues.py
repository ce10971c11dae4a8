"""Issues as data: every rule of SPEC §3–§6 with its id, and the Issue a check yields."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

Severity = Literal["error", "warning"]
SEVERITY_LABEL: dict[str, str] = {"error": "错误", "warning": "警告"}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # the rule text shown in 说明 and in the report


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("R-P1", "同一支部内姓名唯一（同名以 王伟(2) 区分）"),
    Rule("R-P2", "测评对象为正式党员，已参加年度民主生活会的党员领导干部除外；支部书记参加测评；预备党员参加投票但不评定等次"),
    Rule("R-P3", "缺席民主评议的党员列入补课名单，补课前等次为待补课；其测评列应为空"),
    Rule("R-P4", "每个支部按配置分党小组，每名党员属于且只属于一个党小组"),
    Rule("R-T1", "委员之间必谈：每两名支委（总支委员）之间有一次谈话，方向不限"),
    Rule("R-T2", "每名党员至少与一名委员谈过话（委员和党员广泛谈），报告覆盖率"),
    Rule("R-T3", "谈话双方为名册中的姓名，不能自己与自己谈"),
    Rule("R-T4", "谈话日期不晚于谈心谈话截止日期（逾期为警告）"),
    Rule("R-Q1", "每个班子有问题清单，类别为工作方案规定的类别"),
    Rule("R-Q2", "党员问题按政治、执行纪律、品德、发挥作用四个方面归类；每名测评对象至少一条"),
    Rule("R-Q3", "问题描述不能为空"),
    Rule("R-B1", "测评票为四个等次之一（全角、空格差异归并；别名须在配置中列出）；空白为弃权"),
    Rule("R-B2", "票数不超过出席且有表决权的党员人数（正式党员+预备党员）"),
    Rule("R-B3", "测评列正好是测评对象；投给非测评对象的票为错误"),
    Rule("R-B4", "整张空白的票计为空白票，不丢弃"),
    Rule("R-B5", "票号不能重复"),
    Rule("R-B6", "不保存、不输出投票人身份及票的顺序；备案只含计票结果"),
    Rule("R-G1", "只有测评对象评定等次；预备党员和免评的领导干部为不评定等次；缺席者为待补课"),
    Rule("R-G2", "基本合格、不合格须写评定理由；不合格须写处置措施"),
    Rule("R-G3", "评定等次与测评结果明显不一致时须写明理由（警告）"),
    Rule("R-G4", "评定、反馈日期不晚于组织评定截止日期"),
    Rule("R-R1", "整改事项、整改措施、责任人、完成时限四明确"),
    Rule("R-R2", "每条班子问题至少有一条整改（报告覆盖率）"),
    Rule("R-R3", "责任人为名册中的姓名或委员职务；完成时限为党员大会之后的具体日期"),
    Rule("R-R4", "每名测评对象有整改承诺（对象为本人的一行）"),
    Rule("R-M1", "支委会在总支委员会之前，均不晚于委员会截止日期"),
    Rule("R-M2", "党员大会在规定日期召开；每个支部召开规定数量的党小组会"),
    Rule("R-M3", "实到人数不超过应到人数"),
    Rule("R-M4", "集中学习不晚于规定日期并有记录（缺少或逾期为警告）"),
    Rule("R-F1", "无法打开的文件（损坏、加密、不是表格、解压后过大）报告并跳过"),
    Rule("R-F2", "按 _meta（或工作表和支部名）识别文件；无法识别的报告"),
    Rule("R-F3", "缺少必需的工作表或列时报告，并跳过该表的数值校验"),
    Rule("R-F4", "同一支部多次报送同一工作表时，以最新文件为准，逐表替换，列出被替代的文件"),
    Rule("R-F5", "其他活动或未知版本的模板报告"),
    Rule("R-F6", "模板遗留的示例和提示文字不是数据"),
    Rule("R-A1", "优秀一般不超过党员总数的一定比例（比例、基数、取整方式见配置）"),
    Rule("R-A2", "票数比例提示（默认关闭；启用时注明依据文件），只提示需组织研判"),
    Rule("R-S1", "扫描计票尚有待复核的标记"),
)}


@dataclass(frozen=True)
class Issue:
    """One finding: where (file, sheet, cell), which rule, what was found and what is expected."""

    rule: str
    severity: Severity
    branch: str
    file: str
    sheet: str
    cell: str
    found: str
    expected: str
    message: str  # Chinese, complete sentence without the location prefix
    row: int = 0  # Excel row of the data row concerned, 0 when none
    dropped: bool = False  # the row is not used in the filing (it is only in the report)

    @property
    def location(self) -> str:
        where = self.file
        if self.sheet:
            where += f" {self.sheet}"
            if self.cell:
                where += f"!{self.cell}"
        return where

    @property
    def text(self) -> str:
        """Full message, e.g. `第二支部.xlsx 民主测评!D7：“良好”不是有效等次，应为 …`."""
        return f"{self.location}：{self.message}" if self.location else self.message


def issue(rule: str, severity: Severity, message: str, *, branch: str = "", file: str = "",
          sheet: str = "", cell: str = "", found: object = "", expected: str = "",
          row: int | None = None, dropped: bool = False) -> Issue:
    """Build an Issue; the rule id must be registered. `row` defaults to the cell's row."""
    if rule not in RULES:
        raise KeyError(f"unregistered rule {rule}")
    if row is None:
        digits = "".join(ch for ch in cell if ch.isdigit())
        row = int(digits) if digits else 0
    return Issue(rule, severity, branch, file, sheet, cell,
                 "" if found is None else str(found), expected, message, row, dropped)


def sort_key(i: Issue) -> tuple[object, ...]:
    return (i.branch, i.file, i.sheet, _cell_order(i.cell), i.rule, i.message)


def _cell_order(cell: str) -> tuple[int, int, str]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ord(ch) - 64)
    return (int(digits) if digits else 0, col, cell)


def dropped_rows(found: Iterable[Issue]) -> set[tuple[str, str, int]]:
    """(file, sheet, Excel row) of every row an issue dropped: it is not used in the filing,
    only reported (row accounting, and what consolidation leaves out)."""
    return {(i.file, i.sheet, i.row) for i in found if i.dropped and i.row}


def count(issues: Iterable[Issue], severity: Severity) -> int:
    return sum(1 for i in issues if i.severity == severity)


ISSUE_COLUMNS = ("级别", "规则", "支部", "文件", "工作表", "单元格", "发现值", "应为", "说明",
                 "处理")


def issue_frame(issues: Sequence[Issue], branch_order: Sequence[str]) -> pd.DataFrame:
    """校验问题: unplaced files first, then branch by branch, errors before warnings."""
    rank = {name: i for i, name in enumerate(branch_order)}

    def key(i: Issue) -> tuple[Any, ...]:
        return (rank.get(i.branch, -1 if not i.branch else len(rank)), i.severity != "error",
                sort_key(i))

    rows = [{
        "级别": SEVERITY_LABEL[i.severity], "规则": i.rule, "支部": i.branch or None,
        "文件": i.file or None, "工作表": i.sheet or None, "单元格": i.cell or None,
        "发现值": i.found or None, "应为": i.expected or None, "说明": i.message,
        "处理": "该行未采用，仅在校验问题中列出" if i.dropped else None,
    } for i in sorted(issues, key=key)]
    return pd.DataFrame([[r[c] for c in ISSUE_COLUMNS] for r in rows], columns=list(ISSUE_COLUMNS),
                        dtype=object)
