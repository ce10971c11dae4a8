"""Feedback to each member (向本人反馈): per branch one .docx, one A4 page per member whose
grade the 总支 confirmed, with the plan's words for the grade (campaign.toml [feedback]).

Members still waiting (not reviewed, returned, adjusted without a reason, reviewed before
the branch changed its grade) get no notice; they are listed instead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pipeline.config import Campaign
from pipeline.followup.review_book import records
from pipeline.followup.settings import Followup, cn_date

BODY_FONT = "仿宋"  # 仿宋_GB2312 in official documents; 仿宋 is what Office and WPS ship
TITLE_FONT = "黑体"
LATIN_FONT = "Times New Roman"
NOTICE_SUFFIX = "-评定等次反馈.docx"


@dataclass(frozen=True)
class Notice:
    branch: str
    name: str
    grade: str
    reason: str = ""
    opinion: str = ""
    disposition: str = ""
    deadline: str = ""


@dataclass(frozen=True)
class Waiting:
    branch: str
    name: str
    state: str  # 待审核 / 退回支部重议 / 待重新审核（…） / …


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return cn_date(value)
    return str(value).strip()


def notices(results: pd.DataFrame, campaign: Campaign) -> tuple[list[Notice], list[Waiting]]:
    """From the reviewed 民主评议结果 (final.with_review): who gets a notice, who waits."""
    out: list[Notice] = []
    waiting: list[Waiting] = []
    for r in records(results):
        if r["评定等次"] not in campaign.grades:
            continue  # not graded (不评定等次 / 待补课 / 未评定): nothing to review or feed back
        final = r.get("最终等次")
        if final in campaign.grades:
            # the branch's reason argued for its own grade: not printed under an adjusted one
            reason = _text(r.get("评定理由")) if final == r["评定等次"] else ""
            out.append(Notice(r["支部"], r["姓名"], final, reason,
                              _text(r.get("审核意见")), _text(r.get("处置措施")),
                              _text(r.get("处置期限"))))
        else:
            waiting.append(Waiting(r["支部"], r["姓名"], _text(r.get("总支审核")) or "待审核"))
    return out, waiting


def _east_asian(run_or_style: Any, font: str) -> None:
    """python-docx sets only the Latin font name; WPS and Word pick CJK glyphs by eastAsia."""
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:hint"):
        fonts.set(qn(attr), font if attr == "w:eastAsia" else "eastAsia")


def _setup(doc: Any, campaign: Campaign, title: str) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4 portrait
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)  # GB/T 9704 margins
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)  # 三号
    _east_asian(normal, BODY_FONT)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    props = doc.core_properties
    props.title, props.author = title, campaign.organisation
    props.created = props.modified = campaign.created  # same inputs, same document
    props.revision = 1


def _para(doc: Any, text: str, *, indent: bool = True, align: Any = None,
          font: str | None = None, size: float | None = None, bold: bool = False) -> Any:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    if font:
        run.font.name = LATIN_FONT
        _east_asian(run, font)
    if size:
        run.font.size = Pt(size)
    run.bold = bold
    return p


def _sentence(text: str) -> str:
    return text if text.endswith(("。", "！", "；", ".", "!")) else f"{text}。"


def _page(doc: Any, n: Notice, campaign: Campaign, settings: Followup) -> None:
    org = campaign.organisation
    _para(doc, settings.feedback_title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
          font=TITLE_FONT, size=22)
    _para(doc, "", indent=False)
    _para(doc, f"{n.name}同志：", indent=False)
    _para(doc, f"根据{org}{campaign.year}年专题组织生活会工作方案，经党员大会民主评议、"
               f"{n.branch}组织评定，并报党总支审核，你在本次民主评议党员中的评定等次为"
               f"“{n.grade}”。")
    _para(doc, f"按照工作方案的要求，对评为“{n.grade}”的党员{settings.words[n.grade]}。")
    if n.reason:
        _para(doc, f"评定意见：{_sentence(n.reason)}")
    if n.opinion:
        _para(doc, f"党总支审核意见：{_sentence(n.opinion)}")
    if n.grade == campaign.grades[-1]:
        measure = n.disposition or "（待支部确定）"
        _para(doc, f"组织处置：{measure}。{settings.disposition_basis}。"
                   + (f"处置期限：{n.deadline}。" if n.deadline else ""))
    _para(doc, "", indent=False)
    _para(doc, f"{org}{n.branch}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "年　　月　　日", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "", indent=False)
    _para(doc, "本人签收：＿＿＿＿＿＿＿＿　　签收日期：＿＿＿＿＿＿＿＿", indent=False, size=14)


def write_branch_notices(path: Path, branch_notices: list[Notice], campaign: Campaign,
                         settings: Followup) -> None:
    """One document, one page per member (a page break between members)."""
    doc = Document()
    _setup(doc, campaign, f"{branch_notices[0].branch} {settings.feedback_title}")
    for k, n in enumerate(branch_notices):
        if k:
            doc.add_page_break()
        _page(doc, n, campaign, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    doc.save(str(tmp))
    tmp.replace(path)


def waiting_text(waiting: list[Waiting], campaign: Campaign) -> str:
    """待反馈名单.txt: members without a notice yet and why."""
    lines = [f"{campaign.organisation} {campaign.year}年民主评议党员 尚未反馈的党员", ""]
    if not waiting:
        lines.append("无：所有已评定等次的党员均已经党总支审核确认。")
    for w in waiting:
        lines.append(f"{w.branch}\t{w.name}\t{w.state}")
    lines += ["", "只有经党总支审核确认（同意或调整为某等次）的等次才生成反馈通知；"
                  "审核工作簿填好后重新运行 orglife feedback。"]
    return "\n".join(lines) + "\n"


def write_feedback(results: pd.DataFrame, campaign: Campaign, settings: Followup,
                   out_dir: Path) -> tuple[list[Path], list[Notice], list[Waiting]]:
    """Per branch `<支部>-评定等次反馈.docx` for the confirmed, and 待反馈名单.txt."""
    found, waiting = notices(results, campaign)
    by_branch: dict[str, list[Notice]] = {}
    for n in found:
        by_branch.setdefault(n.branch, []).append(n)
    paths: list[Path] = []
    for branch, items in by_branch.items():
        path = out_dir / f"{branch}{NOTICE_SUFFIX}"
        write_branch_notices(path, items, campaign, settings)
        paths.append(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"*{NOTICE_SUFFIX}"):
        if old not in paths:  # a notice from an earlier run whose grade is no longer confirmed
            old.unlink()
    listing = out_dir / "待反馈名单.txt"
    listing.write_text(waiting_text(waiting, campaign), encoding="utf-8")
    paths.append(listing)
    return paths, found, waiting
