"""Measure every box of a warped page and decide each row — or send it to a person.

Per box, the interior (inside the printed square, clear of its line) is compared with the
paper around it in the same row: `ink` is the share of pixels clearly darker than the paper
(a pen or a firm pencil stroke), `faint` the share of pixels only slightly darker (an erased
mark, a very light touch). The page's typical empty box is subtracted (scanner grey, noise).
A box is marked, empty, or uncertain; a row is decided only when every box is clearly one or
the other: one mark → that grade; none → 弃权; several plain marks → 无效. A row with an
uncertain box, ink between the boxes, or several marks of which one is filled in (the usual
way of crossing a mark out) goes to review (待复核), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.ballots.detect import SCALE
from pipeline.ballots.layout import BOX, GRADE_W, Layout, Rect, Row

ABSTAIN = "弃权"
INVALID = "无效"
REVIEW = "待复核"

INSET = 1.1  # mm inside the printed square: clear of its line even when the warp is 0.5 mm off
INK_LEVEL = 0.22  # darkness (0 paper … 1 black) of a stroke
STRONG_LEVEL = 0.28  # a pen, or a pencil pressed on; an eraser's ghost stays below 0.23 (measured)
FAINT_LEVEL = 0.09  # darkness of a trace: erased pencil, a light smudge
MARK_INK = 0.045  # share of the interior: at least a short stroke
MARK_STRONG = 0.02  # … of which this share is firmly dark
EMPTY_INK = 0.012  # at most a speck
EMPTY_FAINT = 0.05  # a trace below this share is paper texture, not an erased mark
FILLED_INK = 0.55  # a filled-in (or scribbled-over) box
GAP_INK = 0.03  # ink in the middle between two boxes: a mark that is in neither
GAP_CLEAR = 2.5  # mm kept clear of each box when looking between boxes (a tick's tail)
LINE_CLEAR = 1.2  # mm kept clear of the printed column line between two boxes


@dataclass(frozen=True)
class BoxScore:
    ink: float
    faint: float
    strong: float = 0.0

    @property
    def state(self) -> str:
        if self.ink >= MARK_INK and self.strong >= MARK_STRONG:
            return "marked"
        if self.ink <= EMPTY_INK and self.faint <= EMPTY_FAINT:
            return "empty"
        return "unsure"


@dataclass(frozen=True)
class RowReading:
    number: int
    name: str
    result: str  # a grade, 弃权, 无效 or 待复核
    reading: str  # what the machine saw, in Chinese (the 机器判读 column)
    boxes: tuple[BoxScore, ...]


def _px(r: Rect) -> tuple[int, int, int, int]:
    return (round(r.y * SCALE), round((r.y + r.h) * SCALE),
            round(r.x * SCALE), round((r.x + r.w) * SCALE))


def _darkness(region: np.ndarray, paper: float) -> np.ndarray:
    return np.clip((paper - region.astype(np.float32)) / max(paper, 1.0), 0.0, 1.0)


def _paper(smooth: np.ndarray, box: Rect) -> float:
    """The paper's brightness around this box (its grade cell): light falls unevenly on
    a phone photo, so each box is compared with the paper next to it."""
    cell = Rect(box.x - (GRADE_W - BOX) / 2 + 0.8, box.y - 0.4, GRADE_W - 1.6, BOX + 0.8)
    r0, r1, c0, c1 = _px(cell)
    return float(np.percentile(smooth[r0:r1, c0:c1], 90))


def _score(smooth: np.ndarray, rect: Rect, paper: float) -> BoxScore:
    r0, r1, c0, c1 = _px(rect)
    d = _darkness(smooth[r0:r1, c0:c1], paper)
    return BoxScore(float(np.mean(d > INK_LEVEL)), float(np.mean(d > FAINT_LEVEL)),
                    float(np.mean(d > STRONG_LEVEL)))


def _gaps(row: Row) -> list[list[Rect]]:
    """Between neighbouring boxes: the space away from both, either side of the column line."""
    out = []
    for a, b in zip(row.boxes, row.boxes[1:]):
        line = (a.x + a.w + b.x) / 2  # the printed column border
        parts = [(a.x + a.w + GAP_CLEAR, line - LINE_CLEAR), (line + LINE_CLEAR, b.x - GAP_CLEAR)]
        out.append([Rect(x0, a.y + 0.5, x1 - x0, a.h - 1.0) for x0, x1 in parts])
    return out


def measure(warped: np.ndarray, layout: Layout, k: int) -> list[tuple[Row, list[BoxScore],
                                                                         list[float]]]:
    """Raw scores: per row its box scores and the ink between its boxes."""
    smooth = cv2.medianBlur(warped, 3)  # scanner noise, JPEG speckle
    out = []
    for row in layout.pages[k - 1].rows:
        papers = [_paper(smooth, b) for b in row.boxes]
        boxes = [_score(smooth, b.inset(INSET), p) for b, p in zip(row.boxes, papers)]
        gaps = [max(_score(smooth, g, min(papers[i], papers[i + 1])).ink for g in halves)
                for i, halves in enumerate(_gaps(row))]
        out.append((row, boxes, gaps))
    return out


def _baseline(scores: list[tuple[Row, list[BoxScore], list[float]]]) -> BoxScore:
    """The page's typical empty box (most boxes on a ballot are empty)."""
    every = [b for _, boxes, _ in scores for b in boxes]
    return BoxScore(float(np.median([b.ink for b in every])),
                    float(np.median([b.faint for b in every])),
                    float(np.median([b.strong for b in every])))


def _relative(b: BoxScore, base: BoxScore) -> BoxScore:
    # Only a small, page-wide grey is removed: a page where most boxes carry ink is not
    # "normalised" into an empty one.
    return BoxScore(max(0.0, b.ink - min(base.ink, EMPTY_INK)),
                    max(0.0, b.faint - min(base.faint, EMPTY_FAINT)),
                    max(0.0, b.strong - min(base.strong, EMPTY_INK)))


def decide_row(row: Row, boxes: list[BoxScore], gaps: list[float],
               grades: tuple[str, ...]) -> RowReading:
    states = [b.state for b in boxes]
    marked = [i for i, s in enumerate(states) if s == "marked"]
    unsure = [i for i, s in enumerate(states) if s == "unsure"]
    between = [i for i, g in enumerate(gaps) if g >= GAP_INK]

    def names(idx: list[int]) -> str:
        return "、".join(grades[i] for i in idx)

    seen = "；".join(f"{grades[i]} 笔迹{b.ink:.0%}/浅痕{b.faint:.0%}"
                    for i, b in enumerate(boxes) if states[i] != "empty") or "四格均空"
    if unsure:
        return RowReading(row.number, row.name, REVIEW,
                          f"{names(unsure)} 有浅淡或零星痕迹（可能擦除或轻划）；{seen}", tuple(boxes))
    if between:
        where = "、".join(f"{grades[i]}与{grades[i + 1]}之间" for i in between)
        return RowReading(row.number, row.name, REVIEW, f"笔迹在{where}；{seen}", tuple(boxes))
    if not marked:
        return RowReading(row.number, row.name, ABSTAIN, "四格均空", tuple(boxes))
    if len(marked) == 1:
        return RowReading(row.number, row.name, grades[marked[0]], f"只划了{names(marked)}",
                          tuple(boxes))
    if any(boxes[i].ink >= FILLED_INK for i in marked):
        return RowReading(row.number, row.name, REVIEW,
                          f"{names(marked)} 都有笔迹，其中有涂黑的格（可能是涂改）；{seen}", tuple(boxes))
    return RowReading(row.number, row.name, INVALID, f"划了 {len(marked)} 格（{names(marked)}）",
                      tuple(boxes))


def read_page(warped: np.ndarray, layout: Layout, k: int) -> list[RowReading]:
    scores = measure(warped, layout, k)
    base = _baseline(scores)
    return [decide_row(row, [_relative(b, base) for b in boxes], gaps, layout.grades)
            for row, boxes, gaps in scores]


def row_crop(warped: np.ndarray, row: Row) -> bytes:
    """PNG of one row of one ballot (name and its four boxes), for the 扫描复核 sheet."""
    band = row.band
    r0, r1, c0, c1 = _px(Rect(band.x - 1, band.y - 0.4, band.w + 2, band.h + 0.8))  # this row only
    ok, png = cv2.imencode(".png", warped[max(r0, 0):r1, max(c0, 0):c1])
    if not ok:
        raise ValueError("cannot encode the row image")
    return png.tobytes()
