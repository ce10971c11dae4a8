"""orglife collect: messages (exported mail or the IMAP mailbox) → workbooks saved in the inbox,
received times in INBOX/.orglife/received.json (Seam 1), and a log row per attachment.

A message already read (same bytes) is skipped; a bad message is logged and the rest goes on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.mail import parts, sources
from pipeline.mail.imap import Mailbox
from pipeline.mail.log import LogRow, from_dict, to_dict, write_log
from pipeline.mail.names import safe_name, suffix
from pipeline.mail.settings import Contacts, MailSettings, require
from pipeline.mail.store import BEIJING, Store, sha256

SAVED = "已保存"
DUPLICATE = "重复"
NO_ATTACHMENT = "无附件"
BAD_MESSAGE = "邮件无法读取"
TOO_LARGE = "超过大小上限"
NEEDS_HAND = frozenset({parts.LARGE_LINK, parts.UNDECODABLE, parts.REFUSED, BAD_MESSAGE,
                        TOO_LARGE})


@dataclass
class CollectResult:
    """What one run did: the new log rows (in order) and how many messages it read/skipped."""

    rows: list[LogRow] = field(default_factory=list)
    messages: int = 0
    already_seen: int = 0
    log_path: Path | None = None

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.rows)


def _iso(when: dt.datetime | None) -> str:
    return when.astimezone(BEIJING).isoformat() if when else ""


class Collector:
    """Turns messages into saved files and log rows, one at a time (state flushed after each)."""

    def __init__(self, store: Store, contacts: Contacts, max_unpacked_mb: int):
        self.store = store
        self.contacts = contacts
        self.max_mb = max_unpacked_mb
        self.result = CollectResult()

    def _row(self, **values: str) -> LogRow:
        base = dict.fromkeys(("received", "date", "sender", "branch", "subject", "attachment",
                              "saved", "sha256", "status", "note", "origin"), "")
        row = LogRow(**{**base, **values})
        self.result.rows.append(row)
        self.store.log.append(to_dict(row))
        return row

    def message(self, item: sources.RawMessage) -> None:
        fingerprint = sha256(item.raw)
        if self.store.seen(fingerprint):
            self.result.already_seen += 1
            return
        self.result.messages += 1
        try:
            parsed = parts.parse(item.raw, self.max_mb)
        except Exception as exc:  # the email package raises little, but a message must not stop us
            self._row(status=BAD_MESSAGE, note=f"邮件无法解析：{exc}", origin=item.origin,
                      received=_iso(item.received))
            self.store.mark_seen(fingerprint, item.origin)
            self.store.flush()
            return
        received = item.received or sources.received_from_headers(parsed.top_received,
                                                                  parsed.date)
        sent = sources.received_from_headers("", parsed.date)
        common = {"received": _iso(received), "date": _iso(sent) or parsed.date,
                  "sender": parsed.sender, "subject": parsed.subject, "origin": item.origin,
                  "branch": self.contacts.branch_of(parsed.sender_address)}
        if not parsed.found:
            self._row(**common, status=NO_ATTACHMENT, note="邮件中没有附件")
        for found in parsed.found:
            self._found(found, received, parsed.sender_address or parsed.sender,
                        parsed.subject, common)
        self.store.mark_seen(fingerprint, item.origin)
        self.store.flush()

    def loose(self, item: sources.Loose) -> None:
        """An attachment archive with no message: saved without a received time."""
        self.result.messages += 1
        common = {"origin": item.origin, "note": ""}
        for m in item.files:
            if m.data is None:
                self._row(**common | {"note": m.problem}, attachment=m.name or m.raw,
                          status=parts.REFUSED)
                continue
            for found in parts.classify(m.name, m.raw, m.data, self.max_mb):
                found.notes.append("来自附件压缩包，没有邮件的收件时间")
                self._found(found, None, "", "", {"origin": item.origin})
        self.store.flush()

    def unreadable(self, item: sources.Unreadable) -> None:
        self._row(status=BAD_MESSAGE, note=item.problem, origin=item.origin)
        self.store.flush()

    def _found(self, found: parts.Found, received: dt.datetime | None, sender: str,
               subject: str, common: dict[str, str]) -> None:
        notes = list(found.notes)
        shown = found.name or found.raw
        if found.status != parts.SPREADSHEET or found.data is None:
            self._row(**common | {"note": "；".join(notes)}, attachment=shown,
                      status=found.status)
            return
        digest = sha256(found.data)
        ext = suffix(found.name or "") or suffix(found.raw) or parts.sniff(found.data) or ".xlsx"
        fallback = f"附件-{digest[:8]}{ext}"
        if found.name is None:
            name = fallback
            notes.append(f"已改名为 {fallback}")
        else:
            name, changed = safe_name(found.name, fallback)
            notes += changed
        saved = self.store.save(name, found.data, received, sender, subject)
        if saved.duplicate_of:
            notes.append(f"与收件箱中的 {saved.duplicate_of} 内容相同，未重复保存")
        self._row(**common | {"note": "；".join(notes)}, attachment=shown, saved=saved.path,
                  sha256=digest, status=DUPLICATE if saved.duplicate_of else SAVED)


def collect_files(paths: list[Path], store: Store, contacts: Contacts,
                  max_unpacked_mb: int) -> CollectResult:
    """Exported mail (.eml, folders, .mbox, .zip) into the inbox."""
    collector = Collector(store, contacts, max_unpacked_mb)
    for item in sources.read(paths, max_unpacked_mb):
        if isinstance(item, sources.RawMessage):
            collector.message(item)
        elif isinstance(item, sources.Loose):
            collector.loose(item)
        else:
            collector.unreadable(item)
    return collector.result


def collect_imap(settings: MailSettings, password: str, store: Store, contacts: Contacts,
                 max_unpacked_mb: int,
                 progress: Callable[[int, int], None] | None = None) -> CollectResult:
    """New messages of the mailbox folder into the inbox (read-only on the server)."""
    require(settings.imap, "收件")
    server = settings.imap
    account = f"{server.user}@{server.host}:{server.port}/{settings.folder}"
    box = Mailbox(server, password, settings.folder)
    collector = Collector(store, contacts, max_unpacked_mb)
    try:
        position = store.imap_position(account)
        after = position.get("last_uid", 0)
        if position.get("uidvalidity") != box.uidvalidity:
            after = 0  # a new or renumbered folder: read it all; dedup keeps the inbox as is
        uids = box.new_uids(after, settings.since)
        for n, fetched in enumerate(box.fetch(uids, max_unpacked_mb << 20), 1):
            origin = f"IMAP {settings.folder} UID {fetched.uid}"
            if fetched.raw is None and fetched.size > max_unpacked_mb << 20:
                collector._row(received=_iso(fetched.internaldate), origin=origin,
                               status=TOO_LARGE,
                               note=f"邮件 {fetched.size >> 20} MB，超过 {max_unpacked_mb} MB 上限，"
                                    "未下载，请在网页邮箱中处理")
            elif fetched.raw is None:  # deleted on the server while we read
                collector._row(received=_iso(fetched.internaldate), origin=origin,
                               status=BAD_MESSAGE, note="服务器没有返回这封邮件的内容")
            else:
                collector.message(sources.RawMessage(fetched.raw, origin, fetched.internaldate))
            store.set_imap_position(account, box.uidvalidity, fetched.uid)
            store.flush()
            if progress is not None:
                progress(n, len(uids))
        store.set_imap_position(account, box.uidvalidity, max([after, *uids]))
        store.flush()
    finally:
        box.close()
    return collector.result


def write_outputs(store: Store, log_path: Path, organisation: str) -> None:
    """The log workbook with every run's rows; the document time is the newest received time
    (so the same log gives the same bytes)."""
    rows = [from_dict(r) for r in store.log]
    times = [dt.datetime.fromisoformat(r.received).replace(tzinfo=None)
             for r in rows if r.received]
    created = max(times, default=dt.datetime(2000, 1, 1))
    write_log(rows, log_path, organisation, created)


def needs_attention(rows: Iterable[LogRow]) -> list[LogRow]:
    return [r for r in rows if r.status in NEEDS_HAND]
