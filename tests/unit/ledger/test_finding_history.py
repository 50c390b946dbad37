"""Findings across dates: resolved only by a complete snapshot that no longer shows them."""

import datetime as dt

from ledger_world import A, D, finding, key, nhi
from muster.ledger import derive_ledger

SVC = nhi("P1", "svc-etl", owner="alice")
KEY = key("K1", "P1")
F = finding("credential_unused", "K1", credential_id="K1")


def history(world, ref) -> dict:
    rows = world.ledger(ref, "finding_history")
    return {
        r["finding_id"]: (
            r["first_seen"],
            r["last_seen"],
            r["opened_on"],
            r["resolved_on"],
            r["days_open"],
            r["state"],
        )
        for r in rows
    }


def test_a_partial_day_leaves_a_finding_unknown_and_a_complete_one_resolves_it(world):
    world.day(A, D[0], [SVC], [KEY], [F])
    world.day(A, D[1], [SVC], [KEY], [F])
    world.day(A, D[2], [SVC], [KEY], [], partial=("credentials",))
    world.day(A, D[3], [SVC], [KEY], [])
    refs = world.store.list_snapshots()
    for ref in refs:
        derive_ledger(world.root, ref)
    assert history(world, refs[1])["credential_unused:K1"] == (D[0], D[1], D[0], None, 1, "open")
    assert history(world, refs[2])["credential_unused:K1"] == (D[0], D[1], D[0], None, 2, "unknown")
    assert history(world, refs[3])["credential_unused:K1"] == (D[0], D[1], D[0], D[3], 3, "resolved")


def test_a_day_without_sealed_findings_resolves_nothing(world):
    world.day(A, D[0], [SVC], [KEY], [F])
    ref = world.day(A, D[1], [SVC], [KEY], with_findings=False)
    derive_ledger(world.root, world.store.list_snapshots()[0])
    derive_ledger(world.root, ref)
    assert history(world, ref) == {"credential_unused:K1": (D[0], D[0], D[0], None, 1, "unknown")}


def test_a_kind_not_collected_cannot_resolve_a_finding_about_a_credential_of_that_kind(world):
    ssh = key("S1", "P1", kind="ssh_key")
    f = finding("credential_unrotated", "S1", credential_id="S1")
    world.day(A, D[0], [SVC], [ssh], [f])
    ref = world.day(A, D[1], [SVC], [], [], uncollected=("ssh_key",))
    for r in world.store.list_snapshots():
        derive_ledger(world.root, r)
    assert history(world, ref)["credential_unrotated:S1"][-1] == "unknown"


def test_a_resolved_finding_that_comes_back_reopens_with_its_first_sighting_kept(world):
    world.day(A, D[0], [SVC], [KEY], [F])
    world.day(A, D[1], [SVC], [KEY], [])
    world.day(A, D[2], [SVC], [KEY], [])
    ref = world.day(A, D[3], [SVC], [KEY], [F])
    for r in world.store.list_snapshots():
        derive_ledger(world.root, r)
    [row] = world.ledger(ref, "finding_history")
    assert row == {
        "provider": "aws",
        "tenant_id": A,
        "snapshot_date": D[3],
        "finding_id": "credential_unused:K1",
        "rule_id": "credential_unused",
        "severity": "high",
        "entity_type": "credential",
        "entity_id": "K1",
        "principal_id": None,
        "principal_name": None,
        "credential_id": "K1",
        "first_seen": D[0],
        "last_seen": D[3],
        "opened_on": D[3],
        "resolved_on": None,
        "days_open": 0,
        "days_observed": 2,
        "state": "open",
        "last_result": "fail",
        "sentence": "credential_unused on K1",
        "as_of": dt.datetime(2026, 11, 5, 3, tzinfo=dt.UTC),
    }


def test_an_unknown_result_is_carried_as_state_unknown(world):
    ref = world.day(A, D[0], [SVC], [KEY], [finding("nhi_dormant", "P1", result="unknown")])
    derive_ledger(world.root, ref)
    assert history(world, ref) == {"nhi_dormant:P1": (D[0], D[0], D[0], None, 0, "unknown")}


def _obs(date, findings, complete=True):
    import pyarrow as pa
    from muster.ledger import Observation
    from muster.ledger.state import CREDENTIAL_INPUT, FINDING_INPUT, PRINCIPAL_INPUT, input_schema
    from muster.schema import CREDENTIALS, FINDINGS, PRINCIPALS

    rows = [
        {
            "finding_id": f"rule:{e}",
            "rule_id": "rule",
            "severity": "low",
            "result": result,
            "entity_type": "principal",
            "entity_id": e,
            "principal_id": e,
            "principal_name": f"name-{e}-{date.day}",
            "credential_id": None,
            "sentence": f"{e} on {date}",
        }
        for e, result in findings
    ]
    return Observation(
        date=date,
        principals=input_schema(PRINCIPALS, PRINCIPAL_INPUT).empty_table(),
        credentials=input_schema(CREDENTIALS, CREDENTIAL_INPUT).empty_table(),
        findings=pa.Table.from_pylist(rows, schema=input_schema(FINDINGS, FINDING_INPUT)),
        principals_complete=complete,
        credentials_complete=complete,
        findings_complete=complete,
    )


def _chunked(tbl):
    import pyarrow as pa

    half = len(tbl) // 2
    return pa.concat_tables([tbl.slice(0, half), tbl.slice(half)])


def test_findings_seen_again_new_and_gone_are_folded_in_key_order_whatever_the_chunking():
    from muster.ledger import LedgerState, advance

    day1 = _obs(D[0], [("a", "fail"), ("c", "fail"), ("e", "unknown"), ("g", "fail")])
    day2 = _obs(D[1], [("b", "fail"), ("c", "unknown"), ("e", "fail"), ("f", "fail")])
    state = advance(advance(LedgerState.empty(), day1), day2)
    got = {
        r["finding_id"]: (r["state"], r["opened_on"], r["resolved_on"], r["principal_name"])
        for r in state.findings.to_pylist()
    }
    assert list(got) == ["rule:a", "rule:b", "rule:c", "rule:e", "rule:f", "rule:g"]
    assert got == {
        "rule:a": ("resolved", D[0], D[1], "name-a-" + str(D[0].day)),
        "rule:b": ("open", D[1], None, "name-b-" + str(D[1].day)),
        "rule:c": ("unknown", D[0], None, "name-c-" + str(D[1].day)),
        "rule:e": ("open", D[0], None, "name-e-" + str(D[1].day)),
        "rule:f": ("open", D[1], None, "name-f-" + str(D[1].day)),
        "rule:g": ("resolved", D[0], D[1], "name-g-" + str(D[0].day)),
    }
    first = advance(LedgerState.empty(), day1)
    chunked = LedgerState(_chunked(first.findings), first.credentials, first.principals, first.dates)
    day2_chunked = _obs(D[1], [("b", "fail"), ("c", "unknown"), ("e", "fail"), ("f", "fail")])
    day2_chunked = type(day2_chunked)(
        **{**day2_chunked.__dict__, "findings": _chunked(day2_chunked.findings)}
    )
    assert advance(chunked, day2_chunked).findings.equals(state.findings)


def test_rows_of_the_state_are_picked_as_a_take_would_whatever_their_order_and_chunking():
    import pyarrow as pa
    from muster.ledger.findings import _earlier_rows

    column = pa.chunked_array([["a", "b", "c"], ["d", "e"], ["f"]])
    for rows in ([1, 3, 5], [0], [4, 1], [5, 0, 2]):
        picked = _earlier_rows(len(column), pa.chunked_array([pa.array(rows, pa.int64())]))(column)
        assert picked.to_pylist() == column.take(pa.array(rows)).to_pylist()
