"""Real Airflow: one tenant's seal or derive fails hard; the other tenant is still derived and published, the
asset events name only what was published, the run record names what was left out, and the run fails."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("partial_failure_run.py")
_STRIP = ("AWS_", "AIRFLOW", "MUSTER_", "MOTO_")
DAY = "2026-11-02"
KEPT, FAILING = "123456789012", "210987654321"


def _run(out: Path, step: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(out), step], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _tenants(refs: list[str]) -> list[str]:
    return sorted(r.split("tenant_id='")[1].split("'")[0] for r in refs)


@pytest.mark.parametrize("step", ["seal", "derive"])
def test_one_tenants_hard_failure_leaves_it_out_and_fails_the_run(tmp_path, step):
    result = _run(tmp_path, step)
    tasks = result["tasks"]

    # The other tenant was still derived and published ...
    assert tasks.get(f"derive[aws:{KEPT}]") == "success"
    assert tasks["publish"] == "success"
    # ... and the failure stays visible, on the failed tenant's own task instance and on the run.
    assert tasks[f"{'seal_aws' if step == 'seal' else 'derive'}[aws:{FAILING}]"] == "failed"
    assert result["state"] == "failed"
    assert tasks["fail_if_any_failed"] == "failed"
    assert _tenants(result["findings"]) == _tenants(result["ledger"]) == [KEPT]

    sealed = [KEPT] if step == "seal" else [KEPT, FAILING]
    assert _tenants(result["snapshots"]) == sealed
    events = result["events"]
    assert events["muster_snapshots"]["snapshots"] == [f"aws/{t}/{DAY}" for t in sealed]
    assert events["muster_findings"]["derived"] == [f"aws/{KEPT}/{DAY}"]

    record = result["record"]
    assert [s["tenant_id"] for s in record["snapshots"]] == sealed
    assert [d["tenant_id"] for d in record["derived"]] == [KEPT]
    left_out = [f"aws/{FAILING}/{DAY}"]
    assert (record["not_sealed"], record["not_derived"]) == (
        (left_out, []) if step == "seal" else ([], left_out)
    )
