"""Airflow Assets that Muster DAGs produce and consume, declared once.

Downstream DAGs (diff, rules, ledger, audit-period bundles) schedule on these instead of on times.
Assets are identified by name only: the store root is configured per deployment (`MUSTER_ROOT`), and
the asset event's `extra` carries the run's sealed partitions. (A URI with a scheme would also make
Airflow load every provider's URI handlers, boto3 included, whenever a DAG file is parsed.)
"""

from airflow.sdk import Asset

#: Emitted once per nightly run after every planned tenant's snapshot is sealed.
SNAPSHOTS = Asset(
    name="muster_snapshots",
    group="muster",
    extra={"layout": "snapshots/provider=P/tenant=T/date=D/{table}.parquet + _MANIFEST.json"},
)

#: Emitted once per nightly run (or backfill) after every sealed tenant-day of the run has been derived:
#: its changes, findings and ledger partitions are sealed.
FINDINGS = Asset(
    name="muster_findings",
    group="muster",
    extra={"layout": "{changes,findings,ledger}/provider=P/tenant=T/date=D/{table}.parquet + _MANIFEST.json"},
)
