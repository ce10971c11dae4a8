"""R-F6: template leftovers (examples, hints, repeated headers) are not data."""

from __future__ import annotations

from builders import branch, member

from pipeline import contract as C
from pipeline.issues import dropped_rows
from pipeline.rules import check_branch
from pipeline.rules.files import template_leftovers

TALK_HEAD = ["谈话人", "谈话对象", "日期", "形式", "主要内容"]
MEMBERS = [member("张书记", roles=["支部书记"]), member("王一")]
REAL = ["张书记", "王一", "2017/3/15", "当面谈", "交流思想"]


def talks(rows):
    return branch(MEMBERS, {C.TALKS: [TALK_HEAD, *rows]})


def test_r_f6_example_row_is_not_data(campaign):
    b = talks([["例：张三", "李四", "2017/3/15", "当面谈", "交流思想"], REAL])
    issues = list(template_leftovers(b, campaign))
    assert [(i.rule, i.severity, i.cell, i.dropped) for i in issues] == [
        ("R-F6", "warning", "A2", True)]
    assert "“例：张三”是模板中的示例" in issues[0].message
    # the other rules never see the row: no R-T3 error for 张三/李四
    everything = check_branch(b, campaign)
    assert [i.rule for i in everything if i.row == 2] == ["R-F6"]
    assert dropped_rows(everything) == {("第一支部.xlsx", "谈心谈话", 2)}
    assert b.table(C.TALKS).rows == 1  # prepared without the row


def test_r_f6_hint_text_and_marked_examples(campaign):
    hint = C.TALKS_SHEET.columns[4].prompt
    b = talks([REAL, [None, None, None, None, hint], ["（示例）王一", "张书记", "", "", ""]])
    issues = list(template_leftovers(b, campaign))
    assert [(i.cell, i.dropped) for i in issues] == [("E3", True), ("A4", True)]
    assert "填写提示" in issues[0].message


def test_r_f6_repeated_header_row(campaign):
    b = talks([REAL, TALK_HEAD])
    issues = list(template_leftovers(b, campaign))
    assert [i.cell for i in issues] == ["A3"] and "重复的表头行" in issues[0].message
    assert b.table(C.TALKS).rows == 1  # the prepared branch holds the real row only


def test_r_f6_real_rows_pass(campaign):
    b = talks([REAL, ["王一", "张书记", "2017/3/16", "电话", "例会上谈到的问题"]])
    assert list(template_leftovers(b, campaign)) == []
    assert b.table(C.TALKS).rows == 2
