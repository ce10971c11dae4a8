"""After the meeting (SPEC §12): 总支审核, feedback to each member, 公示 of 整改, 补课 and 处置.

Seam 5 (pure, on plain data): `load_review` reads the office's review workbook,
`review_issues` checks it (R-V1..R-V3, the 退回 as an issue on the branch's 组织评定 cell),
`decide` / `with_review` give 支部评定 + 总支审核 → 最终等次 (app.validate / app.consolidate take
`review=`). `stage` runs them on a Validation; it imports pipeline.app, which imports this
package, so it is not imported here."""

from pipeline.followup.final import Decision, apply_review, decide, with_review
from pipeline.followup.review_book import Review, ReviewError, load_review
from pipeline.followup.review_rules import review_issues

__all__ = ["Decision", "Review", "ReviewError", "apply_review", "decide", "load_review",
           "review_issues", "with_review"]
