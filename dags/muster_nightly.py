"""
### muster_nightly: the nightly roll call of cloud identities

**plan** reads the scope file (and discovers AWS Organization members), **collect_<provider>** runs once
per tenant (mapped; the `muster_aws`, `muster_gcp` and `muster_azure` pools cap how many tenants of each
cloud are collected at once, so one cloud's API limits never starve another's), **seal_<provider>** turns each
tenant's staged tables into a sealed, hash-chained snapshot, **derive** runs once per sealed tenant
(mapped): diff against the last complete snapshot -> rules -> ledger (-> the findings' dispositions, when
`MUSTER_DISPOSITIONS_FILE` or a `dispositions.yaml` beside the scope file exists), each sealed as its own
partition. It starts once every provider's seal is done: owners are matched to the people of every provider
(an AWS service user's owner is usually an Entra or Google account), so each tenant-day reads the night's
snapshots of the other providers too. **publish** records the run and emits the `muster_snapshots` and
`muster_findings` assets for downstream DAGs.

One tenant's failure never holds back the others: a tenant whose seal or derive failed (after its retries)
is left out, every other tenant is still derived and published, and the assets' extras name only what was
published. The run record lists what was left out (`not_sealed`, `not_derived`) and **fail_if_any_failed**
then fails the run, so the failure stays visible. A run that sealed and derived nothing emits no asset event.

A snapshot is labelled with the day it was observed. A run whose logical date is further in the past than
the scope's `observe_tolerance_hours` collects nothing and records "not observable": backfilling this DAG
never invents past evidence; it re-derives the snapshots already sealed on its logical date instead.

Params (both default to the environment): `scope_file` (`MUSTER_SCOPE_FILE`), `root` (`MUSTER_ROOT`, a path
or an s3:// URL). Credentials: the tenant's Airflow connection (`connection_id`, type `aws`;
`AIRFLOW_CONN_*` variables work) or boto3's default chain, then the tenant's role if it names one.

Time limits: each try of a tenant's collection 2 h (`MUSTER_COLLECT_TIMEOUT_MINUTES`), each try of every
other task 1 h (`MUSTER_STEP_TIMEOUT_MINUTES`), the whole run 20 h. A tenant still collecting on its last try
when its time is up is sealed as a failed day that says so; it never goes missing silently.

Create the pools once: `airflow pools set muster_aws 4 "Concurrent AWS tenant collections"` (likewise
`muster_gcp`, `muster_azure`).
All logic lives in `muster.nightly`; this file only wires tasks.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import Param, dag, get_current_context, task
from muster.assets import FINDINGS, SNAPSHOTS

PROVIDERS = ("aws", "gcp", "azure")


def _minutes(variable: str, default: int) -> dt.timedelta:
    """A time limit in whole minutes from the environment (read when the file is parsed); unset or empty:
    ``default``."""
    text = os.environ.get(variable) or str(default)
    if not text.strip().isdigit() or int(text) == 0:
        raise ValueError(f"{variable} must be a positive whole number of minutes, not {text!r}")
    return dt.timedelta(minutes=int(text))


#: One tenant's collection, per try. A hung API would otherwise hold its pool slot and, with one active run
#: at a time, every later night; on the last try the day is sealed as a failed collection saying so.
COLLECT_TIMEOUT = _minutes("MUSTER_COLLECT_TIMEOUT_MINUTES", 120)
#: Every other task (plan, seal, derive, publish), per try.
STEP_TIMEOUT = _minutes("MUSTER_STEP_TIMEOUT_MINUTES", 60)
#: The whole run, so that a stuck night never keeps the next one from starting.
RUN_TIMEOUT = dt.timedelta(hours=20)


@dag(
    dag_id="muster_nightly",
    schedule="@daily",
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=RUN_TIMEOUT,
    tags=["muster", "evidence", "identities"],
    doc_md=__doc__,
    default_args={
        "owner": "muster",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(minutes=30),
        "execution_timeout": STEP_TIMEOUT,
    },
    params={
        "scope_file": Param(
            None, type=["null", "string"], description="Scope file; default $MUSTER_SCOPE_FILE"
        ),
        "root": Param(None, type=["null", "string"], description="Store root; default $MUSTER_ROOT"),
    },
)
def muster_nightly():
    @task(multiple_outputs=False)
    def plan(params=None, run_id=None, logical_date=None, dag_run=None) -> list[dict]:
        """One small spec per tenant to collect (tenant config, snapshot date); [] if not observable."""
        from muster import nightly

        scope_file, root = nightly.resolve_paths(params["scope_file"], params["root"])
        return nightly.plan(scope_file, root, logical_date or dag_run.run_after, run_id)

    @task(multiple_outputs=False)
    def tenants(specs: list[dict], provider: str) -> list[dict]:
        """The planned tenants of one cloud (Airflow cannot map over one key of a task's output)."""
        return [s for s in specs if s["provider"] == provider]

    @task(map_index_template="{{ tenant_label }}", multiple_outputs=False)
    def collect(spec: dict, params=None, run_id=None, ti=None) -> dict:
        """Collect one tenant into the run's staging area; on the last try a failure (running out of time
        included) is staged as failed."""
        from airflow.sdk.exceptions import AirflowTaskTimeout
        from muster import nightly

        get_current_context()["tenant_label"] = f"{spec['provider']}:{spec['tenant_id']}"
        _, root = nightly.resolve_paths(params["scope_file"], params["root"])
        # Airflow 3: try_number starts at 1 and max_tries == retries, so the last try is max_tries + 1.
        return nightly.collect_tenant(
            spec,
            root,
            run_id,
            final_attempt=ti.try_number > ti.max_tries,
            timeouts=(AirflowTaskTimeout,),
            time_limit=ti.task.execution_timeout,
        )

    @task(map_index_template="{{ tenant_label }}", multiple_outputs=False)
    def seal(staged: dict, params=None, run_id=None) -> dict:
        """Seal one tenant's snapshot (never overwriting a sealed day) and return its row counts."""
        from muster import nightly

        get_current_context()["tenant_label"] = f"{staged['provider']}:{staged['tenant_id']}"
        _, root = nightly.resolve_paths(params["scope_file"], params["root"])
        return nightly.seal_tenant(staged, root, run_id)

    # all_done, not none_failed: one tenant's failed seal must not keep the others from being derived. A
    # failed map index pushed no XCom, so it is simply absent from `sealed`: only what was sealed is derived.
    # A provider without tenants maps over nothing and is skipped.
    @task(multiple_outputs=False, trigger_rule="all_done")
    def derive_targets(planned, sealed: list, params=None, logical_date=None, dag_run=None) -> list[dict]:
        """The sealed tenant-days to derive; in a run that could not observe, those already sealed on the
        logical date; none when the plan failed."""
        from muster import nightly

        _, root = nightly.resolve_paths(params["scope_file"], params["root"])
        return nightly.derive_targets(planned, _flat(sealed), root, logical_date or dag_run.run_after)

    @task(map_index_template="{{ tenant_label }}", multiple_outputs=False)
    def derive(target: dict, params=None) -> dict:
        """diff -> people index -> rules -> ledger for one sealed tenant-day, from the store alone (never
        collects)."""
        from muster import nightly

        get_current_context()["tenant_label"] = f"{target['provider']}:{target['tenant_id']}"
        scope_file, root = nightly.resolve_paths(params["scope_file"], params["root"])
        return nightly.derive_tenant(target, root, scope_file)

    # all_done as well: what was sealed and derived is published even when another tenant's task failed; the
    # asset events name only that, and `fail_if_any_failed` still fails the run.
    @task(outlets=[SNAPSHOTS, FINDINGS], multiple_outputs=False, trigger_rule="all_done")
    def publish(
        planned,
        sealed: list,
        targets,
        derived,
        params=None,
        run_id=None,
        logical_date=None,
        dag_run=None,
        outlet_events=None,
    ):
        """Record the run's snapshots and derivations (and what failed tasks left out) and announce what was
        published to downstream DAGs; with nothing sealed or derived there is nothing to announce (skipped)."""
        from airflow.sdk.exceptions import AirflowSkipException
        from muster import nightly

        if planned is None:
            raise AirflowSkipException("the plan did not succeed: nothing was sealed, nothing to publish")
        _, root = nightly.resolve_paths(params["scope_file"], params["root"])
        done = [d for d in (derived[:] if derived is not None else []) if d is not None]
        snapshots = _flat(sealed)
        extra = nightly.publish(
            snapshots,
            root,
            run_id,
            logical_date or dag_run.run_after,
            done,
            planned=planned,
            targets=targets,
        )
        if not snapshots and not done:
            raise AirflowSkipException("nothing was sealed or derived: no asset event to emit")
        outlet_events[SNAPSHOTS].extra = extra
        outlet_events[FINDINGS].extra = nightly.findings_event(done, run_id)
        return extra

    # publish runs whatever failed before it, and the run's state is that of its last tasks: without this
    # one a failed seal or derive would end in a successful run. Retrying it would change nothing.
    @task(trigger_rule="one_failed", retries=0)
    def fail_if_any_failed(run_id=None):
        """Fail the run when any of its tasks failed (skipped when none did); what succeeded is published."""
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(
            f"run {run_id}: a task failed (see the failed task instances); the tenants it left out are "
            "listed under not_sealed / not_derived in the run record, the others were published"
        )

    planned = plan()
    steps, sealed = [planned], []
    for provider in PROVIDERS:
        listed = tenants.override(task_id=f"tenants_{provider}")(planned, provider)
        collected = collect.override(
            task_id=f"collect_{provider}", pool=f"muster_{provider}", execution_timeout=COLLECT_TIMEOUT
        ).expand(spec=listed)
        sealed.append(seal.override(task_id=f"seal_{provider}").expand(staged=collected))
        steps += [listed, collected, sealed[-1]]
    targets = derive_targets(planned, sealed)
    derived = derive.expand(target=targets)
    steps += [targets, derived, publish(planned, sealed, targets, derived)]
    steps >> fail_if_any_failed()


def _flat(sealed: list) -> list[dict]:
    """The seal results of every provider; a slice is one XCom request (iterating would probe past the end
    and log a 404), and a skipped provider gives None."""
    return [s for per_provider in sealed if per_provider is not None for s in per_provider[:]]


muster_nightly()
