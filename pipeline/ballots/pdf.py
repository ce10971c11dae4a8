"""PDF drawing with fpdf2: an embedded CJK font, ArUco markers and QR codes as vector squares.

Why fpdf2: the Noto CJK fonts on the machine are OpenType/CFF in a .ttc collection; fpdf2
subsets and embeds them (CID Type 0C), so Chinese renders in every viewer without a font
installed there. reportlab's TTFont cannot take CFF outlines, and its STSong-Light CID font is
not embedded (a viewer without the Adobe Asian font pack shows boxes).
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import subprocess
from pathlib import Path

import cv2
import segno
from fpdf import FPDF

from pipeline.ballots.layout import MARKER_SIZE, QR_SIZE

FONT = "cjk"
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"),
             Path("/usr/local/share/fonts"))
FONT_FILES = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
ARUCO_DICT = cv2.aruco.DICT_5X5_1000


class FontMissing(Exception):
    """No CJK font to embed; the message says what to install."""


def _collection_index(path: Path) -> int:
    """Index of the Simplified Chinese face in a .ttc (0 for a single font)."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    faces = TTCollection(str(path), lazy=True).fonts
    for i, face in enumerate(faces):
        name = str(face["name"].getDebugName(4) or "")
        if name.endswith(" SC") or name.endswith(" SC Bold") or "SC" in name.split():
            return i
    return 0


def _fc_match(style: str) -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    pattern = ":lang=zh-cn" + (":weight=bold" if style == "B" else "")
    out = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                         check=False).stdout.strip()
    path = Path(out) if out else None
    return path if path and path.exists() and path.suffix.lower() in (".ttc", ".otf", ".ttf") \
        else None


@functools.cache
def font_file(style: str = "") -> tuple[Path, int]:
    """(font path, face index) for regular ("") or bold ("B") Chinese text."""
    for d in FONT_DIRS:
        p = d / FONT_FILES[style]
        if p.exists():
            return p, _collection_index(p)
    found = _fc_match(style) or (_fc_match("") if style else None)
    if found is None:
        raise FontMissing("找不到可嵌入的中文字体（Noto Sans CJK）；请安装 fonts-noto-cjk 后重试")
    return found, _collection_index(found)


def new_document(title: str, author: str, created: dt.datetime) -> FPDF:
    """An A4 document with the CJK font registered and a fixed creation time (same bytes)."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    for style in FONT_FILES:
        path, index = font_file(style)
        pdf.add_font(FONT, style, str(path), collection_font_number=index)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("orglife")
    pdf.set_producer("orglife")
    pdf.set_creation_date(created.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))))
    pdf.set_lang("zh-CN")
    return pdf


def text(pdf: FPDF, x: float, y: float, w: float, h: float, value: str, size: float,
         align: str = "L", bold: bool = False) -> None:
    """One line of text in the cell (x, y, w, h), vertically centred."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_xy(x, y)
    pdf.cell(w, h, value, align=align)


def paragraph(pdf: FPDF, x: float, y: float, w: float, value: str, size: float,
              line: float) -> float:
    """Wrapped text from (x, y); returns the y below it."""
    pdf.set_font(FONT, "", size)
    pdf.set_xy(x, y)
    pdf.multi_cell(w, line, value, align="L")
    return pdf.get_y()


def _runs(bits: list[int]) -> list[tuple[int, int]]:
    """(start, length) of the dark runs in one row of modules."""
    runs, start = [], None
    for i, b in enumerate([*bits, 0]):
        if b and start is None:
            start = i
        elif not b and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def _modules(pdf: FPDF, x: float, y: float, cell: float, matrix: list[list[int]]) -> None:
    pdf.set_fill_color(0, 0, 0)
    for r, bits in enumerate(matrix):
        for start, length in _runs(bits):
            # A hair of overlap so that viewers do not show white seams between runs.
            pdf.rect(x + start * cell, y + r * cell, length * cell + 0.02, cell + 0.02, style="F")


@functools.cache
def _marker_bits(marker_id: int) -> list[list[int]]:
    image = cv2.aruco.generateImageMarker(cv2.aruco.getPredefinedDictionary(ARUCO_DICT),
                                          marker_id, 7)
    return [[1 if v < 128 else 0 for v in row] for row in image.tolist()]


def marker(pdf: FPDF, x: float, y: float, marker_id: int) -> None:
    bits = _marker_bits(marker_id)
    _modules(pdf, x, y, MARKER_SIZE / len(bits), bits)


def qr(pdf: FPDF, x: float, y: float, payload: str) -> None:
    """The QR code (error level M) filling QR_SIZE, without its quiet zone (paper is white)."""
    code = segno.make(payload, error="m", micro=False, boost_error=False)
    matrix = [list(row) for row in code.matrix]
    _modules(pdf, x, y, QR_SIZE / len(matrix), matrix)


def grid(pdf: FPDF, xs: list[float], top: float, heights: list[float], width: float = 0.3) -> None:
    """A ruled table: vertical lines at xs, rows of the given heights from top."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(width)
    bottom = top + sum(heights)
    y = top
    for h in [0.0, *heights]:
        y += h
        pdf.line(xs[0], y, xs[-1], y)
    for x in xs:
        pdf.line(x, top, x, bottom)
