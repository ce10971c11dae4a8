"""Golden CSVs of the demo's 备案 and 工作底稿, one per sheet, read back from the workbooks.

A change in what consolidate writes shows up as a reviewable text diff. After a deliberate
change: ORGLIFE_UPDATE_GOLDEN=1 make test, then review `git diff tests/golden`."""

from __future__ import annotations

import csv
import difflib
import io
import os
from pathlib import Path

import openpyxl
import pytest
from report_fixtures import BEIAN, INBOX, WORKPAPER, consolidate, sheet_csv

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("ORGLIFE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    assert consolidate(INBOX, out).exit_code == 0
    return out


def mask_inputs(text: str) -> str:
    """The 工作底稿's input list without SHA-256 and size: they change with any input byte (a
    re-saved demo file), which the other sheets show when it matters."""
    rows = list(csv.reader(io.StringIO(text)))
    heads = [i for i, r in enumerate(rows) if r[:3] == ["状态", "支部", "SHA-256"]]
    if heads:
        sha, size = rows[heads[0]].index("SHA-256"), rows[heads[0]].index("大小（字节）")
        for r in rows[heads[0] + 1:]:
            if not r or not r[0]:
                break
            r[sha] = r[size] = "…"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("book,folder", [(BEIAN, "beian"), (WORKPAPER, "workpaper")])
def test_golden_csv_per_sheet(out: Path, book: str, folder: str):
    wb = openpyxl.load_workbook(out / book, read_only=True)
    want_dir = GOLDEN / folder
    got = {ws.title: sheet_csv(ws) for ws in wb.worksheets}
    wb.close()
    if "说明" in got:
        got["说明"] = mask_inputs(got["说明"])
    if UPDATE:
        want_dir.mkdir(parents=True, exist_ok=True)
        for old in want_dir.glob("*.csv"):
            old.unlink()
        for name, text in got.items():
            (want_dir / f"{name}.csv").write_text(text, encoding="utf-8")
    want = {p.stem: p.read_text(encoding="utf-8") for p in sorted(want_dir.glob("*.csv"))}
    assert sorted(got) == sorted(want), "sheets differ from tests/golden/" + folder
    for name in got:
        if got[name] != want[name]:
            diff = "".join(difflib.unified_diff(
                want[name].splitlines(True), got[name].splitlines(True),
                f"golden/{folder}/{name}.csv", "now", n=1))
            pytest.fail(f"{book} {name} differs from the golden CSV:\n{diff[:4000]}")
