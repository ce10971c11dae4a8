"""Properties (hypothesis): tallies add up, file and column order do not matter, input text never
becomes a formula or a link, and no cell value makes the validator raise."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import random
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import branch, filing_values, member
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.fill import reorder_columns, save_bytes
from pipeline import contract as C
from pipeline.cli import main
from pipeline.config import Campaign
from pipeline.consolidate.filing import aggregate
from pipeline.model import Report
from pipeline.rules import check_across, check_branch
from pipeline.rules.ballots import tally_branch
from pipeline.sheets.ballots import ABSTAIN, INVALID, VALID
from pipeline.write.filing import write_filing
from pipeline.write.report import write_report

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"
ROSTER = ROOT / "workbooks" / "roster.xlsx"
ONE = "第一支部.xlsx"
SMALL_INBOX = sorted(p.name for p in DEMO.iterdir() if p.is_file())  # the latest sends only

FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
END_TO_END = settings(max_examples=5, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


# --- tallies -------------------------------------------------------------------------------

VOTES = st.one_of(
    st.sampled_from(["优秀", "合格", "基本合格", "不合格", "", " 合 格 ", "优秀　", "ｘ", "良好",
                     "称职", "=1+1", "弃权"]),
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True),
    st.text(max_size=4))


@FAST
@given(n=st.integers(1, 6), rows=st.lists(st.tuples(st.sampled_from(["001", "002", "003", "004",
                                                                     "", " ", None, 5, "A-1"]),
                                                  st.lists(VOTES, min_size=7, max_size=7)),
                                        max_size=25))
def test_each_members_tallies_add_up_to_the_ballots(campaign: Campaign, n: int,
                                                    rows: list[tuple[Any, list[Any]]]) -> None:
    names = [f"党员{chr(0x4e00 + i)}" for i in range(n)]
    members = [member(x) for x in names] + [member("预备甲", kind=C.PROBATIONARY)]
    sheet = [["票号", *names], *[[number, *votes[:n]] for number, votes in rows]]
    b = branch(members, {C.BALLOTS: sheet})
    tally, _ = tally_branch(b, campaign)
    numbered = {str(x).strip() for x, _ in rows if x is not None and str(x).strip()}
    if tally is None:
        assert not numbered
        return
    assert tally.ballots == len(numbered)  # one ballot per distinct 票号 (R-B5 drops repeats)
    assert set(tally.counts) == set(names)
    for c in tally.counts.values():
        assert c[VALID] == sum(c[g] for g in campaign.grades)
        assert c[VALID] + c[ABSTAIN] + c[INVALID] == tally.ballots
        assert min(c.values()) >= 0
    assert tally.blank_ballots is not None and 0 <= tally.blank_ballots <= tally.ballots


# --- the validator never raises --------------------------------------------------------------

ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["优秀", "合格", "不合格", "不评定等次", "待补课", "班子", "张三", "李四",
                     "支部书记", "长期坚持", "2017/3/5", "3月5日", "20170230", "60", "-1", "1e309",
                     "正式党员", "预备党员", "是", "否", "出席", "缺席", "党小组会", "例：示例",
                     "集中学习", "Q1", "=1+1", "@SUM(A1)", "政治", "限期改正", "\u200b", "　"]),
    st.dates(), st.datetimes(), st.times(), st.timedeltas(),
    st.floats(min_value=-1e6, max_value=3e6))

MEMBERS = [member("张三", roles=[C.BRANCH_SECRETARY]), member("李四", roles=[C.BRANCH_MEMBER]),
           member("王五"), member("赵六", kind=C.PROBATIONARY),
           member("钱七", present=False), member("孙八", leading_cadre=True, attended_dlm=True)]
SHEET_HEADERS = {name: list(spec.headers) for name, spec in C.SHEETS.items()}
SHEET_HEADERS[C.BALLOTS] = ["票号", "张三", "李四", "王五", "赵六", "钱七", "孙八", "无名氏"]
SHEET_HEADERS[C.TALLY] = [*SHEET_HEADERS[C.TALLY], C.TALLY_ISSUED, C.TALLY_RETURNED]


@st.composite
def filled_sheets(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    sheets = {}
    for name in draw(st.sets(st.sampled_from(sorted(SHEET_HEADERS)), min_size=1)):
        headers = SHEET_HEADERS[name]
        rows = draw(st.lists(st.lists(ANY_VALUE, min_size=len(headers), max_size=len(headers)),
                             max_size=6))
        sheets[name] = [headers, *rows]
    return sheets


@FAST
@given(sheets=filled_sheets(), general=st.booleans())
def test_the_validator_never_raises_on_any_cell_value(campaign: Campaign,
                                                      sheets: dict[str, list[list[Any]]],
                                                      general: bool) -> None:
    b = branch(MEMBERS, sheets, name=C.GENERAL_BRANCH if general else "第一支部", general=general)
    issues = check_branch(b, campaign)
    issues += check_across([b], campaign)
    tally, ballot_issues = tally_branch(b, campaign)
    assert all(i.rule and i.severity in ("error", "warning") for i in [*issues, *ballot_issues])
    if tally is not None and tally.source == C.BALLOTS:
        for c in tally.counts.values():  # every ballot counts once for every member
            assert c[VALID] + c[ABSTAIN] + c[INVALID] == tally.ballots
    elif tally is not None:  # a hand count adds up to 收回票数, or R-B2 says where it does not
        for name, c in tally.counts.items():
            total = c[VALID] + c[ABSTAIN] + c[INVALID] + c.get("待复核", 0)
            assert (tally.returned is None or total == tally.returned
                    or any(i.rule == "R-B2" and name in i.message for i in ballot_issues))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sheets=filled_sheets())
def test_the_filing_is_written_for_any_cell_value(campaign: Campaign, tmp_path: Path,
                                                  sheets: dict[str, list[list[Any]]]) -> None:
    """Aggregation and the writer take whatever the rules let through (NaN, inf, huge ints,
    times, durations) without raising."""
    b = branch(MEMBERS, sheets)
    issues = check_branch(b, campaign)
    filing = aggregate([b], issues, campaign)
    write_filing(filing, Report(issues=issues), campaign, tmp_path / "备案.xlsx")
    openpyxl.load_workbook(tmp_path / "备案.xlsx").close()


# --- end to end: the demo's latest files ----------------------------------------------------

def small_inbox(target: Path, order: list[str] | None = None,
                mtimes: list[int] | None = None) -> Path:
    """The demo's top-level files (the latest sends), copied in `order` with `mtimes`."""
    target.mkdir(parents=True)
    for n, name in enumerate(order or SMALL_INBOX):
        shutil.copyfile(DEMO / name, target / name)
        stamp = (mtimes or [])[n] if mtimes else 1_491_000_000 + n
        os.utime(target / name, (stamp, stamp))
    return target


def fresh(tmp_path: Path) -> Path:
    """A new folder per hypothesis example (the function's tmp_path is shared by them)."""
    return Path(tempfile.mkdtemp(dir=tmp_path))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def consolidate(inbox: Path, out: Path) -> bytes:
    result = CliRunner().invoke(main, ["consolidate", str(inbox), "-o", str(out),
                                       "--config", str(CONFIG), "--roster", str(ROSTER)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    return out.read_bytes()


class Reference:
    """The filing of the demo's latest files (kept out of hypothesis' failure reports)."""

    def __init__(self, data: bytes):
        self.digest = digest(data)
        self.values = filing_values(data)

    def __repr__(self) -> str:
        return f"Reference({self.digest[:12]})"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    folder = tmp_path_factory.mktemp("reference")
    return Reference(consolidate(small_inbox(folder / "inbox"), folder / "备案.xlsx"))


@END_TO_END
@given(order=st.permutations(SMALL_INBOX),
       mtimes=st.lists(st.integers(1_480_000_000, 1_500_000_000), min_size=len(SMALL_INBOX),
                       max_size=len(SMALL_INBOX)))
def test_file_order_and_file_times_do_not_change_the_filing(reference: Reference, tmp_path: Path,
                                                            order: list[str],
                                                            mtimes: list[int]) -> None:
    """Files created in any order with any modification times (each workbook records its own
    saved time, which decides): the same filing, byte for byte."""
    work = fresh(tmp_path)
    filing = consolidate(small_inbox(work / "inbox", order, mtimes), work / "备案.xlsx")
    assert digest(filing) == reference.digest


REORDERABLE = (C.TALKS, C.PROBLEMS, C.GRADING, C.RECTIFY, C.MEETINGS)


@END_TO_END
@given(sheet=st.sampled_from(REORDERABLE), seed=st.integers(0, 10**6))
def test_column_order_does_not_change_the_filing(reference: Reference, tmp_path: Path, sheet: str,
                                                 seed: int) -> None:
    """第一支部 rearranges the columns of one sheet (cut and paste, as 第四支部 did): the filing
    holds the same values (only the file's own fingerprint changes)."""
    work = fresh(tmp_path)
    inbox = small_inbox(work / "inbox")
    wb = openpyxl.load_workbook(inbox / ONE)
    headers = list(C.SHEETS[sheet].headers)
    random.Random(seed).shuffle(headers)
    reorder_columns(wb[sheet], headers)
    (inbox / ONE).write_bytes(save_bytes(wb))  # keeps the workbook's saved time
    assert filing_values(consolidate(inbox, work / "备案.xlsx")) == reference.values


# --- text never becomes a formula or a link --------------------------------------------------

NASTY = ["=1+1", '=HYPERLINK("http://example.com","点此")', "@SUM(A1)", "+1", "-1",
         "http://x", "https://example.com/a?b=c", "mailto:a@b.c", "file:///etc/passwd",
         "=cmd|' /C calc'!A0", "\t=1+1", "'=1+1", "=", "{=SUM(A1:A2)}", "www.example.com"]
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))  # XML cannot hold the others
TEXT = st.one_of(st.sampled_from(NASTY),
                 st.text(PRINTABLE, min_size=1, max_size=40).map(lambda s: "=" + s),
                 st.text(alphabet="=+-@http:/.wx()\"'", min_size=1, max_size=20))
# (sheet, header, first row) cells whose text reaches the filing
TEXT_CELLS = ((C.PROBLEMS, "问题描述", 3), (C.RECTIFY, "整改措施", 3), (C.RECTIFY, "整改事项", 4),
              (C.GRADING, "评定理由", 3), (C.BALLOTS, None, 4), (C.TALKS, "谈话对象", 5),
              (C.MEETINGS, "应到", 3))


def _header_col(ws: Any, header: str | None) -> int:
    if header is None:
        return 2  # the first member column of 民主测评
    for cell in ws[2]:
        if cell.value == header:
            return int(cell.column)
    raise KeyError(header)


def assert_no_formula_or_link(data: bytes) -> list[str]:
    """No <f> element, no hyperlink in any sheet; returns every shared or inline string."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert not [n for n in names if "hyperlink" in n.lower() or n.startswith("xl/externalLinks")]
        for name in names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name)
                assert not re.search(rb"<(\w+:)?f[ >/]", xml), name
                assert b"<hyperlink" not in xml, name
            if name.startswith("xl/worksheets/_rels/"):
                assert b"hyperlink" not in zf.read(name).lower(), name
        shared = zf.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
    return re.findall(r"<t[^>]*>(.*?)</t>", shared, re.S)


@END_TO_END
@given(texts=st.lists(TEXT, min_size=len(TEXT_CELLS), max_size=len(TEXT_CELLS)))
def test_input_text_never_becomes_a_formula_or_a_link(tmp_path: Path, campaign: Campaign,
                                                      texts: list[str]) -> None:
    work = fresh(tmp_path)
    inbox = small_inbox(work / "inbox")
    wb = openpyxl.load_workbook(inbox / ONE)
    for (sheet, header, row), text in zip(TEXT_CELLS, texts):
        ws = wb[sheet]
        cell = ws.cell(row, _header_col(ws, header))
        cell.value = text
        cell.data_type = "s"  # typed as text, as Excel stores text that starts with '='
    (inbox / ONE).write_bytes(save_bytes(wb))
    strings = assert_no_formula_or_link(consolidate(inbox, work / "备案.xlsx"))
    assert any("=" in s or "@" in s or "http" in s or "+" in s or "-" in s for s in strings)
    result = CliRunner().invoke(main, ["validate", str(inbox), "--report", str(work / "校验.xlsx"),
                                       "--config", str(CONFIG), "--roster", str(ROSTER)])
    assert result.exit_code in (0, 1), result.output
    assert_no_formula_or_link((work / "校验.xlsx").read_bytes())


def test_known_nasty_texts_reach_the_filing_as_text(tmp_path: Path) -> None:
    """Every NASTY text written into 问题描述 comes out as the same text, as a string cell."""
    inbox = small_inbox(tmp_path / "inbox")
    wb = openpyxl.load_workbook(inbox / ONE)
    ws = wb[C.PROBLEMS]
    col = _header_col(ws, "问题描述")
    for n, text in enumerate(NASTY):
        ws.cell(3 + n, col).value = text
        ws.cell(3 + n, col).data_type = "s"
    (inbox / ONE).write_bytes(save_bytes(wb))
    data = consolidate(inbox, tmp_path / "备案.xlsx")
    assert_no_formula_or_link(data)
    filing = openpyxl.load_workbook(io.BytesIO(data))
    found = {c.value for row in filing[C.PROBLEMS].iter_rows() for c in row if c.data_type == "s"}
    assert {t.strip() for t in NASTY} <= {str(v).strip() for v in found}, (
        {t.strip() for t in NASTY} - {str(v).strip() for v in found})


def test_write_report_too(tmp_path: Path, campaign: Campaign) -> None:
    """The validation report workbook writes issue texts (found values) as text as well."""
    from pipeline.issues import issue

    found = [issue("R-B1", "error", "“=1+1”不是有效等次", file="a.xlsx", sheet=C.BALLOTS,
                   cell="C5", found=text) for text in NASTY]
    write_report(Report(issues=found), campaign, tmp_path / "r.xlsx")
    strings = assert_no_formula_or_link((tmp_path / "r.xlsx").read_bytes())
    assert "=1+1" in {s for s in strings}


def test_nan_and_infinity_never_reach_a_number_cell() -> None:
    """Guard for the writer: Excel has no NaN or infinity."""
    assert math.isnan(float("nan")) and math.isinf(float("inf"))
    _ = dt  # imported for hypothesis date strategies' types
