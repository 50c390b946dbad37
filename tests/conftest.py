"""Every test runs against an isolated AIRFLOW_HOME, set before anything imports airflow.

Airflow reads its configuration once, at import, so this runs when pytest loads the root conftest
(module scope), not in a fixture. A pytest run must never touch ~/airflow or a developer's settings.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from muster.sandbox.demo import airflow_env

DAGS_FOLDER = Path(__file__).resolve().parents[1] / "dags"

if "MUSTER_TEST_AIRFLOW_HOME" not in os.environ:
    _home = tempfile.mkdtemp(prefix="muster-test-airflow-")
    atexit.register(shutil.rmtree, _home, ignore_errors=True)
    os.environ["MUSTER_TEST_AIRFLOW_HOME"] = _home
    os.environ.update(airflow_env(Path(_home), DAGS_FOLDER))
