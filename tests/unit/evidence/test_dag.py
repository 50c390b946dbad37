"""muster_audit_period is manual, validates its Params, and wires check -> coverage -> build -> verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

DAG_FILE = Path(__file__).resolve().parents[3] / "dags" / "muster_audit_period.py"


@pytest.fixture(scope="module")
def dag():
    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    return bag.dags["muster_audit_period"]


def test_manual_with_the_documented_params(dag):
    assert type(dag.timetable).__name__ == "NullTimetable" and dag.catchup is False
    assert set(dag.params) == {
        "period_start",
        "period_end",
        "framework",
        "report_type",
        "tenants",
        "scope_tags",
        "sample_size",
        "seed",
        "scope_file",
        "root",
        "output_root",
        "signing_conn_id",
        "signing_key_file",
    }


def test_task_chain(dag):
    edges = {(up, t.task_id) for t in dag.tasks for up in t.upstream_task_ids}
    assert edges == {("check", "coverage"), ("check", "build"), ("coverage", "build"), ("build", "verify")}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("framework", "soc3"),
        ("report_type", "type3"),
        ("sample_size", 0),
        ("period_start", "31/12/2026"),
        ("scope_tags", ["iso27001"]),
    ],
)
def test_bad_params_are_rejected_before_the_run(dag, name, value):
    from airflow.sdk.definitions.param import ParamsDict
    from airflow.sdk.exceptions import ParamValidationError

    params = ParamsDict(dict(dag.params.items()))
    with pytest.raises(ParamValidationError, match=f"param {name}"):
        params[name] = value
