"""DAG integrity: every DAG imports cleanly and carries owner, tags and retries; muster_nightly is wired
plan -> tenants_<p> -> collect_<p> (mapped, in pool muster_<p>) -> seal_<p> (mapped) for each provider p,
then derive_targets -> derive (mapped: diff -> rules -> ledger) -> publish (emits the snapshots and
findings assets), and fail_if_any_failed after every task."""

import datetime as dt
import itertools
import os
import subprocess
import sys

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.mappedoperator import MappedOperator
from muster.assets import FINDINGS, SNAPSHOTS


@pytest.fixture(scope="module")
def bag(dags_folder):
    return DagBag(dag_folder=str(dags_folder))


@pytest.fixture(scope="module")
def nightly(bag):
    return bag.dags["muster_nightly"]  # get_dag() would consult the metadata database


def test_every_dag_imports_without_errors(bag):
    assert bag.import_errors == {}
    assert "muster_nightly" in bag.dag_ids


#: Tasks that only report on the others: retrying them would change nothing.
VERDICTS = {("muster_nightly", "fail_if_any_failed")}


def test_every_dag_has_owner_tags_and_retries(bag):
    for dag_id, dag in bag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        for t in dag.tasks:
            assert t.owner not in (None, "", "airflow"), f"{dag_id}.{t.task_id} has no owner"
            if (dag_id, t.task_id) in VERDICTS:
                assert t.retries == 0
                continue
            assert t.retries >= 2, f"{dag_id}.{t.task_id} retries {t.retries} < 2"
            assert t.retry_exponential_backoff > 0, f"{dag_id}.{t.task_id} retries without backoff"


def test_nightly_is_daily_without_catchup_from_a_fixed_start(nightly):
    assert nightly.catchup is False
    assert nightly.timetable.expression == "0 0 * * *"
    assert nightly.start_date == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert set(nightly.params) == {"scope_file", "root"}
    assert nightly.params["scope_file"] is None and nightly.params["root"] is None
    assert nightly.doc_md and "muster_aws" in nightly.doc_md


def test_nightly_task_structure(nightly):
    tasks = {t.task_id: t for t in nightly.tasks}
    providers = ("aws", "gcp", "azure")
    steps = ("tenants", "collect", "seal")
    derive = {"derive_targets", "derive"}
    last = {"publish", "fail_if_any_failed"}
    assert set(tasks) == {"plan"} | last | derive | {f"{s}_{p}" for s in steps for p in providers}
    edges = {(up, t.task_id) for t in nightly.tasks for up in t.upstream_task_ids}
    chain = ("plan", "tenants_{p}", "collect_{p}", "seal_{p}", "derive_targets")
    per_provider = {(a.format(p=p), b.format(p=p)) for p in providers for a, b in itertools.pairwise(chain)}
    sealed_to_publish = {(f"seal_{p}", "publish") for p in providers}
    plan_and_targets = {("plan", "derive_targets"), ("plan", "publish"), ("derive_targets", "publish")}
    watched = {(tid, "fail_if_any_failed") for tid in tasks if tid != "fail_if_any_failed"}
    assert edges == per_provider | sealed_to_publish | plan_and_targets | watched | {
        ("derive_targets", "derive"),
        ("derive", "publish"),
    }
    mapped = {tid for tid, t in tasks.items() if isinstance(t, MappedOperator)}
    assert mapped == {f"{s}_{p}" for s in ("collect", "seal") for p in providers} | {"derive"}
    assert {p: tasks[f"collect_{p}"].pool for p in providers} == {p: f"muster_{p}" for p in providers}
    # One tenant's failed seal or derive must not hold back the others; the verdict task fails the run.
    assert tasks["publish"].trigger_rule == "all_done"
    assert tasks["derive_targets"].trigger_rule == "all_done"
    assert tasks["fail_if_any_failed"].trigger_rule == "one_failed"
    assert not tasks["fail_if_any_failed"].downstream_task_ids  # the run's state is that of its last tasks
    assert [o.name for o in tasks["publish"].outlets] == [SNAPSHOTS.name, FINDINGS.name]


def test_parsing_the_dag_file_imports_no_sdk_or_muster_logic(dags_folder):
    code = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); "
        "print(sorted(m for m in ('boto3', 'pyarrow', 'pandas', 'moto', 'muster.nightly', 'muster.providers') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(dags_folder / "muster_nightly.py")],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_nightly_bounds_every_try_and_the_run(nightly):
    """A hung API must not hold a pool slot, nor (one active run at a time) every later night."""
    tasks = {t.task_id: t for t in nightly.tasks}
    collects = {tid for tid in tasks if tid.startswith("collect_")}
    assert {tasks[tid].execution_timeout for tid in collects} == {dt.timedelta(hours=2)}
    assert {t.execution_timeout for tid, t in tasks.items() if tid not in collects} == {dt.timedelta(hours=1)}
    assert nightly.dagrun_timeout == dt.timedelta(hours=20)
    assert nightly.max_active_runs == 1


def _parse_with(dags_folder, env: dict) -> subprocess.CompletedProcess:
    code = (
        "import runpy, sys; g = runpy.run_path(sys.argv[1]); "
        "print(g['COLLECT_TIMEOUT'].total_seconds(), g['STEP_TIMEOUT'].total_seconds())"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(dags_folder / "muster_nightly.py")],
        env=os.environ.copy() | env,
        capture_output=True,
        text=True,
    )


def test_the_time_limits_can_be_set_from_the_environment(dags_folder):
    done = _parse_with(
        dags_folder, {"MUSTER_COLLECT_TIMEOUT_MINUTES": "300", "MUSTER_STEP_TIMEOUT_MINUTES": "15"}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "18000.0 900.0"


@pytest.mark.parametrize("value", ["2h", "0", "-5", "1.5"])
def test_a_time_limit_that_is_not_a_positive_number_of_minutes_is_an_import_error_naming_it(
    dags_folder, value
):
    done = _parse_with(dags_folder, {"MUSTER_COLLECT_TIMEOUT_MINUTES": value})
    assert done.returncode != 0
    assert (
        f"MUSTER_COLLECT_TIMEOUT_MINUTES must be a positive whole number of minutes, not {value!r}"
        in done.stderr
    )
