"""Geometry of the 民主测评表 (SPEC §11): pages, rows, boxes, markers, QR — in millimetres.

The same values draw the PDF and read the scans, so a box is where the reader looks for it.
Origin top-left, y down, A4 portrait. A layout id is a hash of everything that places a mark
(campaign, branch, grades, names per page, geometry), so a scan is read only against the sheet
that was printed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

PAGE_W, PAGE_H = 210.0, 297.0
GEOMETRY_VERSION = "1"

MARKER_SIZE = 14.0  # ArUco 5x5 (7 cells with its border): 2 mm cells
MARKER_MARGIN = 8.0
# Corner order everywhere: top-left, top-right, bottom-right, bottom-left.
MARKER_ORIGINS: tuple[tuple[float, float], ...] = (
    (MARKER_MARGIN, MARKER_MARGIN),
    (PAGE_W - MARKER_MARGIN - MARKER_SIZE, MARKER_MARGIN),
    (PAGE_W - MARKER_MARGIN - MARKER_SIZE, PAGE_H - MARKER_MARGIN - MARKER_SIZE),
    (MARKER_MARGIN, PAGE_H - MARKER_MARGIN - MARKER_SIZE),
)
QR_SIZE = 30.0
QR_ORIGIN = (PAGE_W - 26.0 - QR_SIZE, 26.0)  # below the top-right marker, right of the title

TABLE_X = 20.0
NO_W = 10.0  # 序号
NAME_W = 46.0  # 姓名
GRADE_W = 28.0  # one column per grade
HEADER_TOP = 74.0  # table header row
HEADER_H = 9.0
ROW_H = 9.5
ROWS_PER_PAGE = 20
BOX = 7.0  # the square a voter marks
BOX_LINE = 0.35


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def inset(self, d: float) -> Rect:
        return Rect(self.x + d, self.y + d, self.w - 2 * d, self.h - 2 * d)


@dataclass(frozen=True)
class Row:
    number: int  # 序号 on the sheet (1-based over the whole ballot)
    name: str
    top: float
    boxes: tuple[Rect, ...]  # one per grade, in the campaign's grade order

    @property
    def band(self) -> Rect:
        """The row from the 序号 cell to the last grade column."""
        return Rect(TABLE_X, self.top, NO_W + NAME_W + GRADE_W * len(self.boxes), ROW_H)


@dataclass(frozen=True)
class Page:
    number: int  # k of n
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Layout:
    campaign: str  # Campaign.campaign_id
    branch: str
    grades: tuple[str, ...]
    pages: tuple[Page, ...]
    layout_id: str

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def qr_text(self, k: int) -> str:
        return qr_payload(self.campaign, self.branch, k, self.page_count, self.layout_id)


def grade_x(i: int) -> float:
    """Left edge of grade column i."""
    return TABLE_X + NO_W + NAME_W + GRADE_W * i


def _row(number: int, name: str, top: float, n_grades: int) -> Row:
    boxes = tuple(Rect(grade_x(i) + (GRADE_W - BOX) / 2, top + (ROW_H - BOX) / 2, BOX, BOX)
                  for i in range(n_grades))
    return Row(number, name, top, boxes)


def split_pages(n: int) -> list[int]:
    """Rows per page, balanced: 39 names → [20, 19], never a near-empty last page."""
    pages = max(1, math.ceil(n / ROWS_PER_PAGE))
    base, extra = divmod(n, pages)
    return [base + (1 if i < extra else 0) for i in range(pages)]


def _layout_id(campaign: str, branch: str, grades: Sequence[str],
               pages: Sequence[Sequence[str]]) -> str:
    blob = json.dumps({"v": GEOMETRY_VERSION, "campaign": campaign, "branch": branch,
                       "grades": list(grades), "pages": [list(p) for p in pages],
                       "geometry": [MARKER_SIZE, MARKER_MARGIN, QR_SIZE, TABLE_X, NO_W, NAME_W,
                                    GRADE_W, HEADER_TOP, ROW_H, BOX]},
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def ballot_layout(campaign: str, branch: str, grades: Sequence[str],
                  names: Sequence[str]) -> Layout:
    """The 测评表 of one branch: `names` in 民主测评 order, split over as many pages as needed."""
    per_page = split_pages(len(names))
    chunks: list[list[str]] = []
    start = 0
    for count in per_page:
        chunks.append(list(names[start:start + count]))
        start += count
    lid = _layout_id(campaign, branch, grades, chunks)
    pages = []
    number = 1
    for k, chunk in enumerate(chunks, start=1):
        rows = []
        for i, name in enumerate(chunk):
            rows.append(_row(number, name, HEADER_TOP + HEADER_H + i * ROW_H, len(grades)))
            number += 1
        pages.append(Page(k, tuple(rows)))
    return Layout(campaign, branch, tuple(grades), tuple(pages), lid)


# --- identity on the page: QR text and marker ids ------------------------------------------

QR_PREFIX = "OL1"


def qr_payload(campaign: str, branch: str, k: int, n: int, layout_id: str) -> str:
    """What the QR code says: no voter data, only which sheet this is."""
    return "|".join((QR_PREFIX, campaign, branch, f"{k}/{n}", layout_id))


@dataclass(frozen=True)
class PageId:
    campaign: str
    branch: str
    k: int
    n: int
    layout_id: str


def parse_qr(text: str) -> PageId | None:
    parts = text.split("|")
    if len(parts) != 5 or parts[0] != QR_PREFIX:
        return None
    k, _, n = parts[3].partition("/")
    if not (k.isdigit() and n.isdigit()):
        return None
    return PageId(parts[1], parts[2], int(k), int(n), parts[4])


MARKER_CODES = 250  # DICT_5X5_1000: id = code * 4 + corner


def marker_ids(layout_id: str, k: int) -> tuple[int, int, int, int]:
    """The four ArUco ids of page k: each carries its corner and 1 of 250 codes of the page,
    so a page whose QR cannot be read is still identified (3 of 4 markers must agree)."""
    digest = hashlib.sha256(f"{layout_id}/{k}".encode()).digest()
    codes = [int.from_bytes(digest[2 * i:2 * i + 2], "big") % MARKER_CODES for i in range(4)]
    return tuple(code * 4 + corner for corner, code in enumerate(codes))  # type: ignore[return-value]
