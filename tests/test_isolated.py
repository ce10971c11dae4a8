"""The reader process (read/isolated.py, #10 case 1): whatever kills it costs one call, the
next call gets a fresh reader; its memory is limited; a hung read times out."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pipeline.read.isolated import Reader, ReaderDied


def test_a_dead_reader_costs_one_call_and_is_restarted() -> None:
    reader = Reader()
    first = reader.call(os.getpid)
    assert first != os.getpid()
    assert reader.call(os.getpid) == first  # long-lived: the same process serves again
    with pytest.raises(ReaderDied, match="读取程序异常终止（SIGABRT"):
        reader.call(os.abort)
    second = reader.call(os.getpid)
    assert second not in (first, os.getpid())
    os.kill(second, signal.SIGKILL)  # killed from outside (the OOM killer)
    time.sleep(0.2)
    assert reader.call(os.getpid) not in (first, second)


def test_the_reader_has_a_memory_limit() -> None:
    reader = Reader(budget_mb=64)
    with pytest.raises(ReaderDied, match="内存超过上限"):
        reader.call(bytearray, 512 << 20)
    assert reader.call(len, b"still serving") == 13


def test_a_hung_read_times_out() -> None:
    reader = Reader(timeout=1)
    with pytest.raises(ReaderDied, match="超过 1 秒仍未完成"):
        reader.call(time.sleep, 30)
    assert reader.call(len, b"ok") == 2


def test_errors_come_back_as_they_were_raised() -> None:
    with pytest.raises(FileNotFoundError):
        Reader().call(open, "/nonexistent/orglife")
