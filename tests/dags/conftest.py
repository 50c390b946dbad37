"""DAG tests: the dags folder (the isolated AIRFLOW_HOME is set up by the root conftest)."""

from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="session")
def dags_folder() -> Path:
    return DAGS_FOLDER
