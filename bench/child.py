"""One measured workload, run in its own process by bench.measure:

    python -m bench.child RESULT.json consolidate INBOX OUT.xlsx CONFIG ROSTER
    python -m bench.child RESULT.json floor INBOX      # python-calamine → Python lists
    python -m bench.child RESULT.json naive INBOX      # pandas.read_excel(engine="openpyxl")
    python -m bench.child RESULT.json bare_write FILING.xlsx OUT.xlsx
                                                       # the filing's cells, bare XlsxWriter

Whatever the workload does (consolidate exits 0 or 1 through sys.exit), RESULT.json gets the
exit code, the process's own peak RSS (getrusage RUSAGE_SELF; RUSAGE_CHILDREN for any worker
processes it started) and its inside wall time. Kept free of imports the workloads do not
need, so the figures are the workload's own.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()


def inbox_files(inbox: Path) -> list[Path]:
    """The workbooks of the inbox, sorted (the generated inbox is flat)."""
    return sorted(p for p in inbox.iterdir() if p.suffix.lower() in (".xlsx", ".xls"))


def consolidate(inbox: str, out: str, config: str, roster: str) -> dict[str, Any]:
    """`python -m pipeline consolidate INBOX -o OUT --config CONFIG --roster ROSTER`."""
    import runpy

    sys.argv = ["pipeline", "consolidate", inbox, "-o", out, "--config", config,
                "--roster", roster]
    try:
        runpy.run_module("pipeline", run_name="__main__", alter_sys=True)
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    return {"rc": code if isinstance(code, int) else (0 if code is None else 2)}


def floor(inbox: str) -> dict[str, Any]:
    """Every sheet of every file into Python lists, from the bytes (what no reader beats)."""
    import io

    from python_calamine import CalamineWorkbook

    kept: list[dict[str, list[list[Any]]]] = []
    cells = 0
    for path in inbox_files(Path(inbox)):
        wb = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        sheets = {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
        cells += sum(len(row) for rows in sheets.values() for row in rows)
        kept.append(sheets)
    return {"rc": 0, "files": len(kept), "cells": cells}


def naive(inbox: str) -> dict[str, Any]:
    """The loop people write first: pandas.read_excel(engine="openpyxl") for every file."""
    import pandas as pd

    kept = [pd.read_excel(path, engine="openpyxl", sheet_name=None)
            for path in inbox_files(Path(inbox))]
    return {"rc": 0, "files": len(kept), "frames": sum(len(k) for k in kept)}


def bare_write(filing: str, out: str) -> dict[str, Any]:
    """The write floor: every cell of a written filing (read back with python-calamine, not
    timed) written again with XlsxWriter, row by row, no formats, no widths — what writing
    this many cells costs at least. `write_s` times the write alone."""
    import io

    from python_calamine import CalamineWorkbook
    from xlsxwriter import Workbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(Path(filing).read_bytes()))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    cells = sum(1 for rows in sheets.values() for row in rows for v in row if v not in ("", None))
    started, cpu = time.perf_counter(), time.process_time()
    wb = Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False,
                        "strings_to_numbers": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, [None if v == "" else v for v in row])
    wb.close()
    return {"rc": 0, "cells": cells, "write_s": time.perf_counter() - started,
            "write_cpu_s": time.process_time() - cpu}


WORKLOADS: dict[str, Callable[..., dict[str, Any]]] = {
    "consolidate": consolidate, "floor": floor, "naive": naive, "bare_write": bare_write}


def main() -> None:
    result_path, kind, *args = sys.argv[1:]
    try:
        result = WORKLOADS[kind](*args)
    except BaseException:  # report the failure; the parent decides what it means
        result = {"rc": 3, "error": traceback.format_exc(limit=8)}
    result["wall_inside_s"] = time.perf_counter() - STARTED
    # Linux reports ru_maxrss in KiB.
    result["self_maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["children_maxrss_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
