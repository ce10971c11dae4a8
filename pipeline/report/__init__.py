"""The outputs of consolidate: the 备案 that goes up, the office's 工作底稿, the 总结 draft."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Campaign
from pipeline.model import Filing, Report
from pipeline.report.beian import build_beian
from pipeline.report.outputs import Outputs, output_paths
from pipeline.report.statistics import Statistics, statistics
from pipeline.report.summary_docx import write_summary
from pipeline.write.atomic import atomic_write
from pipeline.write.filing import write_filing

__all__ = ["Outputs", "Statistics", "output_paths", "statistics", "write_beian",
           "write_outputs"]


def write_beian(filing: Filing, campaign: Campaign, path: Path,
                stats: Statistics | None = None) -> None:
    """Write the 备案 (what goes up) to `path`."""
    stats = stats or statistics(filing, campaign)
    atomic_write(path, lambda wb: build_beian(wb, filing, stats, campaign), campaign,
                 f"{filing.title} 备案")


def write_outputs(filing: Filing, report: Report, campaign: Campaign, target: Path,
                  workpaper: bool = True) -> list[Path]:
    """备案, 工作底稿 and 总结 for `target` (a folder, or the 备案's .xlsx path): the paths
    written, 备案 first. The figures of 备案 and 总结 are counted once (statistics).
    workpaper=False: the caller has written the 工作底稿 already (app.consolidate does)."""
    out = output_paths(campaign, target)
    stats = statistics(filing, campaign)
    write_beian(filing, campaign, out.filing, stats)
    if workpaper:
        write_filing(filing, report, campaign, out.workpaper)
    write_summary(filing, stats, campaign, out.summary)
    return out.all() if workpaper else [out.filing, out.summary]
