"""The whole paper chain: 测评表 PDF → marks drawn in code → degraded scans → orglife scan →
扫描计票 workbook → consolidate. Votes are known, so every count is checked exactly."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import openpyxl
import pytest
from builders import workpaper
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from bench.scan import Vote, degrade, mark_page, render, save_image, save_pdf
from pipeline.ballots.layout import ballot_layout
from pipeline.ballots.papers import ballot_pdf, layout_for
from pipeline.ballots.review import scan_to_inbox
from pipeline.ballots.settings import ballot_settings
from pipeline.cli import main
from pipeline.read.roster import load_roster

DPI = 200  # enough for the reader (it works at 6 px/mm) and quick to draw
BRANCH = "第三支部"
PLAIN = ("tick", "cross", "filled", "circle", "pencil")


def needs_cjk_font() -> None:
    from pipeline.ballots.pdf import FontMissing, font_file

    try:
        font_file("")
    except FontMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def roster(campaign):
    return load_roster(campaign.roster_path, campaign)


@pytest.fixture(scope="module")
def sheet(campaign, roster):
    """The branch's layout and its blank pages rendered as a scanner would see them."""
    needs_cjk_font()
    layout = layout_for(campaign, BRANCH, roster.of_branch(BRANCH))
    return layout, render(ballot_pdf(layout, campaign, ballot_settings(campaign)), DPI)


def plain_votes(layout, rng: random.Random) -> list[list[Vote]]:
    """Per page, one vote per row: a random grade in a random plain style, some blank."""
    out = []
    for page in layout.pages:
        votes = []
        for _ in page.rows:
            if rng.random() < 0.1:
                votes.append(Vote("blank", None))
            else:
                votes.append(Vote(rng.choice(PLAIN), rng.randrange(len(layout.grades))))
        out.append(votes)
    return out


def expected_counts(layout, ballots: list[list[list[Vote]]]) -> dict[str, Counter]:
    want: dict[str, Counter] = {}
    for pages in ballots:
        for page, votes in zip(layout.pages, pages):
            for row, vote in zip(page.rows, votes):
                want.setdefault(row.name, Counter())[vote.expected(layout.grades)] += 1
    return want


def tally_rows(path: Path) -> dict[str, dict[str, object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("计票").to_python()
    header = [str(v) for v in rows[1]]
    return {r[0]: dict(zip(header, r)) for r in rows[2:] if r[0]}


def review_rows(path: Path) -> list[dict[str, object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("扫描复核").to_python()
    header = [str(v) for v in rows[1]]
    return [dict(zip(header, r)) for r in rows[2:] if r[0]]


def make_scans(tmp: Path, layout, bases, ballots, kinds, seed=1) -> list[Path]:
    """Each ballot degraded by the kind at its index; page 1s in one PDF, the rest as photos."""
    rng = random.Random(seed)
    pdf_pages, files = [], []
    for i, pages in enumerate(ballots):
        kind = kinds[i % len(kinds)]
        for k, votes in enumerate(pages, start=1):
            img = degrade(mark_page(bases[k - 1], layout, k, votes, rng, DPI), kind, rng)
            if k == 1 and kind in ("300dpi", "noise"):
                pdf_pages.append(img)
            else:
                f = tmp / f"photo-{i}-{k}.jpg"
                save_image(img, f)
                files.append(f)
    if pdf_pages:
        save_pdf(pdf_pages, tmp / "scanner.pdf", dpi=DPI)
        files.append(tmp / "scanner.pdf")
    return files


def test_scanned_ballots_give_the_known_tallies(tmp_path, campaign, roster, sheet):
    layout, bases = sheet
    rng = random.Random(15)
    ballots = [plain_votes(layout, rng) for _ in range(6)]
    scans = make_scans(tmp_path, layout, bases, ballots,
                       ["300dpi", "rotate±3°", "upside_down", "jpeg50", "noise", "tilt"])
    inbox = tmp_path / "inbox"
    written = scan_to_inbox(scans, campaign, roster, inbox, {BRANCH: 20}, workers=1)
    assert written.notices == []
    assert [p.name for p in written.paths] == [f"{BRANCH}-扫描计票.xlsx"]
    got = tally_rows(written.paths[0])
    want = expected_counts(layout, ballots)
    assert list(got) == [r.name for p in layout.pages for r in p.rows]  # 民主测评 order
    for name, counts in want.items():
        row = got[name]
        for key in (*campaign.grades, "弃权", "无效", "待复核"):
            assert row[key] == counts.get(key, 0), (name, key)
        assert row["发出票数"] == 20
        assert row["收回票数"] == 6
    assert review_rows(written.paths[0]) == []


def filed_results(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("民主评议结果").to_python()
    header_at = next(i for i, r in enumerate(rows) if "姓名" in r and "优秀票" in r)
    header = [str(v) for v in rows[header_at]]
    return {(r[header.index("支部")], r[header.index("姓名")]): dict(zip(header, r))
            for r in rows[header_at + 1:] if r and r[0]}


def filed_issues(path: Path) -> list[dict[str, object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("校验问题").to_python()
    header_at = next(i for i, r in enumerate(rows) if "规则" in r)
    header = [str(v) for v in rows[header_at]]
    return [dict(zip(header, r)) for r in rows[header_at + 1:] if r and r[0]]


def test_consolidate_reads_the_scanned_tally(tmp_path, campaign, roster, sheet):
    """The inbox's tally reader ("format (b)") takes the scan workbook as the branch's 计票;
    a 无效 counts in no grade, a 待复核 keeps the tally provisional (R-S1) until decided."""
    layout, bases = sheet
    rng = random.Random(7)
    ballots = [plain_votes(layout, rng) for _ in range(4)]
    doubled, erased = layout.pages[0].rows[0].name, layout.pages[0].rows[1].name
    ballots[0][0][0] = Vote("double", 0, 1)
    ballots[1][0][1] = Vote("erased", 2, 3)
    scans = make_scans(tmp_path, layout, bases, ballots, ["300dpi", "jpeg50"])
    inbox = tmp_path / "inbox"
    written = scan_to_inbox(scans, campaign, roster, inbox, {BRANCH: 4}, workers=1)
    out = tmp_path / "filing.xlsx"
    args = ["consolidate", str(inbox), "--config", str(campaign.source), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert out.exists(), result.output
    want = expected_counts(layout, ballots)
    want[erased] = want[erased] - Counter({campaign.grades[2]: 1})  # still pending
    filed = filed_results(out)
    for name, counts in want.items():
        row = filed[BRANCH, name]
        for grade in campaign.grades:
            assert row[f"{grade}票"] == counts.get(grade, 0), (name, grade)
        assert row["弃权票"] == counts.get("弃权", 0)
        assert row["有效票"] == sum(counts.get(g, 0) for g in campaign.grades)
    assert want[doubled]["无效"] == 1
    pending = [i for i in filed_issues(workpaper(out)) if i["规则"] == "R-S1"]
    assert len(pending) == 1 and erased in str(pending[0]["说明"])
    assert not [i for i in filed_issues(workpaper(out)) if i["规则"] == "R-B2"]

    # The 计票人 decides the mark; after the re-scan the filing has the final count.
    book = openpyxl.load_workbook(written.paths[0])
    book["扫描复核"]["E3"] = campaign.grades[2]
    book.save(written.paths[0])
    scan_to_inbox(scans, campaign, roster, inbox, {BRANCH: 4}, workers=1)
    CliRunner().invoke(main, args)
    row = filed_results(out)[BRANCH, erased]
    assert row[f"{campaign.grades[2]}票"] == want[erased][campaign.grades[2]] + 1
    assert not [i for i in filed_issues(workpaper(out)) if i["规则"] == "R-S1"]


def test_double_mark_is_invalid_and_an_erased_mark_goes_to_review(tmp_path, campaign, roster,
                                                                   sheet):
    layout, bases = sheet
    rng = random.Random(3)
    ballots = [plain_votes(layout, rng) for _ in range(3)]
    first, second = layout.pages[0].rows[0].name, layout.pages[0].rows[1].name
    ballots[0][0][0] = Vote("double", 0, 2)  # 优秀 and 基本合格: invalid for that member
    ballots[1][0][1] = Vote("erased", 1, 3)  # 不合格 erased, 合格 ticked: a person decides
    scans = make_scans(tmp_path, layout, bases, ballots, ["300dpi"])
    inbox = tmp_path / "inbox"
    written = scan_to_inbox(scans, campaign, roster, inbox, {BRANCH: 3}, workers=1)
    path = written.paths[0]
    want = expected_counts(layout, ballots)
    got = tally_rows(path)
    assert got[first]["无效"] == 1
    assert got[first]["无效"] == want[first]["无效"]
    assert got[second]["待复核"] == 1
    pending = review_rows(path)
    assert [(r["姓名"], r["复核结论"]) for r in pending] == [(second, "")]
    assert "浅淡" in str(pending[0]["机器判读"])
    book = openpyxl.load_workbook(path)
    assert len(book["扫描复核"]._images) == 1  # the crop of that one row

    # The 计票人 looks at the crop and types the decision; the next scan applies it.
    book["扫描复核"]["E3"] = "合格"
    book.save(path)
    again = scan_to_inbox(scans, campaign, roster, inbox, {BRANCH: 3}, workers=1)
    got = tally_rows(again.paths[0])
    assert got[second]["待复核"] == 0
    assert got[second]["合格"] == want[second]["合格"]
    assert [(r["姓名"], r["复核结论"]) for r in review_rows(again.paths[0])] == [(second, "合格")]
    assert again.outcome.branches[BRANCH].pending == 0


def test_unknown_pages_and_duplicates_are_reported_not_counted(tmp_path, campaign, roster, sheet):
    layout, bases = sheet
    rng = random.Random(5)
    ballots = [plain_votes(layout, rng) for _ in range(2)]
    scans = make_scans(tmp_path, layout, bases, ballots, ["300dpi"])
    # A sheet of another campaign (another year's layout), and a page that is no 测评表.
    other = ballot_layout("别的党总支/2018", BRANCH, campaign.grades, ["张三", "李四"])
    foreign = render(ballot_pdf(other, campaign, ballot_settings(campaign)), DPI)[0]
    save_image(degrade(foreign, "300dpi", rng), tmp_path / "foreign.png")
    blank = np.full((2339, 1654), 250, np.uint8)
    cv2.putText(blank, "hello", (200, 400), cv2.FONT_HERSHEY_SIMPLEX, 4, 0, 8)
    save_image(blank, tmp_path / "letter.png")
    shutil.copy(scans[0], tmp_path / "again.jpg")  # the same image twice
    extra = [tmp_path / "foreign.png", tmp_path / "letter.png", tmp_path / "again.jpg"]
    written = scan_to_inbox([*scans, *extra], campaign, roster, tmp_path / "inbox",
                            {BRANCH: 2}, workers=1)
    text = "\n".join(written.notices)
    assert "不是本次活动已知的测评表" in text and "别的党总支/2018" in text
    assert "letter.png：找不到测评表的定位标记和二维码" in text
    assert "重复扫描" in text
    b = written.outcome.branches[BRANCH]
    assert b.returned == 2
    assert all(row["收回票数"] == 2 for row in tally_rows(written.paths[0]).values())


def test_page_counts_that_disagree_are_reported(tmp_path, campaign, roster, sheet):
    layout, bases = sheet
    rng = random.Random(9)
    ballots = [plain_votes(layout, rng) for _ in range(2)]
    scans = make_scans(tmp_path, layout, bases, ballots, ["300dpi"])
    second_pages = [p for p in scans if p.name.endswith("-2.jpg")]
    scans.remove(second_pages[0])
    written = scan_to_inbox(scans, campaign, roster, tmp_path / "inbox", {BRANCH: 2}, workers=1)
    assert any("各页的张数不一致（第 1 页 2 张、第 2 页 1 张）" in n for n in written.notices)


def test_outputs_name_no_scan_file(tmp_path, campaign, roster, sheet):
    """R-B6: no scan file name, order or position reaches the workbook."""
    layout, bases = sheet
    rng = random.Random(11)
    ballots = [plain_votes(layout, rng) for _ in range(2)]
    ballots[0][0][0] = Vote("erased", 1, 3)
    scans = make_scans(tmp_path, layout, bases, ballots, ["rotate±3°"])
    written = scan_to_inbox(scans, campaign, roster, tmp_path / "inbox", {BRANCH: 2}, workers=1)
    import zipfile

    with zipfile.ZipFile(written.paths[0]) as z:
        xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                      if n.endswith(".xml") or n.endswith(".rels"))
    for f in scans:
        assert f.stem not in xml
    assert "photo" not in xml and "scanner" not in xml


def test_scan_cli_exit_code_and_messages(tmp_path, campaign, sheet):
    layout, bases = sheet
    rng = random.Random(13)
    ballots = [plain_votes(layout, rng) for _ in range(1)]
    scans = make_scans(tmp_path, layout, bases, ballots, ["300dpi"])
    inbox = tmp_path / "inbox"
    args = ["scan", *map(str, scans), "--config", str(campaign.source), "-o", str(inbox),
            "--issued", f"{BRANCH}=1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output + result.stderr
    assert f"{BRANCH}：收回 1 张，全部判读" in result.output
    bad = CliRunner().invoke(main, [*args[:-1], "第三支部"])
    assert bad.exit_code == 2
    assert "支部名=张数" in bad.stderr


def test_a_page_whose_qr_is_unreadable_is_identified_by_its_markers(tmp_path, campaign, roster,
                                                                     sheet):
    """The markers carry the page's code too; a smudged QR does not lose the ballot."""
    from pipeline.ballots.layout import QR_ORIGIN, QR_SIZE

    layout, bases = sheet
    rng = random.Random(21)
    ballots = [plain_votes(layout, rng)]
    f = DPI / 25.4
    files = []
    for k, votes in enumerate(ballots[0], start=1):
        img = mark_page(bases[k - 1], layout, k, votes, rng, DPI)
        x, y = QR_ORIGIN
        img[int(y * f):int((y + QR_SIZE) * f), int(x * f):int((x + QR_SIZE / 2) * f)] = 40
        files.append(tmp_path / f"smudged-{k}.png")
        save_image(degrade(img, "300dpi", rng), files[-1])
    written = scan_to_inbox(files, campaign, roster, tmp_path / "inbox", {BRANCH: 1}, workers=1)
    assert written.notices == []
    got = tally_rows(written.paths[0])
    for name, counts in expected_counts(layout, ballots).items():
        assert all(got[name][g] == counts.get(g, 0) for g in campaign.grades)


def test_a_tick_between_two_boxes_goes_to_review(tmp_path, campaign, roster, sheet):
    layout, bases = sheet
    rng = random.Random(17)
    ballots = [plain_votes(layout, rng)]
    ballots[0][0][3] = Vote("between", 1, 2)
    name = layout.pages[0].rows[3].name
    scans = make_scans(tmp_path, layout, bases, ballots, ["300dpi"])
    written = scan_to_inbox(scans, campaign, roster, tmp_path / "inbox", {BRANCH: 1}, workers=1)
    got = tally_rows(written.paths[0])[name]
    assert got["待复核"] == 1 and sum(got[g] for g in campaign.grades) == 0
    [mark] = review_rows(written.paths[0])
    assert mark["姓名"] == name and "之间" in str(mark["机器判读"])
