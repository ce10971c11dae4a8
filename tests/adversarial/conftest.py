"""One generated base per session: the demo inbox copied, expensive inputs built once."""

from __future__ import annotations

import pytest

from .corpus import Base


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    return Base.create(tmp_path_factory.mktemp("adversarial-base"))
