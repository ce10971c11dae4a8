"""The printed papers of a branch (SPEC §11): 民主测评表, 签到表, 发言顺序, 计票表 — as PDF bytes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from pipeline import contract as C
from pipeline.ballots import pdf as P
from pipeline.ballots.layout import (
    BOX,
    BOX_LINE,
    GRADE_W,
    HEADER_H,
    HEADER_TOP,
    MARKER_ORIGINS,
    NAME_W,
    NO_W,
    PAGE_W,
    QR_ORIGIN,
    ROW_H,
    TABLE_X,
    Layout,
    ballot_layout,
    grade_x,
    marker_ids,
)
from pipeline.ballots.settings import BallotSettings, ballot_settings
from pipeline.config import Campaign
from pipeline.people import Member, Roster, evaluated_in_order
from pipeline.write.template_book import cn_date

NAME_PT = 12.0
BODY_PT = 10.5  # the minimum for anything a voter reads


def layout_for(campaign: Campaign, branch: str, members: Sequence[Member]) -> Layout:
    """The branch's 测评表 layout: evaluated members in the 民主测评 order (支部书记 first)."""
    names = [m.name for m in evaluated_in_order(members)]
    return ballot_layout(campaign.campaign_id, branch, campaign.grades, names)


# --- 民主测评表 ------------------------------------------------------------------------------

def _ballot_page(pdf: FPDF, layout: Layout, k: int, campaign: Campaign,
                 settings: BallotSettings) -> None:
    page = layout.pages[k - 1]
    pdf.add_page()
    for (x, y), marker_id in zip(MARKER_ORIGINS, marker_ids(layout.layout_id, k)):
        P.marker(pdf, x, y, marker_id)
    P.qr(pdf, *QR_ORIGIN, layout.qr_text(k))
    P.text(pdf, 30, 10, PAGE_W - 60, 12, settings.title, 18, align="C", bold=True)
    P.text(pdf, 24, 24, 130, 7, f"{campaign.organisation}　{layout.branch}", NAME_PT)
    y = 33.0
    for line in settings.instructions:
        y = P.paragraph(pdf, 24, y, 126, line, BODY_PT, 5.2) + 0.6
    if y > HEADER_TOP - 2:
        raise ValueError("测评表说明文字过长，请在配置 ballots.instructions 中缩短")
    n = len(layout.grades)
    xs = [TABLE_X, TABLE_X + NO_W, TABLE_X + NO_W + NAME_W, *(grade_x(i + 1) for i in range(n))]
    P.grid(pdf, xs, HEADER_TOP, [HEADER_H] + [ROW_H] * len(page.rows))
    P.text(pdf, xs[0], HEADER_TOP, NO_W, HEADER_H, "序号", BODY_PT, align="C")
    P.text(pdf, xs[1], HEADER_TOP, NAME_W, HEADER_H, "姓名", BODY_PT, align="C")
    for i, grade in enumerate(layout.grades):
        P.text(pdf, grade_x(i), HEADER_TOP, GRADE_W, HEADER_H, grade, 11, align="C", bold=True)
    pdf.set_line_width(BOX_LINE)
    for row in page.rows:
        P.text(pdf, xs[0], row.top, NO_W, ROW_H, str(row.number), BODY_PT, align="C")
        P.text(pdf, xs[1] + 2, row.top, NAME_W - 2, ROW_H, row.name, NAME_PT)
        for box in row.boxes:
            pdf.rect(box.x, box.y, BOX, BOX)
    footer = f"第 {k} 页 共 {layout.page_count} 页　　本表无记名"
    P.text(pdf, 30, 278, PAGE_W - 60, 6, footer, BODY_PT, align="C")


def ballot_pdf(layout: Layout, campaign: Campaign, settings: BallotSettings) -> bytes:
    pdf = P.new_document(f"{layout.branch}民主测评表", campaign.organisation, campaign.created)
    for k in range(1, layout.page_count + 1):
        _ballot_page(pdf, layout, k, campaign, settings)
    return bytes(pdf.output())


# --- tables: 签到表, 发言顺序, 计票表 ---------------------------------------------------------

@dataclass(frozen=True)
class Table:
    title: str
    subtitle: str
    headers: tuple[str, ...]
    widths: tuple[float, ...]  # mm, summing to at most 170
    rows: tuple[tuple[str, ...], ...]
    above: str = ""  # a line between subtitle and table (e.g. 发出票数 ___)
    below: str = ""  # the closing line (e.g. 应到 N 人，实到 ___ 人)


TOP, LINE_H, BOTTOM = 40.0, 8.5, 270.0


def _table_pages(pdf: FPDF, t: Table) -> None:
    """One table over as many pages as needed, its header repeated; the closing line last."""
    per_page = int((BOTTOM - TOP - LINE_H - (10 if t.above else 0)) // LINE_H)
    chunks = [t.rows[i:i + per_page] for i in range(0, len(t.rows), per_page)] or [()]
    x0 = (PAGE_W - sum(t.widths)) / 2
    xs = [x0]
    for w in t.widths:
        xs.append(xs[-1] + w)
    for i, chunk in enumerate(chunks):
        pdf.add_page()
        title = t.title + ("（续）" if i else "")
        P.text(pdf, 20, 14, PAGE_W - 40, 10, title, 16, align="C", bold=True)
        P.text(pdf, 20, 26, PAGE_W - 40, 7, t.subtitle, BODY_PT, align="C")
        top = TOP
        if t.above:
            P.text(pdf, x0, top, sum(t.widths), 8, t.above, 11)
            top += 10
        P.grid(pdf, xs, top, [LINE_H] * (len(chunk) + 1))
        for j, head in enumerate(t.headers):
            P.text(pdf, xs[j], top, t.widths[j], LINE_H, head, BODY_PT, align="C", bold=True)
        for r, row in enumerate(chunk, start=1):
            for j, value in enumerate(row):
                align = "L" if t.widths[j] >= 30 else "C"
                P.text(pdf, xs[j] + (1.5 if align == "L" else 0), top + r * LINE_H,
                       t.widths[j] - 1.5, LINE_H, value, BODY_PT, align=align)
        if i == len(chunks) - 1 and t.below:
            P.text(pdf, x0, top + (len(chunk) + 1) * LINE_H + 4, sum(t.widths), 8, t.below, 11)
        P.text(pdf, 20, 280, PAGE_W - 40, 6, f"第 {i + 1} 页 共 {len(chunks)} 页", 9, align="C")


def tables_pdf(tables: Sequence[Table], title: str, campaign: Campaign) -> bytes:
    pdf = P.new_document(title, campaign.organisation, campaign.created)
    for t in tables:
        _table_pages(pdf, t)
    return bytes(pdf.output())


def _groups(members: Sequence[Member]) -> list[str]:
    return list(dict.fromkeys(m.group for m in members if m.group))


def sign_in_tables(campaign: Campaign, branch: str, members: Sequence[Member]) -> list[Table]:
    """签到表: the 党员大会 (every member), then each 党小组会; 应到 printed, 实到 to fill in."""
    day = cn_date(campaign.deadline("member_meeting"))
    head = ("序号", "姓名", "党小组", "党员类别", "签到", "备注")
    widths = (14.0, 34.0, 30.0, 26.0, 40.0, 26.0)

    def table(meeting: str, people: Sequence[Member]) -> Table:
        rows = tuple((str(i), m.name, m.group, m.kind, "", "")
                     for i, m in enumerate(people, start=1))
        return Table(f"{branch}{meeting}签到表", f"{campaign.organisation}　{day}", head, widths,
                     rows, below=f"应到 {len(people)} 人，实到＿＿＿＿人。　　记录人：＿＿＿＿＿＿")

    out = [table("党员大会", members)]
    out += [table(f"{g}会", [m for m in members if m.group == g]) for g in _groups(members)]
    return out


def speaking_key(m: Member) -> tuple[int, int]:
    """The plan: 先总支委员、支委委员、再其他党员 (secretaries first inside each rank)."""
    if m.general_committee:
        return (0, 0 if C.GENERAL_SECRETARY in m.roles else 1)
    if m.branch_committee:
        return (1, 0 if m.secretary else 1)
    return (2, 0)


def speaking_tables(campaign: Campaign, branch: str, members: Sequence[Member]) -> list[Table]:
    day = cn_date(campaign.deadline("member_meeting"))
    out = []
    for g in _groups(members):
        people = sorted((m for m in members if m.group == g),
                        key=lambda m: (speaking_key(m), members.index(m)))
        rows = tuple((str(i), m.name, m.role or "党员", "") for i, m in enumerate(people, start=1))
        out.append(Table(f"{branch}{g}发言顺序", f"民主评议党员　{day}　先总支委员、支部委员，再其他党员",
                         ("顺序", "姓名", "职务", "备注（自评、互评要点）"), (16.0, 34.0, 44.0, 76.0),
                         rows))
    return out


def count_table(campaign: Campaign, branch: str, members: Sequence[Member]) -> Table:
    """A blank 计票表 for hand counting: per evaluated member the grades, 弃权, 无效, 合计."""
    ev = evaluated_in_order(members)
    head = ("序号", "姓名", *campaign.grades, "弃权", "无效", "合计")
    widths = (12.0, 32.0, *([18.0] * len(campaign.grades)), 18.0, 18.0, 18.0)
    rows = tuple((str(i), m.name, *([""] * (len(head) - 2))) for i, m in enumerate(ev, start=1))
    return Table(f"{branch}民主测评计票表", f"{campaign.organisation}　{cn_date(campaign.deadline('member_meeting'))}",
                 head, widths, rows, above="发出票数＿＿＿＿张　　收回票数＿＿＿＿张",
                 below="计票人：＿＿＿＿＿＿　　监票人：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿")


PAPERS = ("民主测评表", "签到表", "发言顺序", "计票表")


def branch_papers(campaign: Campaign, roster: Roster, branch: str) -> dict[str, bytes]:
    """File name → PDF bytes for one branch."""
    members = roster.of_branch(branch)
    settings = ballot_settings(campaign)
    layout = layout_for(campaign, branch, members)
    return {
        f"{branch}-民主测评表.pdf": ballot_pdf(layout, campaign, settings),
        f"{branch}-签到表.pdf": tables_pdf(sign_in_tables(campaign, branch, members),
                                          f"{branch}签到表", campaign),
        f"{branch}-发言顺序.pdf": tables_pdf(speaking_tables(campaign, branch, members),
                                           f"{branch}发言顺序", campaign),
        f"{branch}-计票表.pdf": tables_pdf([count_table(campaign, branch, members)],
                                          f"{branch}计票表", campaign),
    }


def write_papers(campaign: Campaign, roster: Roster, out_dir: Path) -> list[Path]:
    """Every branch's papers into out_dir (roster order); returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for branch in roster.branches:
        for name, data in branch_papers(campaign, roster, branch).items():
            path = out_dir / name
            path.write_bytes(data)
            paths.append(path)
    return paths
