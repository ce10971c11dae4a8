"""The inbox (pipeline/inbox.py): which files are used, for which branch, which sheet wins."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from test_read import cfb, saved_by_libreoffice

from pipeline import contract as C
from pipeline.config import Campaign, Limits
from pipeline.read import PASSWORD_MESSAGE
from pipeline.read.inbox import scan
from pipeline.read.intake import (
    DUPLICATE,
    NOT_PROCESSED,
    NOT_SPREADSHEET,
    OTHER_CAMPAIGN,
    PARTLY_USED,
    SUPERSEDED,
    UNPLACED,
    UNREADABLE,
    USED,
    Intake,
)

BRANCHES = ["第一支部", "第二支部", "第十一支部"]
T0 = dt.datetime(2017, 3, 20, 9, 0, tzinfo=dt.UTC)
Rows = list[list[Any]]


# --- workbooks as branches send them ------------------------------------------------------------

def meta(branch: str, current: Campaign, **over: str) -> Rows:
    values = {"template": C.TEMPLATE_ID, "version": C.TEMPLATE_VERSION, "branch": branch,
              "campaign": current.campaign_id, **over}
    return [[k, v] for k, v in values.items()]


def sheet(name: str, *data: list[Any], title: str = "") -> Rows:
    """A contract sheet as the template lays it out: title row, header row, data rows."""
    return [[title or C.SHEETS[name].title], list(C.SHEETS[name].headers), *map(list, data)]


def talks(*who: str) -> Rows:
    return sheet(C.TALKS, *([a, "李四", "2017/3/15", "当面谈", "交流思想"] for a in who))


def problems(*ids: str) -> Rows:
    return sheet(C.PROBLEMS, *([i, "班子", "党员日常管理", "学习不够", "自查"] for i in ids))


def roster(*absent: str, title: str = "") -> Rows:
    """The pre-filled 党员名册 (everyone 出席); `absent` members marked 缺席 by the branch."""
    rows = [[n, "第一党小组", "", "正式党员", "否", "否", C.ABSENT if n in absent else C.PRESENT]
            for n in ("张三", "李四", "王五")]
    return sheet(C.ROSTER, *rows, title=title)


def write(path: Path, sheets: dict[str, Rows], *, saved: dt.datetime | None = T0,
          mtime: dt.datetime = T0) -> Path:
    """A workbook as Excel saves it, with its own saved time (docProps) and the file's mtime."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name == C.META:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_with_saved(buf.getvalue(), saved))
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def _with_saved(data: bytes, saved: dt.datetime | None) -> bytes:
    """openpyxl stamps the wall clock as `modified`; put the wanted time (or none) there."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = (f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">"
                         f"{saved:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>") if saved else ""
                content = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>",
                                 stamp.encode(), content)
            dst.writestr(info, content)
    return out.getvalue()


def branch_book(inbox: Path, name: str, branch: str, campaign: Campaign, *,
                saved: dt.datetime | None = T0, mtime: dt.datetime = T0,
                **sheets: Rows) -> Path:
    return write(inbox / name, {**{C.SHEETS[_sheet(k)].name: v for k, v in sheets.items()},
                                C.META: meta(branch, campaign)}, saved=saved, mtime=mtime)


_KW = {"roster": C.ROSTER, "talks": C.TALKS, "problems": C.PROBLEMS, "grading": C.GRADING,
       "meetings": C.MEETINGS}


def _sheet(key: str) -> str:
    return _KW[key]


def statuses(intake: Intake) -> dict[str, str]:
    return {f.name: f.status for f in intake.files}


def winner(intake: Intake, branch: str, sheet_name: str) -> str:
    return intake.sheets[branch][sheet_name][0].name


def rules(intake: Intake) -> list[tuple[str, str, str]]:
    return [(i.rule, i.severity, i.file) for i in intake.issues]


def limited(campaign: Campaign, **limits: int) -> Campaign:
    return dataclasses.replace(campaign, limits=dataclasses.replace(Limits(), **limits))


# --- R-F2: placing a file ------------------------------------------------------------------

def test_r_f2_placed_by_meta_whatever_the_file_name(tmp_path: Path, campaign: Campaign) -> None:
    branch_book(tmp_path, "附件1.xlsx", "第二支部", campaign, talks=talks("张三"))
    intake = scan(tmp_path, campaign, BRANCHES)
    (f,) = intake.files
    assert (f.name, f.branch, f.status) == ("附件1.xlsx", "第二支部", USED)
    assert f.saved == T0 and f.mtime == T0 and len(f.sha256) == 64
    assert winner(intake, "第二支部", C.TALKS) == "附件1.xlsx"
    assert intake.issues == [] and intake.branches == ["第二支部"]
    assert intake.book(f) is intake.books["附件1.xlsx"]


def test_r_f2_placed_by_file_or_folder_name_without_meta(tmp_path: Path,
                                                        campaign: Campaign) -> None:
    write(tmp_path / "第十一支部-报送.xlsx", {C.TALKS: talks("张三")})
    write(tmp_path / "第二支部" / "表格.xlsx", {C.PROBLEMS: problems("Q1")})
    intake = scan(tmp_path, campaign, BRANCHES)
    assert {f.name: f.branch for f in intake.files} == {
        "第十一支部-报送.xlsx": "第十一支部", "第二支部/表格.xlsx": "第二支部"}
    assert set(statuses(intake).values()) == {USED} and intake.issues == []
    assert "没有 _meta，按文件名识别为第十一支部" in intake.files[1].note


def test_r_f2_placed_by_the_roster_title(tmp_path: Path, campaign: Campaign) -> None:
    write(tmp_path / "报送表.xlsx", {C.ROSTER: roster("王五", title="第二支部 党员名册")})
    intake = scan(tmp_path, campaign, BRANCHES)
    assert intake.files[0].branch == "第二支部" and intake.files[0].status == USED


def test_r_f2_general_branch(tmp_path: Path, campaign: Campaign) -> None:
    branch_book(tmp_path, "总支.xlsx", C.GENERAL_BRANCH, campaign, talks=talks("张三"))
    write(tmp_path / "党总支（第二次）.xlsx", {C.PROBLEMS: problems("Q1")})
    intake = scan(tmp_path, campaign, BRANCHES)
    assert {f.branch for f in intake.files} == {C.GENERAL_BRANCH}
    assert list(intake.sheets[C.GENERAL_BRANCH]) == [C.TALKS, C.PROBLEMS]


def test_r_f2_unplaceable_files_are_errors(tmp_path: Path, campaign: Campaign) -> None:
    write(tmp_path / "表格.xlsx", {C.TALKS: talks("张三")})
    write(tmp_path / "签到表.xlsx", {"Sheet1": [["姓名", "签到"], ["张三", "√"]]})
    write(tmp_path / "第一支部和第二支部.xlsx", {C.TALKS: talks("王五")})
    intake = scan(tmp_path, campaign, BRANCHES)
    assert set(statuses(intake).values()) == {UNPLACED}
    assert rules(intake) == [("R-F2", "error", "第一支部和第二支部.xlsx"),
                             ("R-F2", "error", "签到表.xlsx"), ("R-F2", "error", "表格.xlsx")]
    texts = [i.text for i in intake.issues]
    assert "文件名中同时出现了 第一支部、第二支部" in texts[0]
    assert texts[1].startswith("签到表.xlsx：文件中没有本次报送的工作表（党员名册、谈心谈话")
    assert "没有 _meta 标记，文件名和表格标题中也没有支部名称" in texts[2]
    assert intake.sheets == {} and intake.books == {}


def test_r_f2_meta_branch_not_in_the_roster(tmp_path: Path, campaign: Campaign) -> None:
    branch_book(tmp_path, "第九支部.xlsx", "第九支部", campaign, talks=talks("张三"))
    intake = scan(tmp_path, campaign, BRANCHES)
    (i,) = intake.issues
    assert (i.rule, i.severity, i.sheet, i.cell, i.found) == ("R-F2", "error", C.META, "B3",
                                                              "第九支部")
    assert intake.files[0].status == UNPLACED
    # Without the roster's branch names, _meta is taken as it stands.
    assert scan(tmp_path, campaign).files[0].branch == "第九支部"


def test_r_f2_meta_wins_over_the_file_name_with_a_warning(tmp_path: Path,
                                                          campaign: Campaign) -> None:
    branch_book(tmp_path, "第二支部.xlsx", "第一支部", campaign, talks=talks("张三"))
    intake = scan(tmp_path, campaign, BRANCHES)
    assert intake.files[0].branch == "第一支部"
    (i,) = intake.issues
    assert (i.rule, i.severity, i.branch, i.cell) == ("R-F2", "warning", "第一支部", "B3")
    assert "文件名写的是“第二支部”，但表内 _meta 标明为“第一支部”" in i.message


# --- R-F5: another campaign or version ---------------------------------------------------------

def test_r_f5_other_campaign(tmp_path: Path, campaign: Campaign) -> None:
    write(tmp_path / "第一支部.xlsx", {C.TALKS: talks("张三"), C.META: meta(
        "第一支部", campaign, campaign="徐汇区教师进修学院党总支/2016")})
    intake = scan(tmp_path, campaign, BRANCHES)
    (i,) = intake.issues
    assert (i.rule, i.severity, i.file, i.sheet, i.cell) == ("R-F5", "error", "第一支部.xlsx",
                                                             C.META, "B4")
    assert i.found == "徐汇区教师进修学院党总支/2016" and i.expected == campaign.campaign_id
    assert "这是“徐汇区教师进修学院党总支/2016”活动的表格" in i.message
    assert intake.files[0].status == OTHER_CAMPAIGN and intake.sheets == {}


def test_r_f5_unknown_template_version(tmp_path: Path, campaign: Campaign) -> None:
    write(tmp_path / "第一支部.xlsx", {C.TALKS: talks("张三"),
                                       C.META: meta("第一支部", campaign, version="2")})
    write(tmp_path / "第二支部.xlsx", {C.TALKS: talks("张三"),
                                       C.META: meta("第二支部", campaign, template="other")})
    intake = scan(tmp_path, campaign, BRANCHES)
    assert [(i.rule, i.cell, i.found) for i in intake.issues] == [
        ("R-F5", "B2", "2"), ("R-F5", "B1", "other")]
    assert "模板版本“2”未知" in intake.issues[0].message
    assert set(statuses(intake).values()) == {OTHER_CAMPAIGN}


# --- R-F4: newest wins, sheet by sheet -----------------------------------------------------------

def test_r_f4_newest_wins_sheet_by_sheet(tmp_path: Path, campaign: Campaign) -> None:
    first = {"talks": talks("张三"), "problems": problems("Q1")}
    branch_book(tmp_path, "第一支部.xlsx", "第一支部", campaign, saved=T0, **first)
    branch_book(tmp_path, "第一支部（改）.xlsx", "第一支部", campaign,
                saved=T0 + dt.timedelta(days=3), problems=problems("Q1", "Q2"))
    intake = scan(tmp_path, campaign, BRANCHES)
    assert statuses(intake) == {"第一支部.xlsx": PARTLY_USED, "第一支部（改）.xlsx": USED}
    assert winner(intake, "第一支部", C.TALKS) == "第一支部.xlsx"
    assert winner(intake, "第一支部", C.PROBLEMS) == "第一支部（改）.xlsx"
    assert [(a.name, s, b.name) for a, s, b in intake.superseded] == [
        ("第一支部.xlsx", C.PROBLEMS, "第一支部（改）.xlsx")]
    assert "被替代：问题清单（由 第一支部（改）.xlsx 替代）" in intake.files[0].note
    assert intake.issues == []  # superseding is listed, not an issue


def test_r_f4_all_sheets_superseded(tmp_path: Path, campaign: Campaign) -> None:
    branch_book(tmp_path, "a.xlsx", "第一支部", campaign, saved=T0, talks=talks("张三"))
    branch_book(tmp_path, "b.xlsx", "第一支部", campaign, saved=T0 + dt.timedelta(hours=1),
                talks=talks("李四"), problems=problems("Q1"))
    intake = scan(tmp_path, campaign, BRANCHES)
    assert statuses(intake) == {"a.xlsx": SUPERSEDED, "b.xlsx": USED}
    (loser, name, newer), = intake.superseded
    raw = intake.raw_sheet(loser, name)  # kept for row accounting of superseded sheets
    assert raw is not None and raw.rows[2][0] == "张三" and newer.name == "b.xlsx"


def test_r_f4_saved_time_beats_the_file_time(tmp_path: Path, campaign: Campaign) -> None:
    """A file copied later (newer mtime) but saved earlier loses to the later-saved one."""
    late = T0 + dt.timedelta(days=1)
    branch_book(tmp_path, "a.xlsx", "第一支部", campaign, saved=late, mtime=T0,
                talks=talks("张三"))
    branch_book(tmp_path, "b.xlsx", "第一支部", campaign, saved=T0, mtime=late + dt.timedelta(9),
                talks=talks("李四"))
    intake = scan(tmp_path, campaign, BRANCHES)
    assert winner(intake, "第一支部", C.TALKS) == "a.xlsx"


def test_r_f4_file_time_then_name_without_saved_time(tmp_path: Path,
                                                     campaign: Campaign) -> None:
    late = T0 + dt.timedelta(hours=2)
    branch_book(tmp_path, "c.xlsx", "第一支部", campaign, saved=None, mtime=late,
                talks=talks("张三"))
    branch_book(tmp_path, "d.xlsx", "第一支部", campaign, saved=None, mtime=T0,
                talks=talks("李四"))
    intake = scan(tmp_path, campaign, BRANCHES)
    assert intake.files[0].saved is None
    assert winner(intake, "第一支部", C.TALKS) == "c.xlsx"
    os.utime(tmp_path / "d.xlsx", (late.timestamp(), late.timestamp()))
    assert winner(scan(tmp_path, campaign, BRANCHES), "第一支部", C.TALKS) == "d.xlsx"


def test_r_f4_untouched_template_sheet_does_not_replace_a_filled_one(
        tmp_path: Path, campaign: Campaign) -> None:
    grading = sheet(C.GRADING, ["张三", None], ["王五", campaign.not_graded])
    branch_book(tmp_path, "a.xlsx", "第一支部", campaign, saved=T0, roster=roster("王五"))
    branch_book(tmp_path, "b.xlsx", "第一支部", campaign, saved=T0 + dt.timedelta(days=1),
                roster=roster(), talks=talks("张三"), grading=grading)
    intake = scan(tmp_path, campaign, BRANCHES)
    assert winner(intake, "第一支部", C.ROSTER) == "a.xlsx"  # b's roster is the bare pre-fill
    assert statuses(intake) == {"a.xlsx": USED, "b.xlsx": USED}
    assert intake.superseded == []
    assert C.GRADING not in intake.sheets["第一支部"]
    assert list(intake.unfilled["第一支部"]) == [C.GRADING]
    assert intake.unfilled["第一支部"][C.GRADING][0].name == "b.xlsx"
    # Once a grade is typed, the sheet is sent.
    grading[2][1] = "优秀"
    branch_book(tmp_path, "b.xlsx", "第一支部", campaign, saved=T0 + dt.timedelta(days=1),
                grading=grading)
    assert winner(scan(tmp_path, campaign, BRANCHES), "第一支部", C.GRADING) == "b.xlsx"


def test_r_f4_sheet_without_headers_still_counts_as_sent(tmp_path: Path,
                                                         campaign: Campaign) -> None:
    """The rules report R-F3 against it; an older good copy is not silently preferred."""
    branch_book(tmp_path, "a.xlsx", "第一支部", campaign, saved=T0, talks=talks("张三"))
    broken = [["谈心谈话记录"], ["谈话人", "对象", "时间"], ["张三", "李四", "3/15"]]
    branch_book(tmp_path, "b.xlsx", "第一支部", campaign, saved=T0 + dt.timedelta(days=1),
                talks=broken)
    intake = scan(tmp_path, campaign, BRANCHES)
    assert winner(intake, "第一支部", C.TALKS) == "b.xlsx"
    assert statuses(intake)["a.xlsx"] == SUPERSEDED


def test_r_f4_duplicate_files_reported_once(tmp_path: Path, campaign: Campaign) -> None:
    path = branch_book(tmp_path, "第一支部.xlsx", "第一支部", campaign, talks=talks("张三"))
    for copy in ("第一支部 - 副本.xlsx", "邮件附件/第一支部.xlsx"):
        (tmp_path / copy).parent.mkdir(exist_ok=True)
        (tmp_path / copy).write_bytes(path.read_bytes())
    intake = scan(tmp_path, campaign, BRANCHES)
    # the plain name is adopted and cited, though the Windows copy sorts first (#10, case 16)
    assert statuses(intake) == {"第一支部 - 副本.xlsx": DUPLICATE, "第一支部.xlsx": USED,
                                "邮件附件/第一支部.xlsx": DUPLICATE}
    (i,) = intake.issues
    assert (i.rule, i.severity, i.file, i.branch) == ("R-F4", "warning", "第一支部 - 副本.xlsx",
                                                      "第一支部")
    assert "与 第一支部.xlsx 内容完全相同（重复报送 2 份" in i.message
    assert i.found == "与 第一支部.xlsx 内容相同"
    assert list(intake.books) == ["第一支部.xlsx"] and intake.superseded == []


# --- R-F1: files that cannot be used -------------------------------------------------------------

def test_r_f1_unreadable_file_is_skipped_and_the_rest_goes_on(tmp_path: Path,
                                                              campaign: Campaign) -> None:
    good = branch_book(tmp_path, "第一支部.xlsx", "第一支部", campaign, talks=talks("张三"))
    (tmp_path / "第二支部.xlsx").write_bytes(good.read_bytes()[:900])
    (tmp_path / "第十一支部.xlsx").write_bytes(
        cfb({"EncryptionInfo": b"\x04\x00", "EncryptedPackage": b"\x00" * 5000}))
    (tmp_path / "空白.xlsx").write_bytes(b"")
    intake = scan(tmp_path, campaign, BRANCHES)
    assert statuses(intake) == {"空白.xlsx": UNREADABLE, "第一支部.xlsx": USED,
                                "第二支部.xlsx": UNREADABLE, "第十一支部.xlsx": UNREADABLE}
    found = {i.file: i for i in intake.issues}
    assert all((i.rule, i.severity) == ("R-F1", "error") for i in intake.issues)
    assert found["第十一支部.xlsx"].found == PASSWORD_MESSAGE
    assert found["第二支部.xlsx"].text.startswith("第二支部.xlsx：无法打开：文件已损坏")
    assert "其他文件照常处理" in found["空白.xlsx"].message
    assert list(intake.sheets) == ["第一支部"]


def test_r_f1_non_spreadsheet_files(tmp_path: Path, campaign: Campaign) -> None:
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<document/>")
    (tmp_path / "支部总结.docx").write_bytes(docx.getvalue())
    (tmp_path / "照片.pdf").write_bytes(b"%PDF-1.4 ...")
    (tmp_path / "说明.txt").write_text("请查收", encoding="utf-8")
    (tmp_path / "第一支部.xls").write_text("<html><table><tr><td>谈话人</td></tr></table></html>",
                                          encoding="utf-8")
    intake = scan(tmp_path, campaign, BRANCHES)
    assert statuses(intake) == {"支部总结.docx": NOT_SPREADSHEET, "照片.pdf": NOT_SPREADSHEET,
                                "说明.txt": NOT_SPREADSHEET, "第一支部.xls": UNREADABLE}
    severity = {i.file: i.severity for i in intake.issues}
    assert severity == {"支部总结.docx": "warning", "照片.pdf": "warning", "说明.txt": "warning",
                        "第一支部.xls": "error"}
    html = next(i for i in intake.issues if i.file == "第一支部.xls")
    assert "网页（HTML）格式" in html.message and "另存为” .xlsx" in html.message


def test_lock_and_hidden_files_are_skipped_silently(tmp_path: Path, campaign: Campaign) -> None:
    branch_book(tmp_path, "第一支部.xlsx", "第一支部", campaign, talks=talks("张三"))
    for junk in ("~$第一支部.xlsx", ".~lock.第一支部.xlsx#", ".DS_Store", "Thumbs.db",
                 ".git/config", "__MACOSX/._第一支部.xlsx"):
        (tmp_path / junk).parent.mkdir(exist_ok=True)
        (tmp_path / junk).write_bytes(b"\x00junk")
    intake = scan(tmp_path, campaign, BRANCHES)
    assert [f.name for f in intake.files] == ["第一支部.xlsx"] and intake.issues == []


def test_r_f1_too_many_files(tmp_path: Path, campaign: Campaign) -> None:
    for i, b in enumerate(BRANCHES):
        branch_book(tmp_path, f"{i}.xlsx", b, campaign, talks=talks("张三"))
    intake = scan(tmp_path, limited(campaign, max_files=2), BRANCHES)
    assert statuses(intake) == {"0.xlsx": USED, "1.xlsx": USED, "2.xlsx": NOT_PROCESSED}
    (i,) = intake.issues
    assert (i.rule, i.severity, i.file) == ("R-F1", "error", "2.xlsx")
    assert "超过上限 2 个" in i.message and "只处理了按路径排序的前 2 个" in i.message
    assert list(intake.sheets) == ["第一支部", "第二支部"]


def test_r_f1_sheet_over_the_row_limit(tmp_path: Path, campaign: Campaign) -> None:
    many = talks(*["张三"] * 20)
    branch_book(tmp_path, "第一支部.xlsx", "第一支部", campaign, talks=many,
                problems=problems("Q1"))
    intake = scan(tmp_path, limited(campaign, max_rows_per_sheet=10), BRANCHES)
    (i,) = intake.issues
    assert (i.rule, i.severity, i.branch, i.sheet) == ("R-F1", "error", "第一支部", C.TALKS)
    assert "22 行，超过每表 10 行的上限" in i.message
    assert list(intake.sheets["第一支部"]) == [C.PROBLEMS]
    assert intake.files[0].status == USED


def test_r_f1_file_larger_than_the_unpacked_limit(tmp_path: Path, campaign: Campaign) -> None:
    (tmp_path / "第一支部.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * (1 << 20))
    (tmp_path / "录像.mp4").write_bytes(b"\x00\x00\x00\x18ftyp" + b"\x00" * (1 << 20))
    intake = scan(tmp_path, limited(campaign, max_unpacked_mb=1), BRANCHES)
    assert statuses(intake) == {"第一支部.xlsx": UNREADABLE, "录像.mp4": NOT_SPREADSHEET}
    assert "超过 1 MB 的上限" in next(i.message for i in intake.issues if i.severity == "error")


def test_scan_is_recursive_deterministic_and_names_relative_paths(
        tmp_path: Path, campaign: Campaign) -> None:
    for name, b in (("b/第二支部.xlsx", "第二支部"), ("a/z/第一支部.xlsx", "第一支部"),
                    ("第十一支部.xlsx", "第十一支部")):
        branch_book(tmp_path, name, b, campaign, talks=talks("张三"))
    seen: list[str] = []
    one = scan(tmp_path, campaign, BRANCHES, progress=lambda f: seen.append(f.name))
    two = scan(tmp_path, campaign, BRANCHES)
    names = [f.name for f in one.files]
    assert seen == names
    assert names == ["a/z/第一支部.xlsx", "b/第二支部.xlsx", "第十一支部.xlsx"]
    assert names == [f.name for f in two.files]
    assert list(one.sheets) == BRANCHES  # roster order


def test_macro_workbooks_are_used_with_a_note(tmp_path: Path, campaign: Campaign) -> None:
    path = branch_book(tmp_path, "第一支部.xlsm", "第一支部", campaign, talks=talks("张三"))
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    path.write_bytes(data.getvalue())
    intake = scan(tmp_path, campaign, BRANCHES)
    assert intake.files[0].status == USED and "含宏（未运行" in intake.files[0].note
    assert intake.books["第一支部.xlsm"].has_macros


@pytest.fixture(scope="session")
def lo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    return saved_by_libreoffice(tmp_path_factory)


@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_lo_saved_workbooks_are_placed(tmp_path: Path, campaign: Campaign,
                                       lo_files: dict[str, dict[str, Path]], suffix: str) -> None:
    """The LibreOffice-saved workbook of test_read carries a _meta for 第一支部."""
    target = tmp_path / f"报送.{suffix}"
    target.write_bytes(lo_files[suffix]["main"].read_bytes())
    intake = scan(tmp_path, campaign, BRANCHES)
    assert intake.files[0].branch == "第一支部" and intake.files[0].status == USED
    assert list(intake.sheets["第一支部"]) == [C.ROSTER]  # 缺席 typed in 民主评议出席
