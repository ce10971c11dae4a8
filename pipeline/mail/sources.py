"""Exported mail on disk → messages: .eml files, folders of them, .mbox files, and zip
archives (a webmail 打包下载 of attachments, or of .eml files)."""

from __future__ import annotations

import datetime as dt
import email.utils
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.mail import archive
from pipeline.mail.names import suffix

SOURCE_SUFFIXES = (".eml", ".mbox", ".zip")


@dataclass(frozen=True)
class RawMessage:
    """One message's bytes, where it came from, and the server's received time when the source
    knows it (IMAP INTERNALDATE); for exported mail it is read from the message itself."""

    raw: bytes
    origin: str
    received: dt.datetime | None = None


@dataclass(frozen=True)
class Loose:
    """Files that came without a message (the members of an attachment archive)."""

    origin: str
    files: tuple[archive.Member, ...]


@dataclass(frozen=True)
class Unreadable:
    origin: str
    problem: str


Item = RawMessage | Loose | Unreadable


def expand(paths: list[Path]) -> list[Path]:
    """Folders → the .eml/.mbox/.zip files in them (sorted, hidden ones skipped)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*")
                          if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES
                          and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            out.append(path)
    return out


def read(paths: list[Path], max_unpacked_mb: int) -> Iterator[Item]:
    """Every message (or loose file set) of the given sources, in order."""
    for path in expand(paths):
        label = path.name
        ext = path.suffix.lower()
        try:
            if ext == ".eml":
                yield RawMessage(path.read_bytes(), label)
            elif ext == ".mbox" or (ext == "" and _looks_like_mbox(path)):
                yield from _mbox(path)
            elif ext == ".zip":
                yield from _zip(path, max_unpacked_mb)
            else:
                yield Unreadable(label, "不是可收取的来源（只收 .eml、.mbox、.zip 文件或包含它们的文件夹）")
        except OSError as exc:
            yield Unreadable(label, f"无法读取：{exc.strerror or exc}")


def _looks_like_mbox(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(5) == b"From "


def _mbox(path: Path) -> Iterator[Item]:
    box = mailbox.mbox(path, create=False)
    try:
        for i, key in enumerate(box.keys(), 1):
            try:
                yield RawMessage(box.get_bytes(key), f"{path.name} 第 {i} 封")
            except (OSError, KeyError) as exc:
                yield Unreadable(f"{path.name} 第 {i} 封", f"无法读取：{exc}")
    finally:
        box.close()


def _zip(path: Path, max_unpacked_mb: int) -> Iterator[Item]:
    try:
        members = archive.unpack(path.read_bytes(), max_unpacked_mb)
    except archive.ArchiveRefused as exc:
        yield Unreadable(path.name, str(exc))
        return
    loose: list[archive.Member] = []
    for m in members:
        if m.data is not None and suffix(m.name or m.raw) == ".eml":
            yield RawMessage(m.data, f"{path.name}/{m.name or m.raw}")
        else:
            loose.append(m)
    if loose:
        yield Loose(path.name, tuple(loose))


def received_from_headers(received: str, date: str) -> dt.datetime | None:
    """The top Received: header's date (the office's server took the mail then), else Date:."""
    for text in (received, date):
        if not text:
            continue
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            continue
        if when is not None and when.tzinfo is not None:
            return when
    return None
