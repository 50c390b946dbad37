"""Airflow Assets that Muster DAGs produce and consume, declared once.

Downstream DAGs (diff, rules, ledger, audit-period bundles) schedule on these instead of on times.
Assets are identified by name only: the store root is configured per deployment (`MUSTER_ROOT`), and
the asset event's `extra` carries the run's sealed partitions. (A URI with a scheme would also make
Airflow load every provider's URI handlers, boto3 included, whenever a DAG file is parsed.)
"""

from airflow.sdk import Asset

#: Emitted once per nightly run after its planned tenants' snapshots are sealed; `extra` names those sealed
#: (a tenant whose seal failed is left out, and that run ends failed). None when nothing was sealed or derived.
SNAPSHOTS = Asset(
    name="muster_snapshots",
    group="muster",
    extra={"layout": "snapshots/provider=P/tenant=T/date=D/{table}.parquet + _MANIFEST.json"},
)

#: Emitted once per nightly run (or backfill) after the sealed tenant-days of the run have been derived:
#: `extra` names those whose changes, findings and ledger partitions were sealed (a failed derive is left out).
FINDINGS = Asset(
    name="muster_findings",
    group="muster",
    extra={"layout": "{changes,findings,ledger}/provider=P/tenant=T/date=D/{table}.parquet + _MANIFEST.json"},
)
