"""Merged cells inside a data area (R-F3): after a merge only the top-left cell holds the
value, so the other cells read as blank — votes merged over five ballots were counted as
弃权 without a word (issue #10, case 5). Each such range is an error at its cells; nothing
is spread or guessed."""

from __future__ import annotations

from pipeline.issues import issue
from pipeline.read.intake import Intake
from pipeline.read.table import Header, col_letter


def report_merged_data(intake: Intake) -> None:
    """R-F3 for every merged range that reaches below the header of a used sheet."""
    for branch, sheets in intake.sheets.items():
        for name, placed in sheets.items():
            header = placed.header
            if not isinstance(header, Header):
                continue
            for (r0, c0), (r1, c1) in sorted(placed.sheet.merged):
                if r1 <= header.row or (r0 == r1 and c0 == c1):
                    continue
                cells = f"{col_letter(c0)}{r0 + 1}:{col_letter(c1)}{r1 + 1}"
                size = (f"跨 {r1 - r0 + 1} 行" if c0 == c1 else f"跨 {c1 - c0 + 1} 列"
                        if r0 == r1 else f"跨 {r1 - r0 + 1} 行 {c1 - c0 + 1} 列")
                intake.issues.append(issue(
                    "R-F3", "error",
                    f"{cells} 是合并单元格（{size}）：合并后只有左上角的单元格有值，其余单元格"
                    "读作空白（测评计为弃权，其他表计为未填）；请取消合并，在每个单元格中分别填写",
                    branch=branch, file=placed.file.name, sheet=name, cell=cells,
                    found=f"合并单元格 {cells}", expected="每个单元格单独填写"))
