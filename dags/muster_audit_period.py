"""
### muster_audit_period: the evidence bundle of an audit period

Triggered by hand with the period and framework. **check** validates the parameters and fixes the output
directory, **coverage** logs which tenant-days lack complete evidence (gaps are reported, never filled),
**build** copies the sealed snapshots and derived tables of the in-scope tenants into a bundle with
`report.html`, `findings.xlsx`, CSVs, seeded samples, `manifest.json` and `SHA256SUMS` (optionally signed
with Ed25519), and **verify** re-checks every file, hash, chain link and signature.

SOC 2 covers the tenants tagged `soc2` (CC6.1 / CC6.2 / CC6.3); SOC 1 the tenants tagged `soc1`, mapped to
the scope file's control objectives. Type 1 is one as-of population (the last day); Type 2 every day.
Derive past days first with a backfill of `muster_nightly` (or `muster backfill`): this DAG reads only what
is sealed. All logic lives in `muster.evidence`; this file only wires tasks.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag, task

DATE = {"type": "string", "format": "date"}


@dag(
    dag_id="muster_audit_period",
    schedule=None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=2,
    tags=["muster", "evidence", "audit"],
    doc_md=__doc__,
    default_args={
        "owner": "muster",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(minutes=10),
    },
    params={
        "period_start": Param("2026-01-01", **DATE, description="First day of the audit period"),
        "period_end": Param("2026-12-31", **DATE, description="Last day; the as-of day of a Type 1 report"),
        "framework": Param(
            "soc2", enum=["soc2", "soc1"], description="soc2: CC6.1-6.3; soc1: own objectives"
        ),
        "report_type": Param("type2", enum=["type1", "type2"], description="type1: as-of; type2: the period"),
        "tenants": Param(
            [], type="array", items={"type": "string"}, description="provider:id; empty = by tag"
        ),
        "scope_tags": Param(
            [], type="array", items={"enum": ["soc1", "soc2"]}, description="default: framework"
        ),
        "sample_size": Param(25, type="integer", minimum=1, maximum=100000),
        "seed": Param(
            0, type="integer", minimum=0, description="Recorded in the bundle; same seed, same sample"
        ),
        "scope_file": Param(None, type=["null", "string"], description="Default $MUSTER_SCOPE_FILE"),
        "root": Param(None, type=["null", "string"], description="Store root; default $MUSTER_ROOT"),
        "output_root": Param(None, type=["null", "string"], description="Default <root>/evidence"),
        "signing_conn_id": Param(None, type=["null", "string"], description="Connection with an Ed25519 key"),
        "signing_key_file": Param(None, type=["null", "string"], description="PEM file with an Ed25519 key"),
    },
)
def muster_audit_period():
    @task(multiple_outputs=False)
    def check(params=None, run_id=None) -> dict:
        """Validate the parameters; decide where the bundle goes."""
        from muster.evidence import period

        return period.check(dict(params), run_id)

    @task(multiple_outputs=False)
    def coverage(plan: dict) -> dict:
        """Day x tenant x table coverage of the period; gap days are logged and counted."""
        from muster.evidence import period

        return period.coverage_summary(plan)

    @task(multiple_outputs=False)
    def build(plan: dict, covered: dict) -> dict:
        """Build the bundle (signed when a key is configured)."""
        from muster.evidence import integrity, period

        key = None
        if plan["signing_conn_id"]:
            key = integrity.key_from_connection(plan["signing_conn_id"])
        elif plan["signing_key_file"]:
            key = integrity.key_from_file(plan["signing_key_file"])
        return period.build(plan, signing_key=key)

    @task(multiple_outputs=False)
    def verify(built: dict) -> dict:
        """Re-check every file, hash, chain link and signature of the bundle."""
        from muster.evidence import period

        return period.verify(built["path"])

    plan = check()
    verify(build(plan, coverage(plan)))


muster_audit_period()
