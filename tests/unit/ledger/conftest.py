"""The ledger tests' world of sealed tenant-days (helpers in ledger_world.py)."""

import pytest
from ledger_world import World


@pytest.fixture
def world(tmp_path) -> World:
    return World(str(tmp_path / "store"))
