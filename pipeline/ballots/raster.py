"""Scans as grayscale pages: scanner PDFs (pypdfium2) and photos (JPG/PNG/TIFF via OpenCV).

A page is addressed by (file, page index) so that worker processes rasterise it themselves
(no page image is pickled between processes). The address is for messages on the terminal
only; it never reaches an output (R-B6: no scan order, no scan file names).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
MAX_SIDE = 1800  # ≈ 6 px/mm on A4, what the warp needs; larger pages are reduced first


class Unreadable(Exception):
    """A scan file or page that cannot be decoded; the message is Chinese."""


@dataclass(frozen=True)
class PageRef:
    path: Path
    index: int  # 0-based page of a PDF; 0 for an image
    pages: int  # pages in the file

    @property
    def label(self) -> str:
        """For the terminal only: which paper to look at."""
        return f"{self.path.name} 第 {self.index + 1} 页" if self.pages > 1 else self.path.name


def _pdf_pages(path: Path) -> int:
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise Unreadable(f"{path.name}：不是可读取的 PDF（{exc}）") from None
    try:
        return len(doc)
    finally:
        doc.close()


def page_refs(paths: Sequence[Path]) -> Iterator[PageRef | Unreadable]:
    """Every page of the given files and folders (folders: their scans, sorted by name)."""
    for path in paths:
        if path.is_dir():
            inner = sorted(p for p in path.rglob("*") if p.suffix.lower() in
                           PDF_SUFFIXES | IMAGE_SUFFIXES and not p.name.startswith("."))
            yield from page_refs(inner)
            continue
        suffix = path.suffix.lower()
        if not path.exists():
            yield Unreadable(f"{path}：文件不存在")
        elif suffix in PDF_SUFFIXES:
            try:
                n = _pdf_pages(path)
            except Unreadable as exc:
                yield exc
                continue
            for i in range(n):
                yield PageRef(path, i, n)
        elif suffix in IMAGE_SUFFIXES:
            yield PageRef(path, 0, 1)
        else:
            yield Unreadable(f"{path.name}：不是扫描件（应为 PDF 或 JPG/PNG 图片）")


def _render_pdf_page(ref: PageRef) -> np.ndarray:
    doc = pdfium.PdfDocument(str(ref.path))
    try:
        page = doc[ref.index]
        bitmap = page.render(scale=MAX_SIDE / max(page.get_size()), grayscale=True)
        image = bitmap.to_numpy()
    finally:
        doc.close()
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else
                             cv2.COLOR_BGRA2GRAY)
    return np.ascontiguousarray(image)


def load(ref: PageRef) -> np.ndarray:
    """The page as uint8 grayscale, long side at most MAX_SIDE."""
    if ref.path.suffix.lower() in PDF_SUFFIXES:
        try:
            image = _render_pdf_page(ref)
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"{ref.label}：无法读取（{exc}）") from None
    else:
        data = np.fromfile(str(ref.path), dtype=np.uint8)
        decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
        if decoded is None:
            raise Unreadable(f"{ref.label}：无法识别的图片")
        image = decoded
    side = max(image.shape)
    if side > MAX_SIDE:
        f = MAX_SIDE / side
        image = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return image


def digest(image: np.ndarray) -> str:
    """Hash of the decoded pixels: the same sheet image twice is the same digest."""
    h = hashlib.sha256(f"{image.shape}".encode())
    h.update(image.tobytes())
    return h.hexdigest()
