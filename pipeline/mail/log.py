"""收件记录.xlsx: one row per attachment (and per mail without a spreadsheet), for the office.

Rebuilt from INBOX/.orglife/log.json on every run, so it always lists every run's mail.
Chinese headers, frozen header row, filter, widths that fit, A4 landscape; every text from a
message is written as text (never a formula or a link).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from pipeline.write.style import (
    Formats,
    display_width,
    fit_widths,
    new_workbook,
    print_setup,
    write_cell,
)

TITLE = "收件记录"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


@dataclass
class LogRow:
    """One line of the log; times are ISO 8601 with offset ('' when unknown)."""

    received: str  # 收件时间: server's (IMAP INTERNALDATE) or the top Received: header's
    date: str  # 邮件日期: the Date: header
    sender: str
    branch: str  # from [contacts]
    subject: str
    attachment: str
    saved: str  # path relative to the inbox
    sha256: str
    status: str
    note: str
    origin: str  # the .eml/.mbox/.zip file or the IMAP folder and UID


HEADERS = {"received": "收件时间", "date": "邮件日期", "sender": "发件人",
           "branch": "支部（按通讯录）", "subject": "主题", "attachment": "附件名",
           "saved": "保存位置（收件箱内）", "sha256": "SHA-256", "status": "状态",
           "note": "说明", "origin": "来源"}
TIME_COLUMNS = frozenset({"received", "date"})
# What the office reads first; the hash last, unwrapped (64 characters on one line).
ORDER = ("received", "date", "sender", "branch", "subject", "attachment", "status", "saved",
         "note", "origin", "sha256")
WRAP_WIDTH = 40  # wrapped text columns are at most this wide
LINE_HEIGHT = 13.5  # points per line of 10-point 宋体


def to_dict(row: LogRow) -> dict[str, str]:
    return asdict(row)


def from_dict(data: dict[str, str]) -> LogRow:
    return LogRow(**{f.name: str(data.get(f.name, "")) for f in fields(LogRow)})


def _time(text: str) -> dt.datetime | str:
    """An ISO time as a naive datetime in its own (Beijing) clock; other text as it is."""
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return text


def write_log(rows: Sequence[LogRow], path: Path, organisation: str,
              created: dt.datetime) -> Path:
    """Write the log workbook (same rows → same bytes: `created` fixes the document time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = list(ORDER)
    headers = ["序号", *(HEADERS[k] for k in keys)]
    table = [[i, *(_time(getattr(r, k)) if k in TIME_COLUMNS and getattr(r, k) else
                   getattr(r, k) for k in keys)] for i, r in enumerate(rows, 1)]
    wb = new_workbook(str(path), created, f"{organisation}{TITLE}", organisation)
    fmt = Formats(wb)
    stamp = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1,
                           "num_format": TIME_FORMAT, "align": "center",
                           "valign": "vcenter"})
    hash_fmt = wb.add_format({"font_name": "Consolas", "font_size": 9, "border": 1,
                              "valign": "vcenter"})
    ws = wb.add_worksheet(TITLE)
    ws.merge_range(0, 0, 0, len(headers) - 1, f"{organisation} {TITLE}", fmt.title)
    for c, h in enumerate(headers):
        ws.write_string(1, c, h, fmt.header)
    shown = [[str(v)[:19] if isinstance(v, dt.datetime) else v for v in row] for row in table]
    widths = fit_widths(headers, shown, maximum=WRAP_WIDTH)
    widths[-1] = 66  # SHA-256
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    for r, values in enumerate(table, 2):
        for c, value in enumerate(values):
            cell_fmt = stamp if isinstance(value, dt.datetime) else \
                hash_fmt if c == len(values) - 1 else fmt.text
            write_cell(ws, r, c, value if value != "" else None, cell_fmt)
        # Row heights are not computed by Excel/WPS on open: give wrapped rows their lines.
        lines = max(math.ceil(display_width(v) / max(widths[c] - 1, 1))
                    for c, v in enumerate(shown[r - 2][:-1]))
        if lines > 1:
            ws.set_row(r, LINE_HEIGHT * lines)
    ws.autofilter(1, 0, 1 + len(table), len(headers) - 1)
    print_setup(ws, 1, len(headers))
    wb.close()
    return path
