"""R-B6 for what leaves the office: ballot-row issues without the ballot's place or 票号.

The office's own report (terminal, `validate --report`) names the cell, so a branch can fix
its entry. The filing goes upward: there a ballot's row or 票号 could be tied to a voter
(entry order often follows seating), so issues on ballot rows keep only the member column
and how many ballots, and their text says what, not where nor which values.
"""

from __future__ import annotations

import re
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


# The member a vote-cell message is about: "对 王芳 的测评…" (R-B1), "王芳 是预备党员…" (R-B3),
# "王芳 缺席民主评议…" (R-P3).
_MEMBER = re.compile(r"^(?:对 )?(\S+?) (?:的测评|是|不是|不在|缺席)")
# What a group of vote-cell issues says, per rule, without any one ballot's value.
_GROUPED: dict[str, str] = {
    "R-B1": "的测评不是有效等次，这些票对该党员计为无效",
    "R-B3": "填了测评，但该党员不是测评对象（或不在本支部名册中），不计票",
    "R-P3": "填了测评，但该党员缺席民主评议，其测评列应为空",
}


def redact_ballot_rows(issues: list[Issue]) -> list[Issue]:
    """Issues for the filing: ballot-row issues lose row, 票号 and ballot order, and the
    vote-cell issues of one member column become one issue saying how many ballots: values
    listed cell by cell would rebuild a ballot (a slip typed on every vote of one ballot gave
    34 lines that read as that ballot: issue #10, case 12)."""
    out: list[Issue] = []
    groups: dict[tuple[str, str, str, str, str, str], list[Issue]] = {}
    for i in issues:
        if i.sheet != C.BALLOTS or i.row <= 0:
            out.append(i)
        elif i.rule in NEUTRAL:
            out.append(replace(i, cell="", row=0, found="", message=NEUTRAL[i.rule]))
        else:  # a vote cell: the member's column and how many ballots, never the values
            key = (i.branch, i.file, i.rule, i.severity, _column(i.cell), _member_of(i))
            groups.setdefault(key, []).append(i)
    for (_b, _f, rule, _s, column, name), members in groups.items():
        first = members[0]
        who = f"测评对象 {name}" if name else "该列"
        what = _GROUPED.get(rule, "的测评有问题")
        out.append(replace(
            first, cell=column, row=0, found=f"{len(members)} 张票",
            message=f"{column}列（{who}）有 {len(members)} 张票{what}；"
                    "为保护无记名投票，备案中只报告张数，请支部核对后重新报送"))
    return sorted(out, key=sort_key)


def _member_of(i: Issue) -> str:
    m = _MEMBER.match(i.message)
    return m.group(1) if m else ""
