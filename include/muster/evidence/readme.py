"""The README for the auditor that goes into every bundle; docs/AUDITOR.md is the same text, generic.

python -m muster.evidence.readme > docs/AUDITOR.md     (a test keeps the two in step)
"""

from __future__ import annotations

import sys

TEMPLATE = """\
# Identity access evidence: read me first

{intro}

## What is in this bundle
| file | what it holds |
|---|---|
| `report.html` | The report: parameters, scope, coverage heat map and gaps, counts over time, credential ages, findings by rule and severity, dispositions (open, dispositioned, undispositioned findings per tenant; the dispositions file versions applied), revocation latency against the SLA, population definitions. Opens offline. |
| `populations/provider=P/tenant=T/date=D/` | The sealed snapshots themselves, copied byte for byte: `principals`, `credentials`, `grants`, `role_definitions`, `collection` (Parquet) and the day's `_MANIFEST.json`. Type 1: the as-of day only; Type 2: every day of the period that has one. A day re-sealed with force also holds what each re-seal replaced, in `_replaced-<n>/` (its files and `_MANIFEST.replaced.json`), named with the reason in the day's manifest (`resealed`). |
| `coverage.csv` / `coverage.parquet` | One row per day x tenant x table: `complete`, `partial`, `failed` or `missing`, with the reason. A day that is not complete is a gap; it is never filled from another day. |
| `population_sources.csv` | Per tenant and table, the day each as-of population (identity counts, credential ages, `*@as_of` samples) is read from: the latest day that table was observed, `complete` or `partial` (a population with a known hole), with its rows. Failed or missing days are skipped and named; `not_observed` means no day of the bundle observed it: no population, not an empty one. |
| `reconciliation.csv` | Every tenant the authoritative lists (AWS Organizations accounts, GCP projects, Azure subscriptions) named on each day, whether it is in scope and whether it was sealed. `MISSING` rows are tenants that existed but were not collected. An Azure subscription is not a tenant of its own (the Entra tenant, `source`, is): its row says whether the role assignments of that subscription (the collection entity `role_assignments/<subscription id>`) are in the Entra tenant's sealed snapshot of the day, so a subscription ARM listed but the scope file does not name, or whose role assignments failed, is `MISSING` with the reason. |
| `queries.csv` | For every collection entity of the bundle's providers (the `entity` of each snapshot's `collection` table and of `manifest.json` -> effort): the tables it feeds and the API requests that read it, with their parameters, so that each population can be re-performed against the source. |
| `findings.parquet` | Every finding row sealed for the in-scope tenants over the bundle's days (`fail`, or `unknown` where the evidence cannot rule the problem out). |
| `findings.csv` / `findings.xlsx` | One row per finding over the period: first and last day seen, days observed, its latest sentence and evidence, and the disposition that applied on its last day seen (`disposition`, `disposition_status`, `approved_by`, `approved_on`, `expires_on`, `ticket`; empty where none did). The workbook has a Summary sheet, a Dispositions sheet (as `dispositions.csv`) and one sheet per rule. |
| `finding_dispositions.parquet` / `dispositions.csv` | Review decisions (accepted risk, false positive, compensating control, remediation planned) from the organisation's dispositions file, as sealed each day beside that day's findings: one row per finding an entry applied to, with its justification, approver, approval and expiry dates, ticket and the SHA-256 of the file version; `active` only from approval through expiry (`expired`, or `pending` when approved after the day, leave the finding undispositioned); `stale` entries matched no finding. The CSV holds each tenant's latest day; the Parquet every day. A disposition never resolves or removes a finding. |
| `changes.parquet`, ledger tables (e.g. `credential_lifecycle.parquet`) | Derived tables, present when they were sealed for the period (see `manifest.json` -> `derived_inputs`). |
| `period_populations/*.csv` | Type 2 only: every member of each population of the period (see below), one row each with its `member_key`: `offboardings`, `new_access`, `privileged_grants_added`, `credentials`, `principals`. |
| `samples.csv` | Seeded, reproducible samples of each population (see below). |
| `manifest.json` | Parameters, versions, the collection effort (API calls, pages, errors, source as-of times) per tenant and entity, the derivation of each output, every file's SHA-256 and the chain of daily manifests. |
| `SHA256SUMS` | SHA-256 of every file except itself and the signature. |
| `SHA256SUMS.sig`, `signing_key.pub` | Optional Ed25519 signature over `SHA256SUMS`, and the public key that made it. |

## How to check it
1. `sha256sum -c SHA256SUMS` must print OK for every file, and no file may exist that it does not list.
2. `muster verify .` checks the same, and also that every copied snapshot file matches its sealed daily
   manifest, that the daily manifests chain day to day (each names the SHA-256 of the tenant's previous one, so
   a removed or edited day breaks the chain; a day sealed before a recorded re-seal of the day before it links to
   the replaced manifest, which must be in `_replaced-<n>/` and match, with its files), and the signature. It
   exits 0 only when everything holds and otherwise names each file, link or signature that failed.
3. Signature: compare the fingerprint `muster verify` prints with the one you received separately, or pass
   that key: `muster verify . --public-key KEY.pem --require-signature`. Without the separate key the signature
   only shows that the bundle is unchanged since someone with the embedded key signed it (integrity, not
   origin: whoever edits the bundle can replace the key and the signature together), so `--require-signature`
   refuses to run without `--public-key`.

## Completeness and accuracy of the populations
- Each population is a sealed snapshot of the provider's own APIs; `collection.parquet` in each day's folder
  lists every API population read, its status, API calls, pages, retries, throttles, errors and the source's
  own as-of time (e.g. the AWS credential report's generation time, which can lag by up to four hours).
- Counts reconcile: the rows of each file equal the `rows` of its daily manifest; the tenants reconcile against
  the authoritative lists in `reconciliation.csv`.
- Nothing unobserved is counted: a failed collection is sealed with no rows, and such a day is never read as
  a population of zero. Each as-of population comes from the day `population_sources.csv` names, and a
  `partial` one is incomplete by the parts its note names (treat its counts as lower bounds).
- Blind spots are stated as `unknown`, never as "unused" or "removed": AWS last-used data covers 400 days and
  lags about four hours; GCP activity misses API-key and domain-wide-delegation use; Entra sign-in activity for
  service principals is a beta API.

## Populations of the period (Type 2)
Besides the as-of populations (`*@as_of`, each tenant's latest observed snapshot), a Type 2 bundle holds the
populations auditors sample over the period, each in full in `period_populations/<name>.csv` and defined, with
its count and completeness, in the report's Population definitions:
- `offboardings@period`: identities first seen disabled, or removed, in the period, each with the timing of its
  removal (offboarded on, the previous observed day, when its own credentials and the credentials of NHIs it
  owns were revoked, days against the revocation SLA);
- `new_access@period`: credentials issued (created) and identities created in the period;
- `privileged_grants_added@period`: grants conferring admin or escalation privilege added in the period, or
  raised to that, with the day seen and the baseline compared with;
- `credentials@period`, `principals@period`: every credential and identity that existed in the period,
  including those deleted or removed before its end.
They are read from each tenant's latest ledger of the period and the sealed changes tables, so they hold only
observed facts. Dates are the days a snapshot showed the event: it happened after the previous observed day
and by that day. Each day of the period on which a tenant was not observed completely is named in the
population's completeness note (an event on it is dated to the next observed day); a tenant with no ledger in
the period is named too (no events, not zero). Something created and removed between two observed days is in
no population. Per-event populations are sampled at `sample_size` or 10% of the population, whichever is
larger (never more than the population).

A Type 1 bundle tests design at one point in time: it holds the as-of populations only, because a single day
holds no events of a period.

## Samples
Each member of a population has a `member_key` (canonical JSON of its identifying columns). Its sample key is
`sha256("<seed>:<population>:<member_key>")`; the sample is the {sample_size} members with the smallest keys.
Redo one row: `printf '%s' '<seed>:<population>:<member_key>' | sha256sum` gives its `sample_key`. The seed
is {seed}. The same seed and the same bundle always give the same sample.

## Parameters of this bundle
{parameters}
"""

GENERIC = {
    "intro": "This text is copied into every bundle with that bundle's parameters filled in.",
    "sample_size": "`sample_size`",
    "seed": "recorded in `manifest.json` (`params.seed`)",
    "parameters": "See `manifest.json` -> `params` and the Parameters section of `report.html`.",
}


def render(params: dict, note: str, criteria: dict[str, str]) -> str:
    """The README for one bundle."""
    kind = (
        "Type 1 (design, one as-of population)"
        if params["report_type"] == "type1"
        else ("Type 2 (operating effectiveness over the whole period)")
    )
    intro = (
        f"{params['framework'].upper()} {kind}, period {params['period_start']} to {params['period_end']}. "
        f"Scope: {note}. Criteria: {', '.join(criteria)}."
    )
    rows = "\n".join(f"- `{k}`: {v}" for k, v in sorted(params.items()))
    return TEMPLATE.format(
        intro=intro, sample_size=params["sample_size"], seed=params["seed"], parameters=rows
    )


def generic() -> str:
    return TEMPLATE.format(**GENERIC)


if __name__ == "__main__":
    sys.stdout.write(generic())
