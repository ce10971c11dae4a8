"""Golden CSVs of the demo's 备案, one per sheet, read back from the workbook (the 工作底稿, the
full filing, is pinned by tests/test_golden.py in tests/golden/demo).

A change in what consolidate writes shows up as a reviewable text diff. After a deliberate
change: ORGLIFE_UPDATE_GOLDEN=1 make test, then review `git diff tests/golden`."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import openpyxl
import pytest
from report_fixtures import BEIAN, INBOX, consolidate, sheet_csv

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("ORGLIFE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    assert consolidate(INBOX, out).exit_code == 0
    return out


def test_golden_csv_per_sheet(out: Path):
    wb = openpyxl.load_workbook(out / BEIAN, read_only=True)
    want_dir = GOLDEN / "beian"
    got = {ws.title: sheet_csv(ws) for ws in wb.worksheets}
    wb.close()
    if UPDATE:
        want_dir.mkdir(parents=True, exist_ok=True)
        for old in want_dir.glob("*.csv"):
            old.unlink()
        for name, text in got.items():
            (want_dir / f"{name}.csv").write_text(text, encoding="utf-8")
    want = {p.stem: p.read_text(encoding="utf-8") for p in sorted(want_dir.glob("*.csv"))}
    assert sorted(got) == sorted(want), "sheets differ from tests/golden/beian"
    for name in got:
        if got[name] != want[name]:
            diff = "".join(difflib.unified_diff(
                want[name].splitlines(True), got[name].splitlines(True),
                f"golden/beian/{name}.csv", "now", n=1))
            pytest.fail(f"备案 {name} differs from the golden CSV:\n{diff[:4000]}")
