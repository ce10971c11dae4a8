"""整改清单公示 (the plan: 整改内容和完成情况要在一定范围内公示): per branch and for the 总支 a
sheet ready to print on A4 portrait, and its PDF through LibreOffice when it is installed."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.followup.review_book import records
from pipeline.followup.settings import Followup, cn_date
from pipeline.write.atomic import atomic_write
from pipeline.write.style import FOOTER, display_width

SHEET = "整改清单公示"
COLUMNS = ("对象", "整改事项", "整改措施", "责任人", "完成时限", "完成情况")
WIDTHS = (10, 22, 28, 10, 15, 15)  # ≈ 100 units: A4 portrait at about 100 %
FONT = "仿宋"
SIZE = 11
LINE = 15.0  # points per line of 11 pt text
SUFFIX = "-整改清单公示"


def units(rectifications: pd.DataFrame, order: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Unit (党总支 or a branch) → its 整改清单 rows as written, in `order` (filing order)."""
    rows: dict[str, list[dict[str, Any]]] = {u: [] for u in order}
    for r in records(rectifications):
        rows.setdefault(r["支部"], []).append({c: _value(r.get(c)) for c in COLUMNS})
    return {u: items for u, items in rows.items() if items}


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def lines(value: Any, width: float) -> int:
    """Printed lines a wrapped value needs in a column `width` units wide (CJK counts two;
    a CJK glyph of 11 pt 仿宋 is a little wider than two digits, hence the 1.05)."""
    if value is None:
        return 1
    text = cn_date(value) if isinstance(value, dt.date) else str(value)
    room = max(width - 0.5, 1)
    return sum(max(1, math.ceil(display_width(part) * 1.05 / room)) for part in text.split("\n"))


def title_of(unit: str, campaign: Campaign) -> str:
    who = campaign.organisation if unit == C.GENERAL_BRANCH else f"{campaign.organisation}{unit}"
    return f"{who}整改清单公示"


def build_sheet(wb: Any, unit: str, rows: list[dict[str, Any]], campaign: Campaign,
                settings: Followup) -> None:
    """The 公示 page set of one unit: title, 公示期, the six columns, the closing lines."""
    base = {"font_name": FONT, "font_size": SIZE, "valign": "vcenter", "text_wrap": True}
    title = wb.add_format({**base, "font_name": "黑体", "font_size": 18, "align": "center"})
    note = wb.add_format({**base})
    head = wb.add_format({**base, "bold": True, "border": 1, "align": "center",
                          "bg_color": "#F2F2F2"})
    cell = wb.add_format({**base, "border": 1, "valign": "top"})
    date = wb.add_format({**base, "border": 1, "valign": "top", "align": "center",
                          "num_format": 'yyyy"年"m"月"d"日"'})
    right = wb.add_format({**base, "align": "right"})
    ws = wb.add_worksheet(SHEET)
    n = len(COLUMNS)
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, n - 1, "", title)
    ws.write_string(0, 0, title_of(unit, campaign), title)
    ws.set_row(0, 34)
    period = f"{settings.publicity.period}。{settings.publicity.scope}"
    ws.merge_range(1, 0, 1, n - 1, "", note)
    ws.write_string(1, 0, period, note)
    ws.set_row(1, LINE * lines(period, sum(WIDTHS) / 1.6) + 6)
    for c, h in enumerate(COLUMNS):
        ws.write_string(2, c, h, head)
    ws.set_row(2, LINE + 8)
    r = 3
    for row in rows:
        values = [row[c] for c in COLUMNS]
        ws.set_row(r, LINE * max(lines(v, w) for v, w in zip(values, WIDTHS)) + 6)
        for c, v in enumerate(values):
            if isinstance(v, dt.datetime):
                v = v.date()
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date)
            elif v is None:
                ws.write_blank(r, c, None, cell)
            else:
                ws.write_string(r, c, str(v), cell)  # text as text, never a formula
        r += 1
    r += 1
    contact = f"对以上整改事项和完成情况如有意见建议，请向{campaign.contact}反映。"
    ws.merge_range(r, 0, r, n - 1, "", note)
    ws.write_string(r, 0, contact, note)
    ws.merge_range(r + 2, 0, r + 2, n - 1, "", right)
    ws.write_string(r + 2, 0, title_of(unit, campaign).removesuffix("整改清单公示"), right)
    ws.merge_range(r + 3, 0, r + 3, n - 1, "", right)
    ws.write_string(r + 3, 0, cn_date(settings.publicity.start), right)
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 0)  # fit to width, as many pages as the rows need
    ws.repeat_rows(0, 2)  # title, 公示期 and the column headers on every page
    ws.center_horizontally()
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.8)
    ws.set_footer(FOOTER)
    ws.print_area(0, 0, r + 3, n - 1)


def write_publicity(rectifications: pd.DataFrame, order: Sequence[str], campaign: Campaign,
                    settings: Followup, out_dir: Path) -> list[Path]:
    """`<单位>-整改清单公示.xlsx` for every unit with a 整改清单 (党总支 first)."""
    paths: list[Path] = []
    for unit, rows in units(rectifications, order).items():
        path = out_dir / f"{unit}{SUFFIX}.xlsx"

        def build(wb: Any, unit: str = unit, rows: list[dict[str, Any]] = rows) -> None:
            build_sheet(wb, unit, rows, campaign, settings)

        atomic_write(path, build, campaign, title_of(unit, campaign))
        paths.append(path)
    return paths


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(paths: Sequence[Path], out_dir: Path, timeout: int = 600) -> list[Path]:
    """Convert with LibreOffice (one process for all files, a throw-away profile so that a
    running LibreOffice is not disturbed). Returns the PDFs written; [] without LibreOffice."""
    exe = soffice()
    if exe is None or not paths:
        return []
    profile = Path(tempfile.gettempdir()) / f"orglife-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(out_dir),
                        *map(str, paths)], check=True, timeout=timeout, capture_output=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return [p for p in (out_dir / f"{q.stem}.pdf" for q in paths) if p.exists()]
