"""Benchmark at district scale: `python -m bench` (make bench).

Times, each in a fresh process, at every size of --sizes (default 120 and 400 branches):
  (a) `python -m pipeline consolidate INBOX -o FILE --config C --roster R`, end to end, with
      the per-branch stage in a process pool (ORGLIFE_WORKERS=2) and serially
      (ORGLIFE_WORKERS=1); "a" is the one shipped for that size (pool.POOL_MIN_BRANCHES);
  (b) the read floor: python-calamine reading every sheet of every file into Python lists;
  (d) the write floor: the cells of the filing (a) wrote, written again with bare XlsxWriter
      (no formats; the write alone is timed);
and, with --naive, (c) pandas.read_excel(engine="openpyxl") per file at the largest size.
Reports a / (b + d) per size (target ≤ 1.5), peak memory, linearity; outputs/bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import measure
from bench.generate import DEFAULT_BRANCHES, DEFAULT_SEED, Dataset, ensure
from bench.report import evaluate, render
from pipeline.pool import POOL_MIN_BRANCHES

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (120, 400)
QUICK_BRANCHES = 40
QUICK_SIZES = (10, 20, 40)
BUDGET_S = 600


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def summarise(runs: Sequence[measure.Run]) -> dict[str, Any]:
    """Median wall time and worst peak over the repeats; a failed run voids the figure."""
    failed = [r for r in runs if not r.ok]
    figure: dict[str, Any] = {
        "wall_s": statistics.median(r.wall_s for r in runs) if not failed else None,
        "peak_mib": max(r.peak_mib for r in runs),
        "runs": [{k: v for k, v in asdict(r).items() if k != "output_tail"} for r in runs],
    }
    if failed:
        figure["error"] = failed[0].details.get("error") or failed[0].output_tail
    return figure


def consolidate(ds: Dataset, repeat: int, serial: bool = False,
                keep: Path | None = None) -> list[measure.Run]:
    """(a), pooled or serial: `keep` receives the filing of the last run (for the write
    floor)."""
    runs = []
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(prefix="orglife-bench-out-"))
        try:
            run = measure.run("consolidate", ds.inbox, out / "filing.xlsx", ds.config, ds.roster,
                              env={"ORGLIFE_WORKERS": "1" if serial else "2"})
            filing = out / "filing.xlsx"
            run.details["filing_bytes"] = filing.stat().st_size if filing.exists() else 0
            run.details["last_lines"] = run.output_tail.strip().splitlines()[-3:]
            if keep is not None and filing.exists():
                shutil.copyfile(filing, keep)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        label = "serial" if serial else "pool"
        say(f"  {label:11} {ds.branches:>4} branches: {run.wall_s:6.2f} s "
            f"(cpu {run.details['cpu_s']:6.2f} s), {run.peak_mib:5.0f} MiB, exit {run.rc}")
        runs.append(run)
    return runs


def bare_write(filing: Path, repeat: int) -> list[measure.Run]:
    """(d): the write alone is the figure (`write_s`), not the process."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="orglife-bench-bare-") as tmp:
            run = measure.run("bare_write", filing, Path(tmp) / "bare.xlsx")
        run.wall_s = float(run.details.get("write_s", run.wall_s))
        say(f"  bare write  {run.details.get('cells', 0):>8} cells: {run.wall_s:6.2f} s")
        runs.append(run)
    return runs


def other(kind: str, ds: Dataset, repeat: int) -> list[measure.Run]:
    runs = []
    for _ in range(repeat):
        run = measure.run(kind, ds.inbox)
        say(f"  {kind:11} {ds.branches:>4} branches: {run.wall_s:6.2f} s, "
            f"{run.peak_mib:5.0f} MiB, exit {run.rc}")
        runs.append(run)
    return runs


def warm(ds: Dataset) -> None:
    """Read every file once, so that every measurement starts from a warm page cache."""
    for path in ds.inbox.iterdir():
        path.read_bytes()
    ds.roster.read_bytes()


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for dist in ("pandas", "openpyxl", "python-calamine", "xlsxwriter", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=ROOT,
                                    capture_output=True, text=True, check=False).stdout.strip())
    except OSError:
        commit, dirty = "", False

    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "versions": versions, "commit": commit, "dirty": dirty}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--branches", type=int, default=None,
                   help=f"largest inbox (default {DEFAULT_BRANCHES}); also measured")
    p.add_argument("--sizes", default=None,
                   help="comma-separated sizes of the scaling table "
                        f"(default {','.join(map(str, DEFAULT_SIZES))}; 'none' skips it)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median)")
    p.add_argument("--quick", action="store_true",
                   help=f"smoke run: {QUICK_BRANCHES} branches, sizes "
                        f"{','.join(map(str, QUICK_SIZES))}")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    p.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench.json",
                   help="report file (default outputs/bench.json)")
    p.add_argument("--naive", action="store_true",
                   help="also time (c) pandas.read_excel(engine=\"openpyxl\") at the largest size")
    p.add_argument("--cache", type=Path, default=None,
                   help="cache folder (default $TMPDIR/orglife-bench)")
    args = p.parse_args(argv)
    if args.branches is None:
        args.branches = QUICK_BRANCHES if args.quick else DEFAULT_BRANCHES
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    elif args.sizes.strip().lower() in ("", "none"):
        args.sizes = []
    else:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.repeat < 1 or args.branches < 1 or any(n < 1 for n in args.sizes):
        p.error("--branches, --sizes and --repeat must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    sizes = sorted({*args.sizes, args.branches})
    datasets = ensure(sizes, args.seed, cache=args.cache, progress=say)
    generation_s = time.perf_counter() - started
    ds = datasets[args.branches]
    say(f"inbox: {ds.files} files, {ds.members} members, {ds.ballot_cells} ballot cells, "
        f"{ds.bytes / 1e6:.1f} MB ({ds.folder}); ready in {generation_s:.1f} s")
    points = []
    for n in sizes:
        size = datasets[n]
        warm(size)
        with tempfile.TemporaryDirectory(prefix="orglife-bench-filing-") as tmp:
            filing = Path(tmp) / "filing.xlsx"
            pooled = summarise(consolidate(size, args.repeat, keep=filing))
            serial = summarise(consolidate(size, args.repeat, serial=True))
            a = pooled if n >= POOL_MIN_BRANCHES else serial  # as shipped at this size
            b = summarise(other("floor", size, args.repeat))
            d = summarise(bare_write(filing, args.repeat)) if filing.exists() else None
        points.append({"branches": n, "members": size.members, "files": size.files,
                       "ballot_cells": size.ballot_cells, "wall_s": a["wall_s"],
                       "peak_mib": a["peak_mib"], "rc": max(r["rc"] for r in a["runs"]),
                       "cpu_s": _cpu(a), "shipped": "pool" if a is pooled else "serial",
                       "pool_wall_s": pooled["wall_s"], "pool_cpu_s": _cpu(pooled),
                       "pool_peak_mib": pooled["peak_mib"], "serial_wall_s": serial["wall_s"],
                       "serial_cpu_s": _cpu(serial), "serial_peak_mib": serial["peak_mib"],
                       "floor_s": b["wall_s"], "bare_write_s": d["wall_s"] if d else None,
                       "figures": {"pool": pooled, "serial": serial, "b": b, "d": d}})
    c = summarise(other("naive", ds, args.repeat)) if args.naive else None
    report = evaluate(points, c)
    total_s = time.perf_counter() - started
    report.update({
        "dataset": ds.summary(),
        "datasets": {n: d.summary() for n, d in sorted(datasets.items())},
        "options": {"branches": args.branches, "sizes": args.sizes, "repeat": args.repeat,
                    "seed": args.seed, "quick": args.quick, "naive": args.naive},
        "generation_s": generation_s,
        "total_s": total_s,
        "load_average": os.getloadavg(),
        "environment": environment(),
    })
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n",
                        encoding="utf-8")
    print(f"\nlargest inbox, {ds.branches} branches: {ds.files} files, {ds.members} members, "
          f"{ds.ballot_cells} ballot cells, {ds.bytes / 1e6:.1f} MB\n")
    print(render(report))
    print(f"\ngeneration {generation_s:.0f} s, whole run {total_s:.0f} s"
          f"{'' if total_s <= BUDGET_S else f' (over the {BUDGET_S} s budget)'}; "
          f"written to {args.out}")
    failed = [f for p in points for f in p["figures"].values() if f and f.get("error")]
    for f in failed:
        print(f"\nA measurement failed:\n{f['error']}", file=sys.stderr)
    return 1 if failed else 0


def _cpu(figure: dict[str, Any]) -> float | None:
    """Median CPU seconds (user + sys, workers included) over the repeats."""
    values = [r["details"].get("cpu_s") for r in figure["runs"]]
    return statistics.median(v for v in values if v is not None) if any(values) else None


if __name__ == "__main__":
    sys.exit(main())
