"""Render docs/RULES.md from the rule metadata and the framework mappings: `python -m muster.rules.docs`."""

from __future__ import annotations

import sys
from pathlib import Path

from .blind_spots import LAST_USE, NEVER_USED, NO_USE_IN_WINDOW
from .engine import RULES_VERSION, metadata
from .frameworks import load
from .people import MATCHING

TARGET = Path(__file__).resolve().parents[3] / "docs" / "RULES.md"


def render() -> str:
    soc2, soc1 = load("soc2"), load("soc1")
    out = [
        f"# Rules (version {RULES_VERSION})",
        "",
        "Generated from `include/muster/rules/` by `python -m muster.rules.docs`; do not edit by hand.",
        "",
        "Each rule is one module in `include/muster/rules/catalogue/` (its name is the rule id) evaluated over one "
        "sealed tenant-day with `as_of` = the snapshot's `collected_at`. A finding is `fail` (the snapshot shows "
        "the problem) or `unknown` (it cannot be ruled out: a documented blind spot, or an input the rule reads "
        "that was partial, failed or not collected, reported once per tenant with entity_type `tenant`). "
        "Thresholds come from the tenant's `thresholds` in the scope file. Key ids appear only masked "
        "(first 4 and last 3 characters).",
        "",
        "## Reading last-used data",
        "",
        f"A null `last_used_at` is read through `last_used_source`: containing `{NEVER_USED}` means the provider "
        f"reports no use; `{NO_USE_IN_WINDOW}` means none within its trailing window; anything else is unknown. "
        "Times are measured against the as-of of the collection entity named before the first `:` of "
        "`last_used_source` (e.g. `credential_report:` = the report's GeneratedTime), else the snapshot's as_of.",
        "",
        "| provider | window (days) | lag (hours) | note |",
        "|---|---|---|---|",
        *(
            f"| {p} | {u.window_days or '-'} | {u.lag_hours:g} | {u.note} |"
            for p, u in sorted(LAST_USE.items())
        ),
        "",
        "## Matching owners to people",
        "",
        "Rules and the revocation latency that follow an owner (`nhi_owner_departed`, the ledger's "
        "`revocation_latency`) read the owner from the principal's `owner` column and match it as follows.",
        "",
        MATCHING[0],
        "",
        *MATCHING[1:-1],
        "",
        MATCHING[-1],
        "",
        "## Catalogue",
        "",
        "| rule | severity | entity | SOC 2 | thresholds |",
        "|---|---|---|---|---|",
    ]
    metas = metadata()
    for m in metas:
        crit = ", ".join(soc2["mappings"].get(m.id, {}).get("criteria", []))
        out.append(
            f"| [`{m.id}`](#{m.id}) | {m.severity} | {m.entity_type} | {crit} | {', '.join(m.thresholds)} |"
        )
    out.append("")
    for m in metas:
        mapping = soc2["mappings"].get(m.id, {})
        out += [
            f"### `{m.id}`",
            "",
            f"**{m.title}** — severity {m.severity}, one finding per {m.entity_type}.",
            "",
            f"- Rationale: {m.rationale}",
            f"- Remediation: {m.remediation}",
            f"- Reads: {', '.join(m.reads)}"
            + (f"; credential kinds {', '.join(m.credential_kinds)}" if m.credential_kinds else ""),
            f"- SOC 2: {', '.join(mapping.get('criteria', []))} — {mapping.get('why', '')}",
            f"- SOC 1: the tenant's objectives — {soc1['mappings'].get(m.id, {}).get('why', 'not mapped')}",
            "- Blind spots:",
            *(f"  - {b}" for b in m.blind_spots),
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")
