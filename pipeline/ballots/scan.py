"""`orglife scan`: scans → pages read → per-branch counts, review rows and notices.

Pages are read in worker processes (each rasterises its own page; only small results come
back). Results are then grouped by branch in an order that does not depend on the scans
(R-B6): counts per member, and the uncertain marks sorted by member and mark id.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2

from pipeline.ballots.decide import ABSTAIN, INVALID, REVIEW, RowReading, read_page, row_crop
from pipeline.ballots.detect import Known, Located, locate
from pipeline.ballots.layout import Layout
from pipeline.ballots.papers import layout_for
from pipeline.ballots.raster import PageRef, Unreadable, digest, load, page_refs
from pipeline.config import Campaign
from pipeline.people import Roster


@dataclass(frozen=True)
class PageResult:
    label: str  # terminal only, never written
    digest: str = ""
    layout_id: str = ""
    k: int = 0
    qr_read: bool = False
    problem: str = ""  # why the page was not read (Chinese)
    kind: str = ""  # unreadable | foreign | conflict
    rows: tuple[RowReading, ...] = ()
    crops: dict[int, bytes] = field(default_factory=dict)  # row number → PNG, review rows only
    seconds: float = 0.0  # time spent on this page (the benchmark's per-page figure)


@dataclass(frozen=True)
class Mark:
    """One member's box row on one ballot page that a person must decide."""

    mark_id: str
    name: str
    reading: str
    crop: bytes
    decision: str = ""  # 复核结论 typed by the 计票人, "" while pending


@dataclass
class BranchScan:
    layout: Layout
    pages: Counter[int] = field(default_factory=Counter)  # k → sheets read
    results: dict[str, Counter[str]] = field(default_factory=dict)  # name → result → count
    marks: list[Mark] = field(default_factory=list)

    @property
    def branch(self) -> str:
        return self.layout.branch

    @property
    def returned(self) -> int:
        """收回票数: the sheets of page 1 read (every ballot has exactly one page 1)."""
        return self.pages[1]

    @property
    def pending(self) -> int:
        return sum(1 for m in self.marks if not m.decision)


@dataclass
class ScanOutcome:
    branches: dict[str, BranchScan]
    notices: list[str]  # Chinese lines for the terminal
    pages_read: int = 0
    pages_seen: int = 0


_KNOWN: Known | None = None


def _init(known: Known) -> None:
    global _KNOWN
    _KNOWN = known
    cv2.setNumThreads(1)  # one page per process; OpenCV's own threads only compete


def read_one(ref: PageRef, known: Known | None = None) -> PageResult:
    """Read one page (in a worker): identify, warp, decide every row, crop the uncertain."""
    known = known or _KNOWN
    assert known is not None
    start = time.perf_counter()
    result = _read(ref, known)
    return replace(result, seconds=time.perf_counter() - start)


def _read(ref: PageRef, known: Known) -> PageResult:
    try:
        image = load(ref)
    except Unreadable as exc:
        return PageResult(ref.label, problem=str(exc), kind="unreadable")
    found = locate(image, known)
    if not isinstance(found, Located):
        return PageResult(ref.label, digest(image), problem=found.reason, kind=found.kind)
    rows = read_page(found.warped, found.layout, found.k)
    page = found.layout.pages[found.k - 1]
    crops = {r.number: row_crop(found.warped, row) for r, row in zip(rows, page.rows)
             if r.result == REVIEW}
    return PageResult(ref.label, digest(image), found.layout.layout_id, found.k, found.qr_read,
                      rows=tuple(rows), crops=crops)


def read_all(refs: Sequence[PageRef], known: Known, workers: int) -> list[PageResult]:
    if workers <= 1 or len(refs) < 4:
        return [read_one(r, known) for r in refs]
    # spawn, not fork: forking after OpenCV/PDFium started their threads can deadlock (seen)
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init, initargs=(known,)) as pool:
        return pool.map(read_one, refs, chunksize=2)


def mark_id(page_digest: str, layout_id: str, k: int, number: int) -> str:
    """Stable across runs on the same scans; carries no file name and no scan order."""
    return hashlib.sha256(f"{page_digest}/{layout_id}/{k}/{number}".encode()).hexdigest()[:10].upper()


def known_pages(campaign: Campaign, roster: Roster) -> Known:
    return Known.of([layout_for(campaign, b, roster.of_branch(b)) for b in roster.branches])


def scan(paths: Sequence[Path], campaign: Campaign, roster: Roster,
         decisions: dict[str, dict[str, str]] | None = None,
         workers: int | None = None) -> ScanOutcome:
    """Read every page of `paths`; `decisions` (branch → mark id → 复核结论) from earlier runs."""
    known = known_pages(campaign, roster)
    refs: list[PageRef] = []
    notices: list[str] = []
    for item in page_refs(paths):
        if isinstance(item, Unreadable):
            notices.append(f"无法读取：{item}")
        else:
            refs.append(item)
    n = workers if workers is not None else min(2, os.cpu_count() or 1)
    results = read_all(refs, known, n)
    outcome = collect(results, known, decisions or {}, campaign.grades)
    outcome.notices[:0] = notices
    outcome.pages_seen = len(refs)
    return outcome


def collect(results: Iterable[PageResult], known: Known, decisions: dict[str, dict[str, str]],
            grades: tuple[str, ...]) -> ScanOutcome:
    branches: dict[str, BranchScan] = {}
    notices: list[str] = []
    seen: dict[str, str] = {}
    read = 0
    valid = {*grades, ABSTAIN, INVALID}
    for res in results:
        if res.problem:
            notices.append(f"{res.label}：{res.problem}；该页未计入")
            continue
        if res.digest in seen:
            notices.append(f"{res.label}：与 {seen[res.digest]} 是同一张扫描图像（重复扫描），只计一次")
            continue
        seen[res.digest] = res.label
        read += 1
        layout = known.layouts[res.layout_id]
        b = branches.setdefault(layout.branch, BranchScan(layout))
        b.pages[res.k] += 1
        chosen = decisions.get(layout.branch, {})
        for row in res.rows:
            result = row.result
            if result == REVIEW:
                mid = mark_id(res.digest, res.layout_id, res.k, row.number)
                decision = chosen.get(mid, "")
                decision = decision if decision in valid else ""
                b.marks.append(Mark(mid, row.name, row.reading, res.crops[row.number], decision))
                result = decision or REVIEW
            b.results.setdefault(row.name, Counter())[result] += 1
    for b in branches.values():
        order = {r.name: r.number for p in b.layout.pages for r in p.rows}
        b.marks.sort(key=lambda m: (order[m.name], m.mark_id))
        counts = {k: b.pages[k] for k in range(1, b.layout.page_count + 1)}
        if len(set(counts.values())) > 1:
            listed = "、".join(f"第 {k} 页 {n} 张" for k, n in counts.items())
            notices.append(f"{b.branch}：测评表各页的张数不一致（{listed}）；"
                           f"收回票数按第 1 页计为 {b.returned}，请查找缺少或多出的页")
    return ScanOutcome(dict(sorted(branches.items(), key=lambda kv: _branch_rank(kv[0], known))),
                       notices, pages_read=read)


def _branch_rank(branch: str, known: Known) -> int:
    order = list(dict.fromkeys(lay.branch for lay in known.layouts.values()))
    return order.index(branch)


def member_counts(b: BranchScan, grades: tuple[str, ...]) -> list[tuple[str, dict[str, int]]]:
    """Per member in 民主测评 order: each grade, 弃权, 无效, 待复核."""
    keys = (*grades, ABSTAIN, INVALID, REVIEW)
    out = []
    for page in b.layout.pages:
        for row in page.rows:
            got = b.results.get(row.name, Counter())
            out.append((row.name, {k: got.get(k, 0) for k in keys}))
    return out

