"""The native reader in a process of its own, with a memory limit (issue #10, case 1).

calamine is Rust: a failed allocation aborts the whole process, whatever Python catches. The
guards (book.py, xlsb.py, cfb.py, ods.py) refuse the triggers we know — far cells, DIMENSIONS
records — but the next one is unknown (a sharedStrings.xml claiming four billion strings makes
calamine reserve 96 GB and abort: found while building this). So every inbox file is read in
a long-lived reader process, forked from the caller, whose address space is limited
(RLIMIT_AS: its size at the fork + READER_BUDGET_MB). When it dies — an abort, the limit, a
kill — or exceeds READER_TIMEOUT_S on one file, that file is refused (ReaderDied, an
UnreadableFile: R-F1 with the reason) and a fresh reader serves the next file.

A reader belongs to the process that started it: a forked pool worker starts its own. The
workbook comes back pickled (measured: see README). ORGLIFE_ISOLATION=0 reads in-process.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import resource
import signal
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from pipeline.read.book import read_bytes
from pipeline.read.raw import RawWorkbook, UnreadableFile

T = TypeVar("T")
READER_BUDGET_MB = int(os.environ.get("ORGLIFE_READER_MB", "2048"))
READER_TIMEOUT_S = float(os.environ.get("ORGLIFE_READER_TIMEOUT", "300"))
ISOLATION_ENV = "ORGLIFE_ISOLATION"  # "0": read in this process (debugging, measuring)

_SIGNALS = {signal.SIGABRT: "SIGABRT，多为内存分配失败", signal.SIGKILL: "SIGKILL，多为内存不足被系统终止",
            signal.SIGSEGV: "SIGSEGV，读取程序内部错误", signal.SIGBUS: "SIGBUS，读取程序内部错误"}


class ReaderDied(UnreadableFile):
    """The reader process died or hung on this file (R-F1); args[0] is a Chinese reason."""


def _address_space() -> int:
    """This process's virtual size in bytes (Linux /proc; 0 when unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


OUT_OF_MEMORY = "读取该文件所需的内存超过上限，可能是损坏或异常的文件"


def _serve(conn: Connection, budget: int) -> None:
    """The reader's loop: run each (function, args) sent and send back its value or error."""
    limit = _address_space() + budget
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Rust prints its abort and a backtrace on stderr, faulthandler (if the caller enabled it)
    # the Python stack: the file's R-F1 says what happened
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            reply = ("raise", ReaderDied(OUT_OF_MEMORY))
        except Exception as exc:  # sent back and raised in the caller
            reply = ("raise", exc)
        except BaseException as exc:  # a Rust panic (pyo3 PanicException)
            reply = ("raise", UnreadableFile(f"文件已损坏，读取程序出错（{type(exc).__name__}）"))
        try:
            conn.send(reply)
        except MemoryError:  # right after a failed allocation the reply may not fit either
            del reply
            gc.collect()
            conn.send(("raise", ReaderDied(OUT_OF_MEMORY)))
        except Exception as exc:  # an unpicklable error: its text still goes back
            conn.send(("raise", UnreadableFile(f"文件无法读取（{type(exc).__name__}）")))


class Reader:
    """One long-lived reader process, started on first use, restarted after it dies."""

    def __init__(self, budget_mb: int = READER_BUDGET_MB, timeout: float = READER_TIMEOUT_S):
        self.budget = budget_mb * 1024 * 1024
        self.timeout = timeout
        self.owner = 0
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None

    def _start(self) -> Connection:
        ctx = get_context("fork")
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(theirs, self.budget), daemon=True,
                              name="orglife-reader")
        process.start()
        theirs.close()
        self.owner, self.process, self.conn = os.getpid(), process, ours
        return ours

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in the reader; its exception is raised here; ReaderDied when the reader
        died or timed out on it."""
        conn = self.conn if self.owner == os.getpid() and self.conn is not None else None
        if conn is None or self.process is None or not self.process.is_alive():
            conn = self._start()
        try:
            conn.send((fn, args))
            if not conn.poll(self.timeout):
                self._stop()
                raise ReaderDied(f"读取该文件超过 {self.timeout:.0f} 秒仍未完成，可能是损坏或异常的文件")
            kind, value = conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            raise ReaderDied(self._death()) from None
        if kind == "raise":
            raise value
        return value  # type: ignore[no-any-return]

    def _death(self) -> str:
        process = self.process
        code = None
        if process is not None:
            process.join(5)
            code = process.exitcode
        self._stop()
        if code is not None and code < 0:
            what = _SIGNALS.get(signal.Signals(-code), signal.Signals(-code).name)
            return f"读取该文件时读取程序异常终止（{what}），可能是损坏或恶意构造的文件"
        return f"读取该文件时读取程序异常退出（退出码 {code}），可能是损坏或恶意构造的文件"

    def _stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn = None, None


_READER = Reader()


def enabled() -> bool:
    return os.environ.get(ISOLATION_ENV, "1").strip() != "0"


def call(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in this process's reader (in-process when isolation is off)."""
    return _READER.call(fn, *args) if enabled() else fn(*args)


def _read_file(path: str, max_unpacked_mb: int, max_rows: int) -> RawWorkbook:
    return read_bytes(Path(path).read_bytes(), max_unpacked_mb=max_unpacked_mb,
                      max_rows=max_rows)


def read_isolated(path: Path, *, max_unpacked_mb: int, max_rows: int) -> RawWorkbook:
    """read_path() in the reader process: an abort or an out-of-memory costs this file only
    (ReaderDied), never the run."""
    return call(_read_file, str(path), max_unpacked_mb, max_rows)
