"""R-F6: text left over from the template (example rows, hints, a repeated header row) is not
data. Found on the located tables before anything else reads them; their rows are then taken
out, so no rule and no part of the filing ever sees them."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from operator import itemgetter

from pipeline import contract as C
from pipeline.issues import Issue
from pipeline.normalize import fold, text
from pipeline.read.table import Record, Table
from pipeline.sheets.located import at

# Marks that open an example or a hint (compared after NFKC folding: （示例） → (示例), 例： → 例:).
EXAMPLE_PREFIXES = ("例:", "示例", "(示例)", "【示例】", "[示例]", "举例:", "如:", "填写示例")


@functools.cache
def _template(sheet: str) -> tuple[dict[str, str], dict[str, str], int]:
    """Folded headers and prompts of the contract sheet, and how many repeated headers make a
    repeated header row (a pure function of the contract: computed once per sheet kind)."""
    spec = C.SHEETS.get(sheet)
    columns = spec.columns if spec else ()
    headers = {c.header: fold(c.header) for c in columns}
    prompts = {c.header: fold(c.prompt) for c in columns if c.prompt}
    return headers, prompts, max(2, (len(columns) + 1) // 2)


def leftover_reason(sheet: str, rec: Record) -> tuple[str, str] | None:
    """(column, why) when the row carries template text, else None."""
    headers, prompts, enough = _template(sheet)
    keys = {str(col): fold(v) for col, v in rec.items() if isinstance(v, str)}
    repeated = [col for col, key in keys.items() if key and headers.get(col) == key]
    if len(repeated) >= enough:
        return repeated[0], "是重复的表头行"
    for column, key in keys.items():  # numbers and dates are never template text
        if key.startswith(EXAMPLE_PREFIXES):
            return column, "是模板中的示例"
        if key and key == prompts.get(column):
            return column, "是模板中的填写提示"
    return None


def _suspects(sheet: str, t: Table) -> list[int]:
    """Positions (in records order) of the rows leftover_reason() can flag: those with a text
    that, folded, is its column's header, its column's prompt or opens with an example mark.
    Each column's distinct values are folded once (a 民主测评 column holds a handful); every
    other row has no reason."""
    headers, prompts, _ = _template(sheet)
    records = [rec for _, rec in t.records]
    rows: set[int] = set()
    for col in t.columns:
        column = list(map(itemgetter(col), records))
        header, prompt = headers.get(col), prompts.get(col)
        marked = set()
        for v in set(column):
            if v.__class__ is str and (key := fold(v)) and (
                    key == header or key == prompt or key.startswith(EXAMPLE_PREFIXES)):
                marked.add(v)
        if marked:
            rows.update(i for i, v in enumerate(column) if v in marked)
    return sorted(rows)


def template_leftovers(branch: str, tables: Mapping[str, Table]) -> Iterator[Issue]:
    """R-F6: a row holding an example (例：…, 示例…), a column's hint text or a repeated header
    row is not data: warning, and the row is dropped (dropped=True) — the one warning that drops
    a row, since the row was never data."""
    for sheet, t in tables.items():
        suspects = _suspects(sheet, t)
        for row, rec in (t.records[i] for i in suspects):
            found = leftover_reason(sheet, rec)
            if found is None:
                continue
            column, why = found
            value = text(rec[column])
            yield at(branch, t, "R-F6", "warning",
                     f"“{value}”{why}，不是填报的数据，该行未采用；如确为数据，请删去示例或提示字样",
                     row=row, column=column, found=value, expected="实际填报的内容",
                     dropped=True)


def strip_leftovers(tables: Mapping[str, Table], leftovers: list[Issue]) -> dict[str, Table]:
    """The tables without the rows R-F6 reported."""
    rows: dict[str, set[int]] = {}
    for i in leftovers:
        if i.rule == "R-F6" and i.dropped:
            rows.setdefault(i.sheet, set()).add(i.row)
    return {sheet: t.without(rows.get(sheet, ())) for sheet, t in tables.items()}
