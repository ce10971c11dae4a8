"""Templates (SPEC §4, §8 `templates`): sheets, headers, dropdowns, names, protection, print."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import write_xlsx
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from pipeline import contract as C
from pipeline.people import Roster, evaluated_in_order
from pipeline.read import read_bytes
from pipeline.read.roster import load_roster
from pipeline.read.table import Table, locate
from pipeline.write import template_book as TB
from pipeline.write import templates as T
from pipeline.write.style import display_width

ROSTER_HEADER = ["姓名", "所在支部", "党小组", "职务", "党员类别", "是否党员领导干部",
                 "是否已参加年度民主生活会"]
ROSTER_ROWS = [
    ["李明", "第一支部", "第一党小组", "", "正式党员", "否", "否"],
    ["王芳", "第一支部", "第一党小组", "支部委员", "正式党员", "否", "否"],
    ["赵强", "第一支部", "第二党小组", "支部书记、总支委员", "正式党员", "否", "否"],
    ["陈静", "第一支部", "第二党小组", "", "预备党员", "否", "否"],
    ["周院长", "第一支部", "第一党小组", "", "正式党员", "是", "是"],
    ["吴敏", "第一支部", "第二党小组", "", "正式党员", "是", "否"],
    ["欧阳晓明", "第二支部", "一组", "支部书记", "正式党员", "否", "否"],
    ["孙丽", "第二支部", "二组", "总支书记", "正式党员", "否", "否"],
    ["钱伟", "第二支部", "二组", "", "正式党员", "否", "否"],
    ["林(2)", "第二支部", "一组", "", "预备党员", "否", "否"],
]
BRANCH_ONE = [r[0] for r in ROSTER_ROWS if r[1] == "第一支部"]
# 支部书记 first, then the other committee member, then members in roster order.
EVALUATED_ONE = ["赵强", "王芳", "李明", "吴敏"]
NOT_GRADED_ONE = ["陈静", "周院长"]


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory, campaign: Any) -> Roster:
    path = tmp_path_factory.mktemp("roster") / "roster.xlsx"
    write_xlsx(path, {"Sheet": [["2017年党员名册"], ROSTER_HEADER, *ROSTER_ROWS]})
    return load_roster(path, campaign)


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory, campaign: Any, roster: Roster) -> list[Path]:
    return T.write_templates(campaign, roster, tmp_path_factory.mktemp("tpl"))


@pytest.fixture(scope="module")
def books(paths: list[Path]) -> dict[str, openpyxl.Workbook]:
    return {p.stem: openpyxl.load_workbook(p) for p in paths}


@pytest.fixture(scope="module")
def one(books: dict[str, openpyxl.Workbook]) -> openpyxl.Workbook:
    return books["第一支部"]


@pytest.fixture(scope="module")
def general(books: dict[str, openpyxl.Workbook]) -> openpyxl.Workbook:
    return books["党总支"]


def row_values(ws: Any, row: int) -> list[Any]:
    values = [c.value for c in ws[row]]
    while values and values[-1] is None:
        values.pop()
    return values


def column_values(ws: Any, col: str, first: int = 3) -> list[Any]:
    values = [ws[f"{col}{r}"].value for r in range(first, ws.max_row + 1)]
    while values and values[-1] is None:
        values.pop()
    return values


def validation_for(ws: Any, cell: str) -> Any:
    """The data validation covering `cell` (exactly one)."""
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (ws.title, cell, found)
    return found[0]


def defined_values(wb: Any, name: str) -> list[Any]:
    """Values of the cells a workbook defined name points at."""
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    ws = wb[sheet.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    assert min_col == max_col
    return [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]


def column_dimension(ws: Any, letter: str) -> Any:
    """The <col> entry covering `letter` (openpyxl keys a min..max span by its first letter)."""
    index = column_index_from_string(letter)
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= dim.max:
            return dim
    raise AssertionError(f"{ws.title}: no column entry for {letter}")


def dropdown_items(wb: Any, ws: Any, cell: str) -> list[Any]:
    """A list validation's items, inline or through a defined name."""
    dv = validation_for(ws, cell)
    assert dv.type == "list"
    formula = dv.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    return defined_values(wb, formula)


# ---------------------------------------------------------------- files and sheets

def test_one_file_per_branch_in_roster_order_then_general(paths: list[Path]) -> None:
    assert [p.name for p in paths] == ["第一支部.xlsx", "第二支部.xlsx", "党总支.xlsx"]


def test_branch_sheet_order_and_hidden_meta(one: Any) -> None:
    assert tuple(one.sheetnames) == C.BRANCH_SHEET_ORDER
    states = {ws.title: ws.sheet_state for ws in one.worksheets}
    assert states.pop(C.META) == "hidden"
    assert set(states.values()) == {"visible"}


def test_general_sheet_order_has_no_ballots_or_grading(general: Any) -> None:
    assert tuple(general.sheetnames) == C.GENERAL_SHEET_ORDER
    assert C.BALLOTS not in general.sheetnames and C.GRADING not in general.sheetnames
    assert general[C.META].sheet_state == "hidden"


@pytest.mark.parametrize("sheet", [s.name for s in C.DATA_SHEETS if s.name != C.BALLOTS])
def test_title_row_1_and_contract_headers_row_2(one: Any, general: Any, sheet: str) -> None:
    spec = C.SHEETS[sheet]
    ws = one[sheet]
    assert ws["A1"].value == f"第一支部 {spec.title}"
    assert f"A1:{get_column_letter(len(spec.headers))}1" in {str(r) for r in ws.merged_cells.ranges}
    assert tuple(row_values(ws, 2)) == spec.headers
    if spec.general:
        assert general[sheet]["A1"].value.endswith(f" {spec.title}")
        assert tuple(row_values(general[sheet], 2)) == spec.headers


def test_meta_key_values(one: Any, general: Any, campaign: Any) -> None:
    for wb, branch in ((one, "第一支部"), (general, C.GENERAL_BRANCH)):
        ws = wb[C.META]
        meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, len(C.META_KEYS) + 1)}
        assert meta == {
            "template": C.TEMPLATE_ID, "version": C.TEMPLATE_VERSION, "branch": branch,
            "campaign": campaign.campaign_id, "organisation": campaign.organisation,
            "year": str(campaign.year),
        }
        assert list(meta) == list(C.META_KEYS)


def test_template_reads_back_as_contract_tables_without_example_rows(paths: list[Path]) -> None:
    """R-F6: the data areas hold nothing but the pre-filled names."""
    book = read_bytes(paths[0].read_bytes())
    for spec in C.DATA_SHEETS:
        sheet = book.sheets[spec.name]
        keep = sheet.rows[1][1:] if spec is C.BALLOTS_SHEET else ()
        table = locate(sheet.rows, spec.headers, file=paths[0].name, sheet=spec.name, keep=keep)
        assert isinstance(table, Table), spec.name
        assert table.header_row == 2
        expected = {C.ROSTER: len(BRANCH_ONE), C.GRADING: len(BRANCH_ONE)}.get(spec.name, 0)
        assert table.rows == expected, spec.name
        if expected:
            assert list(table.frame.index) == list(range(3, 3 + expected))


# ---------------------------------------------------------------- pre-filled names

def test_roster_sheet_prefilled(one: Any) -> None:
    ws = one[C.ROSTER]
    assert column_values(ws, "A") == BRANCH_ONE
    assert row_values(ws, 3) == ["李明", "第一党小组", None, "正式党员", "否", "否", "出席"]
    assert row_values(ws, 5) == ["赵强", "第二党小组", "支部书记、总支委员", "正式党员", "否", "否", "出席"]
    assert row_values(ws, 7)[4:7] == ["是", "是", "出席"]
    assert column_values(ws, "H") == [] and column_values(ws, "I") == []


def test_general_roster_is_the_general_committee(general: Any) -> None:
    ws = general[C.ROSTER]
    assert column_values(ws, "A") == ["孙丽", "赵强"]  # 总支书记 first
    assert column_values(ws, "C") == ["总支书记", "支部书记、总支委员"]


def test_r_p2_ballot_columns_are_the_evaluated_secretary_first(one: Any, books: Any,
                                                               roster: Roster) -> None:
    ws = one[C.BALLOTS]
    assert ws["A1"].value == "第一支部 民主测评（无记名）"
    assert row_values(ws, 2) == ["票号", *EVALUATED_ONE]
    assert ws.max_row == 2  # no ballot rows, no examples
    for name in NOT_GRADED_ONE:  # 预备党员 and the exempt cadre are not there
        assert name not in row_values(ws, 2)
    two = books["第二支部"][C.BALLOTS]
    assert row_values(two, 2) == ["票号", *(m.name for m in evaluated_in_order(
        roster.of_branch("第二支部")))]


def test_r_g1_grading_prefilled_with_not_graded(one: Any, campaign: Any) -> None:
    ws = one[C.GRADING]
    assert column_values(ws, "A") == EVALUATED_ONE + NOT_GRADED_ONE
    assert column_values(ws, "B") == [None] * len(EVALUATED_ONE) + [campaign.not_graded] * 2


# ---------------------------------------------------------------- dropdowns and names

def test_defined_names_for_name_columns(one: Any, general: Any) -> None:
    assert one.defined_names[TB.NAMES].attr_text == "党员名册!$A$3:$A$8"
    assert defined_values(one, TB.NAMES) == BRANCH_ONE
    assert defined_values(one, TB.OBJECTS) == [C.TEAM, *BRANCH_ONE]
    assert defined_values(one, TB.OWNERS) == ["支部书记", "支部委员", *BRANCH_ONE]
    assert one.defined_names[TB.OBJECTS].attr_text.startswith("_meta!$D$2:")
    assert one[C.META]["D1"].value == TB.OBJECTS and one[C.META]["E1"].value == TB.OWNERS
    assert defined_values(general, TB.NAMES) == ["孙丽", "赵强"]
    assert defined_values(general, TB.OWNERS) == ["总支书记", "总支委员", "孙丽", "赵强"]


@pytest.mark.parametrize("sheet,col,name", [
    (C.TALKS, "A", TB.NAMES), (C.TALKS, "B", TB.NAMES),
    (C.PROBLEMS, "B", TB.OBJECTS), (C.RECTIFY, "C", TB.OBJECTS), (C.RECTIFY, "F", TB.OWNERS),
])
def test_name_dropdowns_use_defined_names(one: Any, general: Any, sheet: str, col: str,
                                          name: str) -> None:
    for wb in (one, general):
        dv = validation_for(wb[sheet], f"{col}3")
        assert (dv.type, dv.formula1) == ("list", name)
        assert str(dv.sqref) == f"{col}3:{col}{2 + C.DATA_ROWS}"


def expected_lists(campaign: Any, groups: list[str], roles: list[str]) -> dict[str, list[str]]:
    return {
        "groups": groups,
        "roles": roles,
        "member_kinds": ["正式党员", "预备党员"],
        "yes_no": ["是", "否"],
        "attendance": ["出席", "缺席"],
        "talk_forms": list(C.TALK_FORMS),
        "problem_categories": [*campaign.branch_problem_categories, *campaign.member_aspects],
        "problem_sources": list(C.PROBLEM_SOURCES),
        "grading_values": [*campaign.grades, campaign.not_graded, campaign.pending],
        "dispositions": list(campaign.dispositions),
        "progress": list(C.PROGRESS),
        "meeting_types": list(campaign.meeting_types),
    }


def test_every_closed_list_has_its_dropdown(one: Any, general: Any, campaign: Any) -> None:
    roles = [*C.ROLES, "支部书记、总支委员"]
    cases = [(one, expected_lists(campaign, ["第一党小组", "第二党小组"], roles)),
             (general, expected_lists(campaign, ["二组", "第二党小组"], roles))]
    checked = 0
    for wb, lists in cases:
        for spec in C.DATA_SHEETS:
            if spec.name not in wb.sheetnames:
                continue
            ws = wb[spec.name]
            for i, col in enumerate(spec.columns, start=1):
                if col.choices is None or col.choices in TB.NAME_SOURCES:
                    continue
                letter = get_column_letter(i)
                assert dropdown_items(wb, ws, f"{letter}3") == lists[col.choices], (spec.name, col)
                dv = validation_for(ws, f"{letter}3")
                assert dv.errorStyle in (None, "stop")  # closed list: nothing else accepted
                checked += 1
    assert checked >= 15


def test_ballot_cells_have_grade_dropdowns(one: Any, campaign: Any) -> None:
    ws = one[C.BALLOTS]
    last = get_column_letter(1 + len(EVALUATED_ONE))
    for col in ("B", last):
        assert dropdown_items(one, ws, f"{col}3") == list(campaign.grades)
        assert dropdown_items(one, ws, f"{col}{2 + C.BALLOT_ROWS}") == list(campaign.grades)
        assert not [dv for dv in ws.data_validations.dataValidation
                    if f"{col}{3 + C.BALLOT_ROWS}" in dv.sqref]
    assert "弃权留空" in validation_for(ws, "B3").prompt


def test_input_messages_from_the_contract(one: Any) -> None:
    for spec in C.DATA_SHEETS:
        ws = one[spec.name]
        for i, col in enumerate(spec.columns, start=1):
            if col.prompt:
                dv = validation_for(ws, f"{get_column_letter(i)}3")
                assert dv.prompt == col.prompt.format(year=2017) and dv.showInputMessage
                assert dv.promptTitle == col.header[:16]


def test_date_and_count_cells_are_validated(one: Any, campaign: Any) -> None:
    dv = validation_for(one[C.TALKS], "C3")
    assert dv.type == "date" and "2017/3/15" in dv.error
    dv = validation_for(one[C.MEETINGS], "C3")
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_long_inline_list_goes_through_a_defined_name(campaign: Any, roster: Roster) -> None:
    types = tuple(f"第{i}类会议（按上级党组织要求召开的专题会议）" for i in range(12))
    long_campaign = dataclasses.replace(campaign, meeting_types=types)
    assert not TB.fits_inline(list(types))
    wb = openpyxl.load_workbook(io.BytesIO(T.build_workbook(long_campaign, roster, "第一支部")))
    dv = validation_for(wb[C.MEETINGS], "A3")
    assert dv.formula1 == TB.LIST_NAMES["meeting_types"]
    assert defined_values(wb, dv.formula1) == list(types)


def test_list_with_a_comma_goes_through_a_defined_name(campaign: Any, roster: Roster) -> None:
    long_campaign = dataclasses.replace(campaign, dispositions=("限期改正", "劝其退党,党内除名"))
    wb = openpyxl.load_workbook(io.BytesIO(T.build_workbook(long_campaign, roster, "第一支部")))
    assert dropdown_items(wb, wb[C.GRADING], "D3") == ["限期改正", "劝其退党,党内除名"]


def test_strict_warnings_make_a_bad_validation_fail(campaign: Any, roster: Roster,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """XlsxWriter only warns (and drops the dropdown) on a too-long list: we must fail."""
    types = tuple(f"第{i}类会议（按上级党组织要求召开的专题会议）" for i in range(12))
    long_campaign = dataclasses.replace(campaign, meeting_types=types)
    monkeypatch.setattr(T, "fits_inline", lambda items: True)
    with pytest.raises(UserWarning, match="255"):
        T.build_workbook(long_campaign, roster, "第一支部")


# ---------------------------------------------------------------- protection, formats, print

def test_protected_headers_locked_data_unlocked(one: Any) -> None:
    for sheet in one.sheetnames:
        ws = one[sheet]
        p = ws.protection
        assert p.sheet and not p.password, sheet
        # openpyxl: False = the action is allowed on the protected sheet
        assert not (p.formatCells or p.formatRows or p.insertRows or p.sort or p.autoFilter)
        if sheet in (C.GUIDE, C.META):
            continue
        n = len(row_values(ws, 2))
        for col in range(1, n + 1):
            letter = get_column_letter(col)
            assert ws.cell(1, col).protection.locked and ws.cell(2, col).protection.locked
            assert column_dimension(ws, letter).protection.locked is False, (sheet, letter)
    ws = one[C.ROSTER]
    assert ws["A3"].protection.locked is False and ws["G8"].protection.locked is False


def test_text_and_date_column_formats(one: Any) -> None:
    def fmt(sheet: str, header: str) -> str:
        ws = one[sheet]
        col = row_values(ws, 2).index(header) + 1
        return column_dimension(ws, get_column_letter(col)).number_format

    assert fmt(C.BALLOTS, "票号") == "@"
    assert fmt(C.PROBLEMS, "编号") == "@" and fmt(C.RECTIFY, "编号") == "@"
    assert fmt(C.RECTIFY, "对应问题编号") == "@"
    for sheet, header in ((C.TALKS, "日期"), (C.RECTIFY, "完成时限"), (C.ROSTER, "补课日期"),
                          (C.GRADING, "反馈日期"), (C.MEETINGS, "日期")):
        assert fmt(sheet, header) == "yyyy/m/d", (sheet, header)


def test_widths_count_chinese_twice_and_respect_the_contract(one: Any) -> None:
    for spec in C.DATA_SHEETS:
        ws = one[spec.name]
        for i, col in enumerate(spec.columns, start=1):
            width = column_dimension(ws, get_column_letter(i)).width
            assert width >= col.width, (spec.name, col.header)
            if display_width(col.header) <= 16:
                assert width >= display_width(col.header), (spec.name, col.header)
    ws = one[C.ROSTER]
    assert column_dimension(ws, "C").width >= display_width("支部书记、总支委员")


def test_print_setup_a4_landscape_titles_frozen(one: Any, general: Any) -> None:
    for wb in (one, general):
        for sheet in wb.sheetnames:
            if sheet in (C.GUIDE, C.META):
                continue
            ws = wb[sheet]
            assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
            assert ws.print_title_rows == "$1:$2"
            assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
            assert ws.auto_filter.ref.startswith("A2:")
            frozen = "B3" if sheet in (C.ROSTER, C.BALLOTS, C.GRADING) else "A3"
            assert ws.freeze_panes == frozen, sheet
            assert not ws.print_area  # rows the branch adds are printed too
    guide = one[C.GUIDE]
    assert guide.page_setup.paperSize == 9 and guide.page_setup.orientation == "portrait"


# ---------------------------------------------------------------- 填表说明

def guide_text(wb: Any) -> str:
    return "\n".join(str(c.value) for row in wb[C.GUIDE].iter_rows() for c in row if c.value)


def test_guide_covers_campaign_steps_rules_and_sending(one: Any, campaign: Any) -> None:
    text = guide_text(one)
    for needle in (campaign.organisation, campaign.theme, str(campaign.year), "第一支部",
                   "2017年3月20日前", "2017年3月31日（当日）", "2017年4月14日前",
                   campaign.excellent_cap.describe(), campaign.not_graded, campaign.pending,
                   "四明确", "整改事项明确、措施明确、责任明确、时限明确", campaign.contact,
                   "逐个工作表替换", "票号", "空白", "不写投票人姓名", C.TALLY, C.TALLY_ISSUED,
                   C.TALLY_RETURNED, "弃权", "中组发〔2014〕21号"):
        assert needle in text, needle
    for sheet in C.BRANCH_SHEET_ORDER[1:-1]:
        assert f"【{sheet}】" in text
    assert "例：张三 | 李四 | 2017/3/15 | 当面谈" in text


def test_general_guide_has_no_ballot_or_grading_part(general: Any) -> None:
    text = guide_text(general)
    assert "【民主测评】" not in text and "【组织评定】" not in text and C.TALLY not in text
    assert "总支委员之间必须两两谈到" in text


# ---------------------------------------------------------------- reproducible

def test_same_inputs_same_bytes(campaign: Any, roster: Roster, paths: list[Path]) -> None:
    for branch, path in zip([*roster.branches, None], paths):
        first = T.build_workbook(campaign, roster, branch)
        assert first == T.build_workbook(campaign, roster, branch)
        assert first == path.read_bytes()


def test_file_names_are_safe() -> None:
    assert TB.file_name("第一/二支部") == "第一_二支部.xlsx"
    assert TB.file_name(None) == "党总支.xlsx"


def test_unknown_branch_is_refused(campaign: Any, roster: Roster) -> None:
    with pytest.raises(KeyError):
        T.build_workbook(campaign, roster, "第九支部")



def test_branch_without_evaluated_members_and_no_general_committee(
        tmp_path: Path, campaign: Any) -> None:
    rows = [["陈一", "第三支部", "一组", "", "预备党员", "否", "否"],
            ["陈二", "第三支部", "二组", "", "正式党员", "是", "是"]]
    path = write_xlsx(tmp_path / "roster.xlsx", {"Sheet": [ROSTER_HEADER, *rows]})
    small = load_roster(path, campaign)
    wb = openpyxl.load_workbook(io.BytesIO(T.build_workbook(campaign, small, "第三支部")))
    assert row_values(wb[C.BALLOTS], 2) == ["票号"]
    assert wb[C.BALLOTS]["A1"].value == "第三支部 民主测评（无记名）"
    assert column_values(wb[C.GRADING], "B") == [campaign.not_graded] * 2
    general = openpyxl.load_workbook(io.BytesIO(T.build_workbook(campaign, small, None)))
    assert column_values(general[C.ROSTER], "A") == []
    assert general.defined_names[TB.NAMES].attr_text == "党员名册!$A$3:$A$3"
    assert defined_values(general, TB.OBJECTS) == [C.TEAM]


def test_wide_ballot_sheet_prints_full_size_with_ticket_column_repeated(
        tmp_path: Path, campaign: Any) -> None:
    rows = [[f"党员{i:02d}", "第五支部", "一组" if i % 2 else "二组", "支部书记" if i == 30 else "",
             "正式党员", "否", "否"] for i in range(1, 41)]
    path = write_xlsx(tmp_path / "roster.xlsx", {"Sheet": [ROSTER_HEADER, *rows]})
    big = load_roster(path, campaign)
    wb = openpyxl.load_workbook(io.BytesIO(T.build_workbook(campaign, big, "第五支部")))
    ws = wb[C.BALLOTS]
    assert row_values(ws, 2)[:3] == ["票号", "党员30", "党员01"]
    assert len(row_values(ws, 2)) == 41
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.scale in (None, 100)  # 100 % is the default XlsxWriter leaves out
    assert ws.print_title_cols == "$A:$A" and ws.print_title_rows == "$1:$2"
    assert wb[C.GRADING].sheet_properties.pageSetUpPr.fitToPage
