"""Precision and recall of the escalation analysis on the labelled set (privilege_cases.py)."""

import pytest
from muster.providers.aws.privilege.catalogue import METHODS
from privilege_cases import all_cases, flagged, judge, score, table

CASES = all_cases()


def test_every_method_has_a_positive_and_a_trap_of_each_kind():
    for m in METHODS:
        kinds = {(c.label, c.kind) for c in CASES if c.method == m.id}
        assert {(True, "grant"), (False, "deny"), (False, "boundary"), (False, "notaction-deny")} <= kinds, (
            m.id
        )
        if any(r.resource != "any" for r in m.requires) and m.id != "sts-assume-privileged-role":
            assert (False, "resource") in kinds, m.id


def test_precision_and_recall_are_one():
    results = [(c, flagged(c, judge(c))) for c in CASES]
    print("\n" + table(results))
    wrong = [c.id for c, f in results if f != c.label]
    assert wrong == []
    s = score(results)
    assert (s["precision"], s["recall"]) == (1.0, 1.0)
    assert s["tp"] + s["fn"] >= 2 * len(METHODS) and s["tn"] + s["fp"] >= 3 * len(METHODS)


@pytest.mark.parametrize("case", [c for c in CASES if not c.label], ids=lambda c: c.id)
def test_a_trap_says_why_it_was_not_flagged(case):
    """A trap's principal is write or read; a blocked Allow is explained (Deny, boundary or Resource)."""
    verdict = judge(case)
    assert verdict.privilege in ("write", "read")
    if case.kind in ("deny", "resource", "boundary", "notaction-deny") and verdict.privilege == "write":
        text = " ".join(verdict.reasons)
        assert any(
            w in text for w in ("cancelled by Deny", "permissions boundary", "names only", "names no")
        ), text
