"""What a bundle's manifest.json records besides the file hashes, and the bundle id.

The id (a hash of the parameters, the snapshot chain and the derived inputs), the software versions, the
selected scope, how each file was derived, the API effort spent collecting the copied snapshots and a
coverage summary. Kept apart from the build steps (`bundle.py`) so that the manifest's content can be read
in one place, beside `integrity.py`, which writes and checks the hashes the manifest lists.
"""

from __future__ import annotations

import hashlib
import platform

import pyarrow as pa

from .. import __version__
from ..schema import SCHEMA_VERSION
from ..snapshot import SnapshotRef
from . import coverage as cov_mod
from . import integrity as ig
from .params import BundleParams
from .scoping import Selection


def _bundle_id(params: BundleParams, chains: dict, derived_inputs: list[dict]) -> str:
    material = ig.canonical(
        {
            "params": params.recorded(),
            "chain": {t: [e["sha256"] for e in es] for t, es in sorted(chains.items())},
            "derived": [d["manifest_sha256"] for d in derived_inputs],
        }
    )
    return hashlib.sha256(material).hexdigest()[:16]


def _versions(signed: bool) -> dict:
    import xlsxwriter

    out = {
        "muster": __version__,
        "schema": SCHEMA_VERSION,
        "pyarrow": pa.__version__,
        "xlsxwriter": xlsxwriter.__version__,
        "python": platform.python_version(),
    }
    if signed:
        import cryptography

        out["cryptography"] = cryptography.__version__
    return out


def _selection_dict(sel: Selection) -> dict:
    return {
        "note": sel.note,
        "tenants": [
            {"label": t.label, "name": t.name, "why": t.why, "objectives": list(t.objectives)}
            for t in sel.tenants
        ],
        "criteria": sel.criteria,
        "out_of_scope": list(sel.out_of_scope),
    }


def _effort(rows: list[tuple[SnapshotRef, dict]]) -> list[dict]:
    """API effort per tenant x entity over the bundle's days, from the copied collection tables."""
    acc: dict[tuple, dict] = {}
    for ref, r in rows:
        key = (ref.provider, ref.tenant_id, r["entity"])
        a = acc.get(key)
        if a is None:
            a = acc[key] = {
                "provider": key[0],
                "tenant_id": key[1],
                "entity": key[2],
                "days": 0,
                "statuses": {},
                "callers": set(),
                "source_as_of_min": None,
                "source_as_of_max": None,
            }
            a.update({k: 0 for k in _SUMMED})
        a["days"] += 1
        for k in _SUMMED:
            a[k] += r[k]
        a["statuses"][r["status"]] = a["statuses"].get(r["status"], 0) + 1
        if r["caller_identity"]:
            a["callers"].add(r["caller_identity"])
        if r["source_as_of"] is not None:
            t = r["source_as_of"].isoformat()
            a["source_as_of_min"] = min(a["source_as_of_min"] or t, t)
            a["source_as_of_max"] = max(a["source_as_of_max"] or t, t)
    return [
        {**a, "statuses": dict(sorted(a["statuses"].items())), "callers": sorted(a["callers"])}
        for _, a in sorted(acc.items())
    ]


_SUMMED = ("api_calls", "pages", "retries", "throttles", "items")


DERIVATIONS = {
    "populations/": "Byte copies of the sealed snapshots (SnapshotStore) of the in-scope tenants on the bundle's "
    "days, each checked against its sealed _MANIFEST.json before copying.",
    "coverage.csv": "For each in-scope tenant and day: the status of each table in that day's _MANIFEST.json; "
    "'missing' where no snapshot was sealed; derived kinds from their sealed partitions.",
    "reconciliation.csv": "Every tenant listed by discovery/provider=P/source=S/date=D/*.json in the period, "
    "joined with the sealed snapshots of that day.",
    "findings.parquet": "Concatenation of the sealed findings partitions of the in-scope tenants on the bundle's days.",
    "findings.csv": "findings.parquet grouped by (provider, tenant_id, finding_id): first/last snapshot_date, "
    "days observed, latest row.",
    "queries.csv": "providers.queries.CATALOGUE: for each provider in the bundle, every collection entity of "
    "its collector (the entity column of the manifests' collection tables), the tables it feeds and the "
    "requests that read it.",
    "population_sources.csv": "Per in-scope tenant and inventory table: the latest day of the bundle on which "
    "coverage.csv shows the table complete or partial (the as-of population), its status and rows; "
    "not_observed where no day did (no population, not zero).",
    "samples.csv": "Per population the sample_size members with the smallest sha256('seed:population:member_key') "
    "(per-event populations of the period: at least 10% of the population); the as-of populations are read "
    "from the days population_sources.csv names.",
    "period_populations/": "Type 2 only: offboardings, new_access, privileged_grants_added, credentials and "
    "principals of the period, one row per member with its member_key, read from each in-scope tenant's latest "
    "ledger of the period (principal_lifecycle, credential_lifecycle, revocation_latency) and the changes "
    "tables of the period's days; each population's definition and the days not observed are in report.html.",
    "finding_dispositions.parquet": "Concatenation of the sealed dispositions partitions (the dispositions file "
    "evaluated against each day's sealed findings; its SHA-256 in derived_inputs) of the in-scope tenants on the "
    "bundle's days.",
    "dispositions.csv": "finding_dispositions.parquet on each tenant's latest findings day of the bundle.",
    "report.html": "Counts from daily manifests (observed tables only, days short of a tenant marked); ages and "
    "identity counts from each tenant's as-of population (population_sources.csv); findings and latency from "
    "the derived tables.",
}


def _manifest(ctx: dict, cov, chains: dict, derived_inputs: list, hashes: dict, effort: list) -> dict:
    return {
        "muster_bundle": 1,
        "bundle_id": ctx["bundle_id"],
        "generated_at": ctx["generated_at"],
        "params": ctx["params"],
        "root": ctx["root"],
        "versions": ctx["versions"],
        "scope": ctx["selection"],
        "derivations": DERIVATIONS,
        "collection_effort": effort,
        "coverage_summary": _coverage_summary(cov),
        "gaps": ctx["gaps"],
        "dispositions": {k: ctx["dispositions"][k] for k in ("files", "tenants")},
        "chain": chains,
        "derived_inputs": derived_inputs,
        "files": {k: v for k, v in sorted(hashes.items())},
    }


def _coverage_summary(cov: cov_mod.Coverage) -> dict:
    out: dict[str, dict[str, int]] = {}
    for r in cov.rows:
        t = out.setdefault(r["table"], {})
        t[r["status"]] = t.get(r["status"], 0) + 1
    return out
