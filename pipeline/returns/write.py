"""Writing the return packages: each file atomically (a temporary file in the same folder,
then one rename), so an interrupted run never leaves half a workbook for the office to send;
packages of an earlier run for branches that have nothing left to fix are removed."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from openpyxl.workbook.workbook import Workbook
from openpyxl.writer.excel import ExcelWriter

from pipeline.returns.notice import NOTICE_SUFFIX, PACKAGE_SUFFIX, SUMMARY_NAME
from pipeline.write.atomic import atomic_bytes

DRAFT_SUFFIX = "-退回邮件.eml"  # pipeline.returns.mailing writes these


def atomic_write(path: Path, data: bytes) -> Path:
    """Write `data` to `path` in one step (the package's one atomic write)."""
    return atomic_bytes(path, data)


def save_bytes(wb: Workbook) -> bytes:
    """An openpyxl workbook as bytes, keeping wb.properties.modified as set (openpyxl's own
    save() overwrites it with the wall clock)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return buf.getvalue()


def text_bytes(text: str) -> bytes:
    """Plain text for Windows Notepad and mail clients: UTF-8 with BOM, CRLF line ends."""
    return "\ufeff".encode() + text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def remove_stale(out_dir: Path, keep: Iterable[Path]) -> list[Path]:
    """Earlier packages and notices in `out_dir` not written by this run (their branch has
    nothing left to fix). Only our own file names are touched."""
    kept = {p.resolve() for p in keep}
    gone: list[Path] = []
    if not out_dir.is_dir():
        return gone
    for p in sorted(out_dir.iterdir()):
        ours = p.name.endswith((PACKAGE_SUFFIX, NOTICE_SUFFIX, DRAFT_SUFFIX)) \
            or p.name == SUMMARY_NAME
        if ours and p.is_file() and p.resolve() not in kept:
            p.unlink()
            gone.append(p)
    return gone
