"""R-F6: text left over from the template (example rows, hints) is not data.

Found while preparing the branch (pipeline/sheets/leftovers.py), before anything reads the
rows; this module reports them. R-F1..R-F5 are structural (files, sheets, columns, versions)
and live where files are read (pipeline/read/inbox.py, pipeline/read/branches.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.config import Campaign
from pipeline.issues import Issue
from pipeline.sheets.prepare import Prepared


def template_leftovers(b: Prepared, campaign: Campaign) -> Iterator[Issue]:
    """R-F6: a row holding an example (例：…, 示例…), a column's hint text or a repeated header
    row is not data: warning, and the row is dropped (the one warning that drops a row, since
    the row was never data)."""
    yield from b.leftovers


RULE_CHECKS = (("R-F6", template_leftovers),)
