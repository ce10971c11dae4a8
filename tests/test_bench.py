"""The benchmark's generator (deterministic, prefix-stable) and report (ratios and targets)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not installed

from bench.generate import GENERAL_FILE, bench_config, ensure, sha256
from bench.report import evaluate, render
from pipeline import contract as C
from pipeline.config import load_campaign
from pipeline.read import read_path
from pipeline.read.roster import load_roster


def digests(folder: Path) -> dict[str, str]:
    files = [folder / "roster.xlsx", folder / "campaign.toml", *sorted((folder / "inbox").iterdir())]
    return {p.name: sha256(p) for p in files}


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory):
    first = ensure([3], cache=tmp_path_factory.mktemp("one"), workers=2)[3]
    second = ensure([3], cache=tmp_path_factory.mktemp("two"), workers=1)[3]
    return first, second


def test_generator_is_deterministic(three) -> None:
    first, second = three
    assert first.files == 4  # three branches and the 党总支
    assert digests(first.folder) == digests(second.folder)
    assert first.ballot_cells > 0 and first.members >= 3 * 30


def test_generated_inbox_fits_the_pipeline(three) -> None:
    ds = three[0]
    campaign = load_campaign(ds.config)
    assert campaign.roster_path == ds.roster.resolve()
    roster = load_roster(ds.roster, campaign)
    assert len(roster.members) == ds.members
    assert sorted(p.name for p in ds.inbox.iterdir()) == sorted(
        [GENERAL_FILE, *(f"{b}.xlsx" for b in roster.branches)])
    meta = read_path(ds.inbox / f"{roster.branches[0]}.xlsx").sheets[C.META].rows
    assert {r[0]: r[1] for r in meta if r and r[0]}["branch"] == roster.branches[0]


def test_cache_reuses_and_larger_sizes_share_branch_files(three) -> None:
    cache = three[0].folder.parent
    ds = ensure([2, 3], cache=cache, workers=1)  # 3 is cached; 2 reuses its branch files
    assert ds[3] == three[0]
    small, big = digests(ds[2].folder), digests(ds[3].folder)
    shared = {k for k in small if k.endswith(".xlsx") and k not in ("roster.xlsx", GENERAL_FILE)}
    assert len(shared) == 2 and all(small[k] == big[k] for k in shared)
    assert (ds[2].inbox / sorted(shared)[0]).samefile(ds[3].inbox / sorted(shared)[0])


def test_bench_config_points_at_the_roster_and_raises_max_files() -> None:
    text = bench_config(3000)
    assert 'roster = "roster.xlsx"' in text
    assert "max_files = 6100" in text


def point(branches: int, members: int, wall: float | None, read: float = 1.0,
          write: float = 3.0, peak: float = 500.0, serial: float | None = None) -> dict:
    return {"branches": branches, "members": members, "wall_s": wall, "peak_mib": peak,
            "floor_s": read, "bare_write_s": write, "serial_wall_s": serial,
            "pool_wall_s": wall}


def test_report_ratios_and_targets() -> None:
    report = evaluate([point(120, 1200, 3.0, 0.5, 1.5, serial=4.5),
                       point(400, 4000, 6.0, 1.0, 3.0, peak=900.0, serial=9.0)],
                      {"wall_s": 60.0, "peak_mib": 700.0})
    assert report["ratios"] == {"a/(b+d) at 120": 1.5, "a/(b+d) at 400": 1.5}
    verdicts = {t["name"]: (t["value"], t["met"]) for t in report["targets"]}
    assert verdicts["a/(b+d), worst size"] == (1.5, True)
    assert verdicts["c/a"] == (10.0, True)
    assert verdicts["peak RSS of consolidate (MiB)"] == (900.0, True)
    assert math.isclose(verdicts["time exponent, two largest sizes"][0], math.log(2) / math.log(10 / 3))
    assert report["all_met"] is True
    rows = report["scaling"]
    assert [r["members_per_s"] for r in rows] == [400.0, 4000 / 6]
    assert [r["pool_speedup"] for r in rows] == [1.5, 1.5]
    assert rows[0]["exponent_from_previous"] is None
    assert "NOT met" not in render(report)


def test_report_targets_not_met_and_missing_figures() -> None:
    report = evaluate([point(400, 100, 10.0, peak=1024.0), point(800, 200, 25.0)])
    verdicts = {t["name"]: t["met"] for t in report["targets"]}
    assert report["ratios"] == {"a/(b+d) at 400": 2.5, "a/(b+d) at 800": 6.25}
    assert verdicts == {"a/(b+d), worst size": False, "peak RSS of consolidate (MiB)": False,
                        "time exponent, two largest sizes": False}
    failed = evaluate([point(400, 100, None, peak=10.0)])
    assert failed["ratios"] == {"a/(b+d) at 400": None}
    assert [t["met"] for t in failed["targets"]] == [None, True, None]
    assert failed["all_met"] is False
    assert "not measured" in render(failed)
