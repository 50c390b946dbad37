"""report.html: one self-contained page (inline CSS and SVG, no script, a CSP that forbids any fetch).

The page states the parameters and population definitions first, so every figure below can be traced to
a file of the bundle. Everything it shows is passed in; rendering reads no clock and no store.
"""

from __future__ import annotations

from html import escape

from . import charts

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:980px;
color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:0}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}.gap{color:#c0392b;font-weight:bold}.muted{color:#666}
code{font-size:.9em}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _table(header: list[str], rows: list[list], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="n">{escape(_fmt(v))}</td>' if i in numeric else f"<td>{escape(_fmt(v))}</td>"
            for i, v in enumerate(r)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def render(ctx: dict) -> str:
    """The whole page from the bundle's context (parameters, coverage, metrics, samples)."""
    p = ctx["params"]
    sections = [
        _header(ctx),
        _parameters(ctx),
        _scope(ctx),
        _coverage(ctx),
        _counts(ctx),
        _identities(ctx),
        _findings(ctx),
        _dispositions(ctx),
        _latency(ctx),
        _populations(ctx),
    ]
    title = f"Muster evidence: {p['framework'].upper()} {p['report_type'].title()} {p['period_start']}..{p['period_end']}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


def _header(ctx: dict) -> str:
    p = ctx["params"]
    kind = (
        f"Type 1: one as-of population on {p['period_end']}"
        if p["report_type"] == "type1"
        else f"Type 2: every day from {p['period_start']} to {p['period_end']}"
    )
    gaps = ctx["gaps"]
    gap_line = (
        f'<p class="gap">{len(gaps)} tenant-day(s) without complete evidence: see Coverage.</p>'
        if gaps
        else "<p>Every in-scope tenant has complete evidence on every day of the period.</p>"
    )
    return (
        f"<h1>Identity access evidence: {escape(p['framework'].upper())}</h1>"
        f"<p>{escape(kind)}. Generated {escape(ctx['generated_at'])} (from the inputs, not a wall clock). "
        f"Bundle id <code>{escape(ctx['bundle_id'])}</code>.</p>{gap_line}"
    )


def _parameters(ctx: dict) -> str:
    rows = [[k, v] for k, v in sorted(ctx["params"].items())]
    rows += [["store root", ctx["root"]]] + [[f"version: {k}", v] for k, v in sorted(ctx["versions"].items())]
    return (
        "<h2>Parameters</h2>"
        + _table(["parameter", "value"], rows)
        + (
            "<p>The same parameters, the API calls behind each population and every file's SHA-256 are in "
            "<code>manifest.json</code>.</p>"
        )
    )


def _scope(ctx: dict) -> str:
    sel = ctx["selection"]
    rows = [[t["label"], t["name"], t["why"], ", ".join(t["objectives"])] for t in sel["tenants"]]
    crit = [[k, v] for k, v in sel["criteria"].items()]
    out = f"<h2>Scope</h2><p>{escape(sel['note'])}.</p>"
    out += _table(["tenant", "name", "why in scope", "SOC 1 objectives"], rows)
    if sel["out_of_scope"]:
        out += f'<p class="muted">Seen in the store but out of scope: {escape(", ".join(sel["out_of_scope"]))}.</p>'
    return out + "<h3>Criteria tested</h3>" + _table(["criterion", "wording"], crit)


def _coverage(ctx: dict) -> str:
    cov = ctx["coverage"]
    svg = charts.heatmap(
        "Coverage: worst table status per tenant and day", cov["rows"], cov["cols"], cov["cells"]
    )
    out = "<h2>Coverage</h2><p>Per tenant and day, the least complete of principals, credentials, grants and "
    out += "role definitions (all rows in <code>coverage.csv</code>). Grey days have no sealed snapshot: they are "
    out += "gaps in the evidence and are not filled from other days.</p>" + svg
    gaps = [[g["tenant"], g["date"], g["status"], "; ".join(g["reasons"])] for g in ctx["gaps"]]
    out += "<h3>Gaps</h3>" + (
        _table(["tenant", "date", "status", "reasons"], gaps) if gaps else "<p>None.</p>"
    )
    recon = ctx["reconciliation"]
    out += "<h3>Reconciliation with the authoritative tenant lists</h3>"
    out += f"<p>{escape(recon['summary'])}</p>"
    if recon["problems"]:
        out += _table(["date", "source", "tenant", "outcome"], recon["problems"])
    return out


def _counts(ctx: dict) -> str:
    counts = ctx["counts"]
    x = [str(c["date"]) for c in counts]
    series = {k: [c[k] for c in counts] for k in ("principals", "credentials", "grants")}
    marks = {i: _short(c) for i, c in enumerate(counts) if c["short"]}
    out = (
        "<h2>Counts over time</h2><p>Rows sealed per day, summed over the in-scope tenants whose table was "
        "observed that day (from the daily manifests). A failed or missing day adds nothing and is never "
        "counted as 0: a day on which no tenant was observed is a gap in the line, and a day whose sums miss a "
        "tenant, or include a partial table, is marked with a dashed red line (hover for the tenants; all "
        "rows in <code>coverage.csv</code>).</p>"
    )
    out += charts.line_chart("Principals, credentials and grants per day", x, series, marks)
    short = [i for i, c in enumerate(counts) if c["short"]]
    shown = [counts[i] for i in sorted({0, len(counts) - 1, *short[:MAX_SHORT_ROWS]})]
    rows = [
        [
            str(c["date"]),
            f"{c['tenants']} of {c['in_scope']}",
            c["principals"],
            c["credentials"],
            c["grants"],
            ", ".join(c["short"]) or "none",
        ]
        for c in shown
    ]
    note = f"<p>{len(short)} of {len(counts)} day(s) are short of a tenant or partial"
    note += f"; the first {MAX_SHORT_ROWS} are listed.</p>" if len(short) > MAX_SHORT_ROWS else ".</p>"
    return (
        out
        + _table(
            ["date", "tenants sealed", "principals", "credentials", "grants", "tenants not complete"],
            rows,
            {2, 3, 4},
        )
        + note
    )


#: Days short of a tenant listed under the counts chart (besides the first and last day).
MAX_SHORT_ROWS = 10


def _short(c: dict) -> str:
    return "not complete: " + ", ".join(c["short"])


def _identities(ctx: dict) -> str:
    ident = ctx["identities"]
    rows = [
        [
            f"{r['provider']}:{r['tenant_id']}",
            _as_of(r["principals_as_of"], r["principals_status"]),
            r["principals"],
            r["nhis"],
            r["humans"],
            _as_of(r["credentials_as_of"], r["credentials_status"]),
            r["credentials"],
            r["active_credentials"],
        ]
        for r in ident
    ]
    ages = ctx["ages"]
    svg = charts.stacked_bars(
        "Credential age in each tenant's as-of credentials population",
        ages["labels"],
        {"active": ages["active"], "inactive": ages["inactive"]},
        {"active": charts.PALETTE[0], "inactive": charts.PALETTE[4]},
    )
    age_rows = [[lb, a, i] for lb, a, i in zip(ages["labels"], ages["active"], ages["inactive"], strict=True)]
    return (
        "<h2>Identities and credential ages (as of each tenant's latest observed snapshot)</h2>"
        "<p>Each count comes from the tenant's latest snapshot in the bundle on which that table was observed: "
        "<em>complete</em>, or <em>partial</em> (read with a known hole: some of it could not be collected, so "
        "the count is a lower bound; see Coverage). Failed and missing days are skipped, never counted as 0. "
        "A tenant whose table no day observed has no population: its counts are shown as -, not 0. Per table "
        "in <code>population_sources.csv</code>.</p>"
        + _table(
            [
                "tenant",
                "principals from",
                "principals",
                "NHIs",
                "humans",
                "credentials from",
                "credentials",
                "active",
            ],
            rows,
            {2, 3, 4, 6, 7},
        )
        + svg
        + _table(["age", "active", "inactive"], age_rows, {1, 2})
    )


def _as_of(day, status: str) -> str:
    if day is None:
        return "no observed snapshot in the period"
    return f"{day} ({status})"


def _findings(ctx: dict) -> str:
    f = ctx["findings"]
    if not ctx["has_findings"]:
        return (
            '<h2>Findings</h2><p class="gap">No findings partitions were sealed for this period and scope: '
            "run <code>muster backfill</code> to derive them from the sealed snapshots. None are shown, "
            "none are invented.</p>"
        )
    x = [str(d["date"]) for d in f["by_day"]]
    stacks = {s: [d[s] for d in f["by_day"]] for s in charts.SEVERITY_COLOURS}
    svg = charts.stacked_bars("Failing findings per day by severity", x, stacks, charts.SEVERITY_COLOURS)
    rows = [
        [
            r["rule_id"],
            r["severity"],
            r["distinct"],
            r["fail"],
            r["unknown"],
            str(r["first"]),
            str(r["last"]),
            ", ".join(r.get("criteria", [])),
        ]
        for r in f["rules"]
    ]
    return (
        "<h2>Findings by rule and severity</h2>"
        + svg
        + _table(
            ["rule", "severity", "distinct", "fail rows", "unknown rows", "first", "last", "criteria"],
            rows,
            {2, 3, 4},
        )
        + "<p>One sheet per rule in <code>findings.xlsx</code>; all rows in <code>findings.parquet</code> and "
        "<code>findings.csv</code>. <em>unknown</em> means the evidence cannot rule the problem out (a "
        "documented blind spot or a partial collection); it is never counted as resolved.</p>"
    )


def _dispositions(ctx: dict) -> str:
    """Review evidence: per tenant, its open findings on its latest day and whether a disposition covers them."""
    review = ctx["dispositions"]
    out = (
        "<h2>Dispositions (review decisions)</h2><p>Per tenant, on its latest findings day of the bundle: the "
        "open (failing) findings, how many an active disposition covers, and how many none does (an expired "
        "or not yet approved one counts as none). A disposition never resolves or hides a finding: every "
        "finding stays in <code>findings.csv</code> with its disposition beside it. Entries in "
        "<code>dispositions.csv</code>; every day's in <code>finding_dispositions.parquet</code>.</p>"
    )
    rows = [
        [
            t["tenant"],
            str(t["date"]),
            "yes" if t["recorded"] else "none sealed",
            t["open"],
            t["dispositioned"],
            t["undispositioned"],
            t["expired_entries"],
            t["pending_entries"],
            t["stale_entries"],
        ]
        for t in review["tenants"]
    ]
    if not rows:
        return out + '<p class="muted">No findings were sealed for this period and scope.</p>'
    out += _table(
        [
            "tenant",
            "day",
            "dispositions",
            "open",
            "dispositioned",
            "undispositioned",
            "expired",
            "pending",
            "stale",
        ],
        rows,
        {3, 4, 5, 6, 7, 8},
    )
    files = [[f["sha256"], str(f["first"]), str(f["last"]), f["days"]] for f in review["files"]]
    if files:
        out += "<h3>Dispositions file versions applied</h3>" + _table(
            ["SHA-256", "first day", "last day", "tenant-days"], files, {3}
        )
    else:
        out += (
            '<p class="gap">No dispositions were sealed in this period: no review decision is recorded, so '
            "every open finding is undispositioned.</p>"
        )
    return out


def _latency(ctx: dict) -> str:
    lat = ctx["latency"]
    sla = ctx["sla_days"]
    if not lat:
        return (
            '<h2>Revocation latency</h2><p class="muted">The ledger sealed no revocation latencies for this '
            f"period and scope (SLA {sla} day(s) from the scope file).</p>"
        )
    labels = [str(r["label"] or "-") for r in lat]
    values = [r["days"] for r in lat]
    sla = min((r["sla_days"] for r in lat if r["sla_days"] is not None), default=sla)
    over = sum(
        1 for r in lat if r["days"] is not None and r["sla_days"] is not None and r["days"] > r["sla_days"]
    )
    return (
        "<h2>Revocation latency against the SLA</h2>"
        f"<p>Days from an owner's offboarding to the NHI's credentials being deactivated or deleted. SLA: {sla} "
        f"day(s); {over} of {len(values)} over it.</p>"
        + charts.bars("Revocation latency per credential", labels, values, marker=sla)
    )


def _populations(ctx: dict) -> str:
    rows = [
        [p["name"], p["definition"], p["completeness"], p["size"], p["sampled"]] for p in ctx["populations"]
    ]
    return (
        "<h2>Population definitions and samples</h2>"
        + _table(["population", "definition", "completeness", "size", "sampled"], rows, {3, 4})
        + f"<p>Samples are in <code>samples.csv</code>: seed {ctx['params']['seed']}, the {ctx['params']['sample_size']}"
        " members with the smallest SHA-256 of <code>seed:population:member_key</code> (for the per-event "
        "populations of the period, <code>offboardings</code>, <code>new_access</code> and "
        "<code>privileged_grants_added</code>, at least 10% of the population). "
        "<code>README.md</code> shows how to redo a draw. A Type 2 bundle holds every member of each "
        "<code>@period</code> population in <code>period_populations/</code>; a Type 1 bundle has only the "
        "as-of populations.</p>"
    )
