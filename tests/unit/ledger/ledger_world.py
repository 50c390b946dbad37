"""A small world of sealed tenant-days for ledger tests: snapshots and findings written through the real
stores, so the ledger reads exactly what the nightly run would have sealed."""

from __future__ import annotations

import datetime as dt
import json

from muster.collected import Collected, EntityResult
from muster.schema import FINDINGS, to_table
from muster.snapshot import DerivedStore, SnapshotRef, SnapshotStore, seal_collected

A, B = "111111111111", "222222222222"
D = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(8)]
T0 = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)


def person(pid: str, name: str, enabled: bool | None = True) -> dict:
    return dict(
        principal_id=pid, name=name, kind="human_user", is_nhi=False, nhi_reason="path", enabled=enabled
    )


def nhi(pid: str, name: str, owner: str | None = None, enabled: bool | None = True) -> dict:
    return dict(
        principal_id=pid,
        name=name,
        kind="service_user",
        is_nhi=True,
        nhi_reason="path /service/",
        enabled=enabled,
        owner=owner,
        owner_source="tag:owner" if owner else None,
    )


def key(cid: str, pid: str, status: str = "active", kind: str = "access_key", used=None) -> dict:
    return dict(
        credential_id=cid,
        principal_id=pid,
        kind=kind,
        status=status,
        managed_by="user",
        created_at=T0,
        last_used_at=used,
    )


def finding(rule: str, entity: str, result: str = "fail", credential_id: str | None = None) -> dict:
    return dict(
        finding_id=f"{rule}:{entity}",
        rule_id=rule,
        severity="high",
        result=result,
        entity_type="credential" if credential_id else "principal",
        entity_id=entity,
        principal_id=None if credential_id else entity,
        credential_id=credential_id,
        sentence=f"{rule} on {entity}",
        evidence="{}",
        criteria=["SOC2:CC6.1"],
    )


class World:
    """Seal tenant-days (and their findings) under one root."""

    def __init__(self, root: str):
        self.root = root
        self.store = SnapshotStore(root)
        self.derived = DerivedStore(self.store)

    def day(
        self,
        tenant: str,
        date: dt.date,
        principals=(),
        credentials=(),
        findings=(),
        *,
        partial: tuple[str, ...] = (),
        uncollected: tuple[str, ...] = (),
        with_findings: bool = True,
        provider: str = "aws",
    ) -> SnapshotRef:
        """Seal one day of `provider`'s tenant; `partial` names tables collected partially, `uncollected`
        credential kinds not collected. Findings are sealed unless `with_findings` is false."""
        prov = dict(provider=provider, tenant_id=tenant, snapshot_date=date)
        entities = [EntityResult("caller_identity", "principals,credentials,grants,role_definitions")]
        entities += [EntityResult(f"list_{t}", t, status="partial", error=f"{t} cut short") for t in partial]
        entities += [
            EntityResult(f"list_{k}", f"credentials:{k}", status="not_collected", error="not supported")
            for k in uncollected
        ]
        collected = Collected(
            provider,
            tenant,
            date,
            principals=[{**prov, **p} for p in principals],
            credentials=[{**prov, **c} for c in credentials],
            entities=entities,
        )
        at = dt.datetime.combine(date, dt.time(3), tzinfo=dt.UTC)
        seal_collected(self.store, collected, run_id=f"test-{date}", collected_at=at)
        ref = SnapshotRef(provider, tenant, date)
        if with_findings:
            rows = [{**prov, **f, "as_of": at} for f in findings]
            self.derived.write("findings", ref, {"findings": (FINDINGS, to_table(FINDINGS, rows))}, inputs={})
        return ref

    def ledger(self, ref: SnapshotRef, table: str) -> list[dict]:
        return self.derived.read("ledger", ref, table).to_pylist()

    def tamper_schema_version(self, ref: SnapshotRef, version: str) -> None:
        path = f"{self.store.partition(ref)}/_MANIFEST.json"
        manifest = json.loads(self.store._read(path))
        manifest["versions"]["schema"] = version
        self.store._write(path, json.dumps(manifest).encode())
