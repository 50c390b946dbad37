"""Rule / metadata / mapping consistency, the generated docs, and criteria by audit scope."""

import importlib
import pkgutil

import pytest
from muster.config import parse_scope
from muster.rules import metadata, rules
from muster.rules.catalogue import __path__ as catalogue_path
from muster.rules.docs import TARGET, render
from muster.rules.frameworks import criteria_for, load

RULE_IDS = sorted(i.name for i in pkgutil.iter_modules(catalogue_path))


def test_catalogue_is_the_design_list():
    """DESIGN.md's fifteen rules, plus public_access_grant (a role granted to everyone)."""
    assert RULE_IDS == sorted(rules()) and len(RULE_IDS) == 16


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_id_is_module_name_is_metadata(rule_id):
    module = importlib.import_module(f"muster.rules.catalogue.{rule_id}")
    assert module.META.id == rule_id
    assert callable(module.evaluate)
    assert module.META.title and module.META.rationale and module.META.remediation and module.META.blind_spots


def test_every_rule_is_mapped_and_every_mapping_names_a_rule():
    for name in ("soc2", "soc1"):
        assert sorted(load(name)["mappings"]) == RULE_IDS, name


def test_soc2_mappings_use_only_the_identity_criteria_and_give_a_reason():
    for rule_id, entry in load("soc2")["mappings"].items():
        assert entry["criteria"] and set(entry["criteria"]) <= {"CC6.1", "CC6.2", "CC6.3"}, rule_id
        assert entry["why"].strip(), rule_id


def test_thresholds_named_by_rules_exist_in_the_scope_file_model():
    from muster.config import Thresholds

    assert {t for m in metadata() for t in m.thresholds} <= set(Thresholds.model_fields)


def test_soc1_criteria_are_only_the_tenants_objectives_from_the_scope_file():
    scope = parse_scope(
        {
            "soc1_objectives": {"CO-7": "Logical access to billing is restricted", "CO-9": "Other"},
            "tenants": [
                {
                    "provider": "aws",
                    "id": "123456789012",
                    "audit_scope": ["soc1", "soc2"],
                    "soc1_objectives": ["CO-7"],
                },
                {"provider": "aws", "id": "210987654321", "audit_scope": ["soc2"]},
                {"provider": "aws", "id": "345678901234"},
            ],
        }
    )
    both, soc2, none = scope.tenants
    defined = {f"SOC1:{o}" for o in scope.soc1_objectives}
    for rule_id in RULE_IDS:
        got = criteria_for(rule_id, both)
        assert {c for c in got if c.startswith("SOC1:")} == {"SOC1:CO-7"} <= defined
        assert not any(c.startswith("SOC1:") for c in criteria_for(rule_id, soc2))
        assert criteria_for(rule_id, none) == []


def test_rules_md_is_generated_from_the_metadata():
    assert TARGET.read_text() == render(), "docs/RULES.md is stale: run python -m muster.rules.docs"
