"""Parts of a zip container read by us (not calamine): chunks, safe XML, timestamps."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO
from xml.etree import ElementTree as ET
from xml.parsers import expat

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


# Office parts nest a dozen levels at most; a 41 KB core.xml of two million nested elements
# takes 650 MB as a tree (issue #10, case 2), so deeper nesting is refused before any tree is
# built. The parts we parse whole (core, workbook, rels, meta) are small: more elements than
# this is not a workbook Excel or WPS wrote.
MAX_XML_DEPTH = 100
MAX_TREE_ELEMENTS = 200_000


def too_deep(part: str) -> UnreadableFile:
    return UnreadableFile(
        f"文件中的 {part} 嵌套超过 {MAX_XML_DEPTH} 层（正常的表格不超过几十层），"
        "可能是损坏或恶意构造的文件，未读取")


def safe_xml(data: bytes, part: str) -> ET.Element:
    """Parse a part we read ourselves; refuse a DOCTYPE (entities), non-UTF-8 prologs, deep
    nesting and more elements than a metadata part has (checked by expat before a tree is
    built)."""
    if has_doctype(data):
        raise UnreadableFile(f"文件中的 {part} 含有不安全的 XML 声明（DOCTYPE），未读取")
    _check_shape(data, part)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnreadableFile(f"文件已损坏（{part} 不是有效的 XML：{exc}）") from None


class _Stop(Exception):
    pass


def _check_shape(data: bytes, part: str) -> None:
    depth = 0
    count = 0
    problem: list[UnreadableFile] = []

    def start(_name: str, _attrs: object) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > MAX_XML_DEPTH:
            problem.append(too_deep(part))
            raise _Stop
        if count > MAX_TREE_ELEMENTS:
            problem.append(UnreadableFile(
                f"文件中的 {part} 有超过 {MAX_TREE_ELEMENTS} 个元素（正常的表格远少于此），"
                "可能是损坏或恶意构造的文件，未读取"))
            raise _Stop

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Stop:
        raise problem[0] from None
    except expat.ExpatError as exc:
        raise UnreadableFile(f"文件已损坏（{part} 不是有效的 XML：{exc}）") from None


def iterparse_bounded(source: IO[bytes], part: str) -> Iterator[tuple[str, ET.Element]]:
    """ET.iterparse (start and end events) that refuses nesting deeper than MAX_XML_DEPTH:
    the callers clear elements as they end, so only the open path stays in memory."""
    depth = 0
    for event, el in ET.iterparse(source, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > MAX_XML_DEPTH:
                raise too_deep(part)
        else:
            depth -= 1
        yield event, el


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


