"""Which sheet a scanned page is, and the page warped onto its layout.

Identity comes from two independent sources printed on every page: the QR code (campaign,
branch, k/n, layout id) and the four ArUco markers (each carries its corner and a code of the
page). A page is identified when its markers (at least 3 of 4) name one known page and the
QR, when it can be read, names the same one; a readable QR of a sheet we do not know is
reported as such. Anything else is reported — a page is never assigned by guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.ballots.layout import (
    MARKER_CODES,
    MARKER_ORIGINS,
    MARKER_SIZE,
    PAGE_H,
    PAGE_W,
    QR_ORIGIN,
    QR_SIZE,
    Layout,
    PageId,
    marker_ids,
    parse_qr,
)
from pipeline.ballots.pdf import ARUCO_DICT

SCALE = 6.0  # px per mm of the warped page (152 dpi)
MAX_RESIDUAL_MM = 1.0  # markers that do not fit one homography this well: not trusted
MIN_MARKERS = 3
DETECT_SIDE = 1100  # markers are found on a reduced copy (2 mm cells ≈ 7 px): 3× faster


@dataclass(frozen=True)
class Known:
    """Every page the scan may meet: marker id → (layout id, k), and the layouts."""

    layouts: dict[str, Layout]
    by_marker: dict[int, tuple[tuple[str, int], ...]]  # ids of many pages may coincide

    @classmethod
    def of(cls, layouts: Sequence[Layout]) -> Known:
        by_marker: dict[int, list[tuple[str, int]]] = {}
        for lay in layouts:
            for page in lay.pages:
                for mid in marker_ids(lay.layout_id, page.number):
                    by_marker.setdefault(mid, []).append((lay.layout_id, page.number))
        return cls({lay.layout_id: lay for lay in layouts},
                   {k: tuple(v) for k, v in by_marker.items()})


@dataclass(frozen=True)
class Located:
    layout: Layout
    k: int
    warped: np.ndarray  # SCALE px/mm, upright
    qr_read: bool


@dataclass(frozen=True)
class NotLocated:
    reason: str  # Chinese, for the terminal
    kind: str  # unreadable | foreign | conflict
    qr: PageId | None = None


_DETECTOR: cv2.aruco.ArucoDetector | None = None


def _detector() -> cv2.aruco.ArucoDetector:
    global _DETECTOR
    if _DETECTOR is None:
        params = cv2.aruco.DetectorParameters()
        params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
        _DETECTOR = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(ARUCO_DICT), params)
    return _DETECTOR


def _marker_corners_mm(corner: int) -> np.ndarray:
    x, y = MARKER_ORIGINS[corner]
    s = MARKER_SIZE
    return np.array([[x, y], [x + s, y], [x + s, y + s], [x, y + s]], dtype=np.float64)


def _read_qr(image: np.ndarray) -> PageId | str | None:
    """PageId; None when no QR text was read; the raw text when it is not one of ours."""
    detector = cv2.QRCodeDetector()
    for candidate in (image, cv2.resize(image, None, fx=2, fy=2,
                                        interpolation=cv2.INTER_CUBIC)):
        try:
            text, _, _ = detector.detectAndDecode(candidate)
        except cv2.error:
            text = ""
        if text:
            return parse_qr(text) or text
    return None


def _qr_crop(warped: np.ndarray) -> np.ndarray:
    x, y = QR_ORIGIN
    pad = 5.0
    r0, r1 = int((y - pad) * SCALE), int((y + QR_SIZE + pad) * SCALE)
    c0, c1 = int((x - pad) * SCALE), int((x + QR_SIZE + pad) * SCALE)
    return warped[max(r0, 0):r1, max(c0, 0):c1]


def _describe(pid: PageId) -> str:
    return f"活动“{pid.campaign}”、{pid.branch} 第 {pid.k}/{pid.n} 页（版式 {pid.layout_id}）"


def locate(image: np.ndarray, known: Known) -> Located | NotLocated:
    """Find the markers, identify the page, warp it; or say why not."""
    f = min(1.0, DETECT_SIDE / max(image.shape))
    small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else image
    corners, ids, _ = _detector().detectMarkers(small)
    corners = [c / f for c in corners]
    votes: Counter[tuple[str, int]] = Counter()
    points: dict[tuple[str, int], list[tuple[int, np.ndarray]]] = {}
    seen_corners: dict[tuple[str, int], set[int]] = {}
    for quad, mid in zip(corners, [] if ids is None else ids.flatten().tolist()):
        if int(mid) >= MARKER_CODES * 4:
            continue
        corner = int(mid) % 4
        for page in known.by_marker.get(int(mid), ()):
            if corner in seen_corners.setdefault(page, set()):
                continue
            seen_corners[page].add(corner)
            votes[page] += 1
            points.setdefault(page, []).append((corner, quad.reshape(4, 2)))
    candidates = [p for p, n in votes.items() if n >= MIN_MARKERS]
    if len(candidates) > 1:  # two pages share three marker codes: the QR must settle it
        qr = _read_qr(image)
        named = [p for p in candidates if isinstance(qr, PageId) and p == (qr.layout_id, qr.k)]
        candidates = named or candidates
    if len(candidates) != 1:
        qr = _read_qr(image)
        if isinstance(qr, PageId):
            known_page = qr.layout_id in known.layouts
            if not known_page:
                return NotLocated(f"不是本次活动已知的测评表：二维码为 {_describe(qr)}",
                                  "foreign", qr)
            return NotLocated(f"{_describe(qr)}：定位标记不全（找到 {max(votes.values(), default=0)} "
                              f"个，至少需要 {MIN_MARKERS} 个），无法判读", "unreadable", qr)
        if isinstance(qr, str):
            return NotLocated(f"二维码内容不是测评表（“{qr[:40]}”）", "foreign")
        if len(candidates) > 1:
            return NotLocated("页面上的定位标记属于不同的测评表页，无法判读", "conflict")
        return NotLocated("找不到测评表的定位标记和二维码（不是测评表，或扫描不清）", "unreadable")
    layout_id, k = candidates[0]
    layout = known.layouts[layout_id]
    src = np.concatenate([q for _, q in points[layout_id, k]]).astype(np.float64)
    dst = np.concatenate([_marker_corners_mm(c) for c, _ in points[layout_id, k]])
    h, _ = cv2.findHomography(src, dst * SCALE, 0)
    if h is None:
        return NotLocated("定位标记的位置异常，无法校正页面", "unreadable")
    projected = cv2.perspectiveTransform(src.reshape(-1, 1, 2), h).reshape(-1, 2)
    residual = float(np.max(np.linalg.norm(projected - dst * SCALE, axis=1))) / SCALE
    if residual > MAX_RESIDUAL_MM:
        return NotLocated(f"定位标记之间的几何关系不符（偏差 {residual:.1f} 毫米），页面可能折叠或变形",
                          "unreadable")
    size = (int(PAGE_W * SCALE), int(PAGE_H * SCALE))
    warped = cv2.warpPerspective(image, h, size, flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    qr = _read_qr(_qr_crop(warped))
    if qr is None:
        return Located(layout, k, warped, qr_read=False)
    if not isinstance(qr, PageId):
        return NotLocated(f"二维码内容不是测评表（“{qr[:40]}”）", "conflict")
    if (qr.layout_id, qr.k) != (layout_id, k):
        return NotLocated(f"二维码（{_describe(qr)}）与定位标记（{layout.branch} 第 {k} 页）不一致",
                          "conflict", qr)
    return Located(layout, k, warped, qr_read=True)
