"""As-of populations skip what was not observed: a failed day is never a population of zero, a partial table
is used and labelled partial, and a tenant never observed in the period has no population (not zero)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from evidence_store import DAYS, START, _at, tables
from muster.config import parse_scope
from muster.evidence import BundleParams, build_bundle, charts, metrics, verify_bundle
from muster.snapshot import SnapshotRef, SnapshotStore

A1, A2, G1 = "111111111111", "222222222222", "proj-alpha"
LAST = DAYS[-1]


def _status(tenant: str, day: dt.date) -> str:
    if tenant == A2 or (tenant == A1 and day == LAST):
        return "failed"
    return "partial" if (tenant == G1 and day == LAST) else "complete"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A1 fails on the last day, A2 fails every day, G1 is partial on the last day."""
    root = tmp_path_factory.mktemp("failed-store")
    store = SnapshotStore(str(root))
    for day in DAYS:
        for provider, tenant in (("aws", A1), ("aws", A2), ("gcp", G1)):
            store.write_snapshot(
                SnapshotRef(provider, tenant, day),
                tables(provider, tenant, day, _status(tenant, day)),
                run_id=f"run-{day}",
                collected_at=_at(day),
            )
    return root


SCOPE = parse_scope(
    {
        "version": 1,
        "tenants": [
            {"provider": "aws", "id": A1, "audit_scope": ["soc2"]},
            {"provider": "aws", "id": A2, "audit_scope": ["soc2"]},
            {"provider": "gcp", "id": G1, "audit_scope": ["soc2"]},
        ],
    },
    "test scope",
)


def _build(root, out, report_type="type2"):
    params = BundleParams(period_start=DAYS[0], period_end=LAST, report_type=report_type)
    build_bundle(str(root), out, params, scope=SCOPE)
    return out


@pytest.fixture(scope="module")
def type2(root, tmp_path_factory):
    return _build(root, tmp_path_factory.mktemp("t2") / "bundle")


def _csv(path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def _sources(out) -> dict[tuple[str, str], tuple[str, str, str, str]]:
    return {
        (r["tenant_id"], r["table"]): (r["snapshot_date"], r["status"], r["rows"], r["note"])
        for r in _csv(out / "population_sources.csv")
    }


def test_a_failed_day_is_skipped_for_the_latest_observed_one_and_named(type2):
    got = _sources(type2)
    d3, last = DAYS[3].isoformat(), LAST.isoformat()
    assert got[(A1, "principals")] == (
        d3,
        "complete",
        "6",
        f"later day(s) not observed, so not used: {last} failed",
    )
    assert got[(A2, "credentials")] == (
        "",
        "not_observed",
        "",
        f"no day of the bundle observed it (5 days from {DAYS[0]} to {last}: failed 5): no population, not zero",
    )
    assert got[(G1, "principals")] == (
        last,
        "partial",
        "7",
        f"partial: inventory partial: tenant {G1}: page 2 failed",
    )
    assert verify_bundle(type2).problems == []


def test_samples_are_drawn_from_the_observed_populations_only(type2):
    rows = _csv(type2 / "samples.csv")
    sizes = {r["population"]: int(r["population_size"]) for r in rows}
    assert sizes["principals@as_of"] == 6 + 7  # A1 on DAYS[3], G1 (partial) on the last day, nothing of A2
    days = {(r["tenant_id"], r["date"]) for r in rows if r["population"] == "credentials@as_of"}
    assert days == {(A1, DAYS[3].isoformat()), (G1, LAST.isoformat())}


def test_the_report_shows_where_each_population_comes_from_and_never_a_zero_for_no_observation(type2):
    html = (type2 / "report.html").read_text()
    ident = html[html.index("<h2>Identities") : html.index("<h2>Findings")]
    assert (
        f'<tr><td>aws:{A1}</td><td>{DAYS[3]} (complete)</td><td class="n">6</td>' in ident
        and f'<tr><td>gcp:{G1}</td><td>{LAST} (partial)</td><td class="n">7</td>' in ident
    )
    a2 = ident[ident.index(f"<tr><td>aws:{A2}</td>") :].split("</tr>")[0]
    assert a2.count("no observed snapshot in the period") == 2 and a2.count('<td class="n">-</td>') == 5
    pops = html[html.index("<h2>Population definitions") :]
    assert (
        f"partial (a known hole) for gcp:{G1} ({LAST}); no observed snapshot in the period, so not in the "
        f"population, for aws:{A2}" in pops
    )


def test_counts_sum_only_observed_tables_and_mark_the_days_short_of_a_tenant(type2):
    html = (type2 / "report.html").read_text()
    counts = html[html.index("<h2>Counts over time") : html.index("<h2>Identities")]
    short = f"aws:{A1} failed, aws:{A2} failed, gcp:{G1} partial"
    assert f"<title>{LAST}: not complete: {short}</title>" in counts
    assert f'<tr><td>{LAST}</td><td>3 of 3</td><td class="n">7</td>' in counts  # G1's 7, not 0 or 7+0


def test_type1_on_a_failed_as_of_day_has_no_population_for_that_tenant(root, tmp_path):
    out = _build(root, tmp_path / "t1", "type1")
    got = _sources(out)
    assert got[(A1, "principals")][:3] == ("", "not_observed", "")  # never the day before the as-of day
    sizes = {r["population"]: int(r["population_size"]) for r in _csv(out / "samples.csv")}
    assert sizes["principals@as_of"] == 7


def test_same_failed_inputs_give_the_same_bundle_bytes(root, type2, tmp_path):
    again = _build(root, tmp_path / "again")
    assert (again / "SHA256SUMS").read_bytes() == (type2 / "SHA256SUMS").read_bytes()


def _row(day, tenant, status, rows, table="principals"):
    return {
        "date": day,
        "provider": "aws",
        "tenant_id": tenant,
        "table": table,
        "status": status,
        "rows": rows,
    }


def test_counts_over_time_leave_a_day_nobody_observed_as_a_gap_not_zero():
    d0, d1 = START, START + dt.timedelta(days=1)
    rows = [
        _row(d0, A1, "complete", 5),
        _row(d0, A2, "complete", 4),
        _row(d1, A1, "failed", 0),
        _row(d1, A2, "missing", None),
    ]
    got = metrics.counts_over_time(rows, [d0, d1], 2)
    assert [(c["principals"], c["credentials"], c["tenants"], c["short"]) for c in got] == [
        (9, None, 2, []),
        (None, None, 1, [f"aws:{A1} failed", f"aws:{A2} missing"]),
    ]


def test_line_chart_draws_no_point_for_a_gap_and_marks_what_it_is_told():
    svg = charts.line_chart("t", ["a", "b", "c"], {"n": [1, None, 3]}, {1: "nobody observed"})
    assert "<polyline" not in svg and svg.count("<circle") == 2  # two lone days, nothing at b
    assert "<title>b: nobody observed</title>" in svg
