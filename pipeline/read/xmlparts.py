"""Parts of a zip container read by us (not calamine): chunks, safe XML, timestamps."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from xml.etree import ElementTree as ET

from pipeline.read.raw import UnreadableFile

_FORMULA_MARK = b"f>"
CHUNK = 1 << 20
# A sheet part declared up to this size is inflated once into memory and every scan below runs
# on those bytes; a larger one is streamed in chunks, once per scan. Either way zipfile stops
# at the declared size and checks the CRC.
_WHOLE = 64 << 20

Chunks = Callable[[], Iterable[bytes]]  # a part's bytes in chunks, afresh on each call


def part_chunks(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A member's bytes in chunks; zipfile stops at the declared size and checks the CRC."""
    with zf.open(name) as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def read_small(zf: zipfile.ZipFile, name: str, names: set[str]) -> bytes | None:
    """A small metadata part (workbook, rels, core properties), None when absent."""
    if name not in names:
        return None
    return b"".join(part_chunks(zf, name))


def safe_xml(data: bytes, part: str) -> ET.Element:
    """Parse a part we read ourselves; refuse a DOCTYPE (entities) and non-UTF-8 prologs."""
    if has_doctype(data):
        raise UnreadableFile(f"文件中的 {part} 含有不安全的 XML 声明（DOCTYPE），未读取")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnreadableFile(f"文件已损坏（{part} 不是有效的 XML：{exc}）") from None


def has_doctype(head: bytes) -> bool:
    """True when the XML prolog (everything before the root element) declares a DTD."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 parts: we do not inspect them, so treat them as unsafe
    root = re.search(rb"<[A-Za-z_]", head[:65536])
    prolog = head[: root.start()] if root else head[:65536]
    return b"<!DOCTYPE" in prolog.upper() or (root is None and len(head) > 65536)


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_timestamp(text: str) -> dt.datetime | None:
    """W3CDTF / ISO text → aware UTC datetime (no zone = UTC); None when unreadable."""
    text = text.strip().replace("Z", "+00:00")
    # fromisoformat takes at most 6 fractional digits; LibreOffice writes 9.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


