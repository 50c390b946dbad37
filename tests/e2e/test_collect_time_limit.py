"""Real Airflow: a tenant whose API never answers is stopped by the collect task's execution_timeout and, on
its last try, sealed as a failed day that says why; the run itself succeeds and nothing hangs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("time_limit_run.py")
_STRIP = ("AWS_", "AIRFLOW", "MUSTER_", "MOTO_")


def test_a_hung_collection_is_sealed_as_a_failed_day_when_its_time_is_up(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["state"] == "success"
    assert len(result["snapshots"]) == 1
    assert result["collection"] == [
        {
            "entity": "caller_identity",
            "status": "failed",
            "error": "tenant aws:123456789012: collection did not finish within the task's time limit (0:00:03)",
        }
    ]
    # The endpoint never answers and botocore would wait 60 s a read: only the time limit ended the try.
    assert result["seconds"] < 60
