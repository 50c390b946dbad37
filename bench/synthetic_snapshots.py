"""Two sealed synthetic snapshots of one large tenant, for the diff, rules and ledger benchmarks.

`make_pair(root, scale, seed)` seals day 1 and day 2 of tenant aws/123456789012 under `root`: at scale 1.0,
1,000,000 principals, 2,000,000 credentials (2 per principal) and 5,000,000 grants (5 per principal), with
1 % churn per table between the days: a third removed (principals leave with their credentials and
grants), a third added (new principals with theirs), a third modified in place (last use, status, tags,
privilege). Built columnar with Arrow kernels and numpy, so generation is bound by the sealer's own
validation; every value is a function of (row index, seed), so the same arguments give the same bytes.

A pair already sealed under `root` by the same arguments is reused; other snapshots there are an error.

    .venv/bin/python bench/synthetic_snapshots.py --root var/bench/synth --scale 0.01
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from muster.schema import COLLECTION, ROLE_DEFINITIONS, to_table
from muster.schema._base import STRINGS, TAGS, UTC_TS
from muster.snapshot import SnapshotError, SnapshotRef, SnapshotStore

PROVIDER, TENANT = "aws", "123456789012"
DAYS = (dt.date(2026, 11, 1), dt.date(2026, 11, 2))
CREDS_PER_PRINCIPAL, GRANTS_PER_PRINCIPAL, POLICIES = 2, 5, 1000
T0_US = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp() * 1_000_000)
DAY_US, MINUTE_US = 86_400 * 1_000_000, 60 * 1_000_000
KINDS = np.array(["role", "role", "service_user", "service_user", "service_user"] + ["human_user"] * 5)


# -- which rows exist on which day -----------------------------------------------------------------------
class Churn:
    """Principal indices present on each day and the rows modified on day 2, for one (n, churn, seed)."""

    def __init__(self, n: int, churn: float, seed: int):
        rng = np.random.default_rng(seed)
        third = max(1, round(n * churn / 3)) if churn else 0
        self.n, self.third = n, third
        removed = np.sort(rng.choice(n, third, replace=False))
        self.before = np.arange(n)
        self.after = np.concatenate([np.setdiff1d(self.before, removed), np.arange(n, n + third)])
        self.modified = {
            "principals": _pick(rng, self.before, removed, third, 1),
            "credentials": _pick(rng, self.before, removed, third, CREDS_PER_PRINCIPAL),
            "grants": _pick(rng, self.before, removed, third, GRANTS_PER_PRINCIPAL),
        }


def _pick(rng, before: np.ndarray, removed: np.ndarray, k: int, per: int) -> np.ndarray:
    """k distinct row indices of a table with `per` rows per principal, among principals kept on day 2."""
    rows = np.setdiff1d(before, removed)
    rows = (rows[:, None] * per + np.arange(per)).ravel()
    return np.sort(rng.choice(rows, min(k, len(rows)), replace=False))


def _rows_of(principals: np.ndarray, per: int) -> np.ndarray:
    return (principals[:, None] * per + np.arange(per)).ravel()


# -- column helpers -----------------------------------------------------------------------------------
def _padded(prefix: str, idx: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(idx), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*(pa.scalar(p) if isinstance(p, str) else p for p in parts), "")


def _ts(us: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(us, type=pa.int64(), mask=null).cast(UTC_TS)


def _provenance(n: int, day: dt.date) -> dict[str, pa.Array]:
    return {
        "provider": pa.array(np.full(n, PROVIDER)),
        "tenant_id": pa.array(np.full(n, TENANT)),
        "snapshot_date": pa.array(np.full(n, day)).cast(pa.date32()),
    }


def _table(spec_name: str, cols: dict[str, pa.Array]) -> pa.Table:
    from muster.schema import SNAPSHOT_TABLES

    spec = SNAPSHOT_TABLES[spec_name]
    return pa.Table.from_arrays([cols[c] for c in spec.column_names], schema=spec.schema)


# -- tables ---------------------------------------------------------------------------------------------
def principals(idx: np.ndarray, mod: np.ndarray, day: dt.date) -> pa.Table:
    kind = KINDS[idx % 10]
    human, role = kind == "human_user", kind == "role"
    pid = _padded("AIDA", idx, 17)
    prefix = np.where(role, "role-", np.where(human, "person-", "svc-"))
    name = _join(pa.array(prefix), pc.utf8_lpad(pc.cast(pa.array(idx), pa.string()), 7, "0"))
    arn = _join(f"arn:aws:iam::{TENANT}:", pa.array(np.where(role, "role/", "user/")), name)
    used = T0_US + (700 - (idx * 7919) % 400) * DAY_US + mod * DAY_US
    team = _padded("team-", idx % 300, 3)
    no_owner = (idx % 97 == 0) | human
    n = len(idx)
    env = np.where(mod, "changed", np.where(idx % 2 == 0, "prod", "dev"))
    tags = pa.MapArray.from_arrays(
        pa.array(np.arange(0, 2 * n + 1, 2, dtype=np.int32)),
        pa.array(np.tile(["env", "team"], n)),
        pc.cast(_interleave(pa.array(env), team), pa.string()),
        type=TAGS,
    )
    cols = {
        **_provenance(n, day),
        "principal_id": pid,
        "name": name,
        "arn_or_resource": arn,
        "kind": pa.array(kind),
        "is_nhi": pa.array(~human),
        "nhi_reason": pa.array(
            np.where(human, "console user with MFA", "no console password; IAM role or key")
        ),
        "enabled": pa.array((idx % 50 != 0) ^ mod.astype(bool)),
        "console_access": pa.array(human),
        "mfa_enabled": pa.array(human & (idx % 10 != 9), mask=role),
        "path": pa.array(np.full(n, "/")),
        "created_at": _ts(T0_US + idx * MINUTE_US),
        "last_used_at": _ts(used, idx % 20 == 0),
        "last_used_source": pa.array(
            np.where(human, "password_last_used", "access_key_last_used"), mask=idx % 20 == 0
        ),
        "owner": pc.if_else(pa.array(no_owner), pa.scalar(None, pa.string()), team),
        "owner_source": pa.array(np.full(n, "tag:team"), mask=no_owner),
        "boundary_role_id": pa.array(np.full(n, None), pa.string()),
        "tags": tags,
    }
    return _table("principals", cols)


def _interleave(a: pa.Array, b: pa.Array) -> pa.Array:
    """a0, b0, a1, b1, ... (the values of two-entry maps)."""
    both = pa.concat_arrays([pc.cast(a, pa.string()), pc.cast(b, pa.string())])
    n = len(a)
    order = np.empty(2 * n, dtype=np.int64)
    order[0::2], order[1::2] = np.arange(n), np.arange(n, 2 * n)
    return both.take(pa.array(order))


def credentials(rows: np.ndarray, mod: np.ndarray, day: dt.date) -> pa.Table:
    p, slot = rows // CREDS_PER_PRINCIPAL, rows % CREDS_PER_PRINCIPAL
    kind = np.where((slot == 1) & (p % 10 == 9), "signing_certificate", "access_key")
    key = kind == "access_key"
    n = len(rows)
    cid = _join(_padded("AIDA", p, 17), "/", pa.array(kind), "/", pc.cast(pa.array(slot + 1), pa.string()))
    inactive = (rows % 7 == 0) ^ mod.astype(bool)
    never = rows % 13 == 0
    cols = {
        **_provenance(n, day),
        "credential_id": cid,
        "principal_id": _padded("AIDA", p, 17),
        "kind": pa.array(kind),
        "external_id": pc.if_else(pa.array(key), _padded("AKIA", rows, 16), pa.scalar(None, pa.string())),
        "status": pa.array(np.where(inactive, "inactive", "active")),
        "managed_by": pa.array(np.full(n, "user")),
        "created_at": _ts(T0_US + rows * MINUTE_US),
        "expires_at": _ts(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)),
        "last_used_at": _ts(T0_US + (650 - (rows * 104729) % 600 + mod) * DAY_US, never | ~key),
        "last_used_source": pa.array(np.where(key, "access_key_last_used_date", "not reported for kind")),
        "last_used_service": pa.array(np.where(rows % 3 == 0, "sts", "s3"), mask=never | ~key),
        "last_used_region": pa.array(np.full(n, "us-east-1"), mask=never | ~key),
    }
    return _table("credentials", cols)


def _policy_numbers(p: np.ndarray) -> np.ndarray:
    """Five distinct policies per principal, ascending so rows come out in primary-key order."""
    k = (p[:, None] * 31 + np.arange(GRANTS_PER_PRINCIPAL) * 199) % POLICIES
    return np.sort(k, axis=1).ravel()


def grants(rows: np.ndarray, mod: np.ndarray, day: dt.date) -> pa.Table:
    principals_ = np.unique(rows // GRANTS_PER_PRINCIPAL)
    assert np.array_equal(rows, _rows_of(principals_, GRANTS_PER_PRINCIPAL)), "grants come five per principal"
    p, k = rows // GRANTS_PER_PRINCIPAL, _policy_numbers(principals_)
    n = len(rows)
    level = np.where(k < 5, 0, np.where(k < 20, 1, np.where(k < 300, 2, 3)))
    level = np.where(mod.astype(bool) & (level == 3), 2, level)
    privilege = np.array(["admin", "escalation", "write", "read"])[level]
    role_name = _padded("policy-", k, 4)
    lengths = np.where(level == 0, 2, 1) + mod
    first = _join(
        role_name,
        pa.array(
            np.array([": * on *", ": iam:PassRole on *", ": s3:PutObject on *", ": s3:GetObject on *"])[level]
        ),
    )
    reasons = _reasons(first, role_name, lengths)
    cols = {
        **_provenance(n, day),
        "principal_id": _padded("AIDA", p, 17),
        "role_id": _join(f"arn:aws:iam::{TENANT}:policy/", role_name),
        "role_name": role_name,
        "scope": pa.array(np.full(n, TENANT)),
        "via": pc.if_else(pa.array(k % 3 == 0), _join("group:", _padded("AGPA", k % 50, 17)), "direct"),
        "condition": pa.array(np.full(n, None), pa.string()),
        "privilege": pa.array(privilege),
        "privilege_reasons": reasons,
    }
    return _table("grants", cols)


def _reasons(first: pa.Array, role_name: pa.Array, lengths: np.ndarray) -> pa.Array:
    """A list per grant: its first reason, then 'policy-K: extra reason j' for the rest."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    owner = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(offsets[-1]) - offsets[owner]
    extra = _join(
        role_name.take(pa.array(owner)), ": extra reason ", pc.cast(pa.array(position), pa.string())
    )
    values = pc.if_else(pa.array(position == 0), first.take(pa.array(owner)), extra)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=STRINGS)


def role_definitions(day: dt.date) -> pa.Table:
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return to_table(
        ROLE_DEFINITIONS,
        [
            {
                "provider": PROVIDER,
                "tenant_id": TENANT,
                "snapshot_date": day,
                "role_id": f"arn:aws:iam::{TENANT}:policy/policy-{k:04d}",
                "role_name": f"policy-{k:04d}",
                "role_type": "customer_managed",
                "description": None,
                "document": '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}]}',
                "version_id": "v1",
                "created_at": at,
                "updated_at": at,
            }
            for k in range(POLICIES)
        ],
    )


def collection(day: dt.date, at: dt.datetime, run_id: str) -> pa.Table:
    feeds = {
        "caller_identity": "principals,credentials,grants,role_definitions",
        "authorization_details": "principals,grants,role_definitions",
        "credential_report": "principals,credentials:access_key,credentials:signing_certificate,"
        "credentials:password",
    }
    rows = [
        {
            "provider": PROVIDER,
            "tenant_id": TENANT,
            "snapshot_date": day,
            "run_id": run_id,
            "entity": entity,
            "status": "complete",
            "feeds": feed,
            "api_calls": 1,
            "pages": 1,
            "retries": 0,
            "throttles": 0,
            "items": 0,
            "error": None,
            "caller_identity": f"arn:aws:iam::{TENANT}:role/muster-reader",
            "collector_version": "synthetic",
            "source_as_of": at if entity == "credential_report" else None,
            "collected_at": at,
        }
        for entity, feed in feeds.items()
    ]
    return to_table(COLLECTION, rows)


# -- sealing ----------------------------------------------------------------------------------------------
#: `uniform`: the original values (every key ~2 years old and unused for a year; ~5.4 findings per
#: principal). `realistic`: the same rows with ages, use and status as surveys report them (see
#: synthetic_realistic.py). The default stays `uniform` so that existing pairs and digests stay valid.
DISTRIBUTIONS = ("uniform", "realistic")


def _builders(distribution: str):
    if distribution == "realistic":
        import synthetic_realistic as real  # it imports this module's helpers

        return real.principals, real.credentials
    if distribution != "uniform":
        raise ValueError(f"unknown distribution {distribution!r}; one of {DISTRIBUTIONS}")
    return principals, credentials


def day_tables(churn: Churn, which: int, distribution: str = "uniform") -> dict[str, pa.Table]:
    """The five tables of day 1 (which=0) or day 2 (which=1)."""
    day = DAYS[which]
    idx = churn.after if which else churn.before
    at = dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)
    build_principals, build_credentials = _builders(distribution)
    out = {}
    for name, per, build in (
        ("principals", 1, build_principals),
        ("credentials", CREDS_PER_PRINCIPAL, build_credentials),
        ("grants", GRANTS_PER_PRINCIPAL, grants),
    ):
        rows = _rows_of(idx, per)
        mod = np.isin(rows, churn.modified[name]).astype(np.int64) if which else np.zeros(len(rows), np.int64)
        out[name] = build(rows, mod, day)
    out["role_definitions"] = role_definitions(day)
    out["collection"] = collection(day, at, f"synthetic__{day.isoformat()}")
    return out


def make_pair(
    root: str, scale: float = 1.0, seed: int = 0, *, churn: float = 0.01, distribution: str = "uniform"
) -> tuple[SnapshotRef, SnapshotRef]:
    """Seal (or reuse) the two synthetic snapshots under `root`; return (day 1, day 2)."""
    _builders(distribution)  # an unknown name fails before anything is written
    params = {"scale": scale, "seed": seed, "churn": churn}
    if distribution != "uniform":  # the uniform pair's manifests stay as they were (reused, same bytes)
        params["distribution"] = distribution
    store = SnapshotStore(root)
    refs = tuple(SnapshotRef(PROVIDER, TENANT, d) for d in DAYS)
    existing = store.list_snapshots(PROVIDER, TENANT)
    if existing:
        if existing == list(refs) and all(store.manifest(r).get("synthetic") == params for r in refs):
            return refs
        raise SnapshotError(f"{root} already holds other snapshots of {PROVIDER}/{TENANT}; use a fresh root")
    spec = Churn(max(1, round(1_000_000 * scale)), churn, seed)
    for which, ref in enumerate(refs):
        tables = day_tables(spec, which, distribution)
        at = dt.datetime.combine(ref.snapshot_date, dt.time(3), tzinfo=dt.UTC)
        store.write_snapshot(
            ref,
            tables,
            run_id=f"synthetic__{ref.snapshot_date}",
            collected_at=at,
            clock="simulated",
            extra={"synthetic": params},
        )
        del tables
    return refs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--distribution", choices=DISTRIBUTIONS, default="uniform")
    args = ap.parse_args()
    t0 = time.perf_counter()
    refs = make_pair(args.root, args.scale, args.seed, distribution=args.distribution)
    store = SnapshotStore(args.root)
    for ref in refs:
        rows = {t: e["rows"] for t, e in store.manifest(ref)["tables"].items()}
        print(f"{ref.provider}/{ref.tenant_id}/{ref.snapshot_date}: {rows}")
    print(f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
