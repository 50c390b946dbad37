"""collection: what was asked of each provider API, and how completely it answered."""

import pyarrow as pa

from ._base import UTC_TS, Column, table

#: complete: every page read. partial: some objects or pages missing (named in error).
#: failed: nothing usable. not_collected: deliberately or necessarily skipped (reason in error).
#: not_observable: the date lies in the past; the cloud cannot be observed as it was then.
STATUSES = ("complete", "partial", "failed", "not_collected", "not_observable")

COLLECTION = table(
    "collection",
    "One row per tenant x entity x run: status, API effort and errors of the collection, the caller's "
    "identity and the source's own as-of time. The completeness evidence for every other table.",
    [
        Column("run_id", pa.string(), "Airflow run id or CLI run id that collected the snapshot.", True),
        Column(
            "entity",
            pa.string(),
            "What was collected: an API population such as users, roles, credential_report, access_keys.",
            True,
        ),
        Column("status", pa.string(), "How completely the entity was collected.", True, allowed=STATUSES),
        Column("feeds", pa.string(), "Comma-separated snapshot tables this entity feeds.", True),
        Column("api_calls", pa.int64(), "API requests made for this entity (including retries).", True),
        Column("pages", pa.int64(), "Result pages read.", True),
        Column("retries", pa.int64(), "Requests retried for any reason.", True),
        Column("throttles", pa.int64(), "Requests answered with a throttling error.", True),
        Column("items", pa.int64(), "Objects returned.", True),
        Column(
            "error", pa.string(), "What went wrong or why it was skipped, naming tenant, entity and field."
        ),
        Column(
            "caller_identity",
            pa.string(),
            "Identity the collector ran as (ARN, service account, app id).",
            verbatim=True,
        ),
        Column("collector_version", pa.string(), "Muster version that collected.", True),
        Column("source_as_of", UTC_TS, "The source's own as-of time (e.g. credential report GeneratedTime)."),
        Column("collected_at", UTC_TS, "When collection of the tenant started (run clock).", True),
    ],
    ["run_id", "entity"],
)
