"""Figures → ratios, throughput and targets (a plain dict, written to outputs/bench.json).

a = `orglife consolidate` end to end, b = the python-calamine floor, c = the naive
pandas.read_excel(engine="openpyxl") loop; all on the same inbox, wall seconds of a fresh
process, peak RSS in MiB.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

MAX_A_OVER_B = 1.5  # consolidate within 1.5× of merely reading the cells
MIN_C_OVER_A = 10.0  # consolidate at least 10× faster than the naive loop
MAX_PEAK_MIB = 1024.0  # peak RSS under 1 GiB
# "No faster than linear": the exponent k of time ∝ members^k between the two largest sizes
# (fixed start-up cost pulls it under 1; 0.15 of slack for a noisy 2-core box).
MAX_EXPONENT = 1.15

Figure = Mapping[str, Any]  # {"wall_s": float, "peak_mib": float, ...}
Point = Mapping[str, Any]  # {"branches": int, "members": int, "wall_s": float, ...}


def _wall(f: Figure | None) -> float | None:
    if not f or f.get("wall_s") is None:
        return None
    return float(f["wall_s"])


def _ratio(top: float | None, bottom: float | None) -> float | None:
    if top is None or bottom is None or bottom <= 0:
        return None
    return top / bottom


def exponent(p: Point, q: Point) -> float | None:
    """k in wall ∝ members^k from two scaling points (None when not computable)."""
    t1, t2, m1, m2 = p.get("wall_s"), q.get("wall_s"), p.get("members"), q.get("members")
    if not (t1 and t2 and m1 and m2) or m1 == m2:
        return None
    return math.log(t2 / t1) / math.log(m2 / m1)


def scaling_table(points: Sequence[Point]) -> list[dict[str, Any]]:
    """Points by size, with members/s and the exponent from the previous size."""
    rows: list[dict[str, Any]] = []
    for p in sorted(points, key=lambda p: p["branches"]):
        wall = p.get("wall_s")
        row = {**p, "members_per_s": p["members"] / wall if wall else None,
               "exponent_from_previous": exponent(rows[-1], p) if rows else None}
        rows.append(row)
    return rows


def _target(name: str, rule: str, value: float | None, met: bool | None) -> dict[str, Any]:
    return {"name": name, "target": rule, "value": value, "met": met}


def evaluate(a: Figure | None, b: Figure | None, c: Figure | None,
             scaling: Sequence[Point] = ()) -> dict[str, Any]:
    """The report: the three figures, their ratios, the scaling table and each target's verdict
    (met None: not measured)."""
    a_b = _ratio(_wall(a), _wall(b))
    c_a = _ratio(_wall(c), _wall(a))
    rows = scaling_table(scaling)
    measured = [r for r in rows if r.get("wall_s")]
    k = exponent(measured[-2], measured[-1]) if len(measured) >= 2 else None
    peak = float(a["peak_mib"]) if a and a.get("peak_mib") is not None else None
    targets = [
        _target("a/b", f"≤ {MAX_A_OVER_B}", a_b, None if a_b is None else a_b <= MAX_A_OVER_B),
        _target("c/a", f"≥ {MIN_C_OVER_A:g}", c_a, None if c_a is None else c_a >= MIN_C_OVER_A),
        _target("peak RSS of consolidate (MiB)", f"< {MAX_PEAK_MIB:g}", peak,
                None if peak is None else peak < MAX_PEAK_MIB),
        _target("time exponent, two largest sizes", f"≤ {MAX_EXPONENT}", k,
                None if k is None else k <= MAX_EXPONENT),
    ]
    return {
        "figures": {"a_consolidate": a, "b_floor": b, "c_naive": c},
        "ratios": {"a/b": a_b, "c/a": c_a},
        "scaling": rows,
        "targets": targets,
        "all_met": all(t["met"] for t in targets),
    }


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def render(report: Mapping[str, Any]) -> str:
    """The report as the terminal shows it."""
    names = {"a_consolidate": "(a) orglife consolidate", "b_floor": "(b) calamine floor",
             "c_naive": "(c) naive read_excel/openpyxl"}
    lines = [f"{'':32} {'wall s':>8} {'peak MiB':>9}"]
    for key, label in names.items():
        f = report["figures"].get(key) or {}
        lines.append(f"{label:32} {_num(f.get('wall_s'), '8.2f')} "
                     f"{_num(f.get('peak_mib'), '9.0f')}")
    lines.append("")
    lines.append(f"{'branches':>8} {'members':>8} {'wall s':>8} {'peak MiB':>9} "
                 f"{'members/s':>10} {'exponent':>9}")
    for r in report["scaling"]:
        lines.append(f"{r['branches']:>8} {r['members']:>8} {_num(r.get('wall_s'), '8.2f')} "
                     f"{_num(r.get('peak_mib'), '9.0f')} {_num(r.get('members_per_s'), '10.0f')} "
                     f"{_num(r.get('exponent_from_previous'), '9.2f')}")
    lines.append("")
    for t in report["targets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"{t['name']:34} {t['target']:>8}  {_num(t['value'], '8.2f')}  {verdict}")
    return "\n".join(lines)
