"""Which branches get a return package (退回修改, SPEC §9) and what goes into each.

A branch gets a package for an error, a warning, or a stage past its deadline and not sent
(逾期未报送, what `orglife status` chases); a stage not yet due is shown in the package but is
never by itself a reason to send one.

Input (CONTRACTS Seam 6): what validation returned — each branch's winning raw sheets, the
unredacted issues, the stage status — and the template of the branch. Nothing is validated
again here. The raw sheets are in a serial validation only (app.validate(..., workers=1)):
the process pool leaves the workbooks in its workers. A package holds only its own branch's sheets and issues (the 民主测评 sheet travels
back only to its own branch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline import contract as C
from pipeline.app import Validation
from pipeline.config import Campaign
from pipeline.consolidate.stages import stage_detail
from pipeline.issues import Issue
from pipeline.read import RawSheet

NEEDS_FIX = "需修改"
NOT_SENT = "缺报"
PASSED = "已通过"
DEFAULT_FIX_DAYS = 3


class ReturnsError(Exception):
    """A setting of the [returns] table is unusable; args[0] is a Chinese reason."""


@dataclass(frozen=True)
class Gap:
    """A stage of the timeline whose sheet has not arrived (未报送 / 逾期未报送)."""

    stage: str
    sheets: str  # e.g. 民主测评/计票
    status: str
    deadline: dt.date


@dataclass(frozen=True)
class Late:
    """A stage whose sheet arrived after its deadline (逾期报送)."""

    stage: str
    sheet: str
    deadline: dt.date
    arrived: dt.datetime | None


@dataclass(frozen=True)
class Source:
    """A winning sheet: the inbox file it came from and its raw rows."""

    file: str
    raw: RawSheet


@dataclass
class BranchReturn:
    """One branch (or the 党总支's own workbook) as it goes back."""

    branch: str
    general: bool
    issues: list[Issue] = field(default_factory=list)  # this branch's, unredacted
    sheets: dict[str, Source] = field(default_factory=dict)  # contract sheet → winning copy
    gaps: list[Gap] = field(default_factory=list)  # not arrived: overdue and not yet due
    late: list[Late] = field(default_factory=list)

    @property
    def overdue(self) -> list[Gap]:
        """Stages past their deadline and not sent (逾期未报送): what `status` chases."""
        return [g for g in self.gaps if g.status == C.OVERDUE]

    @property
    def pending(self) -> list[Gap]:
        """Stages not sent and not yet due (未报送): shown, never a reason to send back."""
        return [g for g in self.gaps if g.status != C.OVERDUE]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def state(self) -> str:
        if self.issues:
            return NEEDS_FIX
        return NOT_SENT if self.overdue else PASSED

    @property
    def needs_package(self) -> bool:
        return self.state != PASSED


@dataclass(frozen=True)
class Settings:
    """[returns] in campaign.toml."""

    fix_days: int = DEFAULT_FIX_DAYS  # days after --as-of to send the corrected workbook back


def settings(campaign: Campaign) -> Settings:
    table: Any = campaign.raw.get("returns", {})
    if not isinstance(table, dict):
        raise ReturnsError("[returns] 应为一个表，如 fix_days = 3")
    days = table.get("fix_days", DEFAULT_FIX_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
        raise ReturnsError(f"[returns] fix_days 应为 0 到 365 之间的整数（天），现为 {days!r}")
    return Settings(fix_days=days)


def fix_by(campaign: Campaign, as_of: dt.date) -> dt.date:
    """The date the corrected workbook is due back."""
    return as_of + dt.timedelta(days=settings(campaign).fix_days)


def plan(validation: Validation, campaign: Campaign, as_of: dt.date) -> list[BranchReturn]:
    """Every branch of the validation, in its order (roster order, then 党总支)."""
    intake = validation.intake
    if intake is None:  # validated in the process pool: the raw sheets stayed in the workers
        raise ValueError("returns needs the raw sheets: validate with workers=1")
    detail = stage_detail(validation.branches, campaign, as_of, first=validation.first)
    out: list[BranchReturn] = []
    by_branch: dict[str, list[Issue]] = {}
    for i in validation.report.issues:
        by_branch.setdefault(i.branch, []).append(i)
    for b in validation.branches:
        won = intake.sheets.get(b.branch, {})
        ret = BranchReturn(
            branch=b.branch, general=b.general,
            issues=_ordered(by_branch.get(b.branch, [])),
            sheets={sheet: Source(p.file.name, p.sheet) for sheet, p in won.items()})
        for rec in detail[detail["支部"] == b.branch].to_dict("records"):
            if rec["状态"] in (C.MISSING, C.OVERDUE):
                ret.gaps.append(Gap(rec["阶段"], rec["工作表"], rec["状态"], rec["截止日期"]))
            elif rec["状态"] == C.RECEIVED_LATE:
                arrived = rec.get("首次报送")
                ret.late.append(Late(rec["阶段"], rec["工作表"], rec["截止日期"],
                                     arrived if isinstance(arrived, dt.datetime) else None))
        out.append(ret)
    return out


def _ordered(issues: Sequence[Issue]) -> list[Issue]:
    """Errors first, then warnings; inside each, the report's order (file, sheet, cell)."""
    return sorted(issues, key=lambda i: 0 if i.severity == "error" else 1)


def template_branch(ret: BranchReturn) -> str | None:
    """The template writer's branch argument: the name, or None for the 党总支's own."""
    return None if ret.general or ret.branch == C.GENERAL_BRANCH else ret.branch
