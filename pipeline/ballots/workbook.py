"""The `<支部名>-扫描计票.xlsx` of CONTRACTS Seam 2: 计票, 扫描复核 (crops, dropdown), `_meta`.

The inbox recognises it by `_meta` (the branch template's values). 计票 is the tally reader's
"format (b)": 发出票数 and 收回票数 repeated on every member row. 扫描复核 is never ballot data;
its 复核结论 column is what the next `orglife scan` applies. Nothing here names a scan file,
a page position or the scan order (R-B6): marks are sorted by member and mark id.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from pipeline import contract as C
from pipeline.ballots.decide import ABSTAIN, INVALID
from pipeline.ballots.scan import BranchScan, member_counts
from pipeline.config import Campaign
from pipeline.write import style
from pipeline.write.templates import meta_values

REVIEW_SHEET = C.SCAN_REVIEW
REVIEW_HEADERS = ("编号", "姓名", "图像", "机器判读", "复核结论", "备注")
IMAGE_SCALE = 0.5  # the crops are 6 px/mm; half size still shows a pencil tick clearly
IMAGE_COL_WIDTH = 84
IMAGE_ROW_HEIGHT = 48


def file_name(branch: str) -> str:
    return f"{branch}-扫描计票.xlsx"


@dataclass(frozen=True)
class Totals:
    issued: int  # 发出票数
    issued_from: str  # where the number came from, said in the title row


def tally_headers(campaign: Campaign) -> list[str]:
    return ["姓名", *campaign.grades, ABSTAIN, C.TALLY_INVALID, C.TALLY_PENDING, C.TALLY_ISSUED,
            C.TALLY_RETURNED]


def build(b: BranchScan, campaign: Campaign, totals: Totals, notes: dict[str, str]) -> bytes:
    """The workbook's bytes (same scans and decisions → same bytes). `notes`: 备注 kept."""
    out = io.BytesIO()
    with style.strict_warnings():
        wb = style.new_workbook(out, campaign.created, f"{b.branch}民主测评扫描计票",
                                campaign.organisation)
        fmt = style.Formats(wb)
        _tally_sheet(wb, fmt, b, campaign, totals)
        _review_sheet(wb, fmt, b, campaign, notes)
        ws = wb.add_worksheet(C.META)
        meta = wb.add_format({"num_format": "@"})
        for r, (key, value) in enumerate(meta_values(campaign, b.branch).items()):
            ws.write_string(r, 0, key, meta)
            ws.write_string(r, 1, value, meta)
        ws.hide()
        wb.close()
    return out.getvalue()


def _tally_sheet(wb, fmt, b: BranchScan, campaign: Campaign, totals: Totals) -> None:  # type: ignore[no-untyped-def]
    ws = wb.add_worksheet(C.TALLY)
    headers = tally_headers(campaign)
    rows = [[name, *counts.values(), totals.issued, b.returned]
            for name, counts in member_counts(b, campaign.grades)]
    state = (f"尚有 {b.pending} 个标记待复核，计票结果为暂定：请在“{REVIEW_SHEET}”表填写复核结论后重新运行 orglife scan"
             if b.pending else "全部标记已判读")
    title = f"{b.branch}民主测评计票（扫描）：{state}；发出票数{totals.issued_from}"
    head = wb.add_format({"font_name": style.FONT, "font_size": 11, "bold": True,
                          "text_wrap": True, "valign": "vcenter"})
    ws.merge_range(0, 0, 0, len(headers) - 1, title, head)
    ws.set_row(0, 62)
    for c, h in enumerate(headers):
        ws.write_string(1, c, h, fmt.header)
    for r, row in enumerate(rows, start=2):
        ws.write_string(r, 0, row[0], fmt.text)
        for c, v in enumerate(row[1:], start=1):
            ws.write_number(r, c, v, fmt.number)
    widths = style.fit_widths(headers, rows, minimum=8)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.autofilter(1, 0, 1 + len(rows), len(headers) - 1)
    style.print_setup(ws, 1, len(headers), landscape=False)


def _review_sheet(wb, fmt, b: BranchScan, campaign: Campaign, notes: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    ws = wb.add_worksheet(REVIEW_SHEET)
    choices = [*campaign.grades, ABSTAIN, INVALID]
    title = (f"{b.branch}扫描复核：每行是一张测评表上一名党员的一行，机器不能确定；"
             f"请看图像，在“复核结论”中选择 {'/'.join(choices)}（留空则仍为待复核）")
    ws.merge_range(0, 0, 0, len(REVIEW_HEADERS) - 1, title, fmt.wrap)
    ws.set_row(0, 36)
    for c, h in enumerate(REVIEW_HEADERS):
        ws.write_string(1, c, h, fmt.header)
    for r, mark in enumerate(b.marks, start=2):
        ws.set_row(r, IMAGE_ROW_HEIGHT)
        ws.write_string(r, 0, mark.mark_id, fmt.text)
        ws.write_string(r, 1, mark.name, fmt.text)
        ws.write_blank(r, 2, None, fmt.text)
        ws.insert_image(r, 2, f"{mark.mark_id}.png",
                        {"image_data": io.BytesIO(mark.crop), "x_scale": IMAGE_SCALE,
                         "y_scale": IMAGE_SCALE, "x_offset": 2, "y_offset": 2,
                         "object_position": 1, "description": f"{mark.name} 的一行"})
        ws.write_string(r, 3, mark.reading, fmt.text)
        ws.write_string(r, 4, mark.decision, fmt.text)
        ws.write_string(r, 5, notes.get(mark.mark_id, ""), fmt.text)
    last = 1 + max(len(b.marks), 1)
    ws.data_validation(2, 4, last, 4, {
        "validate": "list", "source": choices, "ignore_blank": True,
        "input_title": "复核结论", "input_message": "看图像后选择：" + "/".join(choices),
        "error_title": "复核结论", "error_message": "请从列表中选择：" + "/".join(choices)})
    for c, w in enumerate((12, 10, IMAGE_COL_WIDTH, 50, 10, 20)):
        ws.set_column(c, c, w)
    ws.autofilter(1, 0, last, len(REVIEW_HEADERS) - 1)
    style.print_setup(ws, 1, len(REVIEW_HEADERS), landscape=True)


@dataclass(frozen=True)
class Earlier:
    """What a person typed into an earlier 扫描复核: mark id → 复核结论, and → 备注."""

    decisions: dict[str, str]
    notes: dict[str, str]


def read_decisions(path: Path) -> Earlier:
    """The 复核结论 and 备注 of an earlier scan workbook (none when it does not exist)."""
    if not path.exists():
        return Earlier({}, {})
    book = CalamineWorkbook.from_path(str(path))
    if REVIEW_SHEET not in book.sheet_names:
        return Earlier({}, {})
    rows = book.get_sheet_by_name(REVIEW_SHEET).to_python(skip_empty_area=False)
    decisions: dict[str, str] = {}
    notes: dict[str, str] = {}
    header: list[str] | None = None
    for row in rows:
        cells = [str(v).strip() if v is not None else "" for v in row]
        if header is None:
            if "编号" in cells and "复核结论" in cells:
                header = cells
            continue
        rec = dict(zip(header, cells))
        mid = rec.get("编号", "")
        if not mid:
            continue
        if rec.get("复核结论"):
            decisions[mid] = rec["复核结论"].replace(" ", "").replace("\u3000", "")
        if rec.get("备注"):
            notes[mid] = rec["备注"]
    return Earlier(decisions, notes)
