"""Golden data: the demo filing, sheet by sheet, as small CSV files reviewed as diffs.

The demo inbox (workbooks/inbox) is consolidated and every sheet of the filing is read back
from the written workbook and compared with tests/golden/demo/<sheet>.csv. The input files'
fingerprints (SHA-256, size) are masked: they change whenever a shipped file's bytes change.
After a deliberate change of the filing: ORGLIFE_UPDATE_GOLDEN=1 make test, then review
`git diff tests/golden`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from builders import filing_values
from click.testing import CliRunner

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden" / "demo"
UPDATE = os.environ.get("ORGLIFE_UPDATE_GOLDEN") == "1"


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_csv(rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        cells = [cell_text(v) for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        writer.writerow(cells)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_filing(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("golden") / "filing.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(ROOT / "workbooks" / "inbox"),
                                       "--config", str(ROOT / "workbooks" / "campaign.toml"),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output  # the demo has warnings, no errors
    return {sheet: as_csv(rows) for sheet, rows in filing_values(out.read_bytes()).items()}


def test_golden_sheets_are_the_filings_sheets(demo_filing):
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.glob("*.csv"):
            old.unlink()
        for sheet, text in demo_filing.items():
            (GOLDEN / f"{sheet}.csv").write_text(text, encoding="utf-8")
    assert sorted(p.stem for p in GOLDEN.glob("*.csv")) == sorted(demo_filing)


@pytest.mark.parametrize("sheet", sorted(p.stem for p in GOLDEN.glob("*.csv")))
def test_demo_filing_sheet_matches_golden_csv(demo_filing, sheet):
    expected = (GOLDEN / f"{sheet}.csv").read_text(encoding="utf-8")
    assert demo_filing[sheet].splitlines() == expected.splitlines()
