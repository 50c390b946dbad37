"""End to end: the real muster_audit_period DAG (Airflow dag.test in its own process) builds the bundle of a
small sealed store; `muster verify` and `sha256sum -c` accept it; headless Chromium renders its report with no
console errors, and the test saves a screenshot (var/test-artifacts/report.png)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "unit" / "evidence")]

from cdp import Browser  # noqa: E402
from evidence_store import A1, A2, A3, DAYS, G1, GAP, build_store, scope_data  # noqa: E402

pytestmark = pytest.mark.e2e
DAGS = HERE.parents[1] / "dags"
ARTIFACTS = HERE.parents[1] / "var" / "test-artifacts"
_STRIP = ("AWS_", "AIRFLOW", "MUSTER_", "MOTO_")

RUN = textwrap.dedent(
    """
    import datetime as dt, json, sys
    from pathlib import Path
    from muster.sandbox.demo import airflow_env, run_audit_period, setup_airflow
    out, dags, scope, root = map(Path, sys.argv[1:5])
    setup_airflow(airflow_env(out / "airflow", dags))
    res = run_audit_period(dags, dt.date.fromisoformat(sys.argv[5]), int(sys.argv[6]), scope, root)
    print("RESULT " + json.dumps({k: str(v) for k, v in res.items()}))
    """
)


@pytest.fixture(scope="module")
def dag_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("audit")
    root = base / "store"
    build_store(root)
    scope = base / "scope.yaml"
    scope.write_text(yaml.safe_dump(scope_data()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP)}
    argv = [
        sys.executable,
        "-c",
        RUN,
        str(base),
        str(DAGS),
        str(scope),
        str(root),
        DAYS[0].isoformat(),
        str(len(DAYS)),
    ]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        pytest.fail(
            f"audit DAG run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return json.loads(line.removeprefix("RESULT "))


def test_dag_run_succeeds_and_the_bundle_verifies(dag_run):
    assert dag_run["state"] == "success"
    bundle = Path(dag_run["path"])
    from muster.evidence import verify_bundle

    assert verify_bundle(bundle).problems == []
    done = subprocess.run(
        ["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=bundle, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert [t["label"] for t in manifest["scope"]["tenants"]] == [
        f"aws:{A1}",
        f"aws:{A2}",
        f"aws:{A3}",
        f"gcp:{G1}",
    ]
    assert manifest["params"]["framework"] == "soc2" and manifest["params"]["report_type"] == "type2"
    gaps = {(g["tenant_id"], g["date"]) for g in manifest["gaps"]}
    assert (GAP[0], GAP[1].isoformat()) in gaps


def test_report_renders_in_headless_chromium_without_console_errors(dag_run, tmp_path):
    report = Path(dag_run["report"])
    shot = tmp_path / "report.png"
    with Browser() as browser:
        errors = browser.load(report.as_uri(), shot)
        title = browser.title
    assert errors == []
    assert title == f"Muster evidence: SOC2 Type2 {DAYS[0]}..{DAYS[-1]}"
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.png").write_bytes(png)


def test_a_page_that_fetches_from_the_network_would_fail_the_check(tmp_path):
    """The check can fail: the report's CSP blocks any fetch, and Chromium reports the attempt as an error."""
    page = tmp_path / "bad.html"
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    page.write_text(
        f'<html><head><meta http-equiv="Content-Security-Policy" content="{csp}"></head>'
        '<body><img src="http://127.0.0.1:9/x.png"></body></html>'
    )
    with Browser() as browser:
        errors = browser.load(page.as_uri(), tmp_path / "bad.png")
    assert errors and "Content Security Policy" in " ".join(errors)
