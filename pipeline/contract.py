"""The sheet contract of SPEC §4: sheet names, required headers, value lists, synonyms.

Chinese user text lives here and in the rule messages (pipeline/rules), so one grep finds it.
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_ID = "orglife-branch-workbook"
TEMPLATE_VERSION = "1"
GENERAL_BRANCH = "党总支"  # the 总支's own workbook: 党总支.xlsx

GUIDE = "填表说明"
ROSTER = "党员名册"
TALKS = "谈心谈话"
PROBLEMS = "问题清单"
BALLOTS = "民主测评"
GRADING = "组织评定"
RECTIFY = "整改清单"
MEETINGS = "会议情况"
TALLY = "计票"
META = "_meta"
# First sheet of a return copy (pipeline.returns): a list of issues for the branch to read,
# never data; the reader skips it, so a copy sent back reads as the data it carries.
RETURN_LIST = "修改清单"

# Roles (职务). Empty = 党员.
GENERAL_SECRETARY = "总支书记"
GENERAL_MEMBER = "总支委员"
BRANCH_SECRETARY = "支部书记"
BRANCH_MEMBER = "支部委员"
ROLES = (GENERAL_SECRETARY, GENERAL_MEMBER, BRANCH_SECRETARY, BRANCH_MEMBER)
BRANCH_COMMITTEE_ROLES = (BRANCH_SECRETARY, BRANCH_MEMBER)
GENERAL_COMMITTEE_ROLES = (GENERAL_SECRETARY, GENERAL_MEMBER)

FULL_MEMBER = "正式党员"
PROBATIONARY = "预备党员"
MEMBER_KINDS = (FULL_MEMBER, PROBATIONARY)
YES, NO = "是", "否"
PRESENT, ABSENT = "出席", "缺席"
TEAM = "班子"  # 问题清单/整改清单 对象 for the committee as a whole

TALK_FORMS = ("当面谈", "电话", "视频", "书面")
PROBLEM_SOURCES = ("自查", "征求意见", "谈心谈话", "上级指出", "群众反映", "其他")
PROGRESS = ("已完成", "推进中", "未开始", "长期坚持")

# Data validations over this many rows below the header (the data area the branches fill).
DATA_ROWS = 300
BALLOT_ROWS = 200


@dataclass(frozen=True)
class Column:
    """One required column: header text, width in characters, kind, dropdown list key, hint."""

    header: str
    width: int
    kind: str = "text"  # text | name | date | choice | int
    choices: str | None = None  # key into value_lists(); "names"/"objects"/"owners" for names
    prompt: str = ""  # the cell's input message; "{year}" stands for the campaign year


@dataclass(frozen=True)
class SheetSpec:
    name: str
    title: str  # printed title row, e.g. "谈心谈话记录"
    columns: tuple[Column, ...]
    general: bool = True  # also in 党总支.xlsx

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


ROSTER_SHEET = SheetSpec(ROSTER, "党员名册", (
    Column("姓名", 12, "name", None, "由党总支预填，请勿改动；同名党员以 王伟(2) 区分"),
    Column("党小组", 10, "choice", "groups", "每名党员属于且只属于一个党小组"),
    Column("职务", 10, "choice", "roles", "总支书记/总支委员/支部书记/支部委员；普通党员留空"),
    Column("党员类别", 10, "choice", "member_kinds", "正式党员 或 预备党员"),
    Column("是否党员领导干部", 10, "choice", "yes_no", "是/否"),
    Column("是否已参加年度民主生活会", 12, "choice", "yes_no",
           "党员领导干部已参加年度民主生活会的，不作为测评对象"),
    Column("民主评议出席", 8, "choice", "attendance", "党员大会（民主评议）当天：出席 或 缺席"),
    Column("缺席原因", 20, "text", None, "缺席时填写"),
    Column("补课日期", 12, "date", None, "缺席党员补课的日期，如 {year}/4/7"),
))

TALKS_SHEET = SheetSpec(TALKS, "谈心谈话记录", (
    Column("谈话人", 12, "name", "names", "从名册中选择"),
    Column("谈话对象", 12, "name", "names", "从名册中选择；不能与谈话人相同"),
    Column("日期", 12, "date", None, "谈话日期，如 {year}/3/15"),
    Column("形式", 10, "choice", "talk_forms", "当面谈/电话/视频/书面"),
    Column("主要内容", 40, "text", None, "交流思想、听取意见、指出问题"),
))

PROBLEMS_SHEET = SheetSpec(PROBLEMS, "问题清单", (
    Column("编号", 8, "text", None, "如 Q1、Q2，整改清单引用此编号"),
    Column("对象", 12, "name", "objects", "班子 或 党员姓名"),
    Column("类别", 24, "choice", "problem_categories",
           "班子：按工作方案的五类；党员：政治/执行纪律/品德/发挥作用"),
    Column("问题描述", 50, "text", None, "具体写明存在的问题"),
    Column("来源", 12, "choice", "problem_sources", "自查/征求意见/谈心谈话/上级指出/群众反映/其他"),
))

BALLOTS_SHEET = SheetSpec(BALLOTS, "民主测评（无记名）", (
    Column("票号", 8, "text", None, "录入人按收回的测评表逐张编号；有票号的一行就是一张票"),
), general=False)

GRADING_SHEET = SheetSpec(GRADING, "组织评定", (
    Column("姓名", 12, "name", None, "由党总支预填"),
    Column("评定等次", 10, "choice", "grading_values", "优秀/合格/基本合格/不合格；预备党员等填 不评定等次"),
    Column("评定理由", 40, "text", None, "基本合格、不合格必须写明理由"),
    Column("处置措施", 12, "choice", "dispositions", "评为不合格的必须填写（中组发〔2014〕21号）"),
    Column("反馈日期", 12, "date", None, "向本人反馈的日期"),
), general=False)

RECTIFY_SHEET = SheetSpec(RECTIFY, "整改清单（四明确）", (
    Column("编号", 8, "text", None, "如 Z1"),
    Column("对应问题编号", 10, "text", None, "问题清单中的编号，如 Q1"),
    Column("对象", 12, "name", "objects", "班子 或 党员姓名（党员的整改承诺）"),
    Column("整改事项", 30, "text", None, "整改事项明确"),
    Column("整改措施", 40, "text", None, "措施明确，可操作、可检验"),
    Column("责任人", 12, "name", "owners", "责任明确：名册中的姓名或职务"),
    Column("完成时限", 12, "date", None, "时限明确：具体日期，晚于党员大会"),
    Column("完成情况", 10, "choice", "progress", "已完成/推进中/未开始/长期坚持"),
))

MEETINGS_SHEET = SheetSpec(MEETINGS, "会议情况", (
    Column("类型", 12, "choice", "meeting_types", "集中学习/支委会/总支委员会/党小组会/党员大会"),
    Column("日期", 12, "date", None, "会议日期"),
    Column("应到", 8, "int", None, "应到人数"),
    Column("实到", 8, "int", None, "实到人数，不大于应到"),
))

TALLY_SHEET = SheetSpec(TALLY, "民主测评计票（手工计票时使用）", (
    Column("姓名", 12, "name", None, "测评对象"),
    Column("优秀", 8, "int"),
    Column("合格", 8, "int"),
    Column("基本合格", 8, "int"),
    Column("不合格", 8, "int"),
    Column("弃权", 8, "int"),
), general=False)
TALLY_ISSUED = "发出票数"
TALLY_RETURNED = "收回票数"

# Order of the sheets in a branch workbook (after 填表说明, before the hidden _meta).
DATA_SHEETS: tuple[SheetSpec, ...] = (
    ROSTER_SHEET, TALKS_SHEET, PROBLEMS_SHEET, BALLOTS_SHEET, GRADING_SHEET, RECTIFY_SHEET,
    MEETINGS_SHEET,
)
SHEETS: dict[str, SheetSpec] = {s.name: s for s in (*DATA_SHEETS, TALLY_SHEET)}
BRANCH_SHEET_ORDER = (GUIDE, *(s.name for s in DATA_SHEETS), META)
GENERAL_SHEET_ORDER = (GUIDE, *(s.name for s in DATA_SHEETS if s.general), META)

# Roster file (SPEC §8): required columns, and synonyms from the 全国党员管理信息系统 export.
ROSTER_COLUMNS = ("姓名", "所在支部", "党小组", "职务", "党员类别", "是否党员领导干部",
                  "是否已参加年度民主生活会")
ROSTER_SYNONYMS: dict[str, str] = {
    "所在党组织": "所在支部",
    "所在党支部": "所在支部",
    "党组织名称": "所在支部",
    "支部": "所在支部",
    "人员类别": "党员类别",
    "党员状态": "党员类别",
    "所在党小组": "党小组",
    "党内职务": "职务",
    "党组织职务": "职务",
    "是否领导干部": "是否党员领导干部",
    "党员领导干部": "是否党员领导干部",
    "是否参加民主生活会": "是否已参加年度民主生活会",
    "已参加民主生活会": "是否已参加年度民主生活会",
}
# Export values that mean the same as ours.
MEMBER_KIND_SYNONYMS = {"正式": FULL_MEMBER, "预备": PROBATIONARY, "正式党员": FULL_MEMBER,
                        "预备党员": PROBATIONARY}
YES_NO_SYNONYMS = {"是": YES, "否": NO, "Y": YES, "N": NO, "y": YES, "n": NO, "1": YES, "0": NO,
                   "": NO, "√": YES, "是的": YES, "不是": NO, "无": NO}

# _meta keys (hidden sheet, column A key, column B value).
META_KEYS = ("template", "version", "branch", "campaign", "organisation", "year")

# Words shown in the filing (汇总 status, 报送情况, 评议状态).

PASSED = "通过校验"
FAILED = "未通过校验"
INCOMPLETE = "不完整"  # no error, but a stage of the branch (or of some branch) is not sent
TOTAL = "合计"

# Stage status (报送情况).
RECEIVED = "已报送"
RECEIVED_LATE = "逾期报送"
MISSING = "未报送"
OVERDUE = "逾期未报送"
NOT_APPLICABLE = "不适用"

# Eligibility (评议状态) of a member.
TAKES_PART = "参加评定"
MADE_UP = "已补课"
UNGRADED = "未评定"  # evaluated, but no usable grade in 组织评定 yet

# Optional 计票 columns of a scanned tally (`orglife scan`, CONTRACTS seam 2): counted in no
# grade and not in 有效票, but inside each member's sum against 收回票数.
TALLY_INVALID = "无效"
TALLY_PENDING = "待复核"
SCAN_REVIEW = "扫描复核"  # auxiliary sheet of a scanned tally: known, never ballot data
AUXILIARY_SHEETS = (SCAN_REVIEW, RETURN_LIST)
