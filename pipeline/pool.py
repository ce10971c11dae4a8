"""The per-branch stage in a process pool: read, locate, prepare, check one branch's files.

`branch_stage(task)` is a pure function of one branch's files (and the campaign and that
branch's members): it reads them, lets the newest win sheet by sheet, assembles and prepares
the branch, runs its rules, counts its rows and returns a compact BranchOutcome — the issues,
the file statuses, the row accounting, first arrivals and the prepared branch *without* the
rows its issues dropped, its raw sheets and its ballot rows (R-B6: ballots never leave the
worker; the tally does). Workbooks never come back.

Files are given to their branch by their `_meta` (a cheap look at that one sheet). When any
file cannot be placed that way — no `_meta` or no branch in it, not an .xlsx, over the size or
file limits — the whole inbox goes the serial way (read/inbox.scan), which handles every case.
Rules across branches, aggregation and the write stay in the main process.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import python_calamine as pc

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.consolidate.stages import first_sent
from pipeline.issues import Issue, dropped_rows
from pipeline.model import InputFile, SheetCount
from pipeline.normalize import clean_text, fold
from pipeline.people import Roster
from pipeline.read import UnreadableFile, isolated, read_bytes
from pipeline.read.branches import accounting, assemble, member_homes
from pipeline.read.inbox import _input_file, scan, survey
from pipeline.read.placing import read_meta
from pipeline.read.raw import ZIP_MAGIC
from pipeline.rules import check_branch
from pipeline.sheets.prepare import Prepared, prepare

# Below this many branches one process is quicker than starting workers and shipping results
# back (make bench on the 2-core box: at 120 branches the pool lost, at 400 it won a little
# and its peak memory was 506 instead of 660 MiB — the workbooks stay in the workers).
POOL_MIN_BRANCHES = 200
WORKERS_ENV = "ORGLIFE_WORKERS"  # 1 = always serial; N = at most N workers

@dataclass(frozen=True)
class BranchTask:
    inbox: Path
    branch: str | None  # None: files whose _meta names no branch of the roster
    files: tuple[tuple[Path, str], ...]  # (path, name shown), in inbox order
    campaign: Campaign
    roster: Roster  # this branch's members (and the 总支委员)
    known: tuple[str, ...]  # every branch of the roster, for placing
    # member name → branches of the whole office roster (read/reconcile.py)
    homes: Mapping[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class BranchOutcome:
    files: tuple[InputFile, ...]
    issues: tuple[Issue, ...]
    counts: tuple[SheetCount, ...]
    first: dict[tuple[str, str], dt.datetime]
    prepared: Prepared | None


def workers(branches: int) -> int:
    """How many processes the per-branch stage uses (1: serial)."""
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if wanted.isdigit() and int(wanted) >= 1:
        return min(int(wanted), max(branches, 1))
    if branches < POOL_MIN_BRANCHES:
        return 1
    return max(1, min(cores or 1, 4))


UNREADABLE = "\0"  # a claim no branch has: files that open as no workbook (placed nowhere)


def _meta_branch(path: Path, campaign: Campaign) -> str | None:
    """The branch a workbook's `_meta` names ('' when it names none, UNREADABLE when the file
    is no workbook at all), None when the file needs the serial way. An .xlsx is looked at
    cheaply (its `_meta` sheet only, after the zip's declared size is checked); other files
    are read with every guard (rare: .xls and .ods)."""
    limit = campaign.limits.max_unpacked_mb * 1024 * 1024
    try:
        data = path.read_bytes()
    except OSError:
        return UNREADABLE
    try:
        if data.startswith(ZIP_MAGIC):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if sum(i.file_size for i in zf.infolist()) <= limit:
                    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
                    meta = next((n for n in book.sheet_names if fold(n) == fold(C.META)), None)
                    if meta is None:
                        return None
                    for row in book.get_sheet_by_name(meta).to_python():
                        if row and fold(row[0]).lower() == "branch":
                            return clean_text(row[1]) if len(row) > 1 else ""
                    return ""
        raw = read_bytes(data, max_unpacked_mb=campaign.limits.max_unpacked_mb,
                         max_rows=campaign.limits.max_rows_per_sheet)
    except UnreadableFile:
        return UNREADABLE
    except BaseException as exc:  # calamine panics derive from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    found = read_meta(raw)
    if found is None:
        return None
    return found[1].get("branch", ("", 0))[0]


def plan(inbox: Path, campaign: Campaign, roster: Roster) -> list[BranchTask] | None:
    """One task per branch of the roster (the 党总支 last) and one for files naming no known
    branch; None when some file needs the serial way."""
    paths, skipped = survey(inbox)
    if len(paths) > campaign.limits.max_files or skipped:
        return None  # skipped entries are listed by the whole-inbox scan
    known = [*roster.branches, C.GENERAL_BRANCH]
    by_key = {fold(b): b for b in known}
    groups: dict[str | None, list[tuple[Path, str]]] = {b: [] for b in known}
    groups[None] = []
    taken: set[str] = set()
    for path in paths:
        if not path.is_file():  # a pipe would block read_bytes; the serial way reports it
            return None
        name = _input_file(path, inbox, hashed=False, taken=taken).name
        try:  # calamine looks at the _meta sheet: in the reader process too
            claim = isolated.call(_meta_branch, path, campaign)
        except isolated.ReaderDied:
            return None  # the serial way reads it again, isolated, and reports it
        if not claim:  # None or '': placed by its content, which the serial way does
            return None
        groups[by_key.get(fold(claim)) if claim != UNREADABLE else None].append((path, name))
    committee = roster.general_committee()
    homes = member_homes(roster)
    tasks = []
    for branch, files in groups.items():
        if branch is None and not files:
            continue
        members = (committee if branch == C.GENERAL_BRANCH
                   else [] if branch is None else roster.of_branch(branch))
        tasks.append(BranchTask(inbox, branch, tuple(files), campaign,
                                Roster(members, roster.source), tuple(known), homes))
    return tasks


def compact(p: Prepared) -> Prepared:
    """What goes back to the main process: no raw sheets, no ballot rows (their 票号 only,
    for 报送情况's count); the tally stays."""
    tables = {s: replace(t, raw=()) for s, t in p.tables.items()}
    ballots = p.ballots
    if ballots is not None:
        t = tables[C.BALLOTS]
        t = replace(t, records=tuple((r, {"票号": rec["票号"]}) for r, rec in t.records))
        tables[C.BALLOTS] = t
        ballots = replace(ballots, table=t, rows={}, votes={})
    roster = p.roster
    if roster is not None:
        roster = replace(roster, table=replace(roster.table, raw=()))
    return replace(p, tables=tables, ballots=ballots, roster=roster)


def branch_stage(task: BranchTask) -> BranchOutcome:
    """Read, locate, prepare and check one branch's files (see the module docstring)."""
    intake = scan(task.inbox, task.campaign, task.known, files=task.files, homes=task.homes)
    if task.branch is None:
        return BranchOutcome(tuple(intake.files), tuple(intake.issues), (), {}, None)
    inputs, found = assemble(intake, task.roster, task.campaign, only=[task.branch],
                             homes=task.homes)
    prepared = prepare(inputs[0], task.campaign)
    issues = [*intake.issues, *found, *check_branch(prepared, task.campaign)]
    counts = accounting(intake, inputs, issues)
    view = compact(prepared.without(dropped_rows(issues)))
    return BranchOutcome(tuple(intake.files), tuple(issues), tuple(counts), first_sent(intake),
                         view)


def run(tasks: Sequence[BranchTask], n: int,
        progress: Callable[[str], None] | None = None) -> list[BranchOutcome]:
    """Every task's outcome, in task order; `n` processes (forked: the workers inherit the
    imported pipeline), results streamed back as they finish in order."""
    out: list[BranchOutcome] = []
    with ProcessPoolExecutor(max_workers=n, mp_context=get_context("fork")) as pool:
        for task, outcome in zip(tasks, pool.map(branch_stage, tasks, chunksize=4)):
            out.append(outcome)
            if progress is not None:
                progress(f"已校验 {task.branch or '未识别的文件'}")
    return out
