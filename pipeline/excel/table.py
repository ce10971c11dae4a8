"""Locate a contract table inside a sheet's rows: header row below titles, synonyms, letters.

Pure: works on row lists (row 0 = Excel row 1) as any reader returns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import pandas as pd

from pipeline.normalize import fold, is_blank

HEADER_SCAN_ROWS = 30


def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_key(value: Any) -> str:
    """Header comparison key: folded, without the '*' or （必填） marks people add."""
    return fold(value).replace("*", "").replace("(必填)", "").replace("(选填)", "")


@dataclass
class Table:
    """One sheet's data area: `frame` indexed by Excel row number, columns by header text."""

    file: str
    sheet: str
    frame: pd.DataFrame
    letters: dict[str, str]
    header_row: int
    extra_columns: list[str] = field(default_factory=list)

    def cell(self, row: int, column: str) -> str:
        """Excel address of a value, e.g. cell(7, '谈话人') → 'A7'."""
        return f"{self.letters[column]}{row}"

    @property
    def rows(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class MissingColumns:
    """The required headers that no row of the sheet carries (R-F3)."""

    missing: tuple[str, ...]
    header_row: int | None  # the best candidate row, when one had some headers


def _canonical(value: Any, required: Sequence[str], synonyms: Mapping[str, str]) -> str | None:
    key = header_key(value)
    if not key:
        return None
    for name in required:
        if key == header_key(name):
            return name
    for alias, name in synonyms.items():
        if key == header_key(alias):
            return name
    return None


def locate(rows: Sequence[Sequence[Any]], required: Sequence[str], *, file: str, sheet: str,
           synonyms: Mapping[str, str] | None = None,
           keep: Sequence[str] = ()) -> Table | MissingColumns:
    """Find the header row (the first of the top rows that holds the most required headers)
    and return the data rows below it. `keep` lists optional headers also recognised by name
    (e.g. the member columns of 民主测评)."""
    synonyms = synonyms or {}
    wanted = [*required, *keep]
    best_row, best_hits = None, 0
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = len({c for c in (_canonical(v, required, synonyms) for v in row) if c})
        if hits > best_hits:
            best_row, best_hits = r, hits
        if hits == len(set(required)):
            break
    if best_row is None:
        return MissingColumns(tuple(required), None)
    header = rows[best_row]
    found: dict[str, int] = {}
    extras: dict[str, int] = {}
    for c, value in enumerate(header):
        name = _canonical(value, wanted, synonyms)
        if name is not None and name not in found:
            found[name] = c
        elif not is_blank(value):
            text = str(value).strip()
            label = text if text not in found and text not in extras else f"{text}({col_letter(c)})"
            extras[label] = c
    missing = tuple(name for name in required if name not in found)
    if missing:
        return MissingColumns(missing, best_row + 1)
    columns = {**found, **extras}
    data: dict[int, list[Any]] = {}
    for r in range(best_row + 1, len(rows)):
        row = rows[r]
        values = [row[c] if c < len(row) else None for c in columns.values()]
        values = [None if (isinstance(v, str) and v == "") else v for v in values]
        if all(is_blank(v) for v in values):
            continue
        data[r + 1] = values
    frame = pd.DataFrame.from_dict(data, orient="index", columns=list(columns), dtype=object)
    if frame.empty:
        frame = pd.DataFrame(columns=list(columns), dtype=object)
    frame.index.name = "行"
    return Table(file=file, sheet=sheet, frame=frame,
                 letters={name: col_letter(c) for name, c in columns.items()},
                 header_row=best_row + 1, extra_columns=list(extras))
