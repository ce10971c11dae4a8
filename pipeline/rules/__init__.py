"""Value rules of SPEC §3–§6: pure checks on prepared branches that yield Issues (no I/O).

`check_branch` runs every family on one prepared workbook (a 支部's or the 党总支's) in a fixed
order: R-F6 template leftovers (found while preparing; their rows are already out), then
people, talks, problems, ballots, grading, rectification, meetings, and the §6 flags.
`check_across` runs the rules that need several workbooks (list[Prepared]). `CHECKS` maps every
rule id to the functions implementing it; R-F1..R-F5 are structural (`STRUCTURAL`) and run
before these rules, on files rather than values.

Severity: error = the value cannot be used; warning = a process rule is not met. An issue
with dropped=True means its row is not used in the filing (`dropped_rows`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from pipeline.config import Campaign
from pipeline.issues import Issue
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
from pipeline.sheets.prepare import Prepared

# Structural rules (files, sheets, columns, versions): implemented where files are read.
STRUCTURAL: dict[str, tuple[str, ...]] = {
    rule: ("pipeline/read/inbox.py", "pipeline/read/placing.py", "pipeline/read/newest.py",
           "pipeline/read/branches.py")
    for rule in ("R-F1", "R-F2", "R-F3", "R-F4", "R-F5")
}

FAMILIES = (files, people, talks, problems, ballots, grading, rectification, meetings, flags)

Across = Callable[[list[Prepared], Campaign], Iterable[Issue]]
# Rules that need several workbooks (run by check_across), in order.
ACROSS: tuple[tuple[str, Across], ...] = (*meetings.ACROSS_CHECKS, *grading.ACROSS_CHECKS)

CHECKS: dict[str, list[Callable[..., Iterable[Issue]]]] = defaultdict(list)
for _rule, _fn in [pair for f in FAMILIES for pair in f.RULE_CHECKS] + list(ACROSS):
    CHECKS[_rule].append(_fn)
CHECKS = dict(CHECKS)


def _family_checks(family: object) -> list[Check]:
    return [fn for _, fn in family.RULE_CHECKS]  # type: ignore[attr-defined]


def check_branch(p: Prepared, campaign: Campaign) -> list[Issue]:
    """Every value issue of one workbook, in a fixed order (family by family, rule by rule,
    row by row), each once."""
    found: list[Issue] = []
    for family in FAMILIES:
        if family is ballots:  # one pass over the ballots gives every R-B issue
            found += ballots.check(p, campaign)
            found += ballots.pending_marks(p, campaign)
            continue
        for fn in _family_checks(family):
            found += fn(p, campaign)
    return list(dict.fromkeys(found))


def check_across(branches: list[Prepared], campaign: Campaign) -> list[Issue]:
    """Rules that need several workbooks: 支委会 before the 总支委员会 (R-M1), a 总支委员 graded
    once in their own branch (R-G1)."""
    return list(dict.fromkeys(i for _, fn in ACROSS for i in fn(branches, campaign)))


__all__ = ["CHECKS", "STRUCTURAL", "check_across", "check_branch"]
