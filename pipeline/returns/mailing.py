"""The packages by e-mail (SPEC §10, CONTRACTS Seam 4): one message per branch to its
addresses in `[contacts]` — the notice as the body, the 修改意见 workbook attached — written as
`.eml` drafts, or sent over SMTP with the `[mail]` settings (`returns --send`).

A branch without an address in `[contacts]` gets neither: its files are in the folder and the
result says so. Only the branch's own workbook is attached (its 民主测评 goes to no one else).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from pipeline.config import Campaign
from pipeline.mail.send import SendResult, build_message, msg_bytes, send_messages
from pipeline.mail.settings import Contacts, MailError, ServerSettings
from pipeline.returns.build import Package, Returns
from pipeline.returns.checklist import cn_date
from pipeline.returns.notice import PACKAGE_SUFFIX
from pipeline.returns.write import DRAFT_SUFFIX, atomic_write


@dataclass(frozen=True)
class Outgoing:
    """One branch's message, or why there is none (no address)."""

    branch: str
    stem: str
    message: EmailMessage | None

    @property
    def to(self) -> str:
        return str(self.message["To"]) if self.message is not None else ""


def subject(campaign: Campaign, p: Package, returns: Returns) -> str:
    return (f"{campaign.organisation}{campaign.year}年专题组织生活会：{p.ret.branch}修改意见"
            f"（请于{cn_date(returns.due)}前改正发回）")


def messages(returns: Returns, out_dir: Path, campaign: Campaign, sender: str,
             contacts: Contacts) -> list[Outgoing]:
    """A message per package whose branch has an address; the workbook as written in
    `out_dir` (write_returns first)."""
    out: list[Outgoing] = []
    for p in returns.packages:
        to = contacts.by_branch.get(p.ret.branch, ())
        if not to:
            out.append(Outgoing(p.ret.branch, p.stem, None))
            continue
        book = out_dir / f"{p.stem}{PACKAGE_SUFFIX}"
        msg = build_message(sender, list(to), subject(campaign, p, returns), p.notice, [book])
        out.append(Outgoing(p.ret.branch, p.stem, msg))
    return out


def write_drafts(outgoing: Sequence[Outgoing], out_dir: Path) -> list[Path]:
    """`<支部名>-退回邮件.eml` per message: opened in Outlook/Foxmail, ready to send."""
    paths: list[Path] = []
    for o in outgoing:
        if o.message is None:
            continue
        draft = copy.deepcopy(o.message)
        draft["X-Unsent"] = "1"  # Outlook opens it as a draft to send
        paths.append(atomic_write(out_dir / f"{o.stem}{DRAFT_SUFFIX}", msg_bytes(draft)))
    return paths


def send(outgoing: Sequence[Outgoing], server: ServerSettings,
         password: str | None) -> list[SendResult]:
    """Send every message over one SMTP connection (a refused one does not stop the others)."""
    ready = [o.message for o in outgoing if o.message is not None]
    if not ready:
        return []
    return send_messages(server, password, ready)


def require_sender(sender: str) -> str:
    if not sender:
        raise MailError("campaign.toml [mail] 缺少发件人（user 或 sender），无法发送退回邮件")
    return sender
