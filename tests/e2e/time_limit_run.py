"""Run muster_nightly through real Airflow against an AWS endpoint that never answers, with the collect
task's time limit cut to a few seconds and no retries, and print what was sealed (JSON on the last line).

    python tests/e2e/time_limit_run.py OUT

Run in its own process (Airflow's settings are fixed when it is imported). The endpoint is a loopback socket
that accepts connections and never replies, as a hung API does: only the task's execution_timeout can end
the collection.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
from pathlib import Path

import yaml

ACCOUNT = "123456789012"
LIMIT = dt.timedelta(seconds=3)


def silent_endpoint() -> socket.socket:
    """A listening socket nobody reads from: the kernel completes the handshake, no answer ever comes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


def main(out: Path) -> None:
    from muster.sandbox.demo import REPO_DAGS, airflow_env, load_dag, setup_airflow

    root, scope = out / "store", out / "scope.yaml"
    endpoint = silent_endpoint()
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{endpoint.getsockname()[1]}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    scope.write_text(yaml.safe_dump({"version": 1, "tenants": [{"provider": "aws", "id": ACCOUNT}]}))
    setup_airflow(airflow_env(out / "airflow", REPO_DAGS))
    dag = load_dag(REPO_DAGS)
    collect = dag.get_task("collect_aws")
    collect.partial_kwargs.update(retries=0, execution_timeout=LIMIT)  # the one try is the final one

    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    started = dt.datetime.now(dt.UTC)
    run = dag.test(logical_date=today, run_conf={"scope_file": str(scope), "root": str(root)})
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()

    from muster.snapshot import SnapshotRef, SnapshotStore

    store = SnapshotStore(str(root))
    ref = SnapshotRef("aws", ACCOUNT, today.date())
    rows = store.read_table(ref, "collection").to_pylist() if ref in store.list_snapshots() else []
    result = {
        "state": str(run.state),
        "seconds": seconds,
        "snapshots": [str(r) for r in store.list_snapshots()],
        "collection": [{k: r[k] for k in ("entity", "status", "error")} for r in rows],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
