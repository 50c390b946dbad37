"""ledger: what happened to findings, credentials and identities across every sealed day up to one date.

Four tables per tenant-day, each a function of the tenant's sealed snapshots and findings of every date up
to the ledger's `snapshot_date` (and, for revocation latency, of the human identities of the provider's
other tenants). Dates named `*_seen` / `*_on` are snapshot dates: the day on which a snapshot showed it,
which is when it was observed, not necessarily when it happened. Nothing is ever concluded from a day
that was not observed: a partial, failed or missing collection leaves a state `unknown`, never resolved,
deleted or removed.
"""

import pyarrow as pa

from ._base import STRINGS, UTC_TS, Column, table
from .credentials import KINDS as CREDENTIAL_KINDS
from .credentials import STATUSES as CREDENTIAL_STATUSES
from .findings import ENTITY_TYPES, RESULTS, SEVERITIES
from .principals import KINDS as PRINCIPAL_KINDS

FINDING_STATES = ("open", "resolved", "unknown")
LIFECYCLE_STATUSES = (*CREDENTIAL_STATUSES, "deleted", "unknown")
PRINCIPAL_STATUSES = ("enabled", "disabled", "removed", "unknown")
REVOCATION_STATES = ("open", "revoked", "unknown")
REVOCATIONS = ("deactivated", "deleted", "principal disabled", "principal removed")
OFFBOARDINGS = ("disabled", "removed")

_AS_OF = Column(
    "as_of", UTC_TS, "Observation time of the ledger date's snapshot (its manifest's collected_at).", True
)


def _first_seen(what: str) -> Column:
    return Column("first_seen", pa.date32(), f"First snapshot date that showed the {what}.", True)


def _last_seen(what: str) -> Column:
    return Column("last_seen", pa.date32(), f"Latest snapshot date that showed the {what}.", True)


FINDING_HISTORY = table(
    "finding_history",
    "One row per finding ever raised for the tenant up to the ledger date: when it was first and last "
    "seen, when a complete snapshot first no longer showed it (resolved), and how long it has been open. "
    "A finding absent from a partial, failed or missing day is unknown, never resolved.",
    [
        Column(
            "finding_id",
            pa.string(),
            "Stable id of the finding (see findings.finding_id).",
            True,
            dictionary=False,
        ),
        Column("rule_id", pa.string(), "Rule that raised it.", True),
        Column("severity", pa.string(), "Severity when last seen.", True, allowed=SEVERITIES),
        Column("entity_type", pa.string(), "What the finding is about.", True, allowed=ENTITY_TYPES),
        Column(
            "entity_id",
            pa.string(),
            "principal_id, credential_id or grant key of the entity.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column("principal_id", pa.string(), "The identity concerned.", dictionary=False, verbatim=True),
        Column("principal_name", pa.string(), "Its name when last seen.", dictionary=False, verbatim=True),
        Column(
            "credential_id",
            pa.string(),
            "The credential concerned, for credential findings.",
            dictionary=False,
            verbatim=True,
        ),
        _first_seen("finding"),
        _last_seen("finding"),
        Column(
            "opened_on",
            pa.date32(),
            "First day of the current (or last) episode: first_seen, unless it was resolved and came back.",
            True,
        ),
        Column(
            "resolved_on",
            pa.date32(),
            "First complete snapshot date after last_seen that no longer showed it; null while not resolved.",
        ),
        Column(
            "days_open",
            pa.int32(),
            "Days from opened_on to resolved_on, or to the ledger date while not resolved.",
            True,
        ),
        Column("days_observed", pa.int32(), "Number of snapshot dates that showed the finding.", True),
        Column(
            "state",
            pa.string(),
            "open: shown on the ledger date; resolved: a complete snapshot no longer shows it; unknown: the "
            "ledger date could not show it either way (partial collection, or the rule's result was unknown).",
            True,
            allowed=FINDING_STATES,
        ),
        Column("last_result", pa.string(), "The finding's result when last seen.", True, allowed=RESULTS),
        Column("sentence", pa.string(), "The finding's sentence when last seen.", True, dictionary=False),
        _AS_OF,
    ],
    ["finding_id"],
)

CREDENTIAL_LIFECYCLE = table(
    "credential_lifecycle",
    "One row per credential ever seen in the tenant up to the ledger date: created, first and last seen, "
    "last used, deactivated (first snapshot seen not active) and deleted (first complete snapshot without "
    "it). A credential absent from a snapshot that does not vouch for its kind is unknown, never deleted.",
    [
        Column(
            "credential_id",
            pa.string(),
            "Stable id of the credential (see credentials).",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "principal_id",
            pa.string(),
            "Identity holding the credential.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "principal_name",
            pa.string(),
            "Its name when the credential was last seen.",
            dictionary=False,
            verbatim=True,
        ),
        Column("kind", pa.string(), "What sort of credential.", True, allowed=CREDENTIAL_KINDS),
        Column(
            "external_id",
            pa.string(),
            "The provider's public identifier, when observed.",
            dictionary=False,
            verbatim=True,
        ),
        Column("managed_by", pa.string(), "Who creates and rotates it.", True, allowed=("user", "provider")),
        Column("created_at", UTC_TS, "When the credential was created, as last reported.", dictionary=False),
        _first_seen("credential"),
        _last_seen("credential"),
        Column(
            "last_used_at",
            UTC_TS,
            "Latest use any snapshot reported; null when never reported.",
            dictionary=False,
        ),
        Column(
            "last_seen_status",
            pa.string(),
            "Status in the latest snapshot that showed it.",
            True,
            allowed=CREDENTIAL_STATUSES,
        ),
        Column(
            "deactivated_on",
            pa.date32(),
            "First snapshot date of its current spell not active (inactive, expired or disabled); null while "
            "active.",
        ),
        Column(
            "deleted_on",
            pa.date32(),
            "First complete snapshot date (vouching for its kind) that no longer showed it.",
        ),
        Column(
            "status",
            pa.string(),
            "Status on the ledger date: as shown; deleted; or unknown when the ledger date's snapshot "
            "neither shows it nor vouches for its kind.",
            True,
            allowed=LIFECYCLE_STATUSES,
        ),
        _AS_OF,
    ],
    ["credential_id"],
)

PRINCIPAL_LIFECYCLE = table(
    "principal_lifecycle",
    "One row per identity ever seen in the tenant up to the ledger date: first and last seen, disabled "
    "(first snapshot seen not enabled) and removed (first complete snapshot without it). Human identities "
    "disabled or removed are the offboardings that revocation latency starts from.",
    [
        Column(
            "principal_id",
            pa.string(),
            "Stable provider id of the identity.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column("name", pa.string(), "Name when last seen.", True, dictionary=False, verbatim=True),
        Column("kind", pa.string(), "Kind when last seen.", True, allowed=PRINCIPAL_KINDS),
        Column("is_nhi", pa.bool_(), "Non-human identity, as last classified.", True),
        Column("owner", pa.string(), "Owner when last seen.", verbatim=True),
        _first_seen("identity"),
        _last_seen("identity"),
        Column(
            "last_seen_enabled", pa.bool_(), "Whether it was enabled when last seen; null when not reported."
        ),
        Column(
            "disabled_on",
            pa.date32(),
            "First snapshot date of its current spell seen not enabled; null while enabled.",
        ),
        Column("removed_on", pa.date32(), "First complete snapshot date that no longer showed it."),
        Column(
            "status",
            pa.string(),
            "On the ledger date: enabled, disabled, removed, or unknown (not reported, or not vouched for).",
            True,
            allowed=PRINCIPAL_STATUSES,
        ),
        _AS_OF,
    ],
    ["principal_id"],
)

REVOCATION_LATENCY = table(
    "revocation_latency",
    "One row per credential of a non-human identity whose owner has been offboarded (every human identity "
    "matched to the owner across every provider's tenants disabled, or removed in a complete snapshot) and "
    "that was still active then: days from the offboarding to the credential being deactivated or deleted "
    "(or its identity disabled or removed), against the tenant's revocation SLA. Still-open revocations "
    "count the days elapsed up to the ledger date.",
    [
        Column("credential_id", pa.string(), "The NHI's credential.", True, dictionary=False, verbatim=True),
        Column(
            "principal_id",
            pa.string(),
            "The non-human identity holding it.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column("principal_name", pa.string(), "Its name.", dictionary=False, verbatim=True),
        Column("kind", pa.string(), "Kind of credential.", True, allowed=CREDENTIAL_KINDS),
        Column(
            "external_id",
            pa.string(),
            "The provider's public identifier, when observed.",
            dictionary=False,
            verbatim=True,
        ),
        Column("created_at", UTC_TS, "When the credential was created, as last reported.", dictionary=False),
        Column("owner", pa.string(), "The NHI's owner, as recorded on the identity.", True, verbatim=True),
        Column(
            "owner_principals",
            STRINGS,
            "The owner's human identities matched by name or email (see docs/RULES.md): "
            "provider/tenant_id/principal_id.",
            True,
        ),
        Column(
            "offboarded_on",
            pa.date32(),
            "Snapshot date on which the last of the owner's identities was seen disabled or removed.",
            True,
        ),
        Column("offboarding", pa.string(), "How that identity went.", True, allowed=OFFBOARDINGS),
        Column("revoked_on", pa.date32(), "Snapshot date first showing the credential revoked; null if not."),
        Column("revocation", pa.string(), "How it was revoked.", allowed=REVOCATIONS),
        Column(
            "days",
            pa.int32(),
            "Days from offboarded_on to revoked_on, or to the ledger date while still open.",
            True,
        ),
        Column("sla_days", pa.int32(), "The tenant's revocation SLA (thresholds.revocation_sla_days).", True),
        Column(
            "within_sla", pa.bool_(), "days <= sla_days (for an open revocation: not yet breached).", True
        ),
        Column(
            "state",
            pa.string(),
            "revoked; open (still active on the ledger date); unknown (the ledger date's snapshot neither "
            "shows the credential nor vouches for its absence).",
            True,
            allowed=REVOCATION_STATES,
        ),
        Column("sentence", pa.string(), "The record in one plain sentence.", True, dictionary=False),
        _AS_OF,
    ],
    ["credential_id"],
)

LEDGER_TABLES = (FINDING_HISTORY, CREDENTIAL_LIFECYCLE, PRINCIPAL_LIFECYCLE, REVOCATION_LATENCY)
