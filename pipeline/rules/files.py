"""R-F6: text left over from the template (example rows, hints) is not data.

R-F1..R-F5 are structural (files, sheets, columns, versions) and live in pipeline/inbox.py and
pipeline/run.py; this module only looks at the values of sheets that were found.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.excel.table import Table
from pipeline.issues import Issue
from pipeline.model import BranchInput
from pipeline.normalize import fold
from pipeline.rules._common import at, records, text

# Marks that open an example or a hint (compared after NFKC folding: （示例） → (示例), 例： → 例:).
EXAMPLE_PREFIXES = ("例:", "示例", "(示例)", "【示例】", "[示例]", "举例:", "如:", "填写示例")


@functools.cache
def _template(sheet: str) -> tuple[dict[str, str], dict[str, str], int]:
    """Folded headers and prompts of the contract sheet, and how many repeated headers make a
    repeated header row."""
    spec = C.SHEETS.get(sheet)
    columns = spec.columns if spec else ()
    headers = {c.header: fold(c.header) for c in columns}
    prompts = {c.header: fold(c.prompt) for c in columns if c.prompt}
    return headers, prompts, max(2, (len(columns) + 1) // 2)


def leftover_reason(sheet: str, rec: dict[str, object]) -> tuple[str, str] | None:
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
    Each column's distinct values are folded once; every other row has no reason."""
    headers, prompts, _ = _template(sheet)
    values = t.frame.to_numpy(dtype=object)
    rows: set[int] = set()
    for j, col in enumerate(map(str, t.frame.columns)):
        column = values[:, j].tolist()
        header, prompt = headers.get(col), prompts.get(col)
        marked = set()
        for v in set(column):
            if isinstance(v, str):
                key = fold(v)
                if key and (key == header or key == prompt or key.startswith(EXAMPLE_PREFIXES)):
                    marked.add(v)
        if marked:
            rows.update(i for i, v in enumerate(column) if v in marked)
    return sorted(rows)


def template_leftovers(b: BranchInput, campaign: Campaign) -> Iterator[Issue]:
    """R-F6: a row holding an example (例：…, 示例…), a column's hint text or a repeated header
    row is not data: warning, and the row is dropped (dropped=True) — the one warning that drops
    a row, since the row was never data."""
    for sheet, t in b.tables.items():
        suspects = _suspects(sheet, t)
        if not suspects:
            continue
        recs = records(t)
        for row, rec in (recs[i] for i in suspects):
            found = leftover_reason(sheet, rec)
            if found is None:
                continue
            column, why = found
            value = text(rec[column])
            yield at(b, t, "R-F6", "warning",
                     f"“{value}”{why}，不是填报的数据，该行未采用；如确为数据，请删去示例或提示字样",
                     row=row, column=column, found=value, expected="实际填报的内容",
                     dropped=True)


def strip_leftovers(b: BranchInput, leftovers: list[Issue]) -> BranchInput:
    """The branch input without the rows R-F6 reported, so other rules never see them."""
    rows: dict[str, set[int]] = {}
    for i in leftovers:
        if i.rule == "R-F6" and i.dropped:
            rows.setdefault(i.sheet, set()).add(i.row)
    if not rows:
        return b
    tables = {sheet: (dataclasses.replace(t, frame=t.frame.drop(index=sorted(rows[sheet])))
                      if sheet in rows else t)
              for sheet, t in b.tables.items()}
    return dataclasses.replace(b, tables=tables)


RULE_CHECKS = (("R-F6", template_leftovers),)
