"""The printed papers: 民主测评表 (Chinese embedded, ≥ 10.5 pt, markers + QR, identical copies),
签到表 (应到), 发言顺序 (总支委员 → 支委 → 其他党员), 计票表."""

from __future__ import annotations

import shutil
import subprocess

import cv2
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from click.testing import CliRunner

from pipeline.ballots.layout import parse_qr, split_pages
from pipeline.ballots.papers import branch_papers, layout_for
from pipeline.cli import main
from pipeline.people import evaluated_in_order
from pipeline.read.roster import load_roster

BRANCH = "第三支部"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or
                                   shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftotext, pdftoppm) not installed")


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
def papers(campaign, roster):
    needs_cjk_font()
    return branch_papers(campaign, roster, BRANCH)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_four_papers_of_a_branch(papers):
    assert list(papers) == [f"{BRANCH}-民主测评表.pdf", f"{BRANCH}-签到表.pdf",
                            f"{BRANCH}-发言顺序.pdf", f"{BRANCH}-计票表.pdf"]


@needs_poppler
def test_ballot_has_chinese_text_and_every_evaluated_member_in_order(papers, roster, campaign,
                                                                    tmp_path):
    text = pdf_text(papers[f"{BRANCH}-民主测评表.pdf"], tmp_path)
    assert "2017年民主评议党员测评表" in text
    assert "无记名" in text and "弃权" in text and "无效" in text
    names = [m.name for m in evaluated_in_order(roster.of_branch(BRANCH))]
    positions = [text.index(n) for n in names]
    assert positions == sorted(positions)  # 支部书记 first, the 民主测评 order
    assert names[0] == "黄永红"  # 支部书记
    not_evaluated = [m.name for m in roster.of_branch(BRANCH) if not m.evaluated]
    assert not_evaluated and not any(n in text for n in not_evaluated)
    for grade in campaign.grades:
        assert grade in text
    flat = text.replace(" ", "")
    assert "第1页共2页" in flat and "第2页共2页" in flat


@needs_poppler
def test_ballot_embeds_its_font(papers, tmp_path):
    path = tmp_path / "b.pdf"
    path.write_bytes(papers[f"{BRANCH}-民主测评表.pdf"])
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # emb column


def test_ballot_text_is_at_least_10_5_pt(papers):
    doc = pdfium.PdfDocument(papers[f"{BRANCH}-民主测评表.pdf"])
    sizes = []
    for page in doc:
        tp = page.get_textpage()
        for i in range(tp.count_chars()):
            if not chr(pdfium_c.FPDFText_GetUnicode(tp, i)).isspace():
                sizes.append(pdfium_c.FPDFText_GetFontSize(tp, i))
    assert sizes and min(sizes) >= 10.5


def test_copies_are_identical_and_the_qr_says_only_which_sheet(campaign, roster, papers):
    again = branch_papers(campaign, roster, BRANCH)
    assert again[f"{BRANCH}-民主测评表.pdf"] == papers[f"{BRANCH}-民主测评表.pdf"]
    layout = layout_for(campaign, BRANCH, roster.of_branch(BRANCH))
    doc = pdfium.PdfDocument(papers[f"{BRANCH}-民主测评表.pdf"])
    for k, page in enumerate(doc, start=1):
        img = page.render(scale=150 / 72, grayscale=True).to_numpy()
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(img[:, :, 0] if img.ndim == 3 else img)
        pid = parse_qr(text)
        assert pid is not None, text
        assert (pid.campaign, pid.branch, pid.k, pid.n, pid.layout_id) == (
            campaign.campaign_id, BRANCH, k, 2, layout.layout_id)
        assert not any(m.name in text for m in roster.of_branch(BRANCH))
        _, ids, _ = cv2.aruco.ArucoDetector(
            cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_5X5_1000)).detectMarkers(
            img[:, :, 0] if img.ndim == 3 else img)
        assert ids is not None and len(ids) == 4


@needs_poppler
def test_ballot_renders(papers, tmp_path):
    path = tmp_path / "b.pdf"
    path.write_bytes(papers[f"{BRANCH}-民主测评表.pdf"])
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == 2
    img = cv2.imread(str(pngs[0]), cv2.IMREAD_GRAYSCALE)
    assert img.shape[0] > img.shape[1] and (img < 128).mean() > 0.02  # A4 portrait, inked


def test_pages_are_balanced():
    assert split_pages(39) == [20, 19]
    assert split_pages(20) == [20]
    assert split_pages(41) == [14, 14, 13]
    assert split_pages(0) == [0]


@needs_poppler
def test_sign_in_sheets_give_the_expected_attendance(papers, roster, tmp_path):
    text = pdf_text(papers[f"{BRANCH}-签到表.pdf"], tmp_path)
    members = roster.of_branch(BRANCH)
    assert f"{BRANCH}党员大会签到表" in text
    text = text.replace(" ", "")
    assert f"应到{len(members)}人" in text
    for group in dict.fromkeys(m.group for m in members):
        assert f"{BRANCH}{group}会签到表" in text
        assert f"应到{sum(1 for m in members if m.group == group)}人" in text


@needs_poppler
def test_speaking_order_puts_general_committee_then_branch_committee_first(papers, roster,
                                                                         tmp_path):
    text = pdf_text(papers[f"{BRANCH}-发言顺序.pdf"], tmp_path)
    group2 = text[text.index("第二党小组发言顺序"):]
    # 第二党小组: 黄永红 (支部书记、总支委员), then 董玉兰 (支部委员), then the others.
    assert group2.index("黄永红") < group2.index("董玉兰") < group2.index("毛建国")
    group1 = text[text.index("第一党小组发言顺序"):text.index("第二党小组发言顺序")]
    assert group1.index("袁文华") < group1.index("秦秀英")  # 支部委员 before 党员


@needs_poppler
def test_count_sheet_is_blank_with_every_evaluated_member(papers, roster, tmp_path):
    text = pdf_text(papers[f"{BRANCH}-计票表.pdf"], tmp_path)
    assert "发出票数" in text and "收回票数" in text and "计票人" in text
    for m in evaluated_in_order(roster.of_branch(BRANCH)):
        assert m.name in text


def test_ballots_command_writes_every_branch(tmp_path, campaign, roster):
    needs_cjk_font()
    out = tmp_path / "papers"
    result = CliRunner().invoke(main, ["ballots", "--config", str(campaign.source), "-o",
                                       str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 4 * len(roster.branches)
    assert f"{roster.branches[0]}-民主测评表.pdf" in names
    assert "已生成 16 个 PDF" in result.output


def test_text_size_helper_reads_real_values(papers):
    # Guard for the size test above: pdfium reports the sizes we draw (title 18 pt).
    doc = pdfium.PdfDocument(papers[f"{BRANCH}-民主测评表.pdf"])
    tp = doc[0].get_textpage()
    assert max(pdfium_c.FPDFText_GetFontSize(tp, i) for i in range(tp.count_chars())) == 18


def test_ballot_settings_come_from_the_config(campaign):
    from dataclasses import replace

    from pipeline.ballots.settings import ballot_settings
    from pipeline.config import ConfigError

    s = ballot_settings(campaign)
    assert s.title == "2017年民主评议党员测评表"
    assert "“优秀”“合格”“基本合格”“不合格”四个等次" in s.instructions[0]
    raw = {**campaign.raw, "ballots": {"issued": {"第一支部": "三十"}}}
    with pytest.raises(ConfigError, match="ballots.issued.第一支部"):
        ballot_settings(replace(campaign, raw=raw))
    raw = {**campaign.raw, "ballots": {"title": "{yaer}年测评表"}}
    with pytest.raises(ConfigError, match="占位符"):
        ballot_settings(replace(campaign, raw=raw))
