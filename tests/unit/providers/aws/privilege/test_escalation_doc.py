"""docs/ESCALATION.md is generated from the catalogue, and the catalogue names real actions."""

from pathlib import Path

from muster.providers.aws.privilege.actions import index
from muster.providers.aws.privilege.catalogue import METHODS, RESOURCE_KINDS
from muster.providers.aws.privilege.docs import render

DOC = Path(__file__).resolve().parents[5] / "docs" / "ESCALATION.md"


def test_the_committed_document_matches_the_catalogue():
    assert DOC.read_text() == render(), "run: .venv/bin/python -m muster.providers.aws.privilege.docs"


def test_catalogue_ids_are_unique_and_every_action_is_in_the_iam_definition():
    assert len({m.id for m in METHODS}) == len(METHODS)
    actions = {a for m in METHODS for r in m.requires for a in r.actions}
    assert sorted(a for a in actions if not index().is_known(a)) == []
    assert {r.resource for m in METHODS for r in m.requires} <= set(RESOURCE_KINDS)
    assert all(m.source.startswith("https://") and m.how and m.name for m in METHODS)
