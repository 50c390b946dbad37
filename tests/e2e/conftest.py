"""Run the real muster_nightly DAG over the sandbox, once per module, in its own process.

The run goes through `python -m muster.sandbox.demo`, which creates an isolated AIRFLOW_HOME and SQLite
database under the output directory: a separate process keeps this pytest process's Airflow
configuration (fixed at import) out of it, and never touches ~/airflow.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).with_name("scenario.yaml")
#: Nothing of the developer's environment may steer the run: AWS profiles, Airflow settings, a real root.
_STRIP = ("AWS_", "AIRFLOW", "MUSTER_", "MOTO_")


@pytest.fixture(scope="module")
def nightly_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("e2e") / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP)}
    done = subprocess.run(
        [sys.executable, "-m", "muster.sandbox.demo", "--out", str(out), "--scenario", str(SCENARIO)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    if done.returncode != 0:
        pytest.fail(f"demo run failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return {"out": out, "root": out / "store", "stdout": done.stdout}
