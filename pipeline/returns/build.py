"""Return packages (退回修改, SPEC §9) from a validation: per branch with something to fix or
still to send, the marked-up copy of its own workbook and the notice; one summary.

    returns = build_returns(validation, campaign, roster, as_of)  # values, nothing written
    paths = write_returns(returns, out_dir)                        # the files
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from pipeline import contract as C
from pipeline.app import Validation
from pipeline.config import Campaign
from pipeline.people import Roster
from pipeline.returns.checklist import add_checklist
from pipeline.returns.data import TEMPLATE_HEADER_ROW, put_sheets
from pipeline.returns.markup import Located, locate, mark
from pipeline.returns.notice import NOTICE_SUFFIX, PACKAGE_SUFFIX, SUMMARY_NAME, notice, summary
from pipeline.returns.package import BranchReturn, fix_by, plan, template_branch
from pipeline.returns.write import atomic_write, remove_stale, save_bytes, text_bytes
from pipeline.write.templates import build_workbook


@dataclass
class Package:
    """One branch's return: the copy's bytes, the notice, the issues as placed in the copy."""

    ret: BranchReturn
    workbook: bytes
    notice: str
    located: list[Located]
    marked: int  # cells highlighted

    @property
    def stem(self) -> str:
        return safe_stem(self.ret.branch)


@dataclass
class Returns:
    as_of: dt.date
    due: dt.date
    branches: list[BranchReturn]
    packages: list[Package] = field(default_factory=list)
    summary: str = ""


def safe_stem(branch: str) -> str:
    """A file-name stem: characters Windows forbids replaced (as the template writer does)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", branch).strip(" .") or "_"


def ballot_headers(wb: openpyxl.Workbook) -> dict[str, str]:
    """民主测评 column letter → header text of the copy (the member's name)."""
    if C.BALLOTS not in wb.sheetnames:
        return {}
    ws = wb[C.BALLOTS]
    return {c.column_letter: str(c.value) for c in ws[TEMPLATE_HEADER_ROW]
            if c.value is not None}


def build_package(ret: BranchReturn, campaign: Campaign, roster: Roster, as_of: dt.date,
                  due: dt.date, saved: dt.datetime) -> Package:
    """The branch's current data in a fresh copy of its template, marked, with 修改清单."""
    template = build_workbook(campaign, roster, template_branch(ret))
    wb = openpyxl.load_workbook(io.BytesIO(template))
    placements = put_sheets(wb, {s: src.raw for s, src in ret.sheets.items()})
    located = locate(ret.issues, ret.sheets, placements, wb.sheetnames)
    marked = mark(wb, located)
    columns = ballot_headers(wb)
    add_checklist(wb, ret, located, as_of, due)
    # Comments print at the end of each sheet, so a printed copy carries them too.
    for ws in wb.worksheets:
        ws.page_setup.cellComments = "atEnd"
    # Newer than every file it was built from, so a copy sent back unchanged wins (R-F4).
    wb.properties.modified = saved.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.lastModifiedBy = C.GENERAL_BRANCH
    name = f"{safe_stem(ret.branch)}{PACKAGE_SUFFIX}"
    text = notice(ret, located, columns, campaign, as_of, due, name)
    return Package(ret, save_bytes(wb), text, located, marked)


def build_returns(validation: Validation, campaign: Campaign, roster: Roster, as_of: dt.date,
                  saved: dt.datetime | None = None) -> Returns:
    """Plan every branch and build the packages of those with something to fix or to send.
    `saved`: the copies' saved time (default now)."""
    saved = saved or dt.datetime.now(dt.UTC)
    due = fix_by(campaign, as_of)
    branches = plan(validation, campaign, as_of)
    result = Returns(as_of, due, branches)
    result.packages = [build_package(r, campaign, roster, as_of, due, saved)
                       for r in branches if r.needs_package]
    result.summary = summary(branches, campaign, as_of, due)
    return result


def write_returns(returns: Returns, out_dir: Path) -> list[Path]:
    """Write every package, notice and 退回汇总.txt into `out_dir`; returns the paths."""
    paths: list[Path] = []
    for p in returns.packages:
        paths.append(atomic_write(out_dir / f"{p.stem}{PACKAGE_SUFFIX}", p.workbook))
        paths.append(atomic_write(out_dir / f"{p.stem}{NOTICE_SUFFIX}", text_bytes(p.notice)))
    paths.append(atomic_write(out_dir / SUMMARY_NAME, text_bytes(returns.summary)))
    remove_stale(out_dir, paths)
    return paths
