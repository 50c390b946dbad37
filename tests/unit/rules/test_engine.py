"""The engine: one validated, sorted findings table; incomplete inputs give tenant-level unknowns; bad input
raises."""

import datetime as dt
import json

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from muster.config import Tenant
from muster.rules import RuleInputError, evaluate
from muster.rules.render import json_object
from muster.rules.vector import mask
from muster.schema import FINDINGS, validate_table
from rules_build import AS_OF, TENANT, ago, credential, manifest, principal, role, run, tables


def _day():
    return tables(
        [principal("P1", "svc-a", owner=None, owner_source=None), role("R1", "r", last_used_at=ago(200))],
        [
            credential(
                "C1", "P1", last_used_at=ago(100), created_at=ago(100), external_id="AKIAZZZZZZZZZZZZZ123"
            ),
            credential("C2", "P1", created_at=ago(95)),
        ],
    )


def test_findings_table_is_valid_sorted_and_deterministic():
    first, second = run(_day()), run(_day())
    assert first.equals(second)
    validate_table(FINDINGS, first)
    keys = [r["finding_id"] for r in first.to_pylist()]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {r["finding_id"] for r in first.to_pylist() if r["result"] == "fail"} == {
        "credential_unrotated:C1",
        "credential_unrotated:C2",
        "credential_unused:C1",
        "multiple_active_keys:P1",
        "nhi_dormant:R1",
        "nhi_without_owner:P1",
    }


def test_partial_table_gives_tenant_unknowns_for_the_rules_that_read_it():
    f = run(_day(), manifest(statuses={"grants": "partial"}))
    unknown = {(r["rule_id"], r["entity_id"]) for r in f.to_pylist() if r["entity_type"] == "tenant"}
    assert unknown == {
        ("nhi_privileged", "grants"),
        ("privileged_grant_added", "grants"),
        ("privileged_grant_added", "changes:grants"),
        ("public_access_grant", "grants"),
    }


def test_kind_not_collected_gives_tenant_unknowns_for_rules_about_that_kind():
    f = run(
        _day(),
        manifest(not_collected={"credentials": ["service_specific (service_specific_credentials: x)"]}),
    )
    unknown = {r["rule_id"] for r in f.to_pylist() if r["entity_id"] == "credentials:service_specific"}
    assert unknown == {
        "active_credential_disabled_identity",
        "credential_unrotated",
        "credential_unused",
        "secret_expired_present",
        "secret_expiring_soon",
    }
    assert all(r["result"] == "unknown" for r in f.to_pylist() if r["entity_type"] == "tenant")


def test_failed_collection_yields_unknowns_never_a_clean_bill():
    statuses = {t: "failed" for t in ("principals", "credentials", "grants", "role_definitions")}
    f = run(tables(), manifest(statuses=statuses))
    assert {r["result"] for r in f.to_pylist()} == {"unknown"}
    assert {r["rule_id"] for r in f.to_pylist()} == {
        m for m in __import__("muster.rules", fromlist=["rules"]).rules()
    }


def test_bad_input_raises_clearly():
    t = _day()
    with pytest.raises(RuleInputError, match="missing table"):
        run({k: v for k, v in t.items() if k != "grants"})
    old = manifest()
    old["versions"] = {"schema": "0"}
    with pytest.raises(RuleInputError, match="schema version 0"):
        run(t, old)
    with pytest.raises(RuleInputError, match="timezone-aware"):
        evaluate(t, manifest(), Tenant(provider="aws", id=TENANT), dt.datetime(2026, 11, 26))
    with pytest.raises(RuleInputError, match="tenant settings"):
        run(t, tenant=Tenant(provider="aws", id="999988887777"))


def test_thresholds_come_from_the_tenant():
    from muster.config import Thresholds

    tenant = Tenant(provider="aws", id=TENANT, thresholds=Thresholds(rotation_days=200, unused_days=200))
    f = run(_day(), tenant=tenant)
    assert not [r for r in f.to_pylist() if r["rule_id"] in ("credential_unrotated", "credential_unused")]
    assert AS_OF == f.column("as_of")[0].as_py()


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), _text),
            st.one_of(st.none(), st.integers(-(10**12), 10**12)),
            st.one_of(st.none(), st.lists(_text, max_size=3)),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_evidence_is_canonical_json(values):
    strings = pa.array([v[0] for v in values], pa.string())
    ints = pa.array([v[1] for v in values], pa.int64())
    lists = pa.array([v[2] for v in values], pa.list_(pa.string()))
    out = json_object(len(values), s=strings, n=ints, l=lists, k=[1, "x"]).to_pylist()
    expected = [
        json.dumps(
            {"s": s, "n": n, "l": lst, "k": [1, "x"]},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for s, n, lst in values
    ]
    assert out == expected


def test_mask_shows_first_four_and_last_three_only():
    assert mask(pa.array(["AKIAABCDEFGHIJKLMXYZ", "short", None])).to_pylist() == ["AKIA…XYZ", "…", None]


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_a_failed_tenant_of_any_provider_evaluates_to_unknowns(provider):
    """Empty tables of a failed collection (the demo's forbidden GCP project) must not trip any rule."""
    from muster.config import TENANT_ID_FORMS
    from muster.schema import COLLECTION, to_table

    tenant_id = {"aws": TENANT, "gcp": "acme-sandbox-dev", "azure": "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"}[
        provider
    ]
    assert __import__("re").fullmatch(TENANT_ID_FORMS[provider][0], tenant_id)
    tbls = tables()
    rows = [
        dict(r, provider=provider, tenant_id=tenant_id, status="failed")
        for r in tbls["collection"].to_pylist()
    ]
    tbls["collection"] = to_table(COLLECTION, rows)
    man = manifest(
        statuses={t: "failed" for t in ("principals", "credentials", "grants", "role_definitions")}
    )
    man.update(provider=provider, tenant_id=tenant_id)
    f = evaluate(tbls, man, Tenant(provider=provider, id=tenant_id, audit_scope=("soc2",)), AS_OF)
    assert f.num_rows > 0 and set(f.column("result").to_pylist()) == {"unknown"}


def _rich_day():
    from rules_build import grant, human

    return tables(
        [
            principal("P1", "svc-a", owner=None, owner_source=None),
            principal("P2", "svc-b", owner="dana.kim", enabled=None),
            human("H1", "dana.kim", enabled=False),
            human("H2", "erin"),
            role("R1", "r", last_used_at=ago(200)),
        ],
        [
            credential(
                "C1", "P1", last_used_at=ago(100), created_at=ago(100), external_id="AKIAZZZZZZZZZZZZZ123"
            ),
            credential("C2", "P1", created_at=ago(95)),
            credential("C3", "P2", last_used_at=None, last_used_source="credential_report:N/A (never used)"),
            credential("C4", "H2", external_id="AKIAYYYYYYYYYYYYY456", created_at=ago(400)),
            credential("C5", "H1", kind="password", last_used_at=ago(300)),
        ],
        [grant("P1", "arn:aws:iam::123456789012:policy/admin", "admin"), grant("R1", "p/read")],
    )


def _in_chunks(tbl: pa.Table) -> pa.Table:
    """The same rows in two chunks per column (as a table read from several Parquet row groups)."""
    half = len(tbl) // 2
    return pa.concat_tables([tbl.slice(0, half), tbl.slice(half)])


def test_findings_do_not_depend_on_how_the_inputs_are_chunked():
    day = _rich_day()
    whole = run(day)
    assert len(whole) > 5
    assert run({name: _in_chunks(tbl) for name, tbl in day.items()}).equals(whole)


def test_findings_come_out_in_finding_id_order():
    f = run(_rich_day())
    ids = f.column("finding_id").to_pylist()
    assert ids == sorted(ids)


def test_a_rule_that_repeats_an_entity_is_an_error(monkeypatch):
    from muster.rules import rules
    from muster.rules.base import hits

    module = rules()["nhi_without_owner"]
    twice = pa.array(["P1", "P1"])
    monkeypatch.setattr(
        module,
        "evaluate",
        lambda inp: hits("fail", "principal", twice, pa.array(["s", "s"]), pa.array(["{}", "{}"])),
    )
    with pytest.raises(RuleInputError, match="duplicate finding ids"):
        run(_rich_day())
