"""Every kind of the adversarial corpus, through `orglife consolidate`, beside the demo's files:
no traceback, the expected rule at the expected place and nothing unexpected, every good file
still in the filing, row accounting balanced, the exit code of the spec (0 / 1 / 2)."""

from __future__ import annotations

import resource
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from pipeline.read.intake import PARTLY_USED, SUPERSEDED, USED

from . import hostile, hostile_content  # noqa: F401  (register the kinds of issue #10)
from .corpus import REGISTRY, ROOT, Base, Kind, Run, build, cli_args, run_kind

NOT_CRASHED = "Traceback"


def test_the_corpus_has_at_least_forty_kinds() -> None:
    assert len(REGISTRY) >= 40
    assert all(k.doc for k in REGISTRY.values()), "every kind says what it is"


def _explain(run: Run) -> str:
    lines = [f"exit {run.result.exit_code}", run.result.stdout[-2000:], run.result.stderr[-2000:]]
    lines += [f"  new: [{i.severity}][{i.rule}] {i.file} {i.sheet}!{i.cell} {i.message[:100]}"
              for i in run.new_issues]
    return "\n".join(lines)


def listed_files(run: Run) -> dict[str, str]:
    """File → status as the filing's 说明 sheet lists the inputs."""
    rows = run.filing_rows("说明")
    start = next(n for n, r in enumerate(rows) if r[:4] == ("状态", "支部", "SHA-256", "文件"))
    listed: dict[str, str] = {}
    for r in rows[start + 1:]:
        if not r or r[3] is None:
            break
        listed[r[3]] = r[0]
    return listed


def expected_statuses(k: Kind, base: Base) -> dict[str, str]:
    kept = {f: s for f, s in base.statuses.items() if f not in k.gone}
    return {**kept, **k.status}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_kind(name: str, base: Base, tmp_path: Path) -> None:
    k = REGISTRY[name]
    run = run_kind(k, base, tmp_path)
    try:
        exc = run.result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            pytest.fail("".join(traceback.format_exception(exc)))
        assert NOT_CRASHED not in run.result.stderr and NOT_CRASHED not in run.result.stdout
        assert run.result.exit_code == k.exit_code, _explain(run)

        for e in k.expect:
            assert any(e.matches(i) for i in run.issues), f"missing {e}\n{_explain(run)}"
        allowed = (*k.expect, *k.tolerate)
        unexpected = [i for i in run.new_issues if not any(e.matches(i) for e in allowed)]
        assert not unexpected, _explain(run)

        if run.outcome is not None:
            statuses = expected_statuses(k, base)
            assert {f: run.statuses.get(f) for f in statuses} == statuses
            assert set(run.statuses) <= set(statuses), "every file's fate is expected"
            assert all(c.balanced for c in run.outcome.report.counts), run.outcome.report.counts
            if run.result.exit_code in (0, 1):
                listed = listed_files(run)
                assert listed == run.statuses
                good = {f for f, s in statuses.items() if s in (USED, PARTLY_USED, SUPERSEDED)}
                assert good <= set(listed)
                checked = [r[-1] for r in run.filing_rows("行数核对")[2:] if r and r[0]]
                assert checked and set(checked) == {"一致"}, checked
        if k.check is not None:
            k.check(run)
    finally:
        run.close()


CHILD = """
import resource, sys, time
from pipeline.cli import main
start = time.perf_counter()
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(f"MEASURED rss_mib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
      f"seconds={time.perf_counter() - start:.2f} exit={code}", file=sys.stderr)
"""
MEMORY_CEILING = 8 << 30  # address space of the child: a runaway allocation fails, not the box
PEAK_LIMIT_MIB = 1024


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))


@pytest.mark.parametrize("name", [n for n, k in REGISTRY.items() if k.measure])
def test_large_inputs_keep_memory_bounded(name: str, base: Base, tmp_path: Path) -> None:
    """The large inputs in a process of their own: peak RSS under 1 GiB (time is reported,
    not asserted: the machine is shared)."""
    k = REGISTRY[name]
    inbox = build(k, base, tmp_path)
    done = subprocess.run([sys.executable, "-c", CHILD, *cli_args(k, base, tmp_path, inbox)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit_memory)
    line = next((s for s in done.stderr.splitlines() if s.startswith("MEASURED")), "")
    assert line, done.stderr[-3000:]
    print(f"\n{name}: {line}")
    figures = dict(part.split("=") for part in line.split()[1:])
    assert int(figures["exit"]) == k.exit_code
    assert float(figures["rss_mib"]) < PEAK_LIMIT_MIB, line
    assert NOT_CRASHED not in done.stderr


def test_the_readme_lists_every_kind() -> None:
    listed = {line.split("`")[1] for line in (ROOT / "tests" / "adversarial" / "README.md")
              .read_text(encoding="utf-8").splitlines() if line.startswith("- `")}
    assert listed == set(REGISTRY)
