"""Value rules of SPEC §3–§6: small pure functions that yield Issues (no I/O).

`check_branch` runs every family on one workbook (a 支部's or the 党总支's) in a fixed order:
R-F6 template leftovers first — their rows are then removed, so no other rule sees them —
then people, talks, problems, ballots, grading, rectification, meetings, and the §6 flags.
`check_across` runs the rules that need several workbooks. `CHECKS` maps every rule id to
the functions implementing it; R-F1..R-F5 are structural (`STRUCTURAL`: pipeline/inbox.py,
pipeline/run.py) and run before these rules, on files rather than values.

Severity: error = the value cannot be used; warning = a process rule is not met. An issue
with dropped=True means its row is not used in the filing (`dropped_rows`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.model import BranchInput
from pipeline.rules import (
    ballots,
    files,
    flags,
    grading,
    meetings,
    people,
    problems,
    rectification,
    talks,
)
from pipeline.rules._common import Check
from pipeline.tally import shared_work

# Structural rules (files, sheets, columns, versions): implemented where files are read.
STRUCTURAL: dict[str, tuple[str, ...]] = {
    rule: ("pipeline/inbox.py", "pipeline/run.py")
    for rule in ("R-F1", "R-F2", "R-F3", "R-F4", "R-F5")
}
# The review family needs the office's review workbook, not a branch workbook.
STRUCTURAL.update({rule: ("pipeline/followup/review_rules.py",)
                   for rule in ("R-V1", "R-V2", "R-V3")})


FAMILIES = (files, people, talks, problems, ballots, grading, rectification, meetings, flags)

Across = Callable[[list[BranchInput], Campaign], Iterable[Issue]]
# Rules that need several workbooks (run by check_across), in order.
ACROSS: tuple[tuple[str, Across], ...] = (*meetings.ACROSS_CHECKS, *grading.ACROSS_CHECKS)

CHECKS: dict[str, list[Callable[..., Iterable[Issue]]]] = defaultdict(list)
for _rule, _fn in [pair for f in FAMILIES for pair in f.RULE_CHECKS] + list(ACROSS):
    CHECKS[_rule].append(_fn)
CHECKS = dict(CHECKS)


def _family_checks(family: object) -> list[Check]:
    return [fn for _, fn in family.RULE_CHECKS]  # type: ignore[attr-defined]


def _unique(found: Iterable[Issue]) -> list[Issue]:
    return list(dict.fromkeys(found))


# Inside one_run(): branch identity → (branch, campaign, its R-F6 issues, the branch without
# those rows), so check_across reuses what check_branch found for the same BranchInput.
_STRIPPED: ContextVar[dict[int, tuple[BranchInput, Campaign, list[Issue], BranchInput]] | None] = (
    ContextVar("orglife_stripped", default=None))


@contextmanager
def one_run() -> Iterator[None]:
    """One validation run: check_branch and check_across called on the same BranchInput objects
    inside it find its template leftovers (R-F6) once. The inputs must not change meanwhile."""
    if _STRIPPED.get() is not None:
        yield
        return
    token = _STRIPPED.set({})
    try:
        yield
    finally:
        _STRIPPED.reset(token)


def _without_leftovers(b: BranchInput, campaign: Campaign) -> tuple[list[Issue], BranchInput]:
    """R-F6 issues of `b` and `b` without their rows (kept for the run inside one_run())."""
    kept = _STRIPPED.get()
    hit = kept.get(id(b)) if kept is not None else None
    if hit is not None and hit[0] is b and hit[1] is campaign:
        return hit[2], hit[3]
    leftovers = list(files.template_leftovers(b, campaign))
    clean = files.strip_leftovers(b, leftovers)
    if kept is not None:
        kept[id(b)] = (b, campaign, leftovers, clean)
    return leftovers, clean


def check_branch(b: BranchInput, campaign: Campaign) -> list[Issue]:
    """Every value issue of one workbook, in a fixed order (family by family, rule by rule,
    row by row)."""
    with shared_work():
        leftovers, clean = _without_leftovers(b, campaign)
        found: list[Issue] = [*leftovers]
        for family in FAMILIES[1:]:
            if family is ballots:
                found += ballots.check(clean, campaign)
                continue
            for fn in _family_checks(family):
                found += fn(clean, campaign)
    return _unique(found)


def check_across(branches: list[BranchInput], campaign: Campaign) -> list[Issue]:
    """Rules that need several workbooks: 支委会 before the 总支委员会 (R-M1), a 总支委员 graded
    once in their own branch (R-G1)."""
    with shared_work():
        clean = [_without_leftovers(b, campaign)[1] for b in branches]
        return _unique(i for _, fn in ACROSS for i in fn(clean, campaign))


def dropped_rows(found: Iterable[Issue]) -> dict[tuple[str, str, str], set[int]]:
    """(branch, file, sheet) → Excel rows an issue dropped: they are not used in the filing."""
    rows: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for i in found:
        if i.dropped and i.row:
            rows[(i.branch, i.file, i.sheet)].add(i.row)
    return dict(rows)


__all__ = ["CHECKS", "STRUCTURAL", "check_across", "check_branch", "dropped_rows", "one_run"]
