"""Cell values and sizes for the written workbooks: long text split over rows, plain
values, column kinds, widths that fit Chinese text, row heights."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from itertools import zip_longest
from typing import Any

import pandas as pd

from pipeline.write.style import (
    EXCEL_CELL_LIMIT,
    display_width,
)

CONTINUED = "（超长，续下行）"
CONTINUATION = "（续上行）"
# Columns that hold prose: wide and wrapped; other text columns stay narrower.
WIDE = {"问题描述", "整改事项", "整改措施", "提示", "说明", "评定理由", "含义", "值",
        "未与委员谈话的党员", "缺少的必谈（双方）", "未作整改承诺的党员", "尚无整改的问题编号",
        "其他列", "备注", "发现值", "应为"}
NARROW_MAX = 16
HEADER_TEXT_MAX = 10  # a longer header of a text column wraps
WIDE_MAX = 40
PERCENT_SUFFIXES = ("占比", "覆盖率")
NOTES_CAPS = {0: 16, 1: 24, 2: 72, 3: 30, 6: 30}  # 说明: the value/SHA-256 column is wide


# --- long text -----------------------------------------------------------------------------

def _units(ch: str) -> int:
    """Excel counts UTF-16 code units: characters beyond the BMP take two."""
    return 2 if ord(ch) > 0xFFFF else 1


def split_text(value: str, limit: int = EXCEL_CELL_LIMIT) -> list[str]:
    """Pieces of `value` that each fit one cell with their marks; one piece when it fits.

    Every piece but the last ends with （超长，续下行）; every piece but the first starts
    with （续上行）, so nothing is cut silently."""
    if len(value) <= limit // 2 or sum(_units(ch) for ch in value) <= limit:
        return [value]
    room = limit - len(CONTINUED) - len(CONTINUATION)
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for ch in value:
        u = _units(ch)
        if used + u > room:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += u
    pieces.append("".join(current))
    return [(CONTINUATION if i else "") + p + (CONTINUED if i < len(pieces) - 1 else "")
            for i, p in enumerate(pieces)]


def expand_row(values: Sequence[Any], keys: Sequence[int]) -> list[list[Any]]:
    """One frame row → one or more sheet rows: over-long text continues on the rows below,
    the key columns (支部, 姓名 …) repeated so filters keep the pieces together."""
    split = [split_text(v) if isinstance(v, str) else [v] for v in values]
    height = max((len(s) for s in split), default=1)
    if height == 1:
        return [list(values)]
    rows = []
    for r in range(height):
        row: list[Any] = []
        for c, pieces in enumerate(split):
            if r == 0:
                row.append(pieces[0])
            elif len(pieces) > 1:
                row.append(pieces[r] if r < len(pieces) else None)
            else:
                row.append(values[c] if c in keys else None)
        rows.append(row)
    return rows


# --- cell values and formats ---------------------------------------------------------------

def plain(value: Any) -> Any:
    """pandas/numpy scalars → Python values write_cell understands; NA → None."""
    if value is None or type(value) in (str, int):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


# Types plain() returns unchanged (a float only when it is not NaN).
PLAIN_TYPES = frozenset({str, int, bool, dt.date, dt.datetime})


def plain_rows(frame: pd.DataFrame) -> list[list[Any]]:
    """The frame's rows as lists of plain values (plain() on each cell), without pandas'
    per-row iteration: one to_numpy, then only cells that are not plain already are touched."""
    rows: list[list[Any]] = frame.to_numpy(dtype=object).tolist()
    fast = PLAIN_TYPES
    for row in rows:
        for c, v in enumerate(row):
            if v is None or type(v) in fast:
                continue
            if type(v) is float:
                if v != v:
                    row[c] = None
            else:
                row[c] = plain(v)
    return rows



def column_kind(name: str, values: Sequence[Any]) -> str:
    """percent / number / date / text, from the header and the values."""
    if name.endswith(PERCENT_SUFFIXES):
        return "percent"
    present = [v for v in values if v is not None and not isinstance(v, str)]
    strings = [v for v in values if isinstance(v, str)]
    if present and not strings:
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            return "number"
        if all(isinstance(v, dt.date) for v in present):
            return "date"
    return "text"


def text_width(value: str) -> int:
    """A fast estimate of style.display_width for long text: the widest line, characters from
    U+0800 on (CJK, full-width punctuation) counting two — from the UTF-8 length, in C."""
    lines = value.splitlines()
    if len(lines) > 1:
        return max(text_width(line) for line in lines)
    if value.isascii():
        return len(value)
    return len(value) + (len(value.encode("utf-8", "surrogatepass")) - len(value)) // 2


def _cell_width(kind: str, value: Any, cap: int = 10**9) -> int:
    """Columns a value needs (at most about `cap`: longer text wraps anyway)."""
    if value is None:
        return 0
    if kind == "percent":
        return 6
    if isinstance(value, str):
        if len(value) >= cap and "\n" not in value:
            return len(value)  # every character is at least one column
        width = text_width(value)
        # Latin letters print wider than the '0' Excel's width unit is based on.
        return math.ceil(width * 1.1) if value.isascii() else width
    if isinstance(value, dt.datetime):
        return 16
    return display_width(value)


def _bound(value: str) -> int:
    """An upper bound of _cell_width for a text, from its length alone (a character is at
    most two columns, 2.5 beyond the BMP; ASCII at most 1.1 rounded up)."""
    return len(value) * 5 // 2 + 1


def data_width(kind: str, values: Sequence[Any], cap: int = 10**9) -> int:
    """max(_cell_width(kind, v, cap) for v in values), or `cap` as soon as the maximum
    reaches it (callers clip at `cap`): only the longest texts are measured."""
    if kind == "number":
        return max((len(str(v)) for v in values if v is not None), default=0)
    if kind == "percent":
        return 6 if any(v is not None for v in values) else 0
    best = 0
    texts: list[str] = []
    for v in values:
        if isinstance(v, str):
            texts.append(v)
        elif type(v) is int:  # _cell_width of a whole number: its digits
            best = max(best, len(str(v)))
        elif v is not None:
            best = max(best, _cell_width(kind, v, cap))
    if best >= cap:
        return best
    texts.sort(key=len, reverse=True)
    for v in texts:
        if _bound(v) <= best:
            break  # the rest are shorter still
        best = max(best, _cell_width(kind, v, cap))
        if best >= cap:
            break
    return best


def transpose(rows: Sequence[Sequence[Any]], n: int) -> list[Sequence[Any]]:
    """Rows → columns (n of them, also when there are no rows)."""
    if not rows:
        return [() for _ in range(n)]
    return list(zip_longest(*rows)) if len({len(r) for r in rows}) > 1 else list(zip(*rows))


def column_widths(headers: Sequence[str], kinds: Sequence[str],
                  rows: Sequence[Sequence[Any]],
                  columns: Sequence[Sequence[Any]] | None = None) -> list[float]:
    """Widths that fit header and data, East-Asian characters counted as two (style.py);
    prose columns wrap at WIDE_MAX, other text at NARROW_MAX; a header of a short column
    may wrap over two (text) or three (numbers) lines instead of widening it.
    `columns` (transpose(rows)) saves the transposition when the caller has it."""
    if columns is None:
        columns = transpose(rows, len(headers))
    widths: list[float] = []
    for header, kind, values in zip(headers, kinds, columns):
        head = display_width(header)
        limit = WIDE_MAX if header in WIDE else NARROW_MAX
        if kind == "text":
            data = data_width(kind, values, limit)
            want = max(min(data, limit), min(head, HEADER_TEXT_MAX))
        else:
            data = data_width(kind, values)
            want = max(data, math.ceil(head / 3), 4)
        widths.append(max(want + 2, 6))
    return widths


LINE_HEIGHT = 13.0  # points per line of 10 pt 宋体
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def can_wrap(value: Any, width: float) -> bool:
    """A text that may need more than one line: too long for the column, or several lines."""
    return isinstance(value, str) and (len(value) * 2 > width - 2 or "\n" in value)


def text_lines(value: Any, width: float) -> int:
    """Lines a wrapped text needs in a column `width` wide (CJK counted as two)."""
    if not can_wrap(value, width):
        return 1
    room = max(width - 2, 1)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in value.split("\n"))


def _height(lines: int) -> float | None:
    return min(LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT) if lines > 1 else None


def row_height(values: Sequence[Any], widths: Sequence[float]) -> float | None:
    """Explicit height for a row with wrapped text (neither LibreOffice nor Excel reliably
    grows rows written by XlsxWriter); None when one line fits."""
    return _height(max((text_lines(v, w) for v, w in zip(values, widths)), default=1))


def row_heights(columns: Sequence[Sequence[Any]], widths: Sequence[float]) -> dict[int, float]:
    """Row index → explicit height, for the rows where some text wraps (row_height of each
    row); only texts that can wrap are measured, every other row keeps the default height."""
    lines: dict[int, int] = {}
    for values, width in zip(columns, widths):
        limit = (width - 2) / 2
        for i, v in enumerate(values):
            if type(v) is str and (len(v) > limit or "\n" in v):
                n = text_lines(v, width)
                if n > lines.get(i, 1):
                    lines[i] = n
    return {i: h for i, n in lines.items() if (h := _height(n)) is not None}


def header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    return row_height(headers, widths) or LINE_HEIGHT + 5



