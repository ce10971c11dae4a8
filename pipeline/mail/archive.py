"""Zip archives from mail (a webmail 打包下载, a zipped attachment): member names decoded, the
inbox's guards applied before anything is inflated.

Names: a member with the UTF-8 flag (bit 11) is UTF-8; Windows' built-in zip and WinRAR write
GBK bytes without the flag (zipfile reads them as cp437, so the bytes are recovered and
decoded again); the Info-ZIP Unicode Path extra field (0x7075) wins over both.
Guards: the archive's declared unpacked size within [limits] max_unpacked_mb, each member
inflated with a cap (a member that inflates beyond its declared size is a zip bomb), encrypted
members refused, nesting at most MAX_DEPTH deep, at most MAX_MEMBERS members.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from pipeline.mail.names import decode_bytes

MAX_MEMBERS = 2000
MAX_DEPTH = 3  # a zip in a zip in a zip: deeper is never what a branch meant to send
_CHUNK = 1 << 16
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH = 0x7075


class ArchiveRefused(Exception):
    """The whole archive cannot be used; the message (Chinese) says why."""


@dataclass(frozen=True)
class Member:
    """One file of an archive: its decoded name (None: undecodable), the raw name for the log,
    and its bytes (None when refused: `problem` says why)."""

    name: str | None
    raw: str
    data: bytes | None
    problem: str = ""


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _unicode_path(extra: bytes) -> str | None:
    """The UTF-8 name of an Info-ZIP Unicode Path extra field, if the member has one."""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        if tag == _UNICODE_PATH and size > 5 and body[0] == 1:
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        i += 4 + size
    return None


def member_name(info: zipfile.ZipInfo) -> tuple[str | None, str]:
    """(decoded name or None, a printable form of the raw name)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename, info.filename
    unicode_path = _unicode_path(info.extra)
    if unicode_path:
        return unicode_path, unicode_path
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename, info.filename
    return decode_bytes(raw), raw.decode("ascii", "backslashreplace")


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member's bytes, refusing more than `cap` (a bomb lies about its file_size)."""
    out = bytearray()
    with zf.open(info) as f:
        while chunk := f.read(_CHUNK):
            out += chunk
            if len(out) > cap:
                raise ArchiveRefused(f"压缩包成员 {info.filename} 解压后超过 {cap // (1 << 20)} MB 上限")
    return bytes(out)


def unpack(data: bytes, max_unpacked_mb: int, depth: int = 1) -> list[Member]:
    """Every file of a zip (folders skipped, macOS resource forks skipped), names decoded.
    Nested zips are unpacked in place (their members named `outer.zip/inner.xlsx`)."""
    limit = max_unpacked_mb << 20
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(f"压缩包已损坏，无法打开（{exc}）") from None
    files = [i for i in infos if not i.is_dir()]
    if len(files) > MAX_MEMBERS:
        raise ArchiveRefused(f"压缩包内有 {len(files)} 个文件，超过上限 {MAX_MEMBERS} 个")
    declared = sum(i.file_size for i in files)
    if declared > limit:
        raise ArchiveRefused(f"压缩包解压后约 {declared >> 20} MB，超过上限 {max_unpacked_mb} MB"
                             "（campaign.toml [limits] max_unpacked_mb）")
    members: list[Member] = []
    spent = 0
    for info in files:
        name, raw = member_name(info)
        base = (name or raw).replace("\\", "/").rsplit("/", 1)[-1]
        if (name or raw).startswith("__MACOSX/") or base.startswith("._"):
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            members.append(Member(name, raw, None, "压缩包成员设置了密码，需手动解压后报送"))
            continue
        try:
            body = _inflate(zf, info, min(limit - spent, max(info.file_size, 0) + _CHUNK))
        except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, EOFError) as exc:
            members.append(Member(name, raw, None, f"压缩包成员无法解压（{exc}）"))
            continue
        spent += len(body)
        if is_zip(body) and (name or raw).lower().endswith(".zip"):
            if depth >= MAX_DEPTH:
                members.append(Member(name, raw, None, f"压缩包嵌套超过 {MAX_DEPTH} 层，未解开"))
                continue
            try:
                inner = unpack(body, max(1, (limit - spent) >> 20), depth + 1)
            except ArchiveRefused as exc:
                members.append(Member(name, raw, None, str(exc)))
                continue
            members += [Member(m.name and f"{name}/{m.name}", f"{raw}/{m.raw}", m.data, m.problem)
                        for m in inner]
            continue
        members.append(Member(name, raw, body))
    return members
