"""The demo roster and inbox (demo/) and the fill code the benchmark reuses (demo.fill)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
import zipfile
from collections import Counter
from itertools import combinations
from pathlib import Path

import openpyxl
import pytest

from demo.fill import fill_workbook, reorder_columns
from demo.inbox import (
    CORRECTED_SUFFIX,
    DEMO_BRANCHES,
    EARLIER_SENDS,
    LATE_BRANCH,
    MISTYPED_GRADE,
    SAVED,
    TWICE_BRANCH,
    XLS_BRANCH,
    demo_members,
    generate,
)
from demo.records import Scenario
from demo.roster import SAME_NAME, synthetic_roster
from demo.scenario import as_sent, local_day, make_scenario
from pipeline import contract as C
from pipeline.normalize import is_blank
from pipeline.people import Roster, evaluated_in_order
from pipeline.read import read_bytes, read_path
from pipeline.read.intake import prefill
from pipeline.read.newest import filled
from pipeline.read.roster import load_roster
from pipeline.read.table import MissingColumns, locate
from pipeline.write.templates import build_workbook

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_ROSTER = ROOT / "workbooks" / "roster.xlsx"
SHIPPED_INBOX = ROOT / "workbooks" / "inbox"
BRANCHES = [b for b, _, _ in DEMO_BRANCHES]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def saved_time(path: Path) -> str:
    core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
    found = re.search(r"<dcterms:modified[^>]*>([^<]+)<", core)
    assert found, core
    return found.group(1)


def meta_branch(path: Path) -> str:
    rows = read_path(path).sheets[C.META].rows
    return {r[0]: r[1] for r in rows if r and r[0]}["branch"]


def table(path_or_bytes: Path | bytes, sheet: str, keep: tuple[str, ...] = ()):
    book = read_path(path_or_bytes) if isinstance(path_or_bytes, Path) else read_bytes(
        path_or_bytes)
    located = locate(book.sheets[sheet].rows, C.SHEETS[sheet].headers, file="f", sheet=sheet,
                     keep=keep)
    assert not isinstance(located, MissingColumns), located
    return located


@pytest.fixture(scope="module")
def generated(tmp_path_factory, campaign):
    """One demo generation into a temporary folder (no LibreOffice)."""
    out = tmp_path_factory.mktemp("demo")
    result = generate(campaign, roster_path=out / "roster.xlsx", inbox=out / "inbox", xls=False)
    return result


@pytest.fixture(scope="module")
def roster(generated, campaign) -> Roster:
    return load_roster(generated.roster, campaign)


# --- the roster -------------------------------------------------------------------------------


def test_shipped_roster_loads_with_four_branches_of_25_to_45(campaign):
    roster = load_roster(SHIPPED_ROSTER, campaign)
    assert roster.branches == BRANCHES
    for branch in roster.branches:
        assert 25 <= len(roster.of_branch(branch)) <= 45


def test_shipped_roster_is_the_generated_one(generated):
    assert sha(SHIPPED_ROSTER) == sha(generated.roster)


def test_roster_names_are_text_under_a_title_row():
    rows = next(iter(read_path(SHIPPED_ROSTER).sheets.values())).rows
    assert "党员名册" in rows[0][0]
    assert tuple(rows[1][:7]) == C.ROSTER_COLUMNS
    assert all(isinstance(r[0], str) and r[0] for r in rows[2:])


def test_roster_features(roster):
    members = roster.members
    # R-P1: the one same-name pair, told apart
    pairs = [b for b in roster.branches
             if {SAME_NAME, f"{SAME_NAME}(2)"} <= {m.name for m in roster.of_branch(b)}]
    assert pairs == ["第二支部"]
    for b in roster.branches:
        names = [m.name for m in roster.of_branch(b)]
        assert len(names) == len(set(names))
        ms = roster.of_branch(b)
        assert sum(m.secretary for m in ms) == 1
        assert 2 <= sum(C.BRANCH_MEMBER in m.roles for m in ms) <= 4
        assert 1 <= sum(m.kind == C.PROBATIONARY for m in ms) <= 2
        assert sorted(Counter(m.group for m in ms)) == ["第一党小组", "第二党小组"]
    exempt = [m for m in members if m.exempt_cadre]
    assert len(exempt) == 2 and not any(m.evaluated for m in exempt)
    general = roster.general_committee()
    assert 5 <= len(general) <= 7
    assert [m.roles for m in general].count((C.GENERAL_SECRETARY,)) == 1
    assert any(m.roles == (C.BRANCH_SECRETARY, C.GENERAL_MEMBER) for m in general)


def test_demo_roster_depends_on_the_seed(campaign):
    a, b = demo_members(campaign, 1), demo_members(campaign, 2)
    assert [m.name for m in a] != [m.name for m in b]
    assert [m.name for m in a] == [m.name for m in demo_members(campaign, 1)]


# --- the inbox --------------------------------------------------------------------------------


def test_shipped_inbox_has_every_branch_and_the_general_workbook():
    files = sorted(p for p in SHIPPED_INBOX.iterdir() if p.suffix in (".xlsx", ".xls"))
    assert {meta_branch(p) for p in files} == {*BRANCHES, C.GENERAL_BRANCH}
    assert {p.name for p in files} == {
        "第一支部.xlsx", f"{XLS_BRANCH}.xls", f"{TWICE_BRANCH}.xlsx",
        f"{TWICE_BRANCH}{CORRECTED_SUFFIX}.xlsx", "第四支部.xlsx", "党总支.xlsx"}


def test_one_branch_is_a_real_xls_saved_by_libreoffice():
    path = SHIPPED_INBOX / f"{XLS_BRANCH}.xls"
    assert path.read_bytes()[:4] == bytes.fromhex("D0CF11E0")
    talks = table(path, C.TALKS)
    assert isinstance(talks.frame["日期"].iloc[0], (dt.date, dt.datetime))


def test_double_send_second_file_is_newer_and_corrects_the_grade():
    first = SHIPPED_INBOX / f"{TWICE_BRANCH}.xlsx"
    second = SHIPPED_INBOX / f"{TWICE_BRANCH}{CORRECTED_SUFFIX}.xlsx"
    assert meta_branch(first) == meta_branch(second) == TWICE_BRANCH
    assert saved_time(first) < saved_time(second)
    assert MISTYPED_GRADE in set(table(first, C.GRADING).frame["评定等次"])
    assert MISTYPED_GRADE not in set(table(second, C.GRADING).frame["评定等次"])


def test_reordered_branch_keeps_its_columns_where_it_put_them():
    rows = read_path(SHIPPED_INBOX / "第四支部.xlsx").sheets[C.TALKS].rows
    assert rows[1][:6] == ["日期", "谈话人", "谈话对象", "形式", "主要内容", "备注"]
    talks = table(SHIPPED_INBOX / "第四支部.xlsx", C.TALKS)
    assert talks.letters["日期"] == "A" and "备注" in talks.extra_columns


def test_absentees_are_marked_in_the_branch_rosters():
    absent: list[tuple[str, str, object]] = []
    for path in sorted(p for p in SHIPPED_INBOX.iterdir() if p.is_file()):
        if path.stem == TWICE_BRANCH or meta_branch(path) == C.GENERAL_BRANCH:
            continue
        f = table(path, C.ROSTER).frame
        for _, rec in f[f["民主评议出席"] == C.ABSENT].iterrows():
            absent.append((rec["姓名"], rec["缺席原因"], rec["补课日期"]))
    assert 2 <= len(absent) <= 3
    assert all(reason for _, reason, _ in absent)
    made_up = [d for _, _, d in absent if not is_blank(d)]
    assert len(made_up) == 1


def hashes(files: list[Path], inbox: Path) -> dict[str, str]:
    """Path relative to the inbox (2017-03-20/第一支部.xlsx) → SHA-256."""
    return {p.relative_to(inbox).as_posix(): sha(p) for p in files}


def test_generation_is_deterministic(campaign, generated, tmp_path):
    again = generate(campaign, roster_path=tmp_path / "roster.xlsx", inbox=tmp_path / "inbox",
                     xls=False)
    first = hashes(generated.files, generated.roster.parent / "inbox")
    second = hashes(again.files, tmp_path / "inbox")
    assert first == second
    earlier = sum(len(sends) for sends in EARLIER_SENDS.values())
    assert all(p.suffix == ".xlsx" for p in again.files) and len(first) == 6 + earlier == 20
    assert sha(generated.roster) == sha(again.roster)
    for p in again.files:  # the file's time is its saved time
        assert dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ") == saved_time(p)


def test_shipped_inbox_is_the_generated_one(generated):
    """Every shipped .xlsx, earlier sends included, is what `make demo` writes (the .xls is
    LibreOffice's and not byte-stable)."""
    made = hashes(generated.files, generated.roster.parent / "inbox")
    del made[f"{XLS_BRANCH}.xlsx"]  # shipped as 第二支部.xls
    shipped = {p.relative_to(SHIPPED_INBOX).as_posix(): sha(p)
               for p in SHIPPED_INBOX.rglob("*.xlsx")}
    assert shipped == made


# --- staged sends: earlier files in dated folders ------------------------------------------------

STAGE_DEADLINE = {C.TALKS: "talks", C.PROBLEMS: "problems", C.BALLOTS: "member_meeting",
                  C.MEETINGS: "member_meeting", C.GRADING: "grading", C.RECTIFY: "rectification"}


def earlier_files() -> list[Path]:
    return sorted(p for p in SHIPPED_INBOX.glob("*/*") if p.is_file())


def filled_sheets(path: Path, campaign) -> set[str]:
    book = read_path(path)
    template = prefill(campaign)
    return {name for name, sheet in book.sheets.items()
            if name in C.SHEETS and filled(sheet, name, template)}


def test_earlier_sends_lie_in_folders_named_by_their_saved_date():
    expected = {f"{send.folder}/{branch}.xlsx": send for branch, sends in EARLIER_SENDS.items()
                for send in sends}
    found = {p.relative_to(SHIPPED_INBOX).as_posix(): p for p in earlier_files()}
    assert set(found) == set(expected)
    assert {p.parent.name for p in found.values()} == {
        "2017-03-20", "2017-03-22", "2017-03-23", "2017-03-24", "2017-03-30", "2017-03-31"}
    for name, path in found.items():
        send = expected[name]
        assert meta_branch(path) == path.stem
        assert saved_time(path) == f"{send.saved:%Y-%m-%dT%H:%M:%SZ}"
        # (file times are not asserted: a git checkout sets them to the checkout time)
        assert local_day(send.saved).isoformat() == path.parent.name
        final = SAVED[f"{path.stem}{CORRECTED_SUFFIX}" if path.stem == TWICE_BRANCH
                      else path.stem]
        assert send.saved < final  # the top-level file is the branch's last word


def test_each_send_fills_its_stage_and_earlier_ones_on_time(campaign):
    """Stage by stage: talks by 3/20, problems 3/22–3/24, ballots and meetings on 3/31, the
    rest in the final file; only 第四支部 sends its 问题清单 late (with its 3/31 send)."""
    first: dict[tuple[str, str], dt.date] = {}
    for path in earlier_files():
        sheets = filled_sheets(path, campaign)
        send = next(s for s in EARLIER_SENDS[path.stem] if s.folder == path.parent.name)
        assert sheets - {C.ROSTER} == set(send.sheets) - {C.ROSTER}, path
        # attendance (党员名册) shows only where someone was absent: 出席 is the template's
        assert (C.ROSTER in sheets) == (C.ROSTER in send.sheets and path.stem in (
            "第一支部", TWICE_BRANCH, LATE_BRANCH)), path
        for sheet in sheets - {C.ROSTER}:
            day = local_day(send.saved)
            first[(path.stem, sheet)] = min(first.get((path.stem, sheet), day), day)
    late = {key for key, day in first.items()
            if day > campaign.deadline(STAGE_DEADLINE[key[1]])}
    assert late == {(LATE_BRANCH, C.PROBLEMS)}
    for branch in [*BRANCHES, C.GENERAL_BRANCH]:
        assert first[(branch, C.TALKS)] <= campaign.deadline("talks")
        assert first[(branch, C.MEETINGS)] <= campaign.deadline("member_meeting")
        if branch != LATE_BRANCH:
            assert dt.date(2017, 3, 22) <= first[(branch, C.PROBLEMS)] <= dt.date(2017, 3, 24)
        if branch != C.GENERAL_BRANCH:
            assert first[(branch, C.BALLOTS)] == campaign.deadline("member_meeting")
            assert (branch, C.GRADING) not in first and (branch, C.RECTIFY) not in first


def records(path: Path, sheet: str) -> list[dict]:
    keep = tuple(n for n in read_path(path).sheets[sheet].rows[1] if n) if \
        sheet == C.BALLOTS else ()
    return table(path, sheet, keep).frame.to_dict("records")


def test_earlier_sends_are_subsets_of_the_final_file(generated, campaign):
    """The sheets an earlier send carries hold the final file's rows, less what had not
    happened yet (第二支部's late talk of 3/22 first comes with its 3/24 send)."""
    inbox = generated.roster.parent / "inbox"
    for path in earlier_files():
        branch = path.stem
        final = inbox / (f"{branch}{CORRECTED_SUFFIX}.xlsx" if branch == TWICE_BRANCH
                         else f"{branch}.xlsx")
        day = dt.date.fromisoformat(path.parent.name)
        for sheet in filled_sheets(path, campaign) - {C.ROSTER}:
            want = records(final, sheet)
            if sheet == C.TALKS:
                want = [r for r in want if r["日期"] <= day]
            assert records(path, sheet) == want, (path, sheet)
    late_talk = records(inbox / f"{XLS_BRANCH}.xlsx", C.TALKS)[-1]
    assert late_talk["日期"] > campaign.deadline("talks")
    before = records(SHIPPED_INBOX / "2017-03-20" / f"{XLS_BRANCH}.xlsx", C.TALKS)
    after = records(SHIPPED_INBOX / "2017-03-24" / f"{XLS_BRANCH}.xlsx", C.TALKS)
    assert late_talk not in before and after[-1] == late_talk


def test_earlier_sends_keep_the_branch_layout_and_attendance():
    for path in SHIPPED_INBOX.glob(f"*/{LATE_BRANCH}.xlsx"):  # 第四支部 rearranged 谈心谈话
        assert read_path(path).sheets[C.TALKS].rows[1][:6] == [
            "日期", "谈话人", "谈话对象", "形式", "主要内容", "备注"]
    # attendance comes with the 3/31 send; a 补课 still to come is not there yet
    meeting = table(SHIPPED_INBOX / "2017-03-31" / f"{TWICE_BRANCH}.xlsx", C.ROSTER).frame
    final = table(SHIPPED_INBOX / f"{TWICE_BRANCH}{CORRECTED_SUFFIX}.xlsx", C.ROSTER).frame
    absent = final[final["民主评议出席"] == C.ABSENT]
    assert len(absent) == 1 and not is_blank(absent["补课日期"].iloc[0])
    early = meeting.loc[absent.index]
    assert list(early["民主评议出席"]) == [C.ABSENT] and is_blank(early["补课日期"].iloc[0])


def test_as_sent_keeps_only_what_had_happened(generated, campaign):
    s = generated.scenarios[XLS_BRANCH]
    early = as_sent(s, dt.datetime(2017, 3, 20, 15, 59))  # 23:59 in Beijing
    assert early.saved == dt.datetime(2017, 3, 20, 15, 59)
    assert early.talks == [t for t in s.talks if t.date <= dt.date(2017, 3, 20)]
    assert len(early.talks) == len(s.talks) - 1
    assert local_day(dt.datetime(2017, 3, 20, 16, 0)) == dt.date(2017, 3, 21)
    assert early.problems == s.problems and early.ballots == s.ballots
    assert [m.kind for m in early.meetings] == ["集中学习"]
    assert s.talks[-1].date > campaign.deadline("talks")  # the final scenario is untouched


# --- the scenarios: a valid campaign apart from the deliberate slips -----------------------------


def _pairs(s: Scenario) -> set[frozenset[str]]:
    return {frozenset((t.talker, t.talkee)) for t in s.talks}


def check_scenario(s: Scenario, roster: Roster, campaign) -> list[str]:
    """Every rule a valid campaign meets; returns what is off (empty = valid)."""
    off: list[str] = []
    members = roster.general_committee() if s.general else roster.of_branch(s.branch)
    committee = [m for m in members if (m.general_committee if s.general else m.branch_committee)]
    names = {m.name for m in members}
    talked = _pairs(s)
    for a, b in combinations(committee, 2):
        if frozenset((a.name, b.name)) not in talked:
            off.append(f"R-T1 {a.name}-{b.name}")
    cnames = {m.name for m in committee}
    for m in members:
        if not any(m.name in p and (p - {m.name}) & cnames for p in talked):
            off.append(f"R-T2 {m.name}")
    for t in s.talks:
        if t.talker == t.talkee or {t.talker, t.talkee} - names:
            off.append(f"R-T3 {t}")
        if t.date > campaign.deadline("talks"):
            off.append(f"R-T4 {t.talker}-{t.talkee} {t.date}")
    team = [p for p in s.problems if p.target == C.TEAM]
    if {p.category for p in team} != set(campaign.branch_problem_categories):
        off.append("R-Q1")
    fixed = {r.problem for r in s.rectifications if r.target == C.TEAM}
    off += [f"R-R2 {p.code}" for p in team if p.code not in fixed]
    for r in s.rectifications:
        if not (r.item and r.measure and r.owner) or r.deadline <= campaign.deadline(
                "member_meeting"):
            off.append(f"R-R1/3 {r.code}")
    if not s.general:
        evaluated = [m for m in members if m.evaluated]
        with_problem = {p.target for p in s.problems}
        off += [f"R-Q2 {m.name}" for m in evaluated if m.name not in with_problem]
        promised = {r.target for r in s.rectifications}
        off += [f"R-R4 {m.name}" for m in evaluated if m.name not in promised]
        present_voters = sum(1 for m in members if m.name not in s.absences)
        if len(s.ballots) != present_voters:
            off.append(f"R-B2 {len(s.ballots)} ballots, {present_voters} voters")
        if s.ballot_names != [m.name for m in evaluated_in_order(members)]:
            off.append("R-B3")
        tally = s.tally()
        grades = {g.name: g for g in s.gradings}
        excellent = 0
        for m in members:
            g = grades[m.name]
            if not m.evaluated:
                ok = g.grade == campaign.not_graded
            elif m.name in s.absences:
                ok = all(v == "" for v in tally[m.name].elements()) and (
                    g.grade == campaign.pending) == (s.absences[m.name].makeup is None)
            else:
                votes = {k: v for k, v in tally[m.name].items() if k}
                ok = g.grade == max(votes, key=lambda k: votes[k])
                if g.grade in campaign.grades[2:]:
                    ok = ok and bool(g.reason)
            excellent += g.grade == campaign.grades[0]
            if not ok:
                off.append(f"R-G {m.name} {g.grade} {dict(tally.get(m.name, {}))}")
        full = sum(m.full for m in members)
        if excellent > campaign.excellent_cap.cap(full):
            off.append("R-A1")
        kinds = Counter(m.kind for m in s.meetings)
        if kinds["党小组会"] != 2 or kinds["党员大会"] != 1 or kinds["支委会"] != 1:
            off.append(f"R-M2 {kinds}")
    for m in s.meetings:
        if m.present > m.expected:
            off.append(f"R-M3 {m}")
    return off


def test_demo_scenarios_are_valid_except_the_deliberate_slips(generated, roster, campaign):
    found = {stem: check_scenario(s, roster, campaign) for stem, s in generated.scenarios.items()}
    slips = {stem: off for stem, off in found.items() if off}
    assert set(slips) == {"第二支部", TWICE_BRANCH, "第四支部"}
    assert len(slips[TWICE_BRANCH]) == 1 and MISTYPED_GRADE in slips[TWICE_BRANCH][0]
    assert len(slips["第二支部"]) == 1 and slips["第二支部"][0].startswith("R-T4")
    assert len(slips["第四支部"]) == 1 and slips["第四支部"][0].startswith("R-T1")
    assert generated.scenarios["第一支部"].blank_ballots == 1
    grades = Counter(g.grade for s in generated.scenarios.values() if s.branch == "第二支部"
                     for g in s.gradings)
    assert grades["基本合格"] == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_make_scenario_is_valid_on_a_synthetic_roster(campaign, seed):
    roster = Roster(synthetic_roster(campaign, 8, seed), "roster.xlsx")
    for branch in [*roster.branches, None]:
        s = make_scenario(campaign, roster, branch, random.Random(f"{seed}/{branch}"))
        assert check_scenario(s, roster, campaign) == [], branch


# --- filling ----------------------------------------------------------------------------------


def test_fill_finds_headers_by_text_and_keeps_validations(roster, campaign):
    branch = "第一支部"
    template = build_workbook(campaign, roster, branch)
    s = make_scenario(campaign, roster, branch, random.Random(7))
    wb = openpyxl.load_workbook(io.BytesIO(template))
    reorder_columns(wb[C.MEETINGS], ["实到", "应到", "日期", "类型"])
    shuffled = io.BytesIO()
    wb.save(shuffled)
    data = fill_workbook(shuffled.getvalue(), s)

    meetings = table(data, C.MEETINGS)
    assert [meetings.letters[h] for h in ("实到", "应到", "日期", "类型")] == list("ABCD")
    first = meetings.frame.iloc[0]
    assert first["类型"] == "集中学习" and first["日期"] == dt.date(2017, 3, 17)
    assert first["应到"] == len(roster.of_branch(branch))
    ballots = table(data, C.BALLOTS, keep=tuple(s.ballot_names))
    assert len(ballots.frame) == len(s.ballots)
    assert list(ballots.frame["票号"][:2]) == ["001", "002"]  # text, as the 票号 column wants

    before = openpyxl.load_workbook(io.BytesIO(template))
    after = openpyxl.load_workbook(io.BytesIO(data))
    assert set(after.defined_names) == set(before.defined_names)
    for ws in before:
        assert len(after[ws.title].data_validations.dataValidation) == len(
            ws.data_validations.dataValidation)
        assert after[ws.title].sheet_state == ws.sheet_state
    assert after.properties.modified == s.saved


def test_fill_only_the_named_sheets(roster, campaign):
    branch = "第一支部"
    template = build_workbook(campaign, roster, branch)
    s = make_scenario(campaign, roster, branch, random.Random(3))
    data = fill_workbook(template, s, sheets=(C.TALKS,))
    book = read_bytes(data)
    sent = {n for n, sheet in book.sheets.items()
            if n in C.SHEETS and filled(sheet, n, prefill(campaign))}
    assert sent == {C.TALKS}
    assert len(table(data, C.TALKS).frame) == len(s.talks)
    assert fill_workbook(template, s) == fill_workbook(template, s, sheets=None)


def test_fill_writes_text_as_text_never_a_formula(roster, campaign):
    branch = "第一支部"
    s = make_scenario(campaign, roster, branch, random.Random(1))
    s.problems[0] = type(s.problems[0])(s.problems[0].code, C.TEAM, s.problems[0].category,
                                        "=1+1 不是公式", "自查")
    data = fill_workbook(build_workbook(campaign, roster, branch), s)
    ws = openpyxl.load_workbook(io.BytesIO(data))[C.PROBLEMS]
    cell = ws.cell(row=3, column=4)
    assert cell.value == "=1+1 不是公式" and cell.data_type == "s"
