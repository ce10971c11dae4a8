"""orglife returns (SPEC §9): the marked-up copy — fills and comments on exactly the cells the
issues name, the 修改清单 sheet, the template's dropdowns and _meta, the notice, the summary."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from returns_support import AS_OF, SAVED, copy_inbox, edit_file, roster, run

from pipeline import contract as C
from pipeline.config import campaign_from_dict
from pipeline.returns import ReturnsError, build_returns
from pipeline.returns.markup import ERROR_FILL, WARNING_FILL
from pipeline.returns.package import NEEDS_FIX, PASSED, fix_by
from pipeline.write.templates import build_workbook

BRANCH = "第一支部"
# One error on each of four sheets of 第一支部's winning file, and the demo's own warning.
ERRORS = {"民主测评!C5": "良好", "组织评定!B4": "很好", "会议情况!D3": 99, "整改清单!F3": None}
RULE_AT = {"民主测评!C5": "R-B1", "组织评定!B4": "R-G1", "会议情况!D3": "R-M3",
           "整改清单!F3": "R-R1", "民主测评!A29": "R-B4"}


@pytest.fixture(scope="module")
def returned(tmp_path_factory, campaign):
    inbox = copy_inbox(tmp_path_factory.mktemp("markup"))
    edit_file(inbox / f"{BRANCH}.xlsx", ERRORS)
    outcome = run(inbox, campaign)
    return outcome, build_returns(outcome, campaign, roster(campaign), AS_OF, saved=SAVED)


def package(returned, branch=BRANCH):
    return next(p for p in returned[1].packages if p.ret.branch == branch)


def book(returned, branch=BRANCH) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(package(returned, branch).workbook))


def fills(wb: openpyxl.Workbook) -> dict[str, str]:
    """'sheet!cell' → fill colour of every filled cell outside the template's own fills."""
    out = {}
    for ws in wb.worksheets:
        if ws.title == C.RETURN_LIST:
            continue
        for row in ws.iter_rows():
            for cell in row:
                colour = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type else None
                if isinstance(colour, str) and colour[-6:] in (ERROR_FILL, WARNING_FILL):
                    out[f"{ws.title}!{cell.coordinate}"] = colour[-6:]
    return out


def test_exactly_the_named_cells_are_filled_and_commented(returned):
    wb = book(returned)
    expected = {where: ERROR_FILL for where in ERRORS} | {"民主测评!A29": WARNING_FILL}
    assert fills(wb) == expected
    commented = {f"{ws.title}!{c.coordinate}": c.comment.text for ws in wb.worksheets
                 for row in ws.iter_rows() for c in row if c.comment is not None}
    assert set(commented) == set(RULE_AT)
    for where, rule in RULE_AT.items():
        assert rule in commented[where]
    assert "发现：良好" in commented["民主测评!C5"]
    assert "应为：优秀/合格/基本合格/不合格" in commented["民主测评!C5"]
    assert "说明：对 董秀兰 的测评“良好”不是有效等次" in commented["民主测评!C5"]
    assert "【错误】R-M3" in commented["会议情况!D3"] and "实到 99 人多于应到 34 人" in commented[
        "会议情况!D3"]
    # Sized to be read without resizing (openpyxl does not read sizes back: the VML has them).
    with zipfile.ZipFile(io.BytesIO(package(returned).workbook)) as z:
        vml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    sizes = [(int(w), int(h)) for w, h in re.findall(r"width:(\d+)px;height:(\d+)px", vml)]
    assert len(sizes) == len(RULE_AT)
    assert all(w >= 300 and h >= 4 * 16 for w, h in sizes)  # at least four lines of 9 pt text
    assert max(h for _, h in sizes) > min(h for _, h in sizes)  # longer text, taller box


def test_the_copy_carries_the_branch_data_with_the_wrong_values(returned):
    wb = book(returned)
    assert wb["民主测评"]["C5"].value == "良好"
    assert wb["会议情况"]["D3"].value == 99
    assert wb["整改清单"]["F3"].value is None
    assert wb["民主测评"]["A3"].value == "001"


def test_checklist_is_first_with_errors_first_and_links(returned):
    wb = book(returned)
    assert wb.sheetnames[0] == C.RETURN_LIST
    assert wb.active.title == C.RETURN_LIST
    ws = wb[C.RETURN_LIST]
    rows = [tuple(c.value for c in r) for r in ws.iter_rows()]
    assert rows[0][0] == f"{BRANCH} 修改意见（修改清单）"
    head = next(n for n, r in enumerate(rows) if r[:7] == ("级别", "规则", "工作表", "单元格",
                                                          "发现值", "应为", "说明"))
    header_text = "".join(str(r[0]) for r in rows[1:head] if r[0])
    assert "2017年4月20日" in header_text and "错误 4 处，警告 1 处" in header_text
    assert "2017年4月23日前" in header_text  # --as-of + fix_days (3)
    assert "逾期未报送：无" in header_text
    lines = rows[head + 1:]
    assert [r[:2] for r in lines] == [("错误", "R-B1"), ("错误", "R-G1"), ("错误", "R-R1"),
                                      ("错误", "R-M3"), ("警告", "R-B4")]
    assert [(r[2], r[3]) for r in lines] == [("民主测评", "C5"), ("组织评定", "B4"),
                                             ("整改清单", "F3"), ("会议情况", "D3"),
                                             ("民主测评", "A29")]
    assert lines[0][4] == "良好"
    links = [ws.cell(row=head + 1 + n, column=4).hyperlink for n in range(1, len(lines) + 1)]
    assert [h.location for h in links] == ["'民主测评'!C5", "'组织评定'!B4", "'整改清单'!F3",
                                           "'会议情况'!D3", "'民主测评'!A29"]


def test_issue_without_a_cell_is_listed_only(tmp_path, campaign):
    """第四支部's missing 必谈 pair (R-T1) names no cell: a line on 修改清单, no fill."""
    outcome = run(copy_inbox(tmp_path), campaign)
    result = build_returns(outcome, campaign, roster(campaign), AS_OF, saved=SAVED)
    p = next(p for p in result.packages if p.ret.branch == "第四支部")
    wb = openpyxl.load_workbook(io.BytesIO(p.workbook))
    assert fills(wb) == {}
    assert p.marked == 0
    ws = wb[C.RETURN_LIST]
    line = next(r for r in ws.iter_rows(values_only=True) if r[1] == "R-T1")
    assert line[2:4] == ("谈心谈话", "（整表）")
    assert "黄德明 与 邵蕾蕾 之间没有谈心谈话记录" in line[6]


def test_dropdowns_protection_and_meta_are_the_templates(returned, campaign):
    copy = book(returned)
    template = openpyxl.load_workbook(io.BytesIO(build_workbook(campaign, roster(campaign),
                                                                BRANCH)))

    def validations(ws):
        return sorted((str(dv.sqref), dv.type, dv.formula1, dv.prompt, dv.error, dv.errorStyle)
                      for dv in ws.data_validations.dataValidation)

    for ws in template.worksheets:
        mine = copy[ws.title]
        assert validations(mine) == validations(ws), ws.title
        assert mine.protection.sheet == ws.protection.sheet, ws.title
        assert mine.sheet_state == ws.sheet_state, ws.title
        assert mine.page_setup.orientation == ws.page_setup.orientation, ws.title
        assert mine.print_title_rows == ws.print_title_rows, ws.title
    meta = [tuple(r[:2]) for r in copy[C.META].iter_rows(values_only=True) if r[0]]
    assert meta == [tuple(r[:2]) for r in template[C.META].iter_rows(values_only=True) if r[0]]
    assert copy[C.META].sheet_state == "hidden"
    assert set(copy.defined_names) == set(template.defined_names)
    assert copy.properties.modified == SAVED.replace(tzinfo=None)


def test_notice_names_cells_but_never_a_ballot_row(returned):
    text = package(returned).notice
    assert text.startswith(f"{BRANCH}：")
    assert "4 处错误、1 处警告" in text
    assert "会议情况!D3：实到 99 人多于应到 34 人（R-M3）" in text
    assert "组织评定!B4" in text and "整改清单!F3" in text
    # Ballot rows: the member column and a count, no cell, 票号 or value.
    assert "民主测评：“董秀兰”一列有 1 处不符合要求" in text
    assert "民主测评：有一张整张空白的测评票" in text
    for leak in ("民主测评!", "C5", "A29", "027", "良好"):
        assert leak not in text
    assert f"《{BRANCH}-修改意见.xlsx》" in text and "2017年4月23日前" in text
    assert "原样发回" in text


def test_summary_lists_every_branch(returned, campaign):
    _outcome, result = returned
    lines = result.summary.splitlines()
    names = [*roster(campaign).branches, C.GENERAL_BRANCH]
    listed = [line.split("\t")[0] for line in lines if "\t" in line]
    assert listed == names
    assert f"{BRANCH}\t{NEEDS_FIX}（4 错误，1 警告）" in lines
    assert f"第三支部\t{PASSED}" in lines
    assert {p.ret.branch for p in result.packages} == {BRANCH, "第二支部", "第四支部"}


def test_ballots_go_back_only_to_their_own_branch(returned):
    result = returned[1]
    for p in result.packages:
        wb = openpyxl.load_workbook(io.BytesIO(p.workbook))
        if p.ret.general:
            assert C.BALLOTS not in wb.sheetnames
            continue
        own = {m for m in (c.value for c in wb[C.BALLOTS][2]) if m and m != "票号"}
        assert own == set(p.ret.sheets[C.BALLOTS].raw.rows[1][1:]) - {""}
        others = [q for q in result.packages if q is not p]
        for q in others:
            assert not (own & {m for m in q.ret.sheets[C.BALLOTS].raw.rows[1][1:] if m})


def test_fix_days_from_the_config(campaign):
    assert fix_by(campaign, AS_OF).isoformat() == "2017-04-23"
    raw = {**campaign.raw, "returns": {"fix_days": 7}}
    other = campaign_from_dict(raw, source=Path(__file__).resolve().parents[1] / "workbooks"
                               / "campaign.toml")
    assert fix_by(other, AS_OF).isoformat() == "2017-04-27"
    bad = campaign_from_dict({**campaign.raw, "returns": {"fix_days": "三天"}},
                             source=Path(__file__).resolve().parents[1] / "workbooks"
                             / "campaign.toml")
    with pytest.raises(ReturnsError, match="fix_days"):
        fix_by(bad, AS_OF)


def test_overdue_stage_sends_back_and_a_stage_not_yet_due_does_not(tmp_path, campaign):
    """Sent on time = by the send deadline of 填表说明 (4/14, issue #10 case 11). At 3/25 a
    stage not sent yet is not due: 第三支部, which then had sent only its first stages, is
    已通过 with no package; at 4/15 the same inbox makes it 缺报."""
    inbox = copy_inbox(tmp_path)
    for path in inbox.rglob("第三支部*"):
        if "2017-03-2" not in str(path.parent):
            path.unlink()  # 第三支部 keeps only its earliest sends
    outcome = run(inbox, campaign)
    early = build_returns(outcome, campaign, roster(campaign), dt.date(2017, 3, 25), saved=SAVED)
    lines = early.summary.splitlines()
    assert "第三支部\t已通过" in lines
    assert "第三支部" not in {p.ret.branch for p in early.packages}
    late = build_returns(outcome, campaign, roster(campaign), dt.date(2017, 4, 15), saved=SAVED)
    (third,) = [line for line in late.summary.splitlines() if line.startswith("第三支部\t")]
    assert third == "第三支部\t缺报（民主测评、组织评定、整改清单、会议情况）"
    assert "第三支部" in {p.ret.branch for p in late.packages}


def test_the_general_branch_gets_its_own_workbook_back(tmp_path, campaign):
    inbox = copy_inbox(tmp_path)
    edit_file(inbox / f"{C.GENERAL_BRANCH}.xlsx", {"整改清单!F3": None})
    outcome = run(inbox, campaign)
    result = build_returns(outcome, campaign, roster(campaign), AS_OF, saved=SAVED)
    p = next(p for p in result.packages if p.ret.branch == C.GENERAL_BRANCH)
    wb = openpyxl.load_workbook(io.BytesIO(p.workbook))
    assert fills(wb) == {"整改清单!F3": ERROR_FILL}
    assert C.BALLOTS not in wb.sheetnames and C.GRADING not in wb.sheetnames
    meta = {r[0]: r[1] for r in wb[C.META].iter_rows(values_only=True) if r[0]}
    assert meta["branch"] == C.GENERAL_BRANCH
    assert "总支班子报送的" in p.notice and "整改清单!F3：责任人为空" in p.notice
