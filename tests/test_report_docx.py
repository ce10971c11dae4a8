"""The 总结 draft: the 备案's figures (read back from both files), official-document layout."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from report_fixtures import BEIAN, INBOX, SUMMARY, consolidate, table, unfit_inbox

GRADES = ("优秀", "合格", "基本合格", "不合格")


def read(out: Path):
    book = openpyxl.load_workbook(out / BEIAN)
    return docx.Document(str(out / SUMMARY)), book


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("summary")
    assert consolidate(INBOX, out).exit_code == 0
    return read(out)


def body(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_table_equals_the_beian_per_branch(demo):
    document, book = demo
    eight = {r["支部"]: r for r in table(book["民主评议党员情况"])}
    (grid,) = document.tables
    rows = [[c.text for c in row.cells] for row in grid.rows]
    assert rows[0] == ["支部", "党员", "参加评议", *GRADES, "不评定等次"]
    assert [r[0] for r in rows[1:]] == list(eight)
    for r in rows[1:]:
        e = eight[r[0]]
        want = [e["党员总数"], e["参加评议的党员"], *(e[g] for g in GRADES), e["不评定等次"]]
        assert [int(v) for v in r[1:]] == want, r[0]


def test_sentences_carry_the_beian_totals(demo):
    document, book = demo
    total = {r["支部"]: r for r in table(book["汇总"])}["合计"]
    text = body(document)
    assert f"共有党员{total['党员']}名" in text
    assert f"民主测评对象{total['测评对象']}名" in text
    assert f"参加民主评议的党员{total['参加评议']}名" in text
    assert f"缺席党员大会{total['缺席']}名，其中尚未补课{total['待补课']}名" in text
    grades = "、".join(f"{g}{total[g]}名" for g in GRADES)
    assert f"评定为{grades}；不评定等次{total['不评定等次']}名" in text
    assert "无评定为“不合格”的党员" in text
    problems = len(table(book["问题清单"]))
    team = sum(1 for r in table(book["问题清单"]) if r["对象"] == "班子")
    assert f"班子共查摆问题{team}条" in text and f"查找问题{problems - team}条" in text
    assert f"共列出整改事项{len(table(book['整改清单']))}项" in text
    # talks (counted by hand from the five 谈心谈话 sheets: 15 + 37 + 48 + 31 + 42)
    assert "共开展谈心谈话173次（其中党总支委员之间15次）" in text
    assert "尚缺：第四支部1对" in text and "出国访学1人、因病住院1人" in text and "覆盖率100.0%" in text


def test_headings_and_room_for_the_office(demo):
    document, _ = demo
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、基本情况", "二、谈心谈话", "三、查摆问题", "四、民主评议结果", "五、整改落实",
                        "六、主要做法和体会", "七、存在的不足和下一步打算"]
    prompts = [p.text for p in document.paragraphs if p.text.startswith("（此处由党总支办公室撰写")]
    assert len(prompts) == 7
    assert document.paragraphs[0].style.name == "Title"
    assert "徐汇区教师进修学院党总支关于2017年专题组织生活会和民主评议党员工作的总结" == \
        document.paragraphs[0].text


def test_official_layout_and_east_asian_fonts(demo):
    document, _ = demo
    s = document.sections[0]
    sizes = [s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin,
             s.right_margin]  # Word stores twips: within a twip of the millimetres
    assert [round(v.mm, 1) for v in sizes] == [210, 297, 37, 35, 28, 26]
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert document.styles["Title"].font.size == Pt(22)
    runs = [r for p in document.paragraphs for r in p.runs] + \
        [r for t in document.tables for row in t.rows for c in row.cells
         for p in c.paragraphs for r in p.runs]
    assert runs and all(r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs)
    title = document.paragraphs[0].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))
    assert title == "方正小标宋简体"
    table_xml = next(p.blob for p in document.part.package.iter_parts()
                     if p.partname == "/word/fontTable.xml").decode("utf-8")
    for name, alt in (("仿宋", "FangSong"), ("黑体", "SimHei"), ("楷体", "KaiTi")):
        assert re.search(f'w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>',
                         table_xml), name


def test_unfit_members_and_their_measures_in_words(tmp_path: Path):
    out = tmp_path / "out"
    assert consolidate(unfit_inbox(tmp_path), out).exit_code == 0
    document, book = read(out)
    total = {r["支部"]: r for r in table(book["民主评议党员情况"])}["合计"]
    assert (total["不合格"], total["限期改正"], total["劝其退党"]) == (2, 1, 1)
    assert "对评定为“不合格”的2名党员，限期改正1名、劝其退党1名。" in body(document)
