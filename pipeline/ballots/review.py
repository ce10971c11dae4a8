"""The review cycle: earlier 复核结论 in → scan → counts and the 扫描计票 workbooks out.

A person decides each uncertain mark in 扫描复核; the next run reads those decisions from the
workbook it is about to replace, applies them by mark id and rewrites the counts. Marks still
undecided stay 待复核 (the core reports R-S1 while any is pending).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ballots.decide import ABSTAIN, INVALID
from pipeline.ballots.scan import ScanOutcome, scan
from pipeline.ballots.settings import ballot_settings
from pipeline.ballots.workbook import Earlier, Totals, build, file_name, read_decisions
from pipeline.config import Campaign
from pipeline.people import Roster


@dataclass
class Written:
    outcome: ScanOutcome
    paths: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def entitled(roster: Roster, branch: str) -> int:
    """Members who may vote: 正式 and 预备党员 not marked absent in the roster."""
    return sum(1 for m in roster.of_branch(branch) if m.present)


def issued_for(branch: str, campaign: Campaign, roster: Roster,
               given: dict[str, int]) -> Totals:
    """发出票数: --issued, else [ballots].issued in the config, else the entitled members."""
    if branch in given:
        return Totals(given[branch], f" {given[branch]} 张（命令行 --issued）")
    configured = ballot_settings(campaign).issued
    if branch in configured:
        return Totals(configured[branch], f" {configured[branch]} 张（配置 ballots.issued）")
    n = entitled(roster, branch)
    return Totals(n, f"按名册中有表决权的党员计为 {n} 张（未另行填写；可用 --issued 指定实发张数）")


def _earlier(inbox: Path, roster: Roster, campaign: Campaign,
             notices: list[str]) -> dict[str, Earlier]:
    valid = {*campaign.grades, ABSTAIN, INVALID}
    out = {}
    for branch in roster.branches:
        path = inbox / file_name(branch)
        try:
            earlier = read_decisions(path)
        except Exception as exc:  # a damaged earlier workbook must not stop the count
            notices.append(f"{path.name}：无法读取上次的复核结论（{exc}），本次不采用")
            continue
        bad = sorted(mid for mid, v in earlier.decisions.items() if v not in valid)
        for mid in bad:
            notices.append(f"{path.name} 扫描复核：编号 {mid} 的复核结论“{earlier.decisions[mid]}”"
                           f"不是 {'/'.join(sorted(valid))} 之一，该标记仍为待复核")
        out[branch] = earlier
    return out


def scan_to_inbox(paths: Sequence[Path], campaign: Campaign, roster: Roster, inbox: Path,
                  issued: dict[str, int] | None = None, workers: int | None = None) -> Written:
    """Scan, apply earlier decisions, write `<支部名>-扫描计票.xlsx` per branch into `inbox`."""
    unknown = sorted(set(issued or {}) - set(roster.branches))
    if unknown:
        raise ValueError(f"--issued 中的支部不在名册中：{'、'.join(unknown)}")
    notices: list[str] = []
    earlier = _earlier(inbox, roster, campaign, notices)
    decisions = {b: e.decisions for b, e in earlier.items()}
    outcome = scan(paths, campaign, roster, decisions, workers)
    written = Written(outcome, notices=notices + outcome.notices)
    inbox.mkdir(parents=True, exist_ok=True)
    for branch, b in outcome.branches.items():
        ids = {m.mark_id for m in b.marks}
        stale = [mid for mid in decisions.get(branch, {}) if mid not in ids]
        if stale:
            written.notices.append(f"{branch}：上次的 {len(stale)} 条复核结论在本次扫描中没有对应的标记"
                                   "（扫描件已更换？），未采用")
        totals = issued_for(branch, campaign, roster, issued or {})
        if b.returned > totals.issued:
            written.notices.append(f"{branch}：收回 {b.returned} 张，多于发出票数 {totals.issued} 张"
                                   "（重复扫描了同一张纸？或发出票数有误）")
        notes = earlier[branch].notes if branch in earlier else {}
        path = inbox / file_name(branch)
        path.write_bytes(build(b, campaign, totals, notes))
        written.paths.append(path)
    return written
