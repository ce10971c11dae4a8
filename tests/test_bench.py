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


def test_report_ratios_and_targets() -> None:
    report = evaluate({"wall_s": 6.0, "peak_mib": 900.0}, {"wall_s": 4.0, "peak_mib": 600.0},
                      {"wall_s": 60.0, "peak_mib": 700.0},
                      [{"branches": 100, "members": 1000, "wall_s": 2.0},
                       {"branches": 200, "members": 2000, "wall_s": 3.0},
                       {"branches": 400, "members": 4000, "wall_s": 6.0}])
    assert report["ratios"] == {"a/b": 1.5, "c/a": 10.0}
    verdicts = {t["name"]: (t["value"], t["met"]) for t in report["targets"]}
    assert verdicts["a/b"] == (1.5, True)
    assert verdicts["c/a"] == (10.0, True)
    assert verdicts["peak RSS of consolidate (MiB)"] == (900.0, True)
    assert verdicts["time exponent, two largest sizes"] == (1.0, True)
    assert report["all_met"] is True
    rows = report["scaling"]
    assert [r["members_per_s"] for r in rows] == [500.0, 2000 / 3, 4000 / 6]
    assert rows[0]["exponent_from_previous"] is None
    assert math.isclose(rows[1]["exponent_from_previous"], math.log2(1.5))
    assert "NOT met" not in render(report)


def test_report_targets_not_met_and_missing_figures() -> None:
    report = evaluate({"wall_s": 20.0, "peak_mib": 1024.0}, {"wall_s": 4.0, "peak_mib": 1.0},
                      {"wall_s": 40.0, "peak_mib": 1.0},
                      [{"branches": 400, "members": 100, "wall_s": 10.0},
                       {"branches": 800, "members": 200, "wall_s": 25.0}])
    verdicts = {t["name"]: t["met"] for t in report["targets"]}
    assert report["ratios"] == {"a/b": 5.0, "c/a": 2.0}
    assert verdicts == {"a/b": False, "c/a": False, "peak RSS of consolidate (MiB)": False,
                        "time exponent, two largest sizes": False}
    failed = evaluate({"wall_s": None, "peak_mib": 10.0}, {"wall_s": 4.0}, None)
    assert failed["ratios"] == {"a/b": None, "c/a": None}
    assert [t["met"] for t in failed["targets"]] == [None, None, True, None]
    assert failed["all_met"] is False
    assert "not measured" in render(failed)
