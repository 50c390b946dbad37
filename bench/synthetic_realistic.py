"""The `realistic` distribution of the synthetic pair: credential ages, use and status as surveys report them.

The `uniform` distribution (the original one, kept byte for byte) makes every access key about two years
old and unused for a year or more, so ~85 % of credentials are both unrotated and unused and every person
holds two active keys: ~5.4 findings per principal, far more than real accounts show. This one keeps the
same rows (1,000,000 principals, 2,000,000 credentials, 5,000,000 grants at scale 1.0; the same ids, kinds
of principal, grants and 1 % churn) and draws the values an account's findings depend on from Datadog's
State of Cloud Security surveys (2023: "76 % of IAM users have active access keys", "roughly half of access
keys are more than 1 year old, and more than one in 10 are older than 3 years", "49 % [of users with keys]
have an access key that has not been used in the past 90 days"; 2024: "60 % of IAM users have an active
access key older than one year"):

* key age: 30 % under 90 days, 20 % 90 days-1 year, 38 % 1-3 years, 12 % 3-6 years;
* key use: 55 % used within a day, 15 % within 30 days, 10 % within 90 days, 15 % 90-400 days ago, 5 % never
  (as the credential report says it: ``credential_report:N/A (never used)``);
* status: a service's first key is active (5 % deactivated), its second row is the previous key, kept
  deactivated after a rotation (15 % still active: two live keys); a person's first key is active for 45 %
  (the rest moved to single sign-on and had it deactivated), their second row is the console password;
* non-human identities: 70 % used within a week, 15 % within 90 days, 12 % 90-400 days ago, 3 % not reported;
* owners: 60 % of service identities carry a team tag, 30 % name a person (``owner`` tag), 10 % none; 2 %
  of people are disabled (left), so some identities outlive their owner and the ledger has revocations.

Every value is a function of (row index, seed) through a hash, so both days agree on unchanged rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from muster.schema._base import TAGS
from synthetic_snapshots import (
    CREDS_PER_PRINCIPAL,
    DAY_US,
    DAYS,
    KINDS,
    MINUTE_US,
    TENANT,
    _interleave,
    _join,
    _padded,
    _provenance,
    _table,
    _ts,
)

HOUR_US = 3_600 * 1_000_000
#: Ages are measured back from day 1's collection time.
REF_US = int(dt.datetime.combine(DAYS[0], dt.time(3), tzinfo=dt.UTC).timestamp() * 1_000_000)
REPORT = "credential_report"
NEVER = f"{REPORT}:N/A (never used)"
ROLE_USED, ROLE_NOT_USED = "iam:RoleLastUsed", "iam:RoleLastUsed: no use in the tracking period"


def uniform(idx: np.ndarray, salt: int, seed: int = 0) -> np.ndarray:
    """A number in [0, 1) per row index, the same for the same (index, salt, seed): splitmix64."""
    x = idx.astype(np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15 + seed) % 2**64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53)


def piecewise(u: np.ndarray, bands: list[tuple[float, float, float]]) -> np.ndarray:
    """Days drawn from bands (share, low, high): `u` picks the band, then a point within it."""
    out = np.zeros(len(u))
    start = 0.0
    for share, low, high in bands:
        inside = (u >= start) & (u < start + share)
        out = np.where(inside, low + (u - start) / share * (high - low), out)
        start += share
    return out


KEY_AGE = [(0.30, 0, 90), (0.20, 90, 365), (0.38, 365, 1095), (0.12, 1095, 2190)]
#: Days since last use; the last band (5 %) is "never used".
KEY_IDLE = [(0.55, 0, 1), (0.15, 1, 30), (0.10, 30, 90), (0.15, 90, 400), (0.05, -1, -1)]
NHI_IDLE = [(0.70, 0, 7), (0.15, 7, 90), (0.12, 90, 400), (0.03, -1, -1)]


def _days_us(days: np.ndarray) -> np.ndarray:
    """Whole seconds (as the providers report times) of a number of days."""
    return (days * 86_400).astype(np.int64) * 1_000_000


def principals(idx: np.ndarray, mod: np.ndarray, day: dt.date) -> pa.Table:
    kind = KINDS[idx % 10]
    human, role = kind == "human_user", kind == "role"
    n = len(idx)
    name = _join(
        pa.array(np.where(role, "role-", np.where(human, "person-", "svc-"))),
        pc.utf8_lpad(pc.cast(pa.array(idx), pa.string()), 7, "0"),
    )
    idle = piecewise(uniform(idx, 11), NHI_IDLE)
    unknown = idle < 0
    used = np.maximum(REF_US - _days_us(idle) - (idx % 600) * MINUTE_US, REF_US - 2190 * DAY_US)
    used = np.where(mod.astype(bool), REF_US + DAY_US - HOUR_US, used)  # changed rows were used again
    team = _padded("team-", idx % 300, 3)
    u_owner = uniform(idx, 12)
    by_person, no_owner = (~human) & (u_owner >= 0.6) & (u_owner < 0.9), human | (u_owner >= 0.9)
    # a person of the same block of ten principals: indices ending in 5-9 are people
    person = pc.utf8_lpad(pc.cast(pa.array(idx // 10 * 10 + 5 + idx % 5), pa.string()), 7, "0")
    owner = pc.if_else(pa.array(by_person), _join("person-", person), team)
    env = np.where(mod, "changed", np.where(idx % 2 == 0, "prod", "dev"))
    tags = pa.MapArray.from_arrays(
        pa.array(np.arange(0, 2 * n + 1, 2, dtype=np.int32)),
        pa.array(np.tile(["env", "team"], n)),
        pc.cast(_interleave(pa.array(env), team), pa.string()),
        type=TAGS,
    )
    cols = {
        **_provenance(n, day),
        "principal_id": _padded("AIDA", idx, 17),
        "name": name,
        "arn_or_resource": _join(f"arn:aws:iam::{TENANT}:", pa.array(np.where(role, "role/", "user/")), name),
        "kind": pa.array(kind),
        "is_nhi": pa.array(~human),
        "nhi_reason": pa.array(
            np.where(human, "console user with MFA", "no console password; IAM role or key")
        ),
        "enabled": pa.array((idx % 50 != 5) ^ mod.astype(bool)),
        "console_access": pa.array(human),
        "mfa_enabled": pa.array(human & (idx % 10 != 9), mask=role),
        "path": pa.array(np.full(n, "/")),
        "created_at": _ts(REF_US - _days_us(piecewise(uniform(idx, 13), KEY_AGE)) - 2190 * DAY_US // 4),
        "last_used_at": _ts(used, unknown),
        "last_used_source": pa.array(_principal_source(role, human, unknown), mask=unknown & ~role),
        "owner": pc.if_else(pa.array(no_owner), pa.scalar(None, pa.string()), owner),
        "owner_source": pa.array(np.where(by_person, "tag:owner", "tag:team"), mask=no_owner),
        "boundary_role_id": pa.array(np.full(n, None), pa.string()),
        "tags": tags,
    }
    return _table("principals", cols)


def _principal_source(role: np.ndarray, human: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Where last use comes from, as the AWS transform writes it; a role AWS reports no use for says so."""
    user = np.where(human, f"{REPORT}:password_last_used", f"{REPORT}:access_key_1_last_used_date")
    return np.where(role, np.where(unknown, ROLE_NOT_USED, ROLE_USED), user)


def credentials(rows: np.ndarray, mod: np.ndarray, day: dt.date) -> pa.Table:
    p, slot = rows // CREDS_PER_PRINCIPAL, rows % CREDS_PER_PRINCIPAL
    human = KINDS[p % 10] == "human_user"
    kind = np.where((slot == 1) & human, "password", "access_key")
    key = kind == "access_key"
    n = len(rows)
    age = (
        piecewise(uniform(rows, 21), KEY_AGE) + np.where(slot == 1, 90, 0) * key
    )  # the previous key is older
    created = REF_US - _days_us(age) - (rows % 1440) * MINUTE_US
    idle = piecewise(uniform(rows, 22), KEY_IDLE)
    never = idle < 0
    used = np.maximum(REF_US - _days_us(idle) - (rows % 600) * MINUTE_US, created + HOUR_US)
    used = np.where(mod.astype(bool), REF_US + DAY_US - HOUR_US, used)
    never = never & ~mod.astype(bool)
    u_status = uniform(rows, 23)
    inactive = np.where(
        slot == 0, np.where(human, u_status < 0.55, u_status < 0.05), np.where(human, False, u_status < 0.85)
    )
    column = np.where(
        key, np.where(slot == 0, "access_key_1_last_used_date", "access_key_2_last_used_date"), ""
    )
    source = np.where(never, NEVER, np.char.add(f"{REPORT}:", np.where(key, column, "password_last_used")))
    cols = {
        **_provenance(n, day),
        "credential_id": _join(
            _padded("AIDA", p, 17), "/", pa.array(kind), "/", pc.cast(pa.array(slot + 1), pa.string())
        ),
        "principal_id": _padded("AIDA", p, 17),
        "kind": pa.array(kind),
        "external_id": pc.if_else(pa.array(key), _padded("AKIA", rows, 16), pa.scalar(None, pa.string())),
        "status": pa.array(np.where(inactive ^ mod.astype(bool), "inactive", "active")),
        "managed_by": pa.array(np.full(n, "user")),
        "created_at": _ts(created),
        "expires_at": _ts(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)),
        "last_used_at": _ts(used, never),
        "last_used_source": pa.array(source),
        "last_used_service": pa.array(np.where(rows % 3 == 0, "sts", "s3"), mask=never | ~key),
        "last_used_region": pa.array(np.full(n, "us-east-1"), mask=never | ~key),
    }
    return _table("credentials", cols)
