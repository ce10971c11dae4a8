"""Issue #10 cases that are not one inbox kind: a file deleted while the run reads the inbox,
the command line's messages and exit codes, outputs named by the user."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import app
from pipeline.config import load_campaign
from pipeline.read.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"


@pytest.fixture(scope="module")
def campaign_and_roster():
    campaign = load_campaign(CONFIG)
    return campaign, load_roster(campaign.roster_path, campaign)


def test_file_deleted_mid_run_is_said_so_not_a_broken_link(tmp_path: Path,
                                                           campaign_and_roster) -> None:
    """Case 19: a file removed after the inbox was listed was reported as
    “链接指向的文件不存在”; it is a file deleted or moved during the run."""
    inbox = tmp_path / "inbox"
    shutil.copytree(INBOX, inbox)
    victim = inbox / "第四支部.xlsx"

    def step(message: str) -> None:
        if "第二支部.xls" in message and victim.exists():
            victim.unlink()  # the next file the scan opens

    v = app.validate(inbox, *campaign_and_roster, progress=step)
    found = [i for i in v.report.issues if i.file == "第四支部.xlsx"]
    assert [(i.rule, i.severity) for i in found] == [("R-F1", "error")]
    assert "文件在处理过程中被删除或移走" in found[0].message
    assert "链接" not in found[0].message
