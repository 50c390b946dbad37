"""`muster`: collect, import and inspect identity snapshots without Airflow.

Exit status: 0 on success; 2 on bad input (one line on stderr; an invalid scope or dispositions file
included); 3 when a snapshot was sealed but its collection was partial or failed (the snapshot says what is
missing); 1 when `check`, `verify` or `dispositions check --strict` found problems.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import uuid

from . import __version__

EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3
#: `muster dispositions check --strict`: the file is valid but entries are expired, pending or stale, or open
#: findings have no disposition.
EXIT_REVIEW_NEEDED = 1


class UsageError(ValueError):
    """Bad input from the command line."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _tenant(args, provider: str):
    from .config import Tenant, load_scope

    if args.scope:
        scope = load_scope(args.scope)
        return scope, scope.tenant(provider, args.tenant)
    from .config import Scope

    return Scope(), Tenant(provider=provider, id=args.tenant)


#: The audit scope tags a bundle can select tenants by (the muster_audit_period DAG's `scope_tags` enum).
SCOPE_TAGS = ("soc1", "soc2")


def _scope_tags(text: str) -> list[str]:
    tags = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in tags if t not in SCOPE_TAGS]
    if bad or not tags:
        raise argparse.ArgumentTypeError(
            f"not a scope tag: {text!r} (one or more of {', '.join(SCOPE_TAGS)})"
        )
    return tags


def _run_id(kind: str, at: dt.datetime) -> str:
    return f"cli_{kind}__{at:%Y-%m-%dT%H:%M:%S}Z_{uuid.uuid4().hex[:8]}"


def _report_manifest(manifest: dict) -> int:
    tables = manifest["tables"]
    counts = ", ".join(
        f"{t}={tables[t]['rows']}" for t in ("principals", "credentials", "grants", "role_definitions")
    )
    print(
        f"sealed {manifest['provider']}/{manifest['tenant_id']}/{manifest['snapshot_date']} "
        f"status={manifest['status']} {counts}"
    )
    if manifest["status"] != "complete":
        problems = [
            f"{t}: {e['status']}" for t, e in tables.items() if e.get("status", "complete") != "complete"
        ]
        print(f"muster: collection incomplete ({'; '.join(problems)})", file=sys.stderr)
        return EXIT_INCOMPLETE
    return 0


def cmd_collect(args) -> int:
    from .clock import clock_kind, now
    from .nightly import collector_for
    from .snapshot import SnapshotStore, seal_collected

    scope, tenant = _tenant(args, args.provider)
    started = now(scope)
    date = args.date or started.date()
    if date != started.date():
        raise UsageError(
            f"--date {date} is not today ({started.date()} UTC): a snapshot is labelled with the day it was "
            "observed, and the past cannot be observed; use `muster import` for exports taken earlier"
        )
    collected = collector_for(tenant.provider)(tenant, date)
    manifest = seal_collected(
        SnapshotStore(args.root),
        collected,
        run_id=_run_id("collect", started),
        collected_at=started,
        clock=clock_kind(scope),
        force=args.force,
        reason=args.reason,
    )
    return _report_manifest(manifest)


def cmd_import(args) -> int:
    import hashlib
    from pathlib import Path

    from .providers.aws.importer import import_exports, load_authorization_details, load_credential_report
    from .snapshot import SnapshotStore, seal_collected

    _, tenant = _tenant(args, "aws")
    gaad = load_authorization_details(args.authorization_details)
    report, generated = (None, None)
    if args.credential_report:
        report, generated = load_credential_report(args.credential_report)
    collected = import_exports(gaad, report, tenant, args.date, report_generated=generated)
    files = [f for f in (args.authorization_details, args.credential_report) if f]
    source = {
        "source": "import",
        "imported_files": {Path(f).name: hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files},
    }
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest = seal_collected(
        SnapshotStore(args.root),
        collected,
        run_id=_run_id("import", at),
        collected_at=at,
        force=args.force,
        reason=args.reason,
        extra=source,
    )
    return _report_manifest(manifest)


def cmd_snapshots(args) -> int:
    from .snapshot import SnapshotStore

    store = SnapshotStore(args.root)
    rows = []
    for ref in store.list_snapshots(args.provider, args.tenant):
        m = store.manifest(ref)
        t = m["tables"]
        rows.append(
            [
                ref.provider,
                ref.tenant_id,
                ref.snapshot_date.isoformat(),
                m["status"],
                m.get("clock", "real"),
                *(str(t[n]["rows"]) for n in ("principals", "credentials", "grants", "role_definitions")),
            ]
        )
    _print_table(
        ["provider", "tenant", "date", "status", "clock", "principals", "credentials", "grants", "roles"],
        rows,
    )
    return 0


def cmd_show(args) -> int:
    import pyarrow.compute as pc

    from .schema import SNAPSHOT_TABLES
    from .snapshot import SnapshotStore

    if args.table not in SNAPSHOT_TABLES:
        raise UsageError(f"unknown table {args.table!r}; one of {', '.join(SNAPSHOT_TABLES)}")
    store = SnapshotStore(args.root)
    refs = [r for r in store.list_snapshots(args.provider, args.tenant) if r.snapshot_date == args.date]
    if not refs:
        raise UsageError(
            f"no sealed snapshot on {args.date} under {args.root}"
            + (f" for tenant {args.tenant}" if args.tenant else "")
        )
    import pyarrow as pa

    tbl = pa.concat_tables([store.read_table(r, args.table) for r in refs])
    if args.where:
        col, _, value = args.where.partition("=")
        if col not in tbl.column_names:
            raise UsageError(f"--where: table {args.table} has no column {col!r}")
        tbl = tbl.filter(pc.equal(pc.cast(tbl.column(col), "string"), value))
    if args.limit:
        tbl = tbl.slice(0, args.limit)
    _print_rows(
        tbl,
        args.format,
        (
            args.columns.split(",")
            if args.columns
            else [c for c in tbl.column_names if c not in ("provider", "snapshot_date")]
        ),
    )
    return 0


def cmd_check(args) -> int:
    from .snapshot import SnapshotStore

    store = SnapshotStore(args.root)
    problems = []
    refs = store.list_snapshots(args.provider, args.tenant)
    for ref in refs:
        problems += store.verify(ref)
    for p in problems:
        print(p)
    print(f"{len(refs)} sealed snapshot(s) checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_bundle(args) -> int:
    from .config import load_scope
    from .evidence import build_bundle
    from .evidence.params import parse_params

    if args.scope_tags and not args.scope:
        raise UsageError("--scope-tags needs --scope: the tags select tenants from the scope file")
    params = parse_params(
        {
            "period_start": args.date_from,
            "period_end": args.date_to,
            "framework": args.framework,
            "report_type": args.type,
            "tenants": tuple(args.tenant or ()),
            "scope_tags": tuple(args.scope_tags or ()),
            "sample_size": args.sample_size,
            "seed": args.seed,
            "generated_at": args.generated_at,
        }
    )
    key = _signing_key(args)
    scope = load_scope(args.scope) if args.scope else None
    result = build_bundle(args.root, args.out, params, scope=scope, signing_key=key)
    print(
        f"bundle {result.bundle_id}: {result.files} files, {result.gaps} gap day(s), signed={result.signed}"
    )
    print(f"  bundle: {result.path}")
    print(f"  report: {result.report}")
    return 0


def _signing_key(args):
    from .evidence import integrity

    if args.sign_key:
        return integrity.key_from_file(args.sign_key)
    if args.sign_conn:
        return integrity.key_from_connection(args.sign_conn)
    return None


def cmd_verify(args) -> int:
    from pathlib import Path

    from .evidence import verify_bundle
    from .evidence.verify import NO_TRUSTED_KEY

    if args.require_signature and not args.public_key:
        raise UsageError(NO_TRUSTED_KEY)
    trusted = Path(args.public_key).read_bytes() if args.public_key else None
    result = verify_bundle(args.bundle, public_key=trusted, require_signature=args.require_signature)
    for note in result.notes:
        print(f"note: {note}")
    for problem in result.problems:
        print(f"FAILED: {problem}")
    print(f"{args.bundle}: {'OK' if result.ok else f'{len(result.problems)} problem(s)'}")
    return 0 if result.ok else 1


def cmd_backfill(args) -> int:
    """Re-derive changes, people index, findings and ledger from sealed snapshots, day by day; never
    collects."""
    from .config import load_scope
    from .derive import derive_day, sealed_on

    if args.date_to < args.date_from:
        raise UsageError(f"--to {args.date_to} is before --from {args.date_from}")
    scope = load_scope(args.scope) if args.scope else None
    dispositions = _dispositions(args)
    day, derived, gaps = args.date_from, 0, []
    while day <= args.date_to:
        refs = sealed_on(args.root, day, args.tenant)
        if not refs:
            gaps.append(day)
            print(f"{day}  gap: no sealed snapshot (nothing derived, nothing invented)")
        for ref in refs:
            summary = derive_day(args.root, ref, scope, dispositions)
            derived += 1
            print(
                f"{day}  {ref.provider}:{ref.tenant_id}  changes={summary['changes']['status']} "
                f"findings={summary['findings']['status']} ledger={summary['ledger']['status']}"
            )
        day += dt.timedelta(days=1)
    print(f"{derived} tenant-day(s) re-derived, {len(gaps)} gap day(s)")
    return 0


def cmd_findings(args) -> int:
    """Print the findings of one date (deriving and sealing any not derived yet)."""
    from .config import load_scope
    from .dispositions import annotate, load_dispositions
    from .rules.report import findings_on

    scope = load_scope(args.scope) if args.scope else None
    tbl = findings_on(args.root, args.date, provider=args.provider, tenant=args.tenant, scope=scope)
    if args.result:
        import pyarrow.compute as pc

        tbl = tbl.filter(pc.equal(tbl.column("result"), args.result))
    loaded = load_dispositions(args.dispositions) if args.dispositions else None
    tbl = annotate(args.root, tbl, loaded)
    _print_rows(
        tbl,
        args.format,
        [
            "tenant_id",
            "rule_id",
            "severity",
            "result",
            "disposition",
            "disposition_status",
            "expires_on",
            "sentence",
        ],
    )
    return 0


def _dispositions(args):
    """The dispositions file to seal beside re-derived findings: --dispositions, $MUSTER_DISPOSITIONS_FILE or
    dispositions.yaml beside --scope; read once (None when none is configured)."""
    from .dispositions import load_dispositions, resolve_path

    path = resolve_path(args.dispositions, args.scope)
    return load_dispositions(path) if path else None


def cmd_dispositions_check(args) -> int:
    """Validate a dispositions file and compare it with the sealed findings of one date (read only)."""
    from .dispositions import check, load_dispositions
    from .snapshot import SnapshotStore

    loaded = load_dispositions(args.file)  # invalid: DispositionsError, exit 2 with the entry and field
    date = args.date
    if date is None:
        days = [r.snapshot_date for r in SnapshotStore(args.root).list_snapshots(tenant_id=args.tenant)]
        if not days:
            raise UsageError(f"no sealed snapshot under {args.root}: give --date")
        date = max(days)
    report = check(args.root, loaded, date, args.tenant)
    print(f"{loaded.path}: valid, {report['entries']} entr(ies), sha256 {loaded.sha256}")
    print(f"checked against the sealed findings of {date}")
    for status, what in (("expired", "expired on"), ("pending", "approved only on")):
        for n, tenant, selector, expires, approved in report[status]:
            print(
                f"  {status:<8} entry {n} {tenant} {selector} ({what} {expires if status == 'expired' else approved})"
            )
    for n, tenant, selector, _, _ in report["stale"]:
        print(f"  stale    entry {n} {tenant} {selector} (matches no finding)")
    for tenant in report["not_derived"]:
        print(
            f"  note: {tenant} has no sealed findings on {date} (run muster derive); its entries were not checked"
        )
    t = report["totals"]
    print(
        f"open findings: {t['open']}, dispositioned {t['dispositioned']}, undispositioned {t['undispositioned']}"
    )
    for tenant, finding_id, severity, sentence in report["undispositioned"]:
        print(f"  undispositioned {tenant} {severity:<8} {finding_id}: {sentence}")
    problems = len(report["expired"]) + len(report["pending"]) + len(report["stale"]) + t["undispositioned"]
    return EXIT_REVIEW_NEEDED if args.strict and problems else 0


def cmd_derive(args) -> int:
    """Derive (diff -> people index -> rules -> ledger) every sealed tenant of one date; never collects."""
    from .derive import DeriveError, derive_date

    try:
        derived = derive_date(args.root, args.date, args.scope, args.tenant, _dispositions(args))
    except DeriveError as e:
        _print_derived(e.derived)  # what was derived, before the error names what was not
        raise
    _print_derived(derived)
    return 0


def _print_derived(summaries: list[dict]) -> None:
    for summary in summaries:
        rows = summary["ledger"]["rows"]
        print(
            f"{summary['snapshot_date']}  {summary['provider']}:{summary['tenant_id']}  "
            f"changes={summary['changes']['rows'].get('changes', 0)} "
            f"findings={summary['findings']['rows'].get('findings', 0)} "
            f"revocations={rows.get('revocation_latency', 0)}  ledger={summary['ledger']['status']}"
        )


#: Columns `muster ledger` prints per table in the table format.
_LEDGER_COLUMNS = {
    "findings": [
        "tenant_id",
        "rule_id",
        "entity_id",
        "first_seen",
        "last_seen",
        "resolved_on",
        "days_open",
        "state",
    ],
    "credentials": [
        "tenant_id",
        "principal_name",
        "kind",
        "created_at",
        "first_seen",
        "last_seen",
        "last_used_at",
        "deactivated_on",
        "deleted_on",
        "status",
    ],
    "principals": [
        "tenant_id",
        "name",
        "kind",
        "first_seen",
        "last_seen",
        "disabled_on",
        "removed_on",
        "status",
    ],
    "revocations": [
        "tenant_id",
        "principal_name",
        "owner",
        "offboarded_on",
        "revoked_on",
        "days",
        "state",
        "sentence",
    ],
}


def cmd_ledger(args) -> int:
    """Print one ledger table: per tenant its latest sealed ledger, or the one of --date."""
    from .ledger.report import read_ledger

    tbl = read_ledger(args.root, args.table, args.date, args.provider, args.tenant)
    _print_rows(tbl, args.format, _LEDGER_COLUMNS[args.table])
    return 0


def cmd_diff(args) -> int:
    """Print the changes of one date (deriving and sealing any not derived yet, or derived from other inputs)."""
    from .diff import changes_on

    tbl = changes_on(args.root, args.date, args.provider, args.tenant)
    _print_rows(
        tbl,
        args.format,
        ["tenant_id", "table_name", "change", "entity_key", "changed_columns", "before", "after"],
    )
    return 0


def _print_rows(tbl, fmt: str, cols: list[str]) -> None:
    """One table to stdout: JSON lines, CSV (lists joined with ';'), or aligned columns `cols`."""
    rows = tbl.to_pylist()
    if fmt == "json":
        for r in rows:
            print(json.dumps(r, default=str, sort_keys=True))
    elif fmt == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(tbl.column_names)
        for r in rows:
            w.writerow(
                [
                    "" if r[c] is None else ";".join(r[c]) if isinstance(r[c], list) else r[c]
                    for c in tbl.column_names
                ]
            )
    else:
        _print_table(cols, [[_cell(r[c]) for c in cols] for r in rows])


def _cell(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, list | dict):
        return json.dumps(v, default=str, sort_keys=True)
    return str(v)


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


RE_DERIVE_SCOPE_HELP = (
    "scope file (thresholds, SOC 1 objectives, owners); without it a day derived before keeps the settings "
    "its sealed findings and ledger recorded (refused if they recorded none), a day never derived gets defaults"
)


DISPOSITIONS_HELP = (
    "dispositions file sealed beside the findings (default: $MUSTER_DISPOSITIONS_FILE, else dispositions.yaml "
    "beside --scope); without one, dispositions are not derived"
)


def _re_derive_options(p: argparse.ArgumentParser) -> None:
    """What `derive` and `backfill` share: the settings and decisions a re-derivation applies."""
    p.add_argument("--scope", help=RE_DERIVE_SCOPE_HELP)
    p.add_argument("--tenant", help="only this tenant id")
    p.add_argument("--dispositions", help=DISPOSITIONS_HELP)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="muster", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"muster {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("collect", help="collect one tenant now and seal today's snapshot")
    c.add_argument("provider", choices=["aws", "gcp", "azure"])
    c.add_argument("--tenant", required=True, help="AWS account id, GCP project (or org-N), Entra tenant id")
    c.add_argument("--root", required=True, help="store root: a path or s3:// URL")
    c.add_argument("--date", type=_date, help="must be today (UTC); the default")
    c.add_argument("--scope", help="scope file with the tenant's settings (role, owners, thresholds)")
    c.add_argument("--force", action="store_true", help="re-seal an already sealed snapshot (recorded)")
    c.add_argument("--reason", help="why a forced re-seal was needed; kept in the manifest")
    c.set_defaults(func=cmd_collect)

    i = sub.add_parser("import", help="seal a snapshot from AWS CLI exports (offline)")
    i.add_argument("provider", choices=["aws"])
    i.add_argument(
        "--authorization-details", required=True, help="JSON of `aws iam get-account-authorization-details`"
    )
    i.add_argument(
        "--credential-report", help="decoded credential report CSV, or `aws iam get-credential-report` JSON"
    )
    i.add_argument("--tenant", required=True, help="AWS account id")
    i.add_argument("--root", required=True)
    i.add_argument("--date", type=_date, required=True, help="the day the exports were taken")
    i.add_argument("--scope")
    i.add_argument("--force", action="store_true")
    i.add_argument("--reason")
    i.set_defaults(func=cmd_import)

    s = sub.add_parser("snapshots", help="list sealed snapshots with status and counts")
    s.add_argument("--root", required=True)
    s.add_argument("--provider")
    s.add_argument("--tenant")
    s.set_defaults(func=cmd_snapshots)

    sh = sub.add_parser("show", help="print the rows of one table of a sealed snapshot")
    sh.add_argument("--root", required=True)
    sh.add_argument("--date", type=_date, required=True)
    sh.add_argument("--tenant")
    sh.add_argument("--provider")
    sh.add_argument("--table", default="principals")
    sh.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sh.add_argument("--columns", help="comma-separated columns (table format)")
    sh.add_argument("--where", help="COLUMN=VALUE filter")
    sh.add_argument("--limit", type=int)
    sh.set_defaults(func=cmd_show)

    ck = sub.add_parser("check", help="verify hashes and the manifest chain of sealed snapshots")
    ck.add_argument("--root", required=True)
    ck.add_argument("--provider")
    ck.add_argument("--tenant")
    ck.set_defaults(func=cmd_check)

    b = sub.add_parser("bundle", help="build the evidence bundle of an audit period from sealed partitions")
    b.add_argument("--root", required=True)
    b.add_argument("--from", dest="date_from", type=_date, required=True, help="first day of the period")
    b.add_argument("--to", dest="date_to", type=_date, required=True, help="last day (the Type 1 as-of day)")
    b.add_argument("--framework", choices=["soc2", "soc1"], default="soc2")
    b.add_argument("--type", choices=["type1", "type2"], default="type2")
    b.add_argument("--out", required=True, help="new directory for the bundle")
    b.add_argument("--scope", help="scope file: soc1/soc2 tags, SOC 1 objectives, SLA")
    b.add_argument("--tenant", action="append", help="provider:tenant_id to include (repeatable)")
    b.add_argument(
        "--scope-tags",
        type=_scope_tags,
        action="extend",
        metavar="TAG[,TAG]",
        help="audit scope tags selecting tenants (soc1, soc2; comma-separated or repeated); default: framework",
    )
    b.add_argument("--sample-size", type=int, default=25)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--generated-at", help="timestamp stamped into the bundle (default: from the inputs)")
    b.add_argument("--sign-key", help="Ed25519 private key (PEM) to sign SHA256SUMS with")
    b.add_argument("--sign-conn", help="Airflow connection holding the signing key")
    b.set_defaults(func=cmd_bundle)

    v = sub.add_parser("verify", help="verify an evidence bundle: files, hashes, chain, signature")
    v.add_argument("bundle")
    v.add_argument("--public-key", help="the signer's public key (PEM), received out of band")
    v.add_argument(
        "--require-signature",
        action="store_true",
        help="fail unless SHA256SUMS.sig verifies with --public-key (required with it)",
    )
    v.set_defaults(func=cmd_verify)

    bf = sub.add_parser(
        "backfill", help="re-derive changes, findings and ledger for past dates (no collection)"
    )
    bf.add_argument("--root", required=True)
    bf.add_argument("--from", dest="date_from", type=_date, required=True)
    bf.add_argument("--to", dest="date_to", type=_date, required=True)
    _re_derive_options(bf)
    bf.set_defaults(func=cmd_backfill)

    fd = sub.add_parser("findings", help="print the findings of one date (derived from sealed snapshots)")
    fd.add_argument("--root", required=True)
    fd.add_argument("--date", type=_date, required=True)
    fd.add_argument("--tenant")
    fd.add_argument("--provider")
    fd.add_argument("--scope", help="scope file (thresholds, audit scope) for findings not derived yet")
    fd.add_argument("--result", choices=["fail", "unknown"], help="only findings with this result")
    fd.add_argument("--format", choices=["table", "csv", "json"], default="table")
    fd.add_argument(
        "--dispositions",
        help="evaluate this dispositions file against the findings (shown, not sealed); default: the "
        "dispositions sealed for the day",
    )
    fd.set_defaults(func=cmd_findings)

    dv = sub.add_parser(
        "derive", help="derive changes, findings and ledger of one sealed date (no collection)"
    )
    dv.add_argument("--root", required=True)
    dv.add_argument("--date", type=_date, required=True)
    _re_derive_options(dv)
    dv.set_defaults(func=cmd_derive)

    ds = sub.add_parser(
        "dispositions", help="review decisions on findings (accepted risk, false positive, ...)"
    )
    ds_sub = ds.add_subparsers(dest="dispositions_command", required=True)
    dc = ds_sub.add_parser(
        "check",
        help="validate a dispositions file; list expired, pending and stale entries and open findings "
        "without a disposition",
    )
    dc.add_argument("--file", required=True, help="the dispositions file (YAML)")
    dc.add_argument("--root", required=True)
    dc.add_argument(
        "--date", type=_date, help="the sealed findings of this date (default: the latest snapshot date)"
    )
    dc.add_argument("--tenant", help="only this tenant id")
    dc.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when an entry is expired, pending or stale or a finding lacks one",
    )
    dc.set_defaults(func=cmd_dispositions_check)

    lg = sub.add_parser("ledger", help="print the ledger: findings over time, lifecycles, revocation latency")
    lg.add_argument("--root", required=True)
    lg.add_argument("--tenant")
    lg.add_argument("--provider")
    lg.add_argument("--date", type=_date, help="the ledger of this date (default: each tenant's latest)")
    lg.add_argument(
        "--table", choices=["findings", "credentials", "principals", "revocations"], default="findings"
    )
    lg.add_argument("--format", choices=["table", "csv", "json"], default="table")
    lg.set_defaults(func=cmd_ledger)

    df = sub.add_parser("diff", help="print what changed since each tenant's last complete snapshot")
    df.add_argument("--root", required=True)
    df.add_argument("--date", type=_date, required=True)
    df.add_argument("--tenant")
    df.add_argument("--provider")
    df.add_argument("--format", choices=["table", "csv", "json"], default="table")
    df.set_defaults(func=cmd_diff)
    return p


def main(argv: list[str] | None = None) -> int:
    from .config import ScopeError
    from .dispositions import DispositionsError
    from .schema import SchemaViolation
    from .snapshot import SnapshotError

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except (
        UsageError,
        ScopeError,
        DispositionsError,
        SnapshotError,
        SchemaViolation,
        FileNotFoundError,
        ValueError,
    ) as e:
        print(f"muster: {' '.join(str(e).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
