"""The demo: a synthetic office roster (workbooks/roster.xlsx) and a filled inbox (workbooks/inbox/).

    python -m demo [--config FILE] [--seed N] [--inbox DIR] [--no-xls]

Deterministic: the same seed gives the same bytes in every .xlsx (fixed document times,
seeded random.Random, no wall clock). The one .xls is converted by LibreOffice, whose output
is not byte-stable; it is rewritten only when its content differs from the branch's filled
workbook.

The inbox is filled the way branches fill and send their workbooks: one branch saved as .xls
by LibreOffice/WPS, one rearranged columns (and added a 备注 column), one sent its file twice
(the second corrects a grade), and two process slips that are warnings, not errors: a talk
after the talks deadline and a missing 必谈 pair.

Branches send in stages, as the seed's timeline asks: the final files (saved in April) lie at
the top of the inbox; the earlier sends lie in dated subfolders, as the office saves each day's
e-mail attachments (`inbox/2017-03-20/第一支部.xlsx`, the folder named by the Beijing date the
workbook was saved). An earlier send is the same scenario with fewer sheets filled in (the
others untouched template) and only what had happened by then (demo.scenario.as_sent):
  1. 谈心谈话 by 3/20;  2. + 问题清单 between 3/22 and 3/24;
  3. + 民主测评, 会议情况 and the attendance in 党员名册 on the evening of the 3/31 meeting
     (the 党总支: + 会议情况 after its 总支委员会 on 3/30);
  4. the final file: + 组织评定 and 整改清单, by 4/14.
第四支部 is a little late: its 问题清单 first arrives with its 3/31 send (after 3/24), so
`orglife status --as-of 2017-03-25` has it to chase and the filing shows 问题清单 逾期报送.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo.fill import fill_workbook
from demo.records import NOTE, Absence, Plan, Scenario
from demo.roster import SAME_NAME, branch_members, roster_bytes, roster_rank
from demo.scenario import (
    add_late_talk,
    as_sent,
    drop_talks_between,
    local_day,
    make_scenario,
    with_grade,
)
from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.normalize import clean_text
from pipeline.people import Member, Roster
from pipeline.read import UnreadableFile, read_bytes, read_path
from pipeline.read.roster import load_roster

DEFAULT_SEED = 2017


class DemoError(Exception):
    """The demo cannot be written (LibreOffice missing or failing); args[0] in Chinese."""
Builder = Callable[[Campaign, Roster, "str | None"], bytes]

# --- synthetic names ------------------------------------------------------------------------

DEMO_BRANCHES = (("第一支部", 34, 3), ("第二支部", 41, 4), ("第三支部", 28, 3), ("第四支部", 37, 4))
SAVED = {  # docProps modified of each file sent (UTC as stored by Excel)
    "第一支部": dt.datetime(2017, 4, 12, 9, 5),
    "第二支部": dt.datetime(2017, 4, 13, 1, 30),
    "第三支部": dt.datetime(2017, 4, 11, 2, 20),  # first send, with a mistyped grade
    "第三支部（修改版）": dt.datetime(2017, 4, 13, 7, 40),
    "第四支部": dt.datetime(2017, 4, 14, 3, 15),
    C.GENERAL_BRANCH: dt.datetime(2017, 4, 14, 8, 0),
}


@dataclass(frozen=True)
class Send:
    """An earlier e-mail of a branch: when its workbook was saved and which sheets it had
    filled in by then (the others still untouched template)."""

    saved: dt.datetime  # docProps modified (UTC as stored by Excel); the file's mtime too
    sheets: tuple[str, ...]

    @property
    def folder(self) -> str:
        """The inbox subfolder the office saved it in: the (Beijing) date, 2017-03-20."""
        return local_day(self.saved).isoformat()


TALKS_SENT = (C.TALKS,)
PROBLEMS_SENT = (C.TALKS, C.PROBLEMS)
MEETING_SENT = (C.ROSTER, C.TALKS, C.PROBLEMS, C.BALLOTS, C.MEETINGS)  # after the 3/31 meeting
GENERAL_MEETINGS_SENT = (C.TALKS, C.PROBLEMS, C.MEETINGS)  # after the 总支委员会 (3/30)
EARLIER_SENDS: dict[str, tuple[Send, ...]] = {  # before the final files of SAVED (Beijing = +8h)
    "第一支部": (Send(dt.datetime(2017, 3, 20, 7, 40), TALKS_SENT),  # 3/20 15:40
                 Send(dt.datetime(2017, 3, 23, 8, 15), PROBLEMS_SENT),  # 3/23 16:15
                 Send(dt.datetime(2017, 3, 31, 12, 30), MEETING_SENT)),  # 3/31 20:30
    "第二支部": (Send(dt.datetime(2017, 3, 20, 9, 10), TALKS_SENT),  # 3/20 17:10
                 Send(dt.datetime(2017, 3, 24, 6, 45), PROBLEMS_SENT),  # + the late talk of 3/22
                 Send(dt.datetime(2017, 3, 31, 13, 5), MEETING_SENT)),  # 3/31 21:05
    "第三支部": (Send(dt.datetime(2017, 3, 20, 2, 50), TALKS_SENT),  # 3/20 10:50
                 Send(dt.datetime(2017, 3, 22, 3, 20), PROBLEMS_SENT),  # 3/22 11:20
                 Send(dt.datetime(2017, 3, 31, 11, 45), MEETING_SENT)),  # 3/31 19:45
    "第四支部": (Send(dt.datetime(2017, 3, 20, 10, 0), TALKS_SENT),  # 3/20 18:00
                 Send(dt.datetime(2017, 3, 31, 14, 10), MEETING_SENT)),  # 问题清单 late: 3/31 22:10
    C.GENERAL_BRANCH: (Send(dt.datetime(2017, 3, 20, 8, 30), TALKS_SENT),  # 3/20 16:30
                       Send(dt.datetime(2017, 3, 24, 7, 30), PROBLEMS_SENT),  # 3/24 15:30
                       Send(dt.datetime(2017, 3, 30, 10, 0), GENERAL_MEETINGS_SENT)),  # 3/30 18:00
}
LATE_BRANCH = "第四支部"  # its 问题清单 first arrives on 3/31, after the 3/24 deadline
DATED_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")
XLS_BRANCH = "第二支部"
REORDERED_BRANCH = "第四支部"
TWICE_BRANCH = "第三支部"
CORRECTED_SUFFIX = "（修改版）"
MISTYPED_GRADE = "良好"
COLUMN_ORDER = {  # how 第四支部 rearranged two sheets (and added a 备注 column)
    C.TALKS: ("日期", "谈话人", "谈话对象", "形式", "主要内容", NOTE),
    C.RECTIFY: ("编号", "对象", "对应问题编号", "整改事项", "责任人", "整改措施", "完成时限",
                "完成情况"),
}


def _ordinary(members: Sequence[Member], used: set[str]) -> list[Member]:
    return [m for m in members if not m.roles and m.full and not m.leading_cadre
            and m.name not in used]


def demo_members(campaign: Campaign, seed: int = DEFAULT_SEED) -> list[Member]:
    """The demo roster: four branches with every feature the pipeline must handle."""
    rng = random.Random(f"orglife-demo/{seed}")
    taken: set[str] = {SAME_NAME, f"{SAME_NAME}(2)"}
    branches: dict[str, list[Member]] = {}
    for branch, size, committee in DEMO_BRANCHES:
        branches[branch] = branch_members(rng, branch, size, taken, committee,
                                          campaign.groups_per_branch)

    def change(branch: str, who: str, **kw: Any) -> None:
        branches[branch] = [dataclasses.replace(m, **kw) if m.name == who else m
                            for m in branches[branch]]

    def secretary(branch: str) -> Member:
        return next(m for m in branches[branch] if m.secretary)

    used: set[str] = set()
    one, two, three, four = (b for b, _, _ in DEMO_BRANCHES)
    # 第一支部: the 总支书记 (a leading cadre who attended the 民主生活会: exempt)
    gs = rng.choice(_ordinary(branches[one], used))
    used.add(gs.name)
    change(one, gs.name, roles=(C.GENERAL_SECRETARY,), leading_cadre=True, attended_dlm=True)
    change(one, secretary(one).name, roles=(C.BRANCH_SECRETARY, C.GENERAL_MEMBER))
    # 第二支部: 王伟 and 王伟(2), one in each 党小组; a 支部委员 on the 总支
    for k, group in enumerate(dict.fromkeys(m.group for m in branches[two])):
        pick = rng.choice([m for m in _ordinary(branches[two], used) if m.group == group])
        used.add(pick.name)
        change(two, pick.name, name=SAME_NAME if k == 0 else f"{SAME_NAME}({k + 1})")
    member = next(m for m in branches[two] if m.roles == (C.BRANCH_MEMBER,))
    change(two, member.name, roles=(C.BRANCH_MEMBER, C.GENERAL_MEMBER))
    # 第三支部: the secretary on the 总支; a 副院长 who attended the 民主生活会 (exempt)
    change(three, secretary(three).name, roles=(C.BRANCH_SECRETARY, C.GENERAL_MEMBER))
    cadre = rng.choice(_ordinary(branches[three], used))
    used.add(cadre.name)
    change(three, cadre.name, leading_cadre=True, attended_dlm=True)
    # 第四支部: secretary and an ordinary member on the 总支; a leading cadre who did not
    # attend the 民主生活会 (so he is evaluated like everyone else)
    change(four, secretary(four).name, roles=(C.BRANCH_SECRETARY, C.GENERAL_MEMBER))
    gm = rng.choice(_ordinary(branches[four], used))
    used.add(gm.name)
    change(four, gm.name, roles=(C.GENERAL_MEMBER,))
    lc = rng.choice(_ordinary(branches[four], used))
    used.add(lc.name)
    change(four, lc.name, leading_cadre=True, attended_dlm=False)
    out: list[Member] = []
    for b, _, _ in DEMO_BRANCHES:
        ms = branches[b]
        groups = list(dict.fromkeys(m.group for m in ms))
        out += sorted(ms, key=lambda m: (groups.index(m.group), roster_rank(m), ms.index(m)))
    return out


def demo_plans(campaign: Campaign, roster: Roster, seed: int) -> dict[str, Plan]:
    """The demo's fixed choices per branch: absentees, the blank ballot, the 基本合格."""
    rng = random.Random(f"orglife-demo-plans/{seed}")
    one, two, three, four = (b for b, _, _ in DEMO_BRANCHES)
    meeting = campaign.deadline("member_meeting")

    def pick(branch: str) -> str:
        pool = [m for m in _ordinary(roster.of_branch(branch), set())
                if not m.name.startswith(SAME_NAME)]
        return rng.choice(pool).name

    return {
        one: Plan(absences={pick(one): Absence("出国访学")}, blank_ballots=1, basic=[],
                  saved=SAVED[one]),
        two: Plan(absences={}, blank_ballots=0, basic=[pick(two)], saved=SAVED[two]),
        three: Plan(absences={pick(three): Absence("外出培训", meeting + dt.timedelta(days=7))},
                    blank_ballots=0, basic=[], saved=SAVED[f"{three}{CORRECTED_SUFFIX}"]),
        four: Plan(absences={pick(four): Absence("因病住院")}, blank_ballots=0, basic=[],
                   saved=SAVED[four]),
        C.GENERAL_BRANCH: Plan(saved=SAVED[C.GENERAL_BRANCH]),
    }


# --- writing --------------------------------------------------------------------------------


def _default_builder() -> Builder:
    from pipeline.write.templates import build_workbook

    return build_workbook


@dataclass
class DemoResult:
    roster: Path
    files: list[Path] = field(default_factory=list)
    scenarios: dict[str, Scenario] = field(default_factory=dict)  # the final files, by stem
    # the earlier sends, by path relative to the inbox (2017-03-20/第一支部.xlsx)
    sends: dict[str, Scenario] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _write(path: Path, data: bytes, saved: dt.datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return _touch(path, saved)


def _touch(path: Path, saved: dt.datetime) -> Path:
    stamp = saved.replace(tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))  # the file's time agrees with its saved time
    return path


def demo_scenarios(campaign: Campaign, roster: Roster, seed: int) -> dict[str, Scenario]:
    """Every file's scenario, keyed by the file stem (第三支部 is there twice)."""
    plans = demo_plans(campaign, roster, seed)
    out: dict[str, Scenario] = {}
    for branch in (*roster.branches, C.GENERAL_BRANCH):
        rng = random.Random(f"orglife-demo/{seed}/{branch}")
        out[branch] = make_scenario(campaign, roster, branch, rng, plans[branch])
    two, four = DEMO_BRANCHES[1][0], DEMO_BRANCHES[3][0]
    add_late_talk(out[two], campaign, random.Random(f"orglife-demo-late/{seed}"))
    committee = [m for m in roster.of_branch(four) if m.roles == (C.BRANCH_MEMBER,)]
    drop_talks_between(out[four], committee[0].name, committee[1].name)
    for i, t in enumerate(out[REORDERED_BRANCH].talks):
        if i % 9 == 0:  # the branch's own notes in the column it added
            out[REORDERED_BRANCH].talks[i] = dataclasses.replace(t, note="已记入谈话记录本")
    corrected = out[TWICE_BRANCH]
    first = next(g for g in corrected.gradings if g.grade == campaign.grades[1])
    draft = with_grade(corrected, first.name, MISTYPED_GRADE)
    draft.saved = SAVED[TWICE_BRANCH]
    out[f"{TWICE_BRANCH}{CORRECTED_SUFFIX}"] = corrected
    out[TWICE_BRANCH] = draft
    return out


def generate(campaign: Campaign, seed: int = DEFAULT_SEED, *, roster_path: Path | None = None,
             inbox: Path | None = None, xls: bool = True, refresh_xls: bool = False,
             builder: Builder | None = None) -> DemoResult:
    """Write the roster and the filled inbox; return what was written.

    xls=False skips LibreOffice (an .xls already there is kept, else the .xlsx is written);
    refresh_xls converts again even when the .xls holds the same cell values."""
    roster_path = roster_path or campaign.roster_path or Path("workbooks/roster.xlsx")
    inbox = inbox or roster_path.parent / "inbox"
    members = demo_members(campaign, seed)
    _write(roster_path, roster_bytes(members, campaign),
           dt.datetime.combine(campaign.plan_date or campaign.deadline("self_check"),
                               dt.time(9, 0)))
    roster = load_roster(roster_path, campaign)
    build = builder or _default_builder()
    result = DemoResult(roster=roster_path)
    result.scenarios = demo_scenarios(campaign, roster, seed)
    templates = {b: build(campaign, roster, None if b == C.GENERAL_BRANCH else b)
                 for b in (*roster.branches, C.GENERAL_BRANCH)}
    for stem, scenario in result.scenarios.items():
        order = COLUMN_ORDER if stem == REORDERED_BRANCH else None
        data = fill_workbook(templates[scenario.branch], scenario, order)
        if stem == XLS_BRANCH:
            target = inbox / f"{stem}.xls"
            if xls:
                result.notes.append(_write_xls(data, target, refresh_xls))
                _touch(target, scenario.saved)
            if xls or target.exists():  # --no-xls keeps an .xls already there
                result.files.append(target)
                continue
        result.files.append(_write(inbox / f"{stem}.xlsx", data, scenario.saved))
    for branch, sends in EARLIER_SENDS.items():
        final = result.scenarios[f"{TWICE_BRANCH}{CORRECTED_SUFFIX}" if branch == TWICE_BRANCH
                                 else branch]
        order = COLUMN_ORDER if branch == REORDERED_BRANCH else None
        for send in sends:
            scenario = as_sent(final, send.saved)
            data = fill_workbook(templates[branch], scenario, order, sheets=send.sheets)
            name = f"{send.folder}/{branch}.xlsx"
            result.sends[name] = scenario
            result.files.append(_write(inbox / name, data, send.saved))
    _remove_stale(inbox, set(result.files))
    return result


def _remove_stale(inbox: Path, keep: set[Path]) -> None:
    """Workbooks of an earlier generation: at the top of the inbox and in its dated folders."""
    spreadsheet = (".xlsx", ".xls", ".ods")
    for path in sorted(inbox.iterdir()):
        if path.is_dir() and DATED_FOLDER.fullmatch(path.name):
            for stale in sorted(path.iterdir()):
                if stale.suffix.lower() in spreadsheet and stale not in keep:
                    stale.unlink()
            if not any(path.iterdir()):
                path.rmdir()
        elif path.suffix.lower() in spreadsheet and path not in keep:
            path.unlink()


# --- the .xls, through LibreOffice -----------------------------------------------------------


def _content(rows: list[list[Any]]) -> list[list[str]]:
    out = [[clean_text(v) for v in row] for row in rows]
    out = [row[:max((i + 1 for i, v in enumerate(row) if v), default=0)] for row in out]
    while out and not out[-1]:
        out.pop()
    return out


def same_content(xlsx: bytes, other: Path) -> bool:
    """Whether a workbook on disk holds the same sheets and cell values as `xlsx`."""
    try:
        a, b = read_bytes(xlsx), read_path(other)
    except (UnreadableFile, OSError):
        return False
    if list(a.sheets) != list(b.sheets):
        return False
    return all(_content(a.sheets[n].rows) == _content(b.sheets[n].rows) for n in a.sheets)


def _write_xls(xlsx: bytes, target: Path, refresh: bool = False) -> str:
    """Save `xlsx` as .xls through LibreOffice, unless the .xls there already holds it
    (LibreOffice's output is not byte-stable, so an unchanged one is kept as it is)."""
    if not refresh and target.exists() and same_content(xlsx, target):
        return f"{target.name}：内容未变，保留原文件"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise DemoError("需要 LibreOffice（soffice）把第二支部的表格另存为 .xls")
    with tempfile.TemporaryDirectory(prefix="orglife-demo-") as tmp:
        work = Path(tmp)
        source = work / f"{target.stem}.xlsx"
        source.write_bytes(xlsx)
        cmd = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
               "--convert-to", "xls", "--outdir", str(work / "out"), str(source)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
        produced = work / "out" / f"{target.stem}.xls"
        if done.returncode != 0 or not produced.exists():
            raise DemoError(f"LibreOffice 转换失败：{done.stderr.strip()}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, target)
    return f"{target.name}：已由 LibreOffice 另存为 .xls"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
