"""Ballots (民主测评 / 计票): R-B1..R-B6. Counting and the rules that decide what is counted
live together in pipeline/tally.py, the single source of tallies; this module registers them.

`check` (what `check_branch` runs) returns every ballot issue from one `tally_branch` call.
The per-rule checks give the same issues for one rule id; each names the function of
pipeline.tally that implements the rule on the 民主测评 sheet (`implementation`); the 计票
sheet's issues of that id come from `tally.hand_count`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline import tally as T
from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.model import BranchInput


def check(b: BranchInput, campaign: Campaign) -> list[Issue]:
    """Every R-B issue of the branch (民主测评 or 计票), as `tally_branch` finds them."""
    return T.tally_branch(b, campaign)[1]


def _rule(rule: str, implementation: Callable[..., Any]) -> Callable[..., list[Issue]]:
    def run(b: BranchInput, campaign: Campaign) -> list[Issue]:
        return [i for i in check(b, campaign) if i.rule == rule]

    run.__name__ = implementation.__name__
    run.__doc__ = implementation.__doc__
    run.implementation = implementation  # type: ignore[attr-defined]
    return run


RULE_CHECKS = (
    ("R-B1", _rule("R-B1", T.vote_values)),
    ("R-B2", _rule("R-B2", T.ballot_count)),
    ("R-B3", _rule("R-B3", T.ballot_columns)),
    ("R-B4", _rule("R-B4", T.blank_ballots)),
    ("R-B5", _rule("R-B5", T.ballot_numbers)),
    ("R-B6", _rule("R-B6", T.voter_identity)),
)
