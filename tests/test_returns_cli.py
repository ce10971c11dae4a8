"""`orglife returns` end to end on the demo inbox (issue #11's Done-when), and the copy in
LibreOffice (Chinese text on the pages, the comments exported with them)."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import office
import openpyxl
import pytest
from click.testing import CliRunner
from returns_support import ROOT, copy_inbox, edit, edit_file

from pipeline.cli import main
from pipeline.returns.markup import ERROR_FILL

CONFIG = ROOT / "workbooks" / "campaign.toml"
BRANCH = "第三支部"
WINNER = "第三支部（修改版）.xlsx"  # the newest file of 第三支部 in the demo inbox
TWO = {"民主测评!D7": "好", "会议情况!D4": 99}


def cli(*args: str):
    return CliRunner().invoke(main, [*args, "--config", str(CONFIG)])


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    inbox = copy_inbox(tmp)
    before = edit_file(inbox / WINNER, TWO)
    out = tmp / "退回"
    result = cli("returns", str(inbox), "-o", str(out), "--as-of", "2017-04-20")
    return inbox, out, before, result


def test_returns_writes_the_branch_copy_notice_and_summary(done):
    _, out, _, result = done
    assert result.exit_code == 1, result.output  # errors were found (files written anyway)
    assert f"{BRANCH}：需修改（2 个错误，0 个警告，0 项逾期未报送）" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{b}-{kind}" for b in (BRANCH, "第一支部", "第二支部", "第四支部")
                            for kind in ("修改意见.xlsx", "通知.txt")] + ["退回汇总.txt"])
    wb = openpyxl.load_workbook(out / f"{BRANCH}-修改意见.xlsx")
    for where in TWO:
        sheet, cell = where.split("!")
        assert wb[sheet][cell].fill.fgColor.rgb[-6:] == ERROR_FILL
        assert wb[sheet][cell].comment is not None
    notice = (out / f"{BRANCH}-通知.txt").read_bytes()
    assert notice.startswith("\ufeff".encode()) and b"\r\n" in notice  # Notepad-friendly
    text = notice.decode("utf-8-sig")
    assert "2 处错误" in text and "会议情况!D4" in text and "民主测评!" not in text
    summary = (out / "退回汇总.txt").read_text("utf-8-sig")
    assert f"{BRANCH}\t需修改（2 错误，0 警告）" in summary
    assert "党总支\t已通过" in summary


def test_fixed_copy_in_the_inbox_validates_clean(done):
    inbox, out, before, _ = done
    fixed, _ = edit((out / f"{BRANCH}-修改意见.xlsx").read_bytes(), before)
    (inbox / "2017-04-21").mkdir()
    (inbox / "2017-04-21" / f"{BRANCH}-修改意见.xlsx").write_bytes(fixed)
    result = cli("validate", str(inbox))
    assert result.exit_code == 0, result.output
    assert "共 0 个错误" in result.output


def test_output_inside_the_inbox_is_refused(tmp_path):
    inbox = copy_inbox(tmp_path)
    result = cli("returns", str(inbox), "-o", str(inbox / "退回"))
    assert result.exit_code == 2
    assert "输出文件夹不能在收件箱里" in result.stderr
    assert not (inbox / "退回").exists()


def test_rerun_removes_packages_of_branches_now_passed(done, tmp_path):
    _, out, _, _ = done
    clean_out = tmp_path / "退回"
    shutil.copytree(out, clean_out)
    result = cli("returns", str(copy_inbox(tmp_path / "clean")), "-o", str(clean_out),
                 "--as-of", "2017-04-20")
    assert result.exit_code == 0, result.output
    assert not (clean_out / f"{BRANCH}-修改意见.xlsx").exists()
    assert (clean_out / "第一支部-修改意见.xlsx").exists()


def _pdf_notes(pdf: Path) -> list[str]:
    """The /Contents strings of the PDF's annotations (LibreOffice writes them uncompressed)."""
    out = []
    for m in re.finditer(rb"/Contents\s*<([0-9A-Fa-f]+)>", pdf.read_bytes()):
        out.append(bytes.fromhex(m.group(1).decode()).decode("utf-16-be", "replace"))
    return out


def test_copy_renders_in_libreoffice_with_chinese_and_comments(done, tmp_path):
    office.require_office()
    _, out, _, _ = done
    book = out / f"{BRANCH}-修改意见.xlsx"
    profile = Path("/tmp") / f"orglife-lo-{uuid.uuid4().hex}"
    export = 'pdf:calc_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}'
    try:
        subprocess.run([office.SOFFICE, f"-env:UserInstallation={profile.as_uri()}",
                        "--headless", "--norestore", "--convert-to", export, "--outdir",
                        str(tmp_path), str(book)], check=True, timeout=office.TIMEOUT,
                       capture_output=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = tmp_path / f"{book.stem}.pdf"
    text = office.pdf_text(pdf)
    assert f"{BRANCH}修改意见（修改清单）" in text
    assert "实到99人多于应到" in text and "R-M3" in text
    assert f"{BRANCH}民主测评（无记名）" in text
    notes = "\n".join(_pdf_notes(pdf))
    assert "【错误】R-M3" in notes and "【错误】R-B1" in notes
    assert "发现：好" in notes


def test_copy_saved_by_libreoffice_rereads_the_same(tmp_path, campaign):
    """A branch that opens the copy in LibreOffice (or WPS) and saves it as .xlsx sends back
    the same data: the 修改清单 sheet, fills and comments survive and are still not data."""
    office.require_office()
    from returns_support import AS_OF, SAVED, counts, findings, frames, roster, run

    from pipeline.returns import build_returns

    inbox = copy_inbox(tmp_path / "a")
    outcome = run(inbox, campaign)
    result = build_returns(outcome, campaign, roster(campaign), AS_OF, saved=SAVED)
    book = tmp_path / "第一支部-修改意见.xlsx"
    book.write_bytes(next(p for p in result.packages if p.ret.branch == "第一支部").workbook)
    saved = tmp_path / "lo"
    profile = Path("/tmp") / f"orglife-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run([office.SOFFICE, f"-env:UserInstallation={profile.as_uri()}",
                        "--headless", "--norestore", "--convert-to",
                        "xlsx:Calc MS Excel 2007 XML", "--outdir", str(saved), str(book)],
                       check=True, timeout=office.TIMEOUT, capture_output=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    shutil.copy(saved / book.name, inbox / "第一支部-WPS另存.xlsx")
    reread = run(inbox, campaign)
    assert {t.file for t in next(b for b in reread.branches
                                 if b.branch == "第一支部").tables.values()} == {"第一支部-WPS另存.xlsx"}
    assert frames(reread, "第一支部") == frames(outcome, "第一支部")
    assert counts(reread) == counts(outcome)
    assert [f[:5] for f in findings(reread)] == [f[:5] for f in findings(outcome)]
    wb = openpyxl.load_workbook(inbox / "第一支部-WPS另存.xlsx")
    assert wb.sheetnames[0] == "修改清单" and wb["民主测评"]["A29"].comment is not None
