"""Profile `orglife consolidate` on a generated inbox:

    python -m bench.profile [--branches N] [--top K] [--py-spy]

cProfile (deterministic; inflates Python-heavy code about 2×) by default, or py-spy sampling
(`pip install py-spy`) with --py-spy. Prints the top entries by cumulative and by own time
and leaves the raw profile in $TMPDIR/orglife-bench/profile-<N>.{prof,raw}.
"""

from __future__ import annotations

import argparse
import collections
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.generate import DEFAULT_BRANCHES, DEFAULT_SEED, cache_root, ensure

SPY_RATE = 200  # samples per second


def _frame(text: str) -> str:
    m = re.match(r"(.*) \((.*?):\d+\)$", text)
    if not m:
        return text
    path = re.sub(r".*/(site-packages|lib/python3\.\d+)/", "", m.group(2))
    return f"{m.group(1)} ({path.replace(str(Path.cwd()) + '/', '')})"


def spy_table(raw: Path, top: int) -> str:
    """Inclusive and own seconds per function from py-spy's collapsed stacks."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
    lines = [f"{total / SPY_RATE:.1f} s sampled", "--- inclusive"]
    lines += [f"{v / SPY_RATE:7.2f} s {100 * v / total:5.1f}%  {k}"
              for k, v in inclusive.most_common(top)]
    lines.append("--- own")
    lines += [f"{v / SPY_RATE:7.2f} s {100 * v / total:5.1f}%  {k}"
              for k, v in own.most_common(top)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--branches", type=int, default=DEFAULT_BRANCHES)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--py-spy", dest="spy", action="store_true", help="sample with py-spy")
    args = p.parse_args(argv)
    ds = ensure([args.branches], args.seed, progress=lambda m: print(m, file=sys.stderr))[
        args.branches]
    out = Path(tempfile.mkdtemp(prefix="orglife-bench-out-"))
    work = ["-m", "pipeline", "consolidate", str(ds.inbox), "-o", str(out / "filing.xlsx"),
            "--config", str(ds.config), "--roster", str(ds.roster)]
    stem = cache_root() / f"profile-{args.branches}"
    try:
        if args.spy:
            spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
            raw = stem.with_suffix(".raw")
            subprocess.run([spy, "record", "-r", str(SPY_RATE), "-f", "raw", "-o", str(raw),
                            "--", sys.executable, *work], check=False,
                           stdout=subprocess.DEVNULL)
            print(spy_table(raw, args.top))
        else:
            prof = stem.with_suffix(".prof")
            subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), *work],
                           check=False, stdout=subprocess.DEVNULL)
            stats = pstats.Stats(str(prof))
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
