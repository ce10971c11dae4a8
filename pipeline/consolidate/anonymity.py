"""R-B6 for what leaves the office: ballot-row issues without the ballot's place or 票号.

The office's own report (terminal, `validate --report`) names the cell, so a branch can fix
its entry. The filing goes upward: there a ballot's row or 票号 could be tied to a voter
(entry order often follows seating), so issues on ballot rows keep only the member column
and the value found, and their text says what, not where.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline import contract as C
from pipeline.issues import Issue, sort_key

# Rules whose ballot-row message or value names the 票号 or another row: neutral text instead.
NEUTRAL: dict[str, str] = {
    "R-B4": "有一张整张空白的测评票，已计为空白票（对每名测评对象计弃权）",
    "R-B5": "有票号重复或缺少票号的测评票，未计票；请支部核对后重新报送",
    "R-B6": "票号使用了党员姓名；民主测评为无记名投票，票号应为编号",
}


def _column(cell: str) -> str:
    return "".join(ch for ch in cell if ch.isalpha())


def redact_ballot_rows(issues: list[Issue]) -> list[Issue]:
    """Issues for the filing: ballot-row issues lose row, 票号 and ballot order."""
    out: list[Issue] = []
    for i in issues:
        if i.sheet != C.BALLOTS or i.row <= 0:
            out.append(i)
        elif i.rule in NEUTRAL:
            out.append(replace(i, cell="", row=0, found="", message=NEUTRAL[i.rule]))
        else:  # a vote cell: the member's column and the value, not the ballot
            out.append(replace(i, cell=_column(i.cell), row=0))
    return sorted(out, key=sort_key)
