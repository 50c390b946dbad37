"""Fixtures for the evidence tests: a small sealed store (see evidence_store) and its scope file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from evidence_store import build_store, scope_data
from muster.config import parse_scope


@pytest.fixture(scope="session")
def store_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("evidence-store")
    build_store(root)
    return root


@pytest.fixture(scope="session")
def scope():
    return parse_scope(scope_data(), "test scope")


@pytest.fixture(scope="session")
def scope_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scope") / "scope.yaml"
    path.write_text(yaml.safe_dump(scope_data()))
    return path
