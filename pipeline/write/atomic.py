"""Write a workbook atomically: build in memory, temp file beside the target, fsync,
os.replace — an interrupted run leaves the old file or none, never half a file."""

from __future__ import annotations

import gc
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from io import BytesIO
from pathlib import Path

from xlsxwriter.workbook import Workbook

from pipeline.config import Campaign
from pipeline.write.style import (
    new_workbook,
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a workbook is built: XlsxWriter allocates a
    tracked object per cell and no cycles worth collecting, and every collection would walk
    the whole heap (the validated inputs, the frames) again — measured −15–20 % write time
    at 400 branches, the same peak memory. The previous state is restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


TEMP_PREFIX = ".orglife-"
_TEMP = re.compile(rf"^{re.escape(TEMP_PREFIX)}(\d+)-[^/]*\.tmp$")


def remove_stale_temps(folder: Path) -> None:
    """Remove temp files a killed run left in `folder` (their process is gone): they would
    accumulate beside the outputs (issue #10, case 17)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        m = _TEMP.match(name)
        if m is None or _alive(int(m.group(1))):
            continue
        with suppress(OSError):
            os.unlink(folder / name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: leave its file alone
    return True


# Above this many cells (about 600 branches) the filing is written in constant_memory mode:
# measured at 800 branches (1.9 M cells), peak RSS 1.10 → 0.70 GiB for +18 % write time.

def atomic_write(path: Path, build: Callable[[Workbook], None], campaign: Campaign,
                 title: str, constant_memory: bool = False) -> None:
    """Build the workbook in memory, write a temp file beside `path`, fsync, os.replace:
    an interrupted run leaves the old file (or none), never half a file.
    constant_memory: rows go through XlsxWriter's temporary files (in a temporary folder
    removed afterwards, also when the build fails) instead of staying in memory."""
    path = Path(path)
    buffer = BytesIO()
    scratch = (tempfile.TemporaryDirectory(prefix="orglife-xlsx-", ignore_cleanup_errors=True)
               if constant_memory else nullcontext(None))
    with scratch as tmpdir, gc_paused():
        wb = new_workbook(buffer, campaign.created, title, campaign.organisation,
                          constant_memory=constant_memory, tmpdir=tmpdir)
        build(wb)
        wb.close()
    atomic_bytes(path, buffer.getbuffer())


def atomic_bytes(path: Path, data: bytes | memoryview) -> Path:
    """Write `data` to `path` in one step: a short-named temp file beside it (a name built
    from a 254-byte target would pass the 255-byte limit), fsync, os.replace; temp files of
    killed runs in that folder are removed first. The one atomic write of the package."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
