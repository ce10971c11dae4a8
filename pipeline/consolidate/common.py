"""Small helpers of consolidation: frames with fixed columns, shares, rows of a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.normalize import (
    DateError,
    parse_date,
    text,
)
from pipeline.read.table import Table


def table_rows(table: Table | None) -> tuple[tuple[int, dict[str, Any]], ...]:
    """A table's (Excel row, record) pairs; none for a sheet not sent."""
    return table.records if table is not None else ()


def date_or_text(value: Any, year: int) -> dt.date | str | None:
    """A date cell as a date; a value that is not a date stays as its text (rules report it)."""
    try:
        return parse_date(value, year)
    except DateError:
        return text(value)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None



def object_frame(rows: list[list[Any]], columns: Sequence[str]) -> pd.DataFrame:
    """pd.DataFrame(rows, columns=columns, dtype=object), the same frame built from one object
    array: a filing has one 谈话矩阵 frame per branch, and pandas' per-column path costs ~2 ms
    each (measured)."""
    if rows and all(len(r) == len(columns) for r in rows):
        values = np.empty((len(rows), len(columns)), dtype=object)
        values[:] = rows
        return pd.DataFrame(values, columns=list(columns), dtype=object, copy=False)
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


def frame_of(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows → object frame with exactly `columns` (None where absent), index 0..n-1."""
    return object_frame([[r.get(c) for c in columns] for r in rows], columns)


def cell_letters(cell: str) -> str:
    return "".join(ch for ch in cell if ch.isalpha()).upper()


def joined_names(names: Iterable[str]) -> str:
    return "、".join(names)

