"""Report figures and findings views over a crafted findings table: whole results asserted."""

from __future__ import annotations

import datetime as dt

from evidence_store import _at
from muster.evidence import metrics, tabular
from muster.schema import FINDINGS, to_table

D1, D2, D3 = (dt.date(2026, 11, d) for d in (2, 3, 4))


def _row(day, fid, rule, severity="high", result="fail", tenant="111111111111"):
    return {
        "provider": "aws",
        "tenant_id": tenant,
        "snapshot_date": day,
        "finding_id": fid,
        "rule_id": rule,
        "severity": severity,
        "result": result,
        "entity_type": "credential",
        "entity_id": fid,
        "sentence": f"{fid} on {day}",
        "evidence": "{}",
        "criteria": ["SOC2:CC6.1"],
        "as_of": _at(day),
    }


def table():
    return to_table(
        FINDINGS,
        [
            _row(D1, "a", "stale"),
            _row(D2, "a", "stale"),
            _row(D3, "a", "stale"),
            _row(D2, "b", "stale", result="unknown"),
            _row(D1, "c", "admin", severity="critical"),
            _row(D1, "c", "admin", severity="critical", tenant="2" * 12),
        ],
    )


def test_findings_over_time_by_day_and_rule():
    got = metrics.findings_over_time(table(), [D1, D2, D3])
    zero = {s: 0 for s in metrics.SEVERITY_ORDER}
    assert got["by_day"] == [
        {"date": D1, **zero, "high": 1, "critical": 2},
        {"date": D2, **zero, "high": 1},
        {"date": D3, **zero, "high": 1},
    ]
    assert got["rules"] == [
        {
            "rule_id": "admin",
            "severity": "critical",
            "fail": 2,
            "unknown": 0,
            "first": D1,
            "last": D1,
            "distinct": 2,
        },
        {
            "rule_id": "stale",
            "severity": "high",
            "fail": 3,
            "unknown": 1,
            "first": D1,
            "last": D3,
            "distinct": 2,
        },
    ]


def test_distinct_findings_keep_the_latest_row_and_the_span():
    rows = tabular.distinct_findings(table())
    got = [
        (
            r["tenant_id"][:1],
            r["finding_id"],
            r["first_seen"],
            r["last_seen"],
            r["days_observed"],
            r["sentence"],
        )
        for r in rows
    ]
    assert got == [
        ("1", "a", D1, D3, 3, f"a on {D3}"),
        ("1", "b", D2, D2, 1, f"b on {D2}"),
        ("1", "c", D1, D1, 1, f"c on {D1}"),
        ("2", "c", D1, D1, 1, f"c on {D1}"),
    ]


def test_no_findings_gives_zero_days_and_no_rules():
    assert metrics.findings_over_time(None, [D1]) == {
        "by_day": [{"date": D1, **{s: 0 for s in metrics.SEVERITY_ORDER}}],
        "rules": [],
    }
