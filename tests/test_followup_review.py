"""总支审核 round trip on the demo inbox: write the review workbook, fill it as the office
would (openpyxl), consolidate shows 总支审核 and 最终等次, R-V1..R-V3 fire, a re-run keeps the
office's entries; then the feedback notices for the confirmed grades."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
FILING = "徐汇区教师进修学院党总支-2017-专题组织生活会备案.xlsx"
WORKPAPER = "徐汇区教师进修学院党总支-2017-专题组织生活会工作底稿.xlsx"  # the full filing


def setup_office(where: Path) -> Path:
    """A copy of the demo config and roster, so the review workbook lands in `where`."""
    where.mkdir(parents=True, exist_ok=True)
    for name in ("campaign.toml", "roster.xlsx"):
        shutil.copy(ROOT / "workbooks" / name, where / name)
    return where / "campaign.toml"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def table(ws) -> tuple[list[str], list[dict]]:
    values = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(values) if r and r[0] in ("支部", "级别"))
    header = list(values[head])
    return header, [dict(zip(header, r)) for r in values[head + 1:] if any(v is not None for v in r)]


def fill(book: Path, entries: dict[tuple[str, str], dict], extra: list[dict] = ()) -> None:
    """Type into the office's columns like a user would (by header, matched by 支部+姓名)."""
    wb = openpyxl.load_workbook(book)
    ws = wb["总支审核"]
    header = [c.value for c in ws[3]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for row in range(4, ws.max_row + 1):
        key = (ws.cell(row, col["支部"]).value, ws.cell(row, col["姓名"]).value)
        for h, v in entries.get(key, {}).items():
            ws.cell(row, col[h]).value = v
    for e in extra:
        row = ws.max_row + 1
        for h, v in e.items():
            ws.cell(row, col[h]).value = v
    wb.save(book)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("office")
    config = setup_office(base / "workbooks")
    first = run("review", str(INBOX), "--config", str(config))
    book = base / "workbooks" / "总支审核.xlsx"
    written = book.read_bytes()
    unchanged = run("review", str(INBOX), "--config", str(config))
    same = written == book.read_bytes()
    header, rows = table(openpyxl.load_workbook(book)["总支审核"])
    fill(book, {
        ("第一支部", "史永红"): {"审核结论": "同意", "审核日期": dt.datetime(2017, 4, 12)},
        ("第一支部", "郭永红"): {"审核结论": "调整为合格", "审核意见": "优秀名额从严掌握",
                              "审核日期": dt.datetime(2017, 4, 9)},
        ("第一支部", "董秀兰"): {"审核结论": "调整为优秀"},  # no 审核意见: R-V1
        ("第二支部", "高慧敏"): {"审核结论": "退回支部重议", "审核意见": "请结合日常表现重新评定"},
        ("第三支部", "吕瑞琪"): {"审核结论": "同意", "审核日期": dt.datetime(2017, 4, 8)},
    }, extra=[{"支部": "第一支部", "姓名": "钱无名", "审核结论": "同意"}])
    out = base / "out"
    consolidated = run("consolidate", str(INBOX), "--config", str(config), "-o", str(out))
    filing = openpyxl.load_workbook(out / WORKPAPER)
    beian = openpyxl.load_workbook(out / FILING)
    again = run("review", str(INBOX), "--config", str(config))
    feedback = run("feedback", str(INBOX), "--config", str(config), "-o", str(base / "反馈"))
    return {"first": first, "same_bytes": (same, unchanged.stdout),
            "header": header, "rows": rows, "book": book, "filing": filing, "beian": beian,
            "consolidated": consolidated, "again": again, "feedback": feedback,
            "feedback_dir": base / "反馈"}


def test_review_writes_one_row_per_evaluated_member(office):
    assert office["first"].exit_code == 0, office["first"].output
    assert "审核工作簿已生成" in office["first"].stdout
    rows = office["rows"]
    # 132 正式党员 who are not exempt cadres: 129 at the meeting, 吕瑞琪 made up, 2 待补课
    assert len(rows) == 132
    assert {r["评议状态"] for r in rows} == {"参加评定", "已补课", "待补课"}
    for h in ("支部评定", "评定理由", "优秀票", "有效票", "优秀票占比", "需组织研判", "变化",
              "审核结论", "审核意见", "审核日期", "处置期限", "处置结果"):
        assert h in office["header"]
    gao = next(r for r in rows if r["姓名"] == "高慧敏")
    assert (gao["支部评定"], gao["基本合格票"], gao["有效票"]) == ("基本合格", 26, 39)
    ws = openpyxl.load_workbook(office["book"])["总支审核"]
    (dv,) = [d for d in ws.data_validations.dataValidation if d.type == "list"]
    assert dv.formula1 == '"同意,调整为优秀,调整为合格,调整为基本合格,调整为不合格,退回支部重议"'
    letter = openpyxl.utils.get_column_letter(office["header"].index("审核结论") + 1)
    assert str(dv.sqref).startswith(f"{letter}4:")


def test_review_rerun_without_changes_gives_the_same_bytes(office):
    same, stdout = office["same_bytes"]
    assert same
    assert "新增 0 人，支部评定有变化 0 人，已不是测评对象 0 行" in stdout


def test_consolidate_shows_branch_grade_review_and_final_grade(office):
    result = office["consolidated"]
    assert result.exit_code == 1, result.output  # R-V1 errors are errors
    header, rows = table(office["filing"]["民主评议结果"])
    at = header.index("评定等次")
    assert header[at:at + 5] == ["评定等次", "总支审核", "审核意见", "审核日期", "最终等次"]
    by = {(r["支部"], r["姓名"]): r for r in rows}
    shown = {k: (by[k]["评定等次"], by[k]["总支审核"], by[k]["最终等次"]) for k in [
        ("第一支部", "史永红"), ("第一支部", "郭永红"), ("第一支部", "董秀兰"),
        ("第二支部", "高慧敏"), ("第三支部", "吕瑞琪"), ("第一支部", "杜婷婷"),
        ("第一支部", "范素珍"), ("第一支部", "王树林")]}
    assert shown == {
        ("第一支部", "史永红"): ("合格", "同意", "合格"),
        ("第一支部", "郭永红"): ("优秀", "调整为合格", "合格"),
        ("第一支部", "董秀兰"): ("合格", "调整为优秀（缺审核意见）", None),
        ("第二支部", "高慧敏"): ("基本合格", "退回支部重议", None),
        ("第三支部", "吕瑞琪"): ("合格", "同意", "合格"),
        ("第一支部", "杜婷婷"): ("合格", "待审核", None),
        ("第一支部", "范素珍"): ("待补课", None, "待补课"),
        ("第一支部", "王树林"): ("不评定等次", None, "不评定等次"),
    }
    assert by[("第一支部", "郭永红")]["审核意见"] == "优秀名额从严掌握"


def test_review_rules_fire_in_the_filing(office):
    _, issues = table(office["filing"]["校验问题"])
    v = [(i["级别"], i["规则"], i["支部"], i["文件"], i["工作表"], i["说明"]) for i in issues
         if str(i["规则"]).startswith("R-V")]
    assert ("错误", "R-V1", None, "总支审核.xlsx", "总支审核",
            "第一支部 董秀兰：审核结论为“调整为优秀”，须写明审核意见（调整或退回的理由）") in v
    assert ("错误", "R-V1", "第二支部", "第二支部.xls", "组织评定",
            "高慧敏：总支审核：退回支部重议 — 请结合日常表现重新评定") in v
    # 史永红 was fed back on 4/10, reviewed on 4/12; 郭永红 fed back on 4/13, reviewed 4/9
    r_v2 = [x for x in v if x[1] == "R-V2"]
    assert [(x[0], x[2], x[4]) for x in r_v2] == [("警告", "第一支部", "组织评定")]
    assert "史永红的反馈日期 2017-04-10 早于党总支审核日期 2017-04-12" in r_v2[0][5]
    r_v3 = [x for x in v if x[1] == "R-V3"]
    assert len(r_v3) == 1 and "第一支部 钱无名" in r_v3[0][5]


def test_rerun_keeps_the_office_entries(office):
    result = office["again"]
    assert result.exit_code == 1, result.output
    assert "审核工作簿已更新" in result.stdout and "办公室已填的内容均已保留" in result.stdout
    _, rows = table(openpyxl.load_workbook(office["book"])["总支审核"])
    by = {(r["支部"], r["姓名"]): r for r in rows}
    assert len(rows) == 133  # the office's extra row is kept
    assert by[("第一支部", "史永红")]["审核结论"] == "同意"
    assert by[("第一支部", "史永红")]["审核日期"] == dt.datetime(2017, 4, 12)
    assert (by[("第一支部", "郭永红")]["审核结论"], by[("第一支部", "郭永红")]["审核意见"]) == (
        "调整为合格", "优秀名额从严掌握")
    assert by[("第二支部", "高慧敏")]["审核结论"] == "退回支部重议"
    assert by[("第一支部", "钱无名")]["变化"].startswith("已不是测评对象")
    assert by[("第一支部", "杜婷婷")]["变化"] is None


def docx_pages(path: Path) -> list[str]:
    """The document's text split at page breaks, one string per page."""
    body = Document(str(path)).element.body
    pages, current = [], []
    for p in body.iter(qn("w:p")):
        if any(br.get(qn("w:type")) == "page" for br in p.iter(qn("w:br"))):
            pages.append("".join(current))
            current = []
        current.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    pages.append("".join(current))
    return pages


def test_feedback_one_page_per_confirmed_member_with_the_plans_words(office):
    result = office["feedback"]
    assert result.exit_code == 0, result.output
    out = office["feedback_dir"]
    assert sorted(p.name for p in out.iterdir()) == [
        "待反馈名单.txt", "第一支部-评定等次反馈.docx", "第三支部-评定等次反馈.docx"]
    first = docx_pages(out / "第一支部-评定等次反馈.docx")
    assert len(first) == 2  # 史永红 (同意) and 郭永红 (调整为合格); 董秀兰 lacks an 审核意见
    assert first[0].startswith("民主评议党员评定等次反馈通知史永红同志：")
    for page in first:
        assert "评定等次为“合格”" in page
        assert "对评为“合格”的党员肯定优点，提出希望和要求。" in page
    assert "党总支审核意见：优秀名额从严掌握。" in first[1]
    assert not any("董秀兰" in p or "予以表扬" in p for p in first)
    (third,) = docx_pages(out / "第三支部-评定等次反馈.docx")
    assert "吕瑞琪同志" in third
    waiting = (out / "待反馈名单.txt").read_text(encoding="utf-8")
    assert "第二支部\t高慧敏\t退回支部重议" in waiting
    assert "第一支部\t董秀兰\t调整为优秀（缺审核意见）" in waiting
    assert "高慧敏：退回支部重议" in result.stdout


def test_feedback_document_is_a4_with_east_asian_body_font(office):
    doc = Document(str(office["feedback_dir"] / "第一支部-评定等次反馈.docx"))
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋"


def test_a_broken_review_workbook_is_a_usage_error(tmp_path: Path):
    config = setup_office(tmp_path / "workbooks")
    (tmp_path / "workbooks" / "总支审核.xlsx").write_bytes(b"not a workbook")
    result = run("consolidate", str(INBOX), "--config", str(config), "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "审核工作簿有误：无法打开审核工作簿" in result.stderr
    assert not (tmp_path / FILING).exists() and not (tmp_path / WORKPAPER).exists()


def test_beian_shows_and_counts_the_grades_the_office_confirmed(office):
    """What goes up counts the 最终等次 once the 总支 decided: 郭永红 优秀 → 合格 (调整),
    高慧敏 back with her branch (退回) counts as 未评定; 董秀兰's 调整 lacks its reason, so her
    支部评定 still counts."""
    from report_fixtures import table as beian_table

    results = {(r["支部"], r["姓名"]): r for r in beian_table(office["beian"]["民主评议结果"])}
    header = list(next(iter(results.values())))
    assert header[-4:] == ["支部评定", "总支审核", "最终等次", "备注"] and len(header) <= 14
    guo = results[("第一支部", "郭永红")]
    assert (guo["支部评定"], guo["总支审核"], guo["最终等次"]) == ("优秀", "调整为合格", "合格")
    eight = {r["支部"]: r for r in beian_table(office["beian"]["民主评议党员情况"])}
    # the demo's 支部评定: 第一支部 7/24/0/0, 第二支部 9/29/1/0 (tests/test_report_statistics.py)
    assert tuple(eight["第一支部"][g] for g in ("优秀", "合格", "基本合格", "不合格")) == (6, 25, 0, 0)
    assert tuple(eight["第二支部"][g] for g in ("优秀", "合格", "基本合格", "不合格")) == (9, 29, 0, 0)
    assert (eight["第一支部"]["未评定"], eight["第二支部"]["未评定"]) == (0, 1)
    assert eight["合计"]["未评定"] == 1
