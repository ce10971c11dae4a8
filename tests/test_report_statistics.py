"""民主评议党员情况 (the 党内统计 table) and the other figures, against counts made by hand."""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest
from report_fixtures import BEIAN, INBOX, consolidate, demo_filing, table, unfit_inbox

from pipeline.report.statistics import NO_REASON, UNDECIDED, completeness, statistics

# Counted by hand from workbooks/roster.xlsx and each branch's 党员名册 / 组织评定 (the winning
# sends): members, took part (present + made up), 优秀/合格/基本合格/不合格, 不评定等次 (预备党员 and
# the exempt 总支书记), not taking part (absent, no 补课) and why.
DEMO = {
    "第一支部": (34, 33, (7, 24, 0, 0), 2, 1, "出国访学 1 人"),  # 范素珍 absent
    "第二支部": (41, 41, (9, 29, 1, 0), 2, 0, None),
    "第三支部": (28, 28, (5, 20, 0, 0), 3, 0, None),  # 吕瑞琪 absent, made up 2017-04-07
    "第四支部": (37, 36, (8, 27, 0, 0), 1, 1, "因病住院 1 人"),  # 沈鹏程 absent
}
GRADES = ("优秀", "合格", "基本合格", "不合格")
STEPS = ("限期改正", "劝其退党", "党内除名", "除名", UNDECIDED)


def expected_total(counts: dict) -> tuple:
    rows = list(counts.values())
    return (sum(r[0] for r in rows), sum(r[1] for r in rows),
            tuple(sum(r[2][i] for r in rows) for i in range(4)), sum(r[3] for r in rows),
            sum(r[4] for r in rows))


def eight(rows: list[dict]) -> dict:
    return {r["支部"]: r for r in rows}


def check(rows: dict, counts: dict, steps: dict) -> None:
    for branch, (members, took, grades, exempt, absent, why) in counts.items():
        r = rows[branch]
        assert (r["党员总数"], r["参加评议的党员"]) == (members, took), branch
        assert tuple(r[g] for g in GRADES) == grades, branch
        assert (r["不评定等次"], r["未评定"], r["人数"], r["原因"]) == (exempt, 0, absent, why)
        assert tuple(r[s] for s in STEPS) == steps.get(branch, (0, 0, 0, 0, 0)), branch
        # the table adds up: every member either took part or did not
        assert r["党员总数"] == r["参加评议的党员"] + r["人数"]
        assert r["参加评议的党员"] == sum(r[g] for g in GRADES) + r["不评定等次"] + r["未评定"]
        assert r["不合格"] == sum(r[s] for s in STEPS)
    total = rows["合计"]
    members, took, grades, exempt, absent = expected_total(counts)
    assert (total["党员总数"], total["参加评议的党员"], total["不评定等次"], total["人数"]) == \
        (members, took, exempt, absent)
    assert tuple(total[g] for g in GRADES) == grades


def test_demo_table_eight_matches_the_hand_counts(tmp_path: Path):
    assert consolidate(INBOX, tmp_path).exit_code == 0
    rows = eight(table(openpyxl.load_workbook(tmp_path / BEIAN)["民主评议党员情况"]))
    assert list(rows) == [*DEMO, "合计"]
    check(rows, DEMO, {})
    assert rows["合计"]["原因"] == "出国访学 1 人、因病住院 1 人"


@pytest.fixture(scope="module")
def unfit(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("unfit")
    result = consolidate(unfit_inbox(tmp), tmp / "out")
    assert result.exit_code == 0, result.output + result.stderr  # warnings only (R-G3)
    return openpyxl.load_workbook(tmp / "out" / BEIAN)


def test_two_unfit_members_counted_by_measure(unfit):
    counts = dict(DEMO)
    counts["第一支部"] = (34, 33, (7, 22, 0, 2), 2, 1, "出国访学 1 人")  # 杜婷婷, 林浩然: 合格 → 不合格
    check(eight(table(unfit["民主评议党员情况"])), counts, {"第一支部": (1, 1, 0, 0, 0)})


def test_disposal_sheet_lists_the_unfit_with_their_measure(unfit):
    assert "处置名单" in unfit.sheetnames and unfit.sheetnames[-1] == "说明"
    rows = table(unfit["处置名单"])
    assert [(r["支部"], r["姓名"], r["处置措施"]) for r in rows] == [
        ("第一支部", "杜婷婷", "限期改正"), ("第一支部", "林浩然", "劝其退党")]
    results = {r["姓名"]: r for r in table(unfit["民主评议结果"])}
    assert results["杜婷婷"]["备注"] == ("评定理由：长期不参加组织生活，经教育仍无转变；"
                                     "处置措施：限期改正")
    summary = {r["支部"]: r for r in table(unfit["汇总"])}
    assert (summary["第一支部"]["合格"], summary["第一支部"]["不合格"]) == (22, 2)


@pytest.fixture(scope="module")
def demo():
    return demo_filing()


def test_pure_function_undecided_measure_and_unexplained_absence(demo):
    filing, _, campaign = demo
    filing = copy.deepcopy(filing)
    results = filing.results
    at = results.index[(results["支部"] == "第二支部") & (results["姓名"] == "王伟")][0]
    results.loc[at, ["评定等次", "处置措施"]] = ["不合格", None]
    makeups = filing.makeups
    makeups.loc[makeups["姓名"] == "沈鹏程", "缺席原因"] = None
    stats = statistics(filing, campaign)
    two = next(u for u in stats.units if u.unit == "第二支部")
    assert two.grades["不合格"] == 1 and two.dispositions == {UNDECIDED: 1}
    assert two.grades["合格"] == 28
    four = next(u for u in stats.units if u.unit == "第四支部")
    assert four.reasons == {NO_REASON: 1}
    assert stats.total.took_part + stats.total.not_taking_part == stats.total.members == 140


def test_talks_problems_and_rectifications_per_unit(demo):
    filing, _, campaign = demo
    stats = statistics(filing, campaign)
    by = {u.unit: u for u in stats.units}
    general = by["党总支"]
    assert general.general and general.members == 0
    # 党总支.xlsx: 15 talks (6 总支委员, every pair), 6 班子 problems, 6 rectifications
    assert (general.talks, general.pairs, general.pairs_done) == (15, 15, 15)
    assert sum(general.team_problems.values()) == 6 and general.rectified == 6
    four = by["第四支部"]
    assert (four.pairs, four.pairs_done) == (6, 5)  # 黄德明—邵蕾蕾 missing (R-T1)
    assert completeness(four) == "材料齐全"  # sent by the 4/14 send deadline (#10 case 11)
    total = stats.total
    assert total.problems == 178 and total.rectified == 165
    assert total.talks == 15 + 37 + 48 + 31 + 42
    assert (total.talk_due, total.talk_covered) == (126, 126)
