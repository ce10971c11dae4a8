"""One message → what it carries: spreadsheet attachments (also inside zips and forwarded
messages), other attachments, and 超大附件 download links, each as a Found item.

Pure: bytes in, values out; saving and logging are store.py's and collect.py's business.
"""

from __future__ import annotations

import email
import email.utils
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

from pipeline.mail import archive
from pipeline.mail.names import Decoded, attachment_name, decode_bytes, header_text, suffix

SPREADSHEETS = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".et"})
ARCHIVES_UNSUPPORTED = frozenset({".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"})
MESSAGE_FILES = frozenset({".eml"})
VAGUE_SUFFIXES = frozenset({"", ".dat", ".bin", ".tmp", ".file", ".octet-stream"})

# Status texts of the log (收件记录 状态); collect.py adds SAVED / DUPLICATE when it saves.
SPREADSHEET = "表格附件"  # found, not yet saved
NOT_SPREADSHEET = "非表格附件"
LARGE_LINK = "超大附件链接，需手动下载"
UNDECODABLE = "无法解码"
REFUSED = "已拒收"  # a guard refused it (encrypted, too large, bomb); the note says which

# QQ 邮箱 (ftn = 文件中转站), 163/126 (large-attachment / cloud_attach), 139 and others.
_LARGE_URL = re.compile(
    r"https?://[^\s\"'<>]*(?:ftn|large-?attach|cloud_?attach|bigattach|dashi\.163|"
    r"fileshare|attachpreview)[^\s\"'<>]*", re.I)
_ANY_URL = re.compile(r"https?://[^\s\"'<>]+", re.I)
LARGE_WORD = "超大附件"


@dataclass
class Found:
    """One thing a message carries. `name` is the decoded name (None: undecodable, `raw` has
    the header's bytes); `data` the bytes to save (spreadsheets only)."""

    status: str
    name: str | None
    raw: str = ""
    data: bytes | None = None
    notes: list[str] = field(default_factory=list)
    link: str = ""


@dataclass
class Parsed:
    """A message read: its headers as text and everything found in it."""

    sender: str
    sender_address: str
    subject: str
    date: str  # the Date: header as the sender wrote it
    message_id: str
    found: list[Found]
    top_received: str  # date text of the topmost Received: header ('' if none)


def sniff(data: bytes) -> str:
    """The spreadsheet suffix the bytes are (by content), '' when they are no spreadsheet."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return ".xls"  # also WPS .et: the same compound-file container
    if archive.is_zip(data):
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in data[:4096]:
            return ".ods"
        if b"xl/workbook" in data[-65536:]:  # the central directory lists the parts
            return ".xlsx"
    return ""


def parse(raw: bytes, max_unpacked_mb: int) -> Parsed:
    """Read one message (RFC 5322 bytes). Never raises for bad content: problems become Found
    items with a note."""
    msg = email.message_from_bytes(raw)
    name, address = email.utils.parseaddr(header_text(msg, "From"))
    sender = f"{name} <{address}>" if name and address else address or name
    received = msg.get_all("Received") or []
    top = str(received[0]).rsplit(";", 1)[1].strip() if received and ";" in str(received[0]) else ""
    found = _one_per_link(list(_walk(msg, max_unpacked_mb)))
    return Parsed(sender=sender, sender_address=address.lower(),
                  subject=header_text(msg, "Subject"), date=header_text(msg, "Date"),
                  message_id=header_text(msg, "Message-ID"), found=found, top_received=top)


def _walk(msg: Message, max_mb: int) -> Iterator[Found]:
    """Depth first through the MIME tree (walk() would enter forwarded messages unannounced)."""
    ctype = msg.get_content_type()
    decoded = attachment_name(msg)
    if ctype == "message/rfc822" or (decoded and decoded.text
                                      and suffix(decoded.text) in MESSAGE_FILES):
        yield from _inner_message(msg, max_mb)
    elif msg.is_multipart():
        for sub in msg.get_payload():
            if isinstance(sub, Message):
                yield from _walk(sub, max_mb)
    elif decoded is None and ctype in ("text/plain", "text/html") \
            and not str(msg.get("Content-Disposition", "")).lower().startswith("attachment"):
        yield from _large_links(msg)
    else:
        yield from _attachment(msg, decoded, max_mb)


def _inner_message(part: Message, max_mb: int) -> Iterator[Found]:
    """A forwarded message (message/rfc822) or an attached .eml: what it carries, noted."""
    payload = part.get_payload()
    inner: Message | None = None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
    else:
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            inner = email.message_from_bytes(data)
    if inner is None:
        return
    subject = header_text(inner, "Subject")
    for f in _walk(inner, max_mb):
        f.notes.insert(0, f"转发邮件“{subject}”中的附件" if subject else "转发邮件中的附件")
        yield f


def _attachment(part: Message, decoded: Decoded | None, max_mb: int) -> Iterator[Found]:
    name = decoded.text if decoded else None
    raw = decoded.raw if decoded else ""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding
        data = None
    if not isinstance(data, bytes) or (part.defects and not data):
        yield Found(UNDECODABLE, name, raw, notes=["附件内容无法解码（传输编码损坏）"])
        return
    if len(data) > max_mb << 20:
        yield Found(REFUSED, name, raw, notes=[f"附件超过 {max_mb} MB 上限"])
        return
    yield from classify(name, raw, data, max_mb)


def classify(name: str | None, raw: str, data: bytes, max_mb: int) -> Iterator[Found]:
    """A named blob (an attachment, a zip member) → spreadsheet / archive contents / other."""
    ext = suffix(name) if name else suffix(raw)
    sniffed = sniff(data)
    notes: list[str] = []
    if name is None and raw:
        notes.append(f"文件名无法解码（原始：{raw}）")
    elif name is None:
        if not sniffed:  # an unnamed body or inline part (a signature logo): not an attachment
            return
        notes.append("附件没有文件名")
    # The content decides only where the name says nothing (no or a meaningless extension):
    # a Word 97 .doc is the same container as an .xls.
    if ext in SPREADSHEETS or (sniffed and (name is None or ext in VAGUE_SUFFIXES)):
        if ext not in SPREADSHEETS:
            notes.append(f"按内容识别为表格（{sniffed}）")
            if name is not None:
                name = (name[:-len(ext)] if ext else name) + sniffed
        yield Found(SPREADSHEET, name, raw, data, notes)
        return
    if ext == ".zip" or (not ext and archive.is_zip(data) and not sniffed):
        yield from _zip(name or raw, data, max_mb)
        return
    if ext in ARCHIVES_UNSUPPORTED:
        notes.append(f"{ext} 压缩包不能自动解开，请解压后手动放入收件箱")
    yield Found(UNDECODABLE if name is None else NOT_SPREADSHEET, name, raw, None, notes)


def _zip(label: str, data: bytes, max_mb: int) -> Iterator[Found]:
    try:
        members = archive.unpack(data, max_mb)
    except archive.ArchiveRefused as exc:
        yield Found(REFUSED, label, label, notes=[str(exc)])
        return
    for m in members:
        where = f"压缩包 {label} 内"
        if m.data is None:
            yield Found(REFUSED, m.name, m.raw, notes=[where, m.problem])
            continue
        for f in classify(m.name, m.raw, m.data, max_mb):
            f.notes.insert(0, where)
            yield f


def _large_links(part: Message) -> Iterator[Found]:
    """超大附件: QQ/163 mail send big files as a download link in the body, not as a part."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return
    text = decode_bytes(data, part.get_content_charset()) or data.decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(text)
    urls = list(dict.fromkeys(_LARGE_URL.findall(text)))
    if not urls and LARGE_WORD in text:
        after = text.split(LARGE_WORD, 1)[1]
        urls = _ANY_URL.findall(after)[:1]
        if not urls:
            yield Found(LARGE_LINK, None, notes=["正文提到超大附件，但没有找到下载链接"])
            return
    for url in urls:
        yield Found(LARGE_LINK, _link_name(text, url), link=url,
                    notes=[f"请在浏览器中打开链接下载后放入收件箱：{url}"])


def _one_per_link(found: list[Found]) -> list[Found]:
    """The text and HTML versions of a body carry the same 超大附件 link: list it once."""
    links = {f.link for f in found if f.status == LARGE_LINK and f.link}
    seen: set[str] = set()
    out = []
    for f in found:
        if f.status == LARGE_LINK and (f.link in seen or (not f.link and links)):
            continue
        seen.add(f.link)
        out.append(f)
    return out


_SHEET_NAME = re.compile(r"[^\s<>\"'/\\:：]+\.(?:xlsx|xlsm|xls|ods|et)\b", re.I)


def _link_name(text: str, url: str) -> str | None:
    """The spreadsheet name written nearest the link (QQ/163 show the file name beside it:
    before it in the text body, as the anchor text in the HTML one)."""
    start = text.find(url)
    end = start + len(url)
    plain = re.sub(r"<[^>]+>", lambda m: " " * len(m.group()), text)  # keep offsets
    best: tuple[int, str] | None = None
    for m in _SHEET_NAME.finditer(plain, max(0, start - 400), end + 400):
        if start <= m.start() < end:  # a name inside the URL itself
            continue
        gap = start - m.end() if m.end() <= start else m.start() - end
        if best is None or gap < best[0]:
            best = (gap, m.group())
    return best[1] if best else None
