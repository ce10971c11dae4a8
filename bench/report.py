"""Figures → ratios, throughput and targets (a plain dict, written to outputs/bench.json).

Per size: a = `orglife consolidate` end to end (as shipped; also serially), b = the
python-calamine read floor (a fresh process), d = the write floor (the same filing's cells,
bare XlsxWriter, the write alone); c = the naive pandas.read_excel(engine="openpyxl") loop
(optional). Wall seconds, CPU seconds (user + sys, workers included), peak RSS in MiB.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

MAX_A_OVER_FLOOR = 1.5  # consolidate within 1.5× of merely reading and writing the cells
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


def floor_ratio(p: Point, key: str = "wall_s") -> float | None:
    """a / (b + d) at one size (None when a figure is missing)."""
    b, d = p.get("floor_s"), p.get("bare_write_s")
    return _ratio(p.get(key), b + d if b is not None and d is not None else None)


def evaluate(points: Sequence[Point], c: Figure | None = None) -> dict[str, Any]:
    """The report: per size the figures and a/(b+d), the scaling table and each target's
    verdict (met None: not measured)."""
    rows = scaling_table(points)
    for r in rows:
        r["a/(b+d)"] = floor_ratio(r)
        r["serial/(b+d)"] = floor_ratio(r, "serial_wall_s")
        r["pool/(b+d)"] = floor_ratio(r, "pool_wall_s")
        r["pool_speedup"] = _ratio(r.get("serial_wall_s"), r.get("pool_wall_s"))
    measured = [r for r in rows if r.get("wall_s")]
    k = exponent(measured[-2], measured[-1]) if len(measured) >= 2 else None
    ratios = [r["a/(b+d)"] for r in rows]
    worst = max((x for x in ratios if x is not None), default=None)
    peaks = [r.get("peak_mib") for r in rows if r.get("peak_mib") is not None]
    peak = max(peaks) if peaks else None
    largest = rows[-1] if rows else {}
    c_a = _ratio(_wall(c), largest.get("wall_s"))
    targets = [
        _target("a/(b+d), worst size", f"≤ {MAX_A_OVER_FLOOR}", worst,
                None if worst is None else worst <= MAX_A_OVER_FLOOR),
        _target("peak RSS of consolidate (MiB)", f"< {MAX_PEAK_MIB:g}", peak,
                None if peak is None else peak < MAX_PEAK_MIB),
        _target("time exponent, two largest sizes", f"≤ {MAX_EXPONENT}", k,
                None if k is None else k <= MAX_EXPONENT),
    ]
    if c is not None:
        targets.append(_target("c/a", f"≥ {MIN_C_OVER_A:g}", c_a,
                               None if c_a is None else c_a >= MIN_C_OVER_A))
    return {"figures": {"c_naive": c}, "scaling": rows, "targets": targets,
            "ratios": {f"a/(b+d) at {r['branches']}": r["a/(b+d)"] for r in rows},
            "all_met": all(t["met"] for t in targets)}


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def render(report: Mapping[str, Any]) -> str:
    """The report as the terminal shows it."""
    lines = [f"{'branches':>8} {'members':>7} {'pool':>6} {'serial':>6} {'b read':>6} "
             f"{'d write':>7} {'a':>6} {'a/(b+d)':>7} {'pool/':>6} {'serial/':>7} {'a cpu':>6} "
             f"{'peak MiB':>8} {'exponent':>8}"]
    for r in report["scaling"]:
        lines.append(
            f"{r['branches']:>8} {r['members']:>7} {_num(r.get('pool_wall_s'), '6.2f')} "
            f"{_num(r.get('serial_wall_s'), '6.2f')} {_num(r.get('floor_s'), '6.2f')} "
            f"{_num(r.get('bare_write_s'), '7.2f')} {r.get('shipped', '')[:6]:>6} "
            f"{_num(r.get('a/(b+d)'), '7.2f')} {_num(r.get('pool/(b+d)'), '6.2f')} "
            f"{_num(r.get('serial/(b+d)'), '7.2f')} {_num(r.get('cpu_s'), '6.1f')} "
            f"{_num(r.get('peak_mib'), '8.0f')} {_num(r.get('exponent_from_previous'), '8.2f')}")
    lines.append("(pool, serial: consolidate wall s; a = the one shipped at that size; "
                 "ratios over b + d; a cpu: user + sys s, workers included)")
    c = report["figures"].get("c_naive")
    if c:
        lines.append(f"(c) naive read_excel/openpyxl at the largest size: "
                     f"{_num(c.get('wall_s'), '.2f')} s")
    lines.append("")
    for t in report["targets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"{t['name']:34} {t['target']:>8}  {_num(t['value'], '8.2f')}  {verdict}")
    return "\n".join(lines)
