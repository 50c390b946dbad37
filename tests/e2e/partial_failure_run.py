"""Run muster_nightly through real Airflow over the e2e sandbox (two AWS accounts, day 0) with one tenant's
seal or derive failing hard, and print what the run did (JSON on the last line).

    python tests/e2e/partial_failure_run.py OUT {seal|derive}

The failure is injected into `muster.nightly` in this process (`dag.test` runs every task in it), for the
member account only, as a validation error that retries cannot cure; that task gets no retries so that the
run does not wait out the retry delays. Run in its own process: Airflow's settings are fixed at import.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from pathlib import Path

SCENARIO = Path(__file__).with_name("scenario.yaml")
FAILING = "210987654321"


def fail_for(step, tenant_id: str):
    """`step` (seal_tenant or derive_tenant), failing hard for one tenant."""

    @functools.wraps(step)
    def failing(item: dict, *args, **kwargs):
        if item["tenant_id"] == tenant_id:
            raise ValueError(f"tenant aws:{tenant_id}: injected failure of {step.__name__}")
        return step(item, *args, **kwargs)

    return failing


def main(out: Path, step: str) -> None:
    from muster import nightly
    from muster.clock import SIMULATED_NOW_ENV
    from muster.sandbox.demo import REPO_DAGS, airflow_env, load_dag, setup_airflow
    from muster.sandbox.scope import write_scope
    from muster.sandbox.server import CONFLICTING, Sandbox, resolve_scenario

    root, scope = out / "store", out / "scope.yaml"
    scenario = resolve_scenario(str(SCENARIO))
    write_scope(scenario, scope)
    setup_airflow(airflow_env(out / "airflow", REPO_DAGS))
    dag = load_dag(REPO_DAGS)
    name = f"{step}_tenant"
    setattr(nightly, name, fail_for(getattr(nightly, name), FAILING))
    dag.get_task("seal_aws" if step == "seal" else "derive").partial_kwargs.update(retries=0)

    with Sandbox(scenario) as sandbox:
        for var in CONFLICTING:
            os.environ.pop(var, None)
        os.environ.update(sandbox.client_env())
        state = sandbox.serve_day(0)
        os.environ[SIMULATED_NOW_ENV] = state.observed_at.isoformat()
        run = dag.test(
            logical_date=dt.datetime.combine(state.date, dt.time(0), tzinfo=dt.UTC),
            run_conf={"scope_file": str(scope), "root": str(root)},
        )
    print(json.dumps(_result(run, root), default=str))


def _result(run, root: Path) -> dict:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from muster.snapshot import DerivedStore, SnapshotStore

    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id=run.dag_id, run_id=run.run_id).all()
        states = {
            f"{ti.task_id}[{ti.rendered_map_index}]" if ti.map_index >= 0 else ti.task_id: str(ti.state)
            for ti in tis
        }
        events = {
            name: extra
            for name, extra in session.query(AssetModel.name, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .filter(AssetEvent.source_run_id == run.run_id)
        }
    store = SnapshotStore(str(root))
    records = [json.loads(p.read_text()) for p in sorted((root / "runs").rglob("*.json"))]
    return {
        "state": str(run.state),
        "tasks": states,
        "events": events,
        "snapshots": [str(r) for r in store.list_snapshots()],
        "findings": [str(r) for r in DerivedStore(store).list("findings")],
        "ledger": [str(r) for r in DerivedStore(store).list("ledger")],
        "record": records[-1] if records else None,
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
