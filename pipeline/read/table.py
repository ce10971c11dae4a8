"""Locate a contract table inside a sheet's rows: header row below titles, synonyms, letters.

Pure: works on row lists (row 0 = Excel row 1) as any reader returns them, plus the merged
ranges when the reader knows them.

Header cells are compared folded (full-width → half-width, no spaces or line breaks, without
the '*' / (必填) marks people add, a trailing colon or a trailing bracketed hint such as
完成时限（年/月/日）). A merged header cell counts for every row and column it covers, so a
two-row header (姓名 merged over two rows, 民主评议 over 出席 | 缺席原因) is found on its
lower row. Inside the data area nothing is spread: a merged block's value stays only in its
top-left cell, as the reader gives it. Hidden rows are data like any other.

A plain number in a date column (a serial typed into a General cell) means a date counted from
the workbook's epoch: in a 1904-system workbook it becomes that date here, since the rules
read remaining numbers as 1900-system serials. Date-formatted cells come dated from the reader.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline import contract as C
from pipeline.normalize import DateError, fold, from_serial, is_blank

if TYPE_CHECKING:
    from pipeline.read import RawSheet

HEADER_SCAN_ROWS = 30
DATE_HEADERS = frozenset(c.header for s in C.SHEETS.values() for c in s.columns if c.kind == "date")
Merge = tuple[tuple[int, int], tuple[int, int]]

_HINT = re.compile(r"\([^()]*\)$")  # a trailing bracketed hint; brackets are ASCII after fold


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
    if value.__class__ is str:
        return _header_key_str(value)
    key = fold(value).replace("*", "").replace("(必填)", "").replace("(选填)", "")
    return key.rstrip(":")


@functools.lru_cache(maxsize=1 << 16)
def _header_key_str(value: str) -> str:
    key = fold(value).replace("*", "").replace("(必填)", "").replace("(选填)", "")
    return key.rstrip(":")


Record = dict[str, Any]  # one data row: header → cell value


@dataclass(frozen=True)
class Table:
    """One sheet's data area, parsed once: every data row as (Excel row, {header: value}) in
    sheet order, the header's letters and row. `raw` is the whole sheet as read (row 0 = Excel
    row 1), for values outside the table; it is shared, not copied. Read it, never change it."""

    file: str
    sheet: str
    columns: tuple[str, ...]
    records: tuple[tuple[int, Record], ...]
    letters: dict[str, str]
    header_row: int
    extra_columns: tuple[str, ...] = ()
    raw: Sequence[Sequence[Any]] = field(default=(), repr=False, compare=False)

    def cell(self, row: int, column: str) -> str:
        """Excel address of a value, e.g. cell(7, '谈话人') → 'A7'."""
        return f"{self.letters[column]}{row}"

    @property
    def rows(self) -> int:
        return len(self.records)

    @property
    def row_numbers(self) -> frozenset[int]:
        return frozenset(r for r, _ in self.records)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as an object DataFrame indexed by Excel row (for inspection and tests; the
        pipeline reads `records`)."""
        frame = pd.DataFrame([[rec[c] for c in self.columns] for _, rec in self.records],
                             index=pd.Index([r for r, _ in self.records], dtype=np.int64),
                             columns=list(self.columns), dtype=object)
        frame.index.name = "行"
        return frame

    def without(self, rows: Collection[int]) -> Table:
        """The table without these Excel rows (itself when none of them is here)."""
        if not rows or not any(r in rows for r, _ in self.records):
            return self
        return replace(self, records=tuple((r, rec) for r, rec in self.records if r not in rows))


@dataclass(frozen=True)
class MissingColumns:
    """The required headers that no row of the sheet carries (R-F3)."""

    missing: tuple[str, ...]
    header_row: int | None  # the best candidate row, when one had some headers


@dataclass(frozen=True)
class Header:
    """Where a table's header is: its 0-based row and the 0-based column of each header."""

    row: int  # 0-based; the data starts on the next row
    columns: dict[str, int]  # required and `keep` headers (canonical names)
    extras: dict[str, int]  # other non-blank headers, labelled by their own text
    copies: frozenset[int] = frozenset()  # columns whose header only came from a merged cell

    @property
    def all_columns(self) -> dict[str, int]:
        return {**self.columns, **self.extras}


@dataclass(frozen=True)
class _Matcher:
    """The contract name a header cell means, for fixed names, synonyms and `hinted` names
    (their keys made once): the first name, then the first synonym, whose key equals the
    cell's key. `hinted` names (and their synonyms) also match with a trailing bracketed hint
    removed (never member names: 王伟(2) is not 王伟)."""

    exact: dict[str, str]  # key of a name or synonym → contract name
    bare: dict[str, str]  # key of a hinted name or of a synonym of one → contract name
    seen: dict[str, str | None] = field(default_factory=dict)  # text cell → its answer

    def __call__(self, value: Any) -> str | None:
        if value.__class__ is str:
            seen = self.seen
            if value not in seen:
                if len(seen) >= 1 << 16:
                    seen.clear()
                seen[value] = self._canonical(value)
            return seen[value]
        return None if value is None else self._canonical(value)

    def _canonical(self, value: Any) -> str | None:
        key = header_key(value)
        if not key:
            return None
        name = self.exact.get(key)
        if name is not None:
            return name
        bare = _HINT.sub("", key)
        if bare and bare != key:
            return self.bare.get(bare)
        return None


@functools.lru_cache(maxsize=256)
def _matcher(names: tuple[str, ...], synonyms: tuple[tuple[str, str], ...],
             hinted: tuple[str, ...]) -> _Matcher:
    exact: dict[str, str] = {}
    for name in names:
        exact.setdefault(header_key(name), name)
    for alias, name in synonyms:
        exact.setdefault(header_key(alias), name)
    bare: dict[str, str] = {}
    for name in hinted:
        bare.setdefault(header_key(name), name)
    for alias, name in synonyms:
        if name in hinted:
            bare.setdefault(header_key(alias), name)
    return _Matcher(exact, bare)


def spread_headers(rows: Sequence[Sequence[Any]], merged: Sequence[Merge],
                   scan: int = HEADER_SCAN_ROWS) -> tuple[list[list[Any]], set[tuple[int, int]]]:
    """The top `scan` rows with each merged cell's value copied into the blank cells it
    covers, and the (row, col) of the copies made sideways (not the merge's first column).
    Rows no merge changes are the input rows themselves: read them, never change them."""
    top: list[Any] = list(rows[:scan])  # a row is copied (a list) before it is changed
    copied: set[int] = set()
    sideways: set[tuple[int, int]] = set()
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(top) or r0 < 0 or c0 < 0:
            continue
        first = top[r0]
        value = first[c0] if c0 < len(first) else None
        if is_blank(value):
            continue
        for r in range(r0, min(r1, len(top) - 1) + 1):
            if r not in copied:
                top[r] = list(top[r])
                copied.add(r)
            row = top[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0) and is_blank(row[c]):
                    row[c] = value
                    if c != c0:
                        sideways.add((r, c))
    return top, sideways


def find_header(rows: Sequence[Sequence[Any]], required: Sequence[str], *,
                synonyms: Mapping[str, str] | None = None, keep: Sequence[str] = (),
                merged: Sequence[Merge] = ()) -> Header | MissingColumns:
    """The header row: the first of the top rows that holds the most required headers.
    Pure Python (no frame), cheap enough to run on every sheet of an inbox."""
    pairs = tuple(synonyms.items()) if synonyms else ()
    hinted = tuple(required)
    scan = _matcher(hinted, pairs, hinted)
    canonical = _matcher((*required, *keep), pairs, hinted)
    top, sideways = spread_headers(rows, merged) if merged else (rows[:HEADER_SCAN_ROWS], set())
    best_row, best_hits = None, 0
    everything = len(set(required))
    for r, row in enumerate(top):
        hits = len({c for c in map(scan, row) if c})
        if hits > best_hits:
            best_row, best_hits = r, hits
        if hits == everything:
            break
    if best_row is None:
        return MissingColumns(tuple(required), None)
    found: dict[str, int] = {}
    extras: dict[str, int] = {}
    copies: set[int] = set()
    for c, value in enumerate(top[best_row]):
        if (best_row, c) in sideways:
            copies.add(c)
        name = canonical(value)
        if name is not None and name not in found:
            found[name] = c
        elif not is_blank(value):
            text = str(value).strip()
            label = text if text not in found and text not in extras else f"{text}({col_letter(c)})"
            extras[label] = c
    missing = tuple(name for name in required if name not in found)
    if missing:
        return MissingColumns(missing, best_row + 1)
    return Header(best_row, found, extras, frozenset(copies))


def data_rows(rows: Sequence[Sequence[Any]], header: Header) -> dict[int, list[Any]]:
    """Excel row number → the values of the header's columns (in `all_columns` order), for
    every row below the header that has a value in one of them."""
    columns = list(header.all_columns.values())
    pick = itemgetter(*columns) if len(columns) > 1 else None
    width = max(columns, default=-1) + 1  # rows at least this long need no bounds checks
    data: dict[int, list[Any]] = {}
    for r in range(header.row + 1, len(rows)):
        row = rows[r]
        if pick is not None and len(row) >= width:
            values = list(pick(row))
        else:
            values = [row[c] if c < len(row) else None for c in columns]
        if "" in values:
            values = [None if (isinstance(v, str) and v == "") else v for v in values]
        for v in values:
            if not is_blank(v):
                data[r + 1] = values
                break
    return data


def count_data_rows(rows: Sequence[Sequence[Any]], header: Header) -> int:
    """How many data rows a located table would have (for 行数核对 of superseded sheets)."""
    return len(data_rows(rows, header))


def serial_1904(value: Any) -> Any:
    """A plain number in a date column of a 1904-system workbook → its date (else unchanged)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return from_serial(float(value), date1904=True)
        except DateError:
            return value
    return value


def locate(rows: Sequence[Sequence[Any]], required: Sequence[str], *, file: str, sheet: str,
           synonyms: Mapping[str, str] | None = None,
           keep: Sequence[str] = (), merged: Sequence[Merge] = (),
           date1904: bool = False) -> Table | MissingColumns:
    """Find the header row (the first of the top rows that holds the most required headers)
    and return the data rows below it. `keep` lists optional headers also recognised by name
    (e.g. the member columns of 民主测评); `merged` the sheet's merged ranges (0-based)."""
    header = find_header(rows, required, synonyms=synonyms, keep=keep, merged=merged)
    if isinstance(header, MissingColumns):
        return header
    return _table(rows, header, file=file, sheet=sheet, date1904=date1904)


def _table(rows: Sequence[Sequence[Any]], header: Header, *, file: str, sheet: str,
           date1904: bool) -> Table:
    """The Table below a found header (locate's second half)."""
    data = data_rows(rows, header)
    columns = header.all_columns
    names = list(columns)
    # A column under the sideways part of a merged header is kept only when it holds data.
    drop = {i for i, (name, c) in enumerate(columns.items())
            if c in header.copies and name in header.extras
            and all(is_blank(values[i]) for values in data.values())}
    if drop:
        names = [n for i, n in enumerate(names) if i not in drop]
        data = {r: [v for i, v in enumerate(values) if i not in drop] for r, values in data.items()}
        columns = {n: columns[n] for n in names}
    if date1904:
        dates = [i for i, name in enumerate(names) if name in DATE_HEADERS]
        for values in data.values():
            for i in dates:
                values[i] = serial_1904(values[i])
    records = tuple((r, dict(zip(names, values))) for r, values in data.items())
    return Table(file=file, sheet=sheet, columns=tuple(names), records=records,
                 letters={name: col_letter(c) for name, c in columns.items()},
                 header_row=header.row + 1,
                 extra_columns=tuple(n for n in names if n in header.extras), raw=rows)


def sheet_header(sheet: RawSheet, required: Sequence[str], *,
                 synonyms: Mapping[str, str] | None = None,
                 keep: Sequence[str] = ()) -> Header | MissingColumns:
    """find_header() on a RawSheet, with its merged ranges."""
    return find_header(sheet.rows, required, synonyms=synonyms, keep=keep, merged=sheet.merged)


def locate_sheet(sheet: RawSheet, required: Sequence[str], *, file: str,
                 synonyms: Mapping[str, str] | None = None, keep: Sequence[str] = (),
                 header: Header | MissingColumns | None = None) -> Table | MissingColumns:
    """locate() on a RawSheet, with its merged ranges; `header` when already found (the
    inbox finds each sheet's header once, to tell whether it was filled in)."""
    if header is None:
        header = sheet_header(sheet, required, synonyms=synonyms, keep=keep)
    if isinstance(header, MissingColumns):
        return header
    return _table(sheet.rows, header, file=file, sheet=sheet.name, date1904=sheet.date1904)
