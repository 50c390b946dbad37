"""One synthetic tenant's history, as a universe of rows with the day each one changes (used by synthetic_period).

Every principal, credential and grant the tenant ever has is a row of its universe table, with the day it
appears, the day it goes (removed / deleted) and the day it is disabled (deactivated, or for a grant the day
its privilege rises). A day's snapshot is the universe filtered to the rows alive that day with the state
columns set from those days, all in Arrow/numpy, so 15,000 rows x 366 days stay cheap. Per day, with P base
principals (rates scale with P; figures for 5,000):

- P/2500 identities created (2), each with one read grant and one access key, and P/2500 humans offboarded
  (disabled; half removed 14 days later, with their keys and grants): their own keys are deactivated 0, 1,
  2, 5 or 30 days after, and half the NHIs they own lose their keys 0-9 days after (the others stay open);
- P/500 new access keys (10; those of the new identities included), P/500 deactivated and P/1000 deleted;
- P/2500 privileged grants (admin or escalation) added to existing identities and one read grant raised
  to escalation;
- last use moved forward for 0.5% of identities and keys (each one every 200 days).

Names carry the tenant (user-<tenant's last 3 digits>-<n>) so that an NHI's owner is matched in its own
tenant only, as the ledger matches owners across a provider's tenants by name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

NEVER = 1 << 30
US_PER_DAY = 86_400_000_000
#: A key or identity's last use moves forward once every USE_CYCLE days (0.5% of them a day).
USE_CYCLE = 200
REMOVED_AFTER = 14
OWN_KEY_LAG = (0, 1, 2, 5, 30)
PRIVILEGED_ROLES = 5
BASE_ROLES = 50


@dataclass
class Universe:
    """Every row the tenant ever has: `tables` (the snapshot columns) and per row its days (`start`,
    `end`, `off`: appears, goes, disabled/deactivated/raised) as day offsets from the period's first day."""

    tables: dict[str, pa.Table]
    days: dict[str, dict[str, np.ndarray]]
    base_enabled: np.ndarray
    base_inactive: np.ndarray
    base_last_used: dict[str, np.ndarray]


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array(us, pa.timestamp("us", tz="UTC"))


def universe(tenant: str, n: int, days: int, t_first: dt.datetime, seed: int) -> Universe:
    """`days` days from day 0 (the tenant's first observation); `t_first` is day 0 at 03:00 UTC."""
    rng = np.random.default_rng(seed)
    first_us = int(t_first.timestamp() * 1_000_000)
    t0 = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp() * 1_000_000)
    per_day = max(1, n // 2500)
    event_days = np.arange(1, days)

    # identities: n at day 0, then `per_day` more each day
    added = per_day * (days - 1)
    total = n + added
    idx = np.arange(total)
    p_start = np.concatenate([np.zeros(n, np.int64), np.repeat(event_days, per_day)])
    human = idx % 3 == 0
    base_enabled = idx % 50 != 0
    p_off, p_end = np.full(total, NEVER), np.full(total, NEVER)
    candidates = np.flatnonzero(human[:n] & base_enabled[:n])
    offboarded = rng.permutation(candidates)[: per_day * (days - 1)]
    p_off[offboarded] = np.repeat(event_days, per_day)[: offboarded.size]
    removed = offboarded[::2]
    p_end[removed] = np.minimum(p_off[removed] + REMOVED_AFTER, NEVER)

    names = pa.array([f"user-{tenant[-3:]}-{i:07d}" for i in range(total)])
    owner_of = np.where(human, idx, idx - idx % 3)  # each NHI is owned by the human of its triple
    owner = pa.array(np.asarray(names.to_pylist(), dtype=object)[owner_of]).to_pylist()
    principals = {
        "principal_id": pa.array([f"AIDA{tenant[-6:]}{i:08d}" for i in range(total)]),
        "name": names,
        "kind": pa.array(np.where(human, "human_user", "service_user")),
        "is_nhi": pa.array(~human),
        "nhi_reason": pa.array(np.where(human, "synthetic: human", "synthetic: service user")),
        "owner": pa.array([None if h else o for h, o in zip(human, owner, strict=True)], pa.string()),
        "owner_source": pa.array(np.where(human, None, "tag:owner").tolist(), pa.string()),
        "created_at": _ts(np.where(p_start == 0, t0 + idx * 3_600_000_000, first_us + p_start * US_PER_DAY)),
    }
    p_last_used = np.where(p_start == 0, t0 + (idx % 500) * US_PER_DAY, -1)

    # credentials: two per day-0 identity, one per new identity, plus new keys for existing identities
    keys_per_day = max(1, n // 500)
    extra = max(0, keys_per_day - per_day)
    holders = np.concatenate(
        [
            np.repeat(np.arange(n), 2),
            np.arange(n, total),
            rng.choice(np.flatnonzero(base_enabled[:n]), extra * (days - 1)),
        ]
    )
    c_start = np.concatenate([np.zeros(2 * n, np.int64), p_start[n:], np.repeat(event_days, extra)])
    m = holders.size
    cidx = np.arange(m)
    base_inactive = (cidx % 4 == 0) & (c_start == 0)
    c_off = np.full(m, NEVER)
    c_end = np.minimum(p_end[holders], NEVER).astype(np.int64)
    # the tenant's own turnover of keys: P/500 deactivated and P/1000 deleted a day, among active day-0 keys
    pool = rng.permutation(np.flatnonzero(~base_inactive & (c_start == 0)))
    rotate = pool[: keys_per_day * (days - 1)]
    c_off[rotate] = np.repeat(event_days, keys_per_day)[: rotate.size]
    delete = pool[rotate.size : rotate.size + max(1, n // 1000) * (days - 1)]
    c_end[delete] = np.minimum(c_end[delete], np.repeat(event_days, max(1, n // 1000))[: delete.size])
    # offboarded humans' own keys, and half of the keys of the NHIs they own, deactivated after a lag
    gone = p_off[holders]
    own = (gone < NEVER) & human[holders]
    lag = np.asarray(OWN_KEY_LAG)[cidx % len(OWN_KEY_LAG)]
    c_off = np.where(own, np.minimum(c_off, gone + lag), c_off)
    owner_gone = p_off[owner_of[holders]]
    nhi = (owner_gone < NEVER) & ~human[holders] & (cidx % 2 == 0)
    c_off = np.where(nhi, np.minimum(c_off, owner_gone + cidx % 10), c_off)
    c_end = np.maximum(c_end, c_start + 1)
    c_created = np.where(
        c_start == 0, t0 + (cidx % 600) * US_PER_DAY, first_us + c_start * US_PER_DAY - 3_600_000_000
    )
    pid = principals["principal_id"].take(pa.array(holders))
    credentials = {
        "credential_id": pa.array([f"{tenant}/key/{i:08d}" for i in range(m)]),
        "principal_id": pid,
        "kind": pa.repeat(pa.scalar("access_key"), m),
        "external_id": pa.array([f"AKIA{tenant[-4:]}{i:012d}" for i in range(m)]),
        "managed_by": pa.repeat(pa.scalar("user"), m),
        "created_at": _ts(c_created),
    }
    c_last_used = np.where(c_start == 0, t0 + (cidx % 500) * US_PER_DAY, -1)

    # grants: one per identity (its base policy), privileged ones added, one read grant raised a day
    # without replacement: a holder gets each privileged role at most once (the grant's key)
    pool = np.flatnonzero(base_enabled[:n])
    g_holders = np.concatenate([idx, rng.choice(pool, min(pool.size, per_day * (days - 1)), replace=False)])
    g_start = np.concatenate([p_start, np.repeat(event_days, per_day)[: g_holders.size - total]])
    k = g_holders.size
    gidx = np.arange(k)
    base_role = np.char.add("policy-", (g_holders % BASE_ROLES).astype(str))
    added_role = np.char.add("policy-admin-", (gidx % PRIVILEGED_ROLES).astype(str))
    is_added = gidx >= total
    role = np.where(is_added, added_role, base_role)
    privilege = np.where(is_added, np.where(gidx % 2 == 0, "admin", "escalation"), "read")
    privilege = np.where(~is_added & (g_holders % 97 == 0), "admin", privilege)
    g_off = np.full(k, NEVER)
    raised = rng.permutation(np.flatnonzero(~is_added & (privilege == "read") & (g_start == 0)))[: days - 1]
    g_off[raised] = event_days[: raised.size]
    g_end = np.maximum(np.minimum(p_end[g_holders], NEVER), g_start + 1)
    grants = {
        "principal_id": principals["principal_id"].take(pa.array(g_holders)),
        "role_id": pa.array(role),
        "role_name": pa.array(role),
        "scope": pa.repeat(pa.scalar("*"), k),
        "via": pa.repeat(pa.scalar("direct"), k),
        "privilege": pa.array(privilege),
        "privilege_reasons": pa.array([["synthetic"]] * k, pa.list_(pa.field("element", pa.string()))),
    }
    roles = [f"policy-{i}" for i in range(BASE_ROLES)] + [
        f"policy-admin-{i}" for i in range(PRIVILEGED_ROLES)
    ]
    role_definitions = {
        "role_id": pa.array(roles),
        "role_name": pa.array(roles),
        "role_type": pa.repeat(pa.scalar("customer_managed"), len(roles)),
        "document": pa.repeat(pa.scalar('{"Statement":[]}'), len(roles)),
    }
    return Universe(
        tables={
            "principals": pa.table(principals),
            "credentials": pa.table(credentials),
            "grants": pa.table(grants),
            "role_definitions": pa.table(role_definitions),
        },
        days={
            "principals": {"start": p_start, "end": p_end, "off": p_off},
            "credentials": {"start": c_start, "end": c_end, "off": c_off},
            "grants": {"start": g_start, "end": g_end, "off": g_off},
            "role_definitions": {
                "start": np.zeros(len(roles), np.int64),
                "end": np.full(len(roles), NEVER),
                "off": np.full(len(roles), NEVER),
            },
        },
        base_enabled=base_enabled,
        base_inactive=base_inactive,
        base_last_used={"principals": p_last_used, "credentials": c_last_used},
    )


def _last_used(base: np.ndarray, start: np.ndarray, day: int, first_us: int) -> pa.Array:
    """Last use on `day`: the latest day <= `day` on which the row's turn came (every USE_CYCLE days) since it
    appeared, at 02:00 that day; before the first turn its day-0 value (null for a row that appeared later)."""
    i = np.arange(base.size)
    turn = day - (day - i) % USE_CYCLE
    used = turn >= np.maximum(start, 1)
    us = np.where(used, first_us + turn * US_PER_DAY - 3_600_000_000, base)
    return pa.array(us, pa.timestamp("us", tz="UTC"), mask=us < 0)


def day_rows(u: Universe, day: int, first_us: int) -> dict[str, pa.Table]:
    """The rows of each table alive on `day`, with their state that day (no provenance columns)."""
    out = {}
    for name, tbl in u.tables.items():
        d = u.days[name]
        alive = (d["start"] <= day) & (day < d["end"])
        off = d["off"] <= day
        if name == "principals":
            tbl = tbl.append_column("enabled", pa.array(u.base_enabled & ~off))
        elif name == "credentials":
            status = np.where(u.base_inactive | off, "inactive", "active")
            tbl = tbl.append_column("status", pa.array(status))
        elif name == "grants":
            raised = pa.array(
                np.where(off, "escalation", np.asarray(tbl["privilege"].to_numpy(zero_copy_only=False)))
            )
            tbl = tbl.set_column(tbl.column_names.index("privilege"), "privilege", raised)
        if name in u.base_last_used:
            tbl = tbl.append_column(
                "last_used_at", _last_used(u.base_last_used[name], d["start"], day, first_us)
            )
        out[name] = tbl.filter(pa.array(alive))
    return out


#: What each universe day means per table: (appears, disabled/deactivated/raised, goes).
EVENTS = {
    "principals": ("identities created", "identities disabled", "identities removed"),
    "credentials": ("keys issued", "keys deactivated", "keys deleted"),
    "grants": ("grants added", "grants raised to escalation", "grants removed"),
}


def events(u: Universe, first: int, last: int) -> dict[str, int]:
    """How many of each event the universe holds on its days `first`..`last` (the period's)."""
    out = {}
    for table, names in EVENTS.items():
        d = u.days[table]
        for name, days in zip(names, (d["start"], d["off"], d["end"]), strict=True):
            out[name] = int(((days >= first) & (days <= last)).sum())
    added = u.tables["grants"]["privilege"].to_numpy(zero_copy_only=False) != "read"
    start = u.days["grants"]["start"]
    out["privileged grants added"] = int(((start >= first) & (start <= last) & added).sum())
    return out
