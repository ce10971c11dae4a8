"""Run one workload in a fresh interpreter; measure its wall time and peak memory.

Wall time is taken around the whole subprocess (interpreter start and imports included: what
the user waits for). Peak RSS is the larger of the child's own getrusage(RUSAGE_SELF) — exact,
reported by the child itself, because RUSAGE_CHILDREN here would be the maximum over every
child this benchmark ever ran — and the summed RSS of the child's process tree sampled every
50 ms from /proc, which also sees worker processes should the pipeline start any.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_S = 0.05


@dataclass
class Run:
    """One measured run of a workload."""

    kind: str
    wall_s: float
    peak_mib: float
    rc: int
    self_peak_mib: float = 0.0
    tree_peak_mib: float = 0.0  # sampled; 0 where /proc is missing
    details: dict[str, Any] = field(default_factory=dict)
    output_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.rc in (0, 1) and "error" not in self.details  # consolidate: 1 = issues found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return found


def tree_rss_kib(pid: int) -> int:
    """Summed RSS of pid and its descendants (0 without /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += _rss_kib(p)
        stack += _children(p)
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib = pid, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_S):
            self.peak_kib = max(self.peak_kib, tree_rss_kib(self.pid))


def run(kind: str, *args: str | Path, timeout: float = 1800,
        env: dict[str, str] | None = None) -> Run:
    """`python -m bench.child RESULT kind args…` in a fresh interpreter, measured; `env`:
    variables set for the child (e.g. ORGLIFE_WORKERS=1 for a serial consolidate)."""
    with tempfile.TemporaryDirectory(prefix="orglife-bench-run-") as tmp:
        result_path = Path(tmp) / "result.json"
        log_path = Path(tmp) / "output.txt"
        cmd = [sys.executable, "-m", "bench.child", str(result_path), kind, *map(str, args)]
        load_before = os.getloadavg()[0]  # others' work on the box makes figures noisy
        times_before = os.times()
        with open(log_path, "wb") as log:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})
            sampler = _Sampler(proc.pid)
            sampler.start()
            try:
                proc.wait(timeout=timeout)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                sampler.done.set()
                sampler.join()
            wall = time.perf_counter() - started
        tail = log_path.read_text(errors="replace")[-2000:]
        # The finished child's CPU seconds (user + sys, its reaped workers included): on a
        # shared box the wall time carries others' load, the CPU time does not.
        after = os.times()
        cpu_s = (after.children_user - times_before.children_user
                 + after.children_system - times_before.children_system)
        if result_path.exists():
            details = json.loads(result_path.read_text())
        else:
            details = {"rc": proc.returncode, "error": f"no result (exit {proc.returncode})"}
    details["load_before"] = load_before
    details["cpu_s"] = cpu_s
    rc = int(details.pop("rc", proc.returncode))
    self_kib = int(details.pop("self_maxrss_kib", 0))
    children_kib = int(details.pop("children_maxrss_kib", 0))
    tree_kib = sampler.peak_kib
    # Workers (if any) are not in RUSAGE_SELF: add their peak as a bound when /proc is missing.
    peak_kib = max(self_kib, tree_kib) if tree_kib else self_kib + children_kib
    return Run(kind=kind, wall_s=wall, peak_mib=peak_kib / 1024, rc=rc,
               self_peak_mib=self_kib / 1024, tree_peak_mib=tree_kib / 1024,
               details=details, output_tail=tail)
