"""The 总结 draft (…总结.docx): the campaign's figures in an official-document layout.

python-docx writes it. The figures are the ones the 备案 shows (statistics.py, counted once);
the parts only the office can write are headings with a bracketed prompt. Layout after
GB/T 9704: A4, margins 37/35/28/26 mm, body 仿宋 三号 (16 pt) at a fixed 28.95 pt line,
title 小标宋 二号 (22 pt), level-one headings 黑体, level-two 楷体. Every run carries the
East-Asian font name (w:eastAsia) and zh-CN; the font table names the Windows fallbacks
(w:altName, GB2312 charset), so Word, WPS and LibreOffice pick an installed CJK face.
Same figures → same bytes: fixed document times and fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.model import Filing
from pipeline.report.statistics import UNDECIDED, Figures, Statistics
from pipeline.write.atomic import atomic_bytes

BODY, TITLE, HEI, KAI = "仿宋", "方正小标宋简体", "黑体", "楷体"
LATIN = "Times New Roman"
# name → (Windows alternative name, family): what Word/WPS fall back to when it is missing.
FALLBACKS = {BODY: ("FangSong", "modern"), TITLE: ("华文中宋", "roman"),
             HEI: ("SimHei", "modern"), KAI: ("KaiTi", "modern")}
SAN_HAO, ER_HAO, XIAO_SI = Pt(16), Pt(22), Pt(12)  # 三号, 二号, 小四 (tables)
LINE = Pt(28.95)  # 22 lines on the 225 mm type area
PROMPT = "（此处由党总支办公室撰写{}。）"


def _fonts(element, east: str, latin: str | None = None) -> None:
    """Set eastAsia to `east` and ascii/hAnsi to `latin` (default: the same face, so digits
    inside a sentence do not switch fonts) on an rPr-holding element."""
    latin = latin or east
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # drop theme fonts (the template's are Japanese)
    for key, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin)):
        fonts.set(qn(f"w:{key}"), value)


def _style(doc, name: str, east: str, size: Pt, bold: bool = False) -> None:
    style = doc.styles[name]
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _fonts(style.element, east)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)


def _font_table(doc) -> None:
    """Add the CJK faces with their fallbacks to word/fontTable.xml."""
    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
        for name, (alt, family) in FALLBACKS.items())
    blob = part.blob.decode("utf-8")
    part._blob = blob.replace("</w:fonts>", entries + "</w:fonts>").encode("utf-8")


def new_document(campaign: Campaign):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = defaults.find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key, value in (("ascii", BODY), ("hAnsi", BODY), ("eastAsia", BODY), ("cs", LATIN)):
        fonts.set(qn(f"w:{key}"), value)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f"<w:lang {nsdecls('w')}/>")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")  # digits are Latin text: zh-CN here lets LibreOffice break 1|00
    lang.set(qn("w:eastAsia"), "zh-CN")
    _style(doc, "Normal", BODY, SAN_HAO)
    doc.styles["Normal"].paragraph_format.first_line_indent = Pt(32)  # two characters
    _style(doc, "Title", TITLE, ER_HAO)
    _style(doc, "Heading 1", HEI, SAN_HAO)
    _style(doc, "Heading 2", KAI, SAN_HAO)
    for name in ("Title", "Heading 1", "Heading 2"):
        doc.styles[name].paragraph_format.first_line_indent = Pt(32 if name != "Title" else 0)
        doc.styles[name].paragraph_format.keep_with_next = True
    title = doc.styles["Title"].element
    for border in title.findall(f".//{qn('w:pBdr')}"):
        border.getparent().remove(border)  # the template's Title has a blue rule
    _font_table(doc)
    props = doc.core_properties
    props.author = props.last_modified_by = campaign.organisation
    props.created = props.modified = campaign.created
    props.revision = 1
    props.title = f"{campaign.organisation}{campaign.year}年专题组织生活会和民主评议党员工作总结"
    return doc


def _para(doc, text: str, style: str = "Normal", align=None) -> Paragraph:
    p = doc.add_paragraph(text, style=style)
    if align is not None:
        p.alignment = align
        p.paragraph_format.first_line_indent = Pt(0)
    return p


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def _by(counter, order: Sequence[str], unit: str) -> str:
    shown = [k for k in order if counter.get(k)] + sorted(k for k in counter if k not in order)
    return "、".join(f"{k}{counter[k]}{unit}" for k in shown if counter[k])


# --- the parts -----------------------------------------------------------------------------

def basics(stats: Statistics, campaign: Campaign) -> list[str]:
    t = stats.total
    branches = stats.branches
    made_up = f"会后补课{t.made_up}名" if t.made_up else "无会后补课"
    text = (f"{campaign.organisation}下设党支部{len(branches)}个（{'、'.join(u.unit for u in branches)}），"
            f"共有党员{t.members}名，其中正式党员{t.full}名、预备党员{t.probationary}名，"
            f"民主测评对象{t.evaluated}名。参加民主评议的党员{t.took_part}名"
            f"（出席党员大会{t.present}名，{made_up}）；缺席党员大会{t.absent}名，")
    if t.not_taking_part:
        text += (f"其中尚未补课{t.not_taking_part}名（{_by(t.reasons, (), '人')}），"
                 f"已列入补课名单报{campaign.upper_body}备案，适时补课。")
    else:
        text += "均已补课。"
    return [text]


def talks(stats: Statistics) -> list[str]:
    t = stats.total
    general = [u for u in stats.units if u.general]
    head = f"（其中党总支委员之间{sum(u.talks for u in general)}次）" if general else ""
    missing = [f"{u.unit}{u.pairs - u.pairs_done}对" for u in stats.units if u.pairs > u.pairs_done]
    pairs = (f"委员之间必谈{t.pairs}对，已谈{t.pairs_done}对"
             + (f"（尚缺：{'、'.join(missing)}）" if missing else "，全部谈到"))
    return [f"党总支和各支部共开展谈心谈话{t.talks}次{head}；{pairs}；"
            f"应谈党员{t.talk_due}名，已与委员谈话{t.talk_covered}名，"
            f"覆盖率{_share(t.talk_covered, t.talk_due)}。"]


def problems(stats: Statistics, campaign: Campaign) -> list[str]:
    t = stats.total
    team = sum(t.team_problems.values())
    member = sum(t.member_problems.values())
    return [f"党总支和各支部班子共查摆问题{team}条："
            f"{_by(t.team_problems, campaign.branch_problem_categories, '条')}。",
            f"党员对照“{campaign.standard}”标准查找问题{member}条："
            f"{_by(t.member_problems, campaign.member_aspects, '条')}。"]


def results(stats: Statistics, campaign: Campaign) -> list[str]:
    t = stats.total
    g = campaign.grades
    grades = "、".join(f"{x}{t.grades[x]}名" for x in g)
    text = (f"参加民主评议的{t.took_part}名党员中，评定为{grades}；"
            f"{campaign.not_graded}{t.not_graded}名（预备党员和已参加年度民主生活会的党员领导干部）")
    text += f"，尚未评定{t.ungraded}名。" if t.ungraded else "。"
    worst = t.grades[g[-1]]
    if worst:
        steps = _by(t.dispositions, (*campaign.dispositions, UNDECIDED), "名")
        text += f"对评定为“{g[-1]}”的{worst}名党员，{steps}。"
    else:
        text += f"无评定为“{g[-1]}”的党员。"
    return [text]


def rectification(stats: Statistics) -> list[str]:
    t = stats.total
    general = [u for u in stats.units if u.general]
    head = f"（其中党总支{sum(u.rectified for u in general)}项）" if general else ""
    return [f"党总支和各支部共列出整改事项{t.rectified}项{head}，其中"
            f"{_by(t.rectifications, C.PROGRESS, '项')}；"
            f"有整改措施的班子问题{t.team_covered}/{t.team_numbered}条，"
            f"作出整改承诺的党员{t.promised}/{t.promise_due}名。"]


def result_table(doc, stats: Statistics, campaign: Campaign) -> None:
    """Per branch: the same figures as the 备案's 民主评议党员情况 (four grades, 不评定等次)."""
    heads = ["支部", "党员", "参加评议", *campaign.grades, campaign.not_graded]
    rows: list[Figures] = [*stats.branches, stats.total]
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(28)] + [Mm(128 / (len(heads) - 1))] * (len(heads) - 1)
    for column, width in zip(table.columns, widths):
        column.width = width  # w:gridCol, which LibreOffice reads
    values = [heads] + [[u.unit, str(u.members), str(u.took_part),
                         *(str(u.grades[x]) for x in campaign.grades), str(u.not_graded)]
                        for u in rows]
    for r, line in enumerate(values):
        # row by row: table.cell(r, c) walks the whole grid on every call (quadratic)
        cells = table.rows[0].cells if r == 0 else table.add_row().cells
        for c, (cell, value) in enumerate(zip(cells, line)):
            cell.width = widths[c]
            p = cell.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(value)
            run.font.size = XIAO_SI
            run.bold = r == 0 or r == len(values) - 1
            _fonts(run._element, BODY)
    _para(doc, "")


def build(filing: Filing, stats: Statistics, campaign: Campaign):
    doc = new_document(campaign)
    _para(doc, f"{campaign.organisation}关于{campaign.year}年专题组织生活会和民主评议党员"
               f"工作的总结", "Title", WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "")
    _para(doc, f"{campaign.upper_body}：", align=WD_ALIGN_PARAGRAPH.LEFT)
    _para(doc, f"按照工作方案，{campaign.organisation}以“{campaign.theme}”为主题，对照"
               f"“{campaign.standard}”合格党员标准，开展专题组织生活会和民主评议党员工作。"
               f"现将有关情况报告如下。")
    parts = [
        ("一、基本情况", basics(stats, campaign), "会前准备、集中学习和各次会议的召开情况"),
        ("二、谈心谈话", talks(stats), "谈心谈话和征求意见的主要情况"),
        ("三、查摆问题", problems(stats, campaign), "主要问题及原因分析"),
        ("四、民主评议结果", results(stats, campaign), "组织评定、反馈和表扬、帮助的情况"),
        ("五、整改落实", rectification(stats), "整改措施落实和公示情况"),
    ]
    for heading, paragraphs, prompt in parts:
        doc.add_paragraph(heading, style="Heading 1")
        for text in paragraphs:
            _para(doc, text)
        if heading.startswith("四"):
            result_table(doc, stats, campaign)
        _para(doc, PROMPT.format(prompt))
    for heading, prompt in (("六、主要做法和体会", "主要做法和体会"),
                            ("七、存在的不足和下一步打算", "存在的不足和下一步打算")):
        doc.add_paragraph(heading, style="Heading 1")
        _para(doc, PROMPT.format(prompt))
    _para(doc, "")
    _para(doc, campaign.organisation, align=WD_ALIGN_PARAGRAPH.RIGHT)
    d = campaign.deadlines["report"]
    _para(doc, f"{d.year}年{d.month}月{d.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT)
    for p in doc.paragraphs:
        for run in p.runs:
            east = {"Title": TITLE, "Heading 1": HEI, "Heading 2": KAI}.get(p.style.name, BODY)
            _fonts(run._element, east)
    return doc


def fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same archive with every entry dated `when` (python-docx stamps the current time)."""
    out = BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def summary_bytes(filing: Filing, stats: Statistics, campaign: Campaign) -> bytes:
    buffer = BytesIO()
    build(filing, stats, campaign).save(buffer)
    return fixed_zip(buffer.getvalue(), campaign.created)


def write_summary(filing: Filing, stats: Statistics, campaign: Campaign, path: Path) -> None:
    """Write the 总结 draft to `path` atomically."""
    atomic_bytes(Path(path), summary_bytes(filing, stats, campaign))
