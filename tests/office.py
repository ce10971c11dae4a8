"""LibreOffice and poppler, headless: convert workbooks to PDF and read the text back."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")
TIMEOUT = 240


def skip_reason() -> str | None:
    if not SOFFICE:
        return "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
    if not PDFTOTEXT or not PDFINFO:
        return "pdftotext/pdfinfo are not installed: apt-get install poppler-utils"
    return None


def require_office() -> None:
    """Skip (printing why) only when the packages are truly missing."""
    reason = skip_reason()
    if reason:
        print(f"skipping LibreOffice checks: {reason}")
        pytest.skip(reason)


def to_pdf(paths: Iterable[Path], outdir: Path) -> None:
    """Convert with a throw-away profile: parallel LibreOffice instances must not share one."""
    assert SOFFICE is not None
    profile = Path("/tmp") / f"orglife-lo-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(outdir), *map(str, paths)],
            check=True, timeout=TIMEOUT, capture_output=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def pdf_text(pdf: Path) -> str:
    """The PDF's text without whitespace (pdftotext splits lines and columns)."""
    assert PDFTOTEXT is not None
    out = subprocess.run([PDFTOTEXT, str(pdf), "-"], check=True, capture_output=True,
                         timeout=60).stdout.decode("utf-8")
    return re.sub(r"\s+", "", out)


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    assert PDFINFO is not None
    out = subprocess.run([PDFINFO, "-f", "1", "-l", "9999", str(pdf)], check=True,
                         capture_output=True, timeout=60).stdout.decode("utf-8")
    return [(float(w), float(h)) for w, h in
            re.findall(r"Page\s+\d+\s+size:\s+([\d.]+)\s+x\s+([\d.]+)", out)]
