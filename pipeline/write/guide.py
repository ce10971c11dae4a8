"""The 填表说明 sheet of a branch template: deadlines, how to fill each sheet, contacts."""

from __future__ import annotations

import math

from pipeline import contract as C
from pipeline.config import DEADLINE_LABELS, Campaign
from pipeline.write import style
from pipeline.write.template_book import DAY_OF, GUIDE_WIDTH, PROTECTION, TemplateBook, cn_date

# ---------------------------------------------------------------- 填表说明

def _deadline_lines(campaign: Campaign) -> list[str]:
    lines = []
    for i, (key, label) in enumerate(DEADLINE_LABELS.items(), start=1):
        d = campaign.deadlines[key]
        when = f"{cn_date(d)}（当日）" if key in DAY_OF else f"{cn_date(d)}前"
        lines.append(f"{i}. {label}：{when}")
    return lines


def _sheet_guides(book: TemplateBook) -> list[tuple[str, str, str]]:
    """(sheet, how to fill, example line) for every data sheet of this workbook."""
    c, dl, y = book.campaign, book.campaign.deadlines, book.campaign.year
    if book.general:
        roster = ("已由党总支预填总支委员，姓名请勿改动。总支委员在各自所在支部参加民主评议，"
                  "测评和评定等次在所在支部的表格中填写。")
        roster_example = "例：张三 | 第一党小组 | 总支委员 | 正式党员 | 否 | 否 | 出席 |  | "
        talks = "总支委员之间必须两两谈到（方向不限），提倡党员之间相互谈。"
        meetings = (f"总支委员会（{cn_date(dl['committee_meetings'])}前，在各支委会之后）；"
                    "党总支组织的集中学习、党员大会也在此登记。")
        secretary, meeting = C.GENERAL_SECRETARY, "总支委员会"
    else:
        roster = ("已由党总支预填本支部党员，姓名请勿改动（同名以 王伟(2) 区分）。党员大会后核对"
                  "“民主评议出席”：未出席的改为 缺席，填写缺席原因；补课后填写补课日期。"
                  "党员领导干部已参加年度民主生活会的，不作为测评对象。")
        roster_example = f"例：张三 | 第一党小组 |  | 正式党员 | 否 | 否 | 缺席 | 外出培训 | {y}/4/7"
        talks = "支委之间必须两两谈到（方向不限），每名党员至少与一名支委谈过，提倡党员之间相互谈。"
        meetings = (f"集中学习（{cn_date(dl['study'])}）、支委会（先于总支委员会，"
                    f"{cn_date(dl['committee_meetings'])}前）、两次党小组会、"
                    f"党员大会（{cn_date(dl['member_meeting'])}）。")
        secretary, meeting = C.BRANCH_SECRETARY, "支委会"
    guides = [
        (C.ROSTER, roster, roster_example),
        (C.TALKS, (f"每次谈话填一行，谈话人、谈话对象从下拉列表选择。{talks}"
                  f"谈话在 {cn_date(dl['talks'])}前完成。"),
         f"例：张三 | 李四 | {y}/3/15 | 当面谈 | 交流思想，听取对班子工作的意见"),
        (C.PROBLEMS, ("每个问题填一行，编号自定且不重复（如 Q1、Q2）。对象选 班子 的，类别选工作方案的"
                     f"五类之一（{'、'.join(c.branch_problem_categories)}）；对象为党员本人的，类别选 "
                     f"{'、'.join(c.member_aspects)}。问题描述要具体。{cn_date(dl['problems'])}前列出。"),
         "例：Q1 | 班子 | 组织生活制度落实（三会一课） | 党课次数不足，学习讨论不够深入 | 征求意见"),
        (C.BALLOTS, ("一张收回的测评表录入一行（无记名，见下文“民主测评”）。第一列填票号，其后每列是"
                    f"一名测评对象，从下拉列表选 {'、'.join(c.grades)}；不选（留空）即为弃权。"),
         "例：001 | 合格 | 优秀 | （空，弃权） | 合格"),
        (C.GRADING, ("已预填本支部全体党员。测评对象选择评定等次；基本合格、不合格须写明评定理由，"
                    "不合格须选处置措施；向本人反馈后填写反馈日期。"
                    f"{cn_date(dl['grading'])}前完成。"),
         f"例：张三 | 合格 |  |  | {y}/4/12"),
        (C.RECTIFY, ("每项整改填一行，做到“四明确”（见下文）。对象为 班子 或党员本人（党员的整改承诺），"
                    "对应问题编号填问题清单中的编号；责任人从下拉列表选姓名或职务；完成时限填具体日期。"
                    f"{cn_date(dl['rectification'])}前列出。"),
         (f"例：Z1 | Q1 | 班子 | 落实“三会一课” | 每季度讲一次党课并记录 | {secretary} | "
         f"{y}/6/30 | 推进中")),
        (C.MEETINGS, f"每次会议填一行：{meetings}实到人数不大于应到人数。",
         f"例：{meeting} | {y}/3/28 | 7 | 7"),
    ]
    return [g for g in guides if not book.general or C.SHEETS[g[0]].general]


def _guide_blocks(book: TemplateBook) -> list[tuple[str, str]]:
    """The 填表说明 text as (format key, paragraph) blocks."""
    c = book.campaign
    grades = "、".join(c.grades)
    blocks: list[tuple[str, str]] = [
        ("g_title", f"{c.organisation}{c.year}年专题组织生活会和民主评议党员"),
        ("g_sub", f"报送表格填表说明 —— {book.label}"),
        ("g_head", "一、基本情况"),
        ("g_text", (f"组织：{c.organisation}　　填表单位：{book.label}　　年度：{c.year}年\n"
                   f"主题：{c.theme}\n标准：“{c.standard}”合格党员标准\n"
                   f"上级党组织：{c.upper_body}（备案）")),
        ("g_head", "二、步骤和时间节点"),
        ("g_text", "\n".join(_deadline_lines(c))),
        ("g_head", "三、各工作表的填写方法"),
        ("g_text", ("第 1 行是标题，第 2 行是表头，从第 3 行起填写，一行一条。请用下拉列表选择，"
                   f"日期写成 {c.year}/3/15 的形式；表头和工作表名称请勿改动，可在表格右侧加备注列。"
                   "把鼠标移到单元格上可看到填写提示。")),
    ]
    for sheet, how, example in _sheet_guides(book):
        blocks += [("g_text", f"【{sheet}】{how}"), ("g_example", example)]
    if not book.general:
        blocks += [
            ("g_head", "四、民主测评（无记名）"),
            ("g_text",
             "1. 测评表不写投票人姓名，本表也不录入任何投票人信息。\n"
             "2. 票号由录入人按收回的测评表逐张编号（如 001、002），有票号的一行就是一张票；"
             "票号不能重复。\n"
             "3. 整张空白的测评表也要录入，只填票号（计为空白票）；某一列留空即对该党员弃权。\n"
             "4. 测评对象只列在表头中的党员（支部书记在前）：预备党员参加投票但不作为测评对象，"
             "已参加年度民主生活会的党员领导干部不作为测评对象。缺席的测评对象，其列应为空。\n"
             f"5. 手工计票的支部，可不逐票录入，而是新增一个名为“{C.TALLY}”的工作表，表头为 "
             + "、".join((*C.TALLY_SHEET.headers, C.TALLY_ISSUED, C.TALLY_RETURNED))
             + f"，每名测评对象一行；每人各等次票数与弃权之和等于{C.TALLY_RETURNED}，"
             f"{C.TALLY_RETURNED}不大于{C.TALLY_ISSUED}。"),
            ("g_head", "五、组织评定规则"),
            ("g_text",
             f"1. 等次为 {grades}。测评结果只作参考，由支部结合评议情况和日常表现综合评定（不唯票数）。\n"
             f"2. 预备党员、已参加年度民主生活会的党员领导干部：{c.not_graded}（已预填）。\n"
             f"3. 未参加民主评议的党员：{c.pending}，列出名单报上级党组织备案并适时补课。\n"
             f"4. {c.excellent_cap.describe()}。\n"
             "5. 评为基本合格、不合格的须写明评定理由；评为不合格的须按中组发〔2014〕21号选择处置措施（"
             + "、".join(c.dispositions) + "）。评定等次与测评结果明显不一致的，请写明理由。"),
        ]
    n = 4 if book.general else 6
    numerals = "一二三四五六七八九十"
    blocks += [
        ("g_head", f"{numerals[n - 1]}、整改清单“四明确”"),
        ("g_text", "整改事项明确、措施明确、责任明确、时限明确：四项都要填写。"
                   + ("总支班子及其委员分别列出整改清单。" if book.general else
                      "支部班子及其委员分别列出整改清单，每名测评对象都要作出整改承诺"
                      "（对象为本人的一行）。")
                   + "整改内容与年度工作计划、重点任务结合，措施具体、可操作、可检验。"),
        ("g_head", f"{numerals[n]}、报送"),
        ("g_text",
         (f"填好后将本文件发送至{c.contact}。各表在对应时间节点完成后即可报送，全部内容最迟于 "
         f"{cn_date(c.send_by)}前报送：在此之前报送的都不算逾期；各项工作是否按时开展，"
         "以表内填写的日期（谈话日期、会议日期、反馈日期等）为准。可以多次报送：以最新报送的文件为准，"
         "逐个工作表替换之前报送的内容。文件可以改名，但请勿删除或改名工作表、改动表头，"
         "请保留隐藏的 _meta 工作表（用于识别本文件）。")),
    ]
    return blocks


def _guide_height(text: str, size: float) -> float:
    chars = GUIDE_WIDTH - 2
    lines = sum(max(1, math.ceil(style.display_width(line) / chars)) for line in text.split("\n"))
    return lines * (size * 1.45) + 4


def guide_sheet(book: TemplateBook) -> None:
    ws = book.wb.add_worksheet(C.GUIDE)
    ws.set_column(0, 0, GUIDE_WIDTH)
    sizes = {"g_title": 16.0, "g_sub": 11.0, "g_head": 12.0}
    for r, (key, text) in enumerate(_guide_blocks(book)):
        ws.write_string(r, 0, text, book.fmt[key])
        size = sizes.get(key, 10.5)
        ws.set_row(r, max(_guide_height(text, size), size * 1.8))
    ws.protect("", PROTECTION)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.set_footer(style.FOOTER)
    ws.hide_gridlines(2)


