"""Received times logged by `orglife collect` (INBOX/.orglife/received.json, CONTRACTS seam 1):
a file whose bytes still hash as logged is dated by its received time — for R-F4 (newest
wins) and for lateness; the state folder is never an input nor a skipped file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pipeline import app
from pipeline import contract as C
from pipeline.consolidate.stages import RECEIVED, RECEIVED_LATE, first_sent, stage_detail
from pipeline.read.inbox import scan
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
BRANCHES = ["第一支部", "第二支部", "第三支部", "第四支部"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log(inbox: Path, entries: dict[str, tuple[str, str]]) -> None:
    """received.json as collect writes it: UTF-8, sorted keys, indent 1."""
    state = inbox / ".orglife"
    state.mkdir()
    files = {name: {"received": when, "sha256": digest, "sender": "zb@example.cn",
                    "subject": "报送"} for name, (when, digest) in entries.items()}
    (state / "received.json").write_text(
        json.dumps({"version": 1, "files": files}, ensure_ascii=False, sort_keys=True, indent=1),
        encoding="utf-8")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    target = tmp_path / "inbox"
    shutil.copytree(INBOX, target)
    return target


def test_received_time_decides_which_copy_is_newest(inbox, campaign):
    older, newer = "第三支部.xlsx", "第三支部（修改版）.xlsx"
    before = scan(inbox, campaign, BRANCHES)
    assert before.sheets["第三支部"][C.GRADING].file.name == newer  # by the saved times
    log(inbox, {older: ("2017-04-16T10:00:00+08:00", sha(inbox / older)),
                newer: ("2017-04-15T10:00:00+08:00", sha(inbox / newer))})
    after = scan(inbox, campaign, BRANCHES)
    assert after.sheets["第三支部"][C.GRADING].file.name == older
    f = next(f for f in after.files if f.name == older)
    assert f.received == dt.datetime(2017, 4, 16, 2, 0, tzinfo=dt.UTC)
    assert not any(".orglife" in f.name for f in after.files)
    assert {f.name for f in after.files} == {f.name for f in before.files}


def test_a_file_changed_since_it_was_received_keeps_its_saved_time(inbox, campaign):
    name = "第三支部.xlsx"
    log(inbox, {name: ("2017-04-16T10:00:00+08:00", "0" * 64)})
    intake = scan(inbox, campaign, BRANCHES)
    assert next(f for f in intake.files if f.name == name).received is None
    assert intake.sheets["第三支部"][C.GRADING].file.name == "第三支部（修改版）.xlsx"


def test_lateness_counts_from_the_received_time(inbox, campaign):
    """Every send of 第一支部 logged as received on 4/16, after the send deadline (4/14) of
    填表说明: its talks, saved on 3/20, are 逾期报送 by when they arrived."""
    roster = load_roster(campaign.roster_path, campaign)
    sends = [p.relative_to(inbox).as_posix() for p in inbox.rglob("第一支部*")]

    def talks_state() -> str:
        v = app.validate(inbox, campaign, roster)
        detail = stage_detail(v.branches, campaign, None, first_sent(v.intake))
        row = detail[(detail["支部"] == "第一支部") & (detail["阶段"] == "谈心谈话")].iloc[0]
        return str(row["状态"])

    assert talks_state() == RECEIVED
    log(inbox, {name: ("2017-04-16T09:00:00+08:00", sha(inbox / name)) for name in sends})
    assert talks_state() == RECEIVED_LATE


def test_an_unreadable_log_is_ignored(inbox, campaign):
    (inbox / ".orglife").mkdir()
    (inbox / ".orglife" / "received.json").write_text("{not json", encoding="utf-8")
    intake = scan(inbox, campaign, BRANCHES)
    assert all(f.received is None for f in intake.files)
    assert not any(".orglife" in f.name for f in intake.files)
