"""The per-branch stage in a process pool gives exactly what the serial run gives."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import app, pool
from pipeline.consolidate.filing import aggregate
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"


def frames(filing) -> dict:
    out = {f.name: getattr(filing, f.name) for f in dataclasses.fields(filing)}
    out["talk_matrices"] = [(b, m.to_dict("split")) for b, m in out["talk_matrices"]]
    return {k: v.to_dict("split") if isinstance(v, pd.DataFrame) else v for k, v in out.items()}


@pytest.fixture(scope="module")
def roster(campaign):
    return load_roster(campaign.roster_path, campaign)


def test_pool_and_serial_give_the_same_report_and_filing(campaign, roster, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox)
    (inbox / "notes.txt").write_text("不是表格", encoding="utf-8")  # a file placed nowhere
    serial = app.validate(inbox, campaign, roster, workers=1)
    assert serial.intake is not None
    pooled = app.validate(inbox, campaign, roster, workers=2)
    assert pooled.intake is None
    assert pooled.report.issues == serial.report.issues
    assert [(f.name, f.status, f.note, f.branch) for f in pooled.report.files] == \
        [(f.name, f.status, f.note, f.branch) for f in serial.report.files]
    assert pooled.report.counts == serial.report.counts
    assert pooled.first == serial.first
    assert frames(aggregate(pooled.branches, pooled.report.issues, campaign, pooled.first)) == \
        frames(aggregate(serial.branches, serial.report.issues, campaign, serial.first))
    ballots = next(b for b in pooled.branches if b.ballots is not None).ballots
    assert ballots.rows == {} and ballots.votes == {}  # ballot rows stay in the worker (R-B6)


def test_small_inboxes_stay_serial(monkeypatch):
    monkeypatch.delenv(pool.WORKERS_ENV, raising=False)
    assert pool.workers(5) == 1 and pool.workers(pool.POOL_MIN_BRANCHES - 1) == 1
    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    assert pool.workers(400) == 1
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    assert pool.workers(400) == 2


def test_a_file_without_meta_sends_the_inbox_the_serial_way(campaign, roster, tmp_path):
    from builders import write_xlsx

    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox)
    write_xlsx(inbox / "第一支部-补报.xlsx", {"谈心谈话": [["谈话人", "谈话对象"]]})
    assert pool.plan(inbox, campaign, roster) is None  # placed by its content: serial only
    assert app.validate(inbox, campaign, roster, workers=2).intake is not None
