"""people_index: per tenant-day, what the rules need to know about each person seen in the tenant so far.

A fold of the tenant's sealed days: the index of a day is the index of the tenant's previous sealed day
updated with that day's human principals, so the rules follow people across every provider's tenants from
one small table per tenant instead of re-reading every earlier snapshot (`muster.rules.people_fold`).
The tenant-level facts (whether that day's principals were collected completely, the chain digest over
the snapshots folded) are one value per partition and live in its manifest's params: as columns they would
repeat on every row, and a tenant without any person would lose them.
"""

import pyarrow as pa

from ._base import Column, table

PEOPLE_INDEX = table(
    "people_index",
    "One row per person ever seen among the tenant's human principals up to snapshot_date (the index's day, "
    "a sealed snapshot day of the tenant): when they were last seen, whether they were enabled then, the "
    "last day they were enabled and the first sealed day after it. A person is identified by person_key, so "
    "two accounts of one name in one tenant are one row (enabled if either is, unknown if either is).",
    [
        Column(
            "person_key",
            pa.string(),
            "Who the person is: the principal name (email, userPrincipalName, user name) in lower case, "
            "without surrounding blanks; owners are matched to it as docs/RULES.md says.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column("last_seen", pa.date32(), "Latest snapshot date of the tenant that showed the person.", True),
        Column(
            "enabled_on_last_seen",
            pa.bool_(),
            "Whether the person was enabled on last_seen (any of their accounts); null when unknown.",
        ),
        Column(
            "last_enabled",
            pa.date32(),
            "Latest snapshot date on which the person was enabled; null when never seen enabled.",
        ),
        Column(
            "since",
            pa.date32(),
            "First snapshot date of the tenant after last_enabled (the person was not seen enabled then); "
            "null while last_enabled is the latest day folded, or when never seen enabled.",
        ),
    ],
    ["person_key"],
)
