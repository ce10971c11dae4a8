import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))  # demo/ and bench/ live beside the package

from pipeline.config import load_campaign  # noqa: E402


@pytest.fixture(scope="session")
def campaign():
    """The shipped 2017 campaign."""
    return load_campaign(ROOT / "workbooks" / "campaign.toml")
