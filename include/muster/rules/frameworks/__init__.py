"""Framework mappings as data: which SOC 2 criteria and SOC 1 objectives each rule bears on.

``soc2.yaml`` maps each rule to Trust Services Criteria (CC6.1 credentials, CC6.2 removal of access no longer
authorised, CC6.3 least privilege), each with the reason. SOC 1 has no preset criteria: ``soc1.yaml`` lists the
rules that bear on logical-access control objectives, and a finding names the objectives the scope file gives
its tenant (``soc1_objectives``). Criteria are attached only for the audit scopes the tenant is tagged with.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ...config import Tenant

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("soc2", "soc1")


@cache
def load(name: str) -> dict:
    """One framework file, parsed: {framework, ..., mappings: {rule_id: {...}}}."""
    data = yaml.safe_load((HERE / f"{name}.yaml").read_text())
    if not isinstance(data, dict) or not isinstance(data.get("mappings"), dict):
        raise ValueError(f"framework file {name}.yaml: expected a mapping with 'mappings'")
    return data


def soc2_criteria(rule_id: str) -> list[str]:
    entry = load("soc2")["mappings"].get(rule_id) or {}
    return [f"SOC2:{c}" for c in entry.get("criteria", [])]


def soc1_objectives(rule_id: str, tenant: Tenant) -> list[str]:
    if rule_id not in load("soc1")["mappings"]:
        return []
    return [f"SOC1:{o}" for o in tenant.soc1_objectives]


def criteria_for(rule_id: str, tenant: Tenant) -> list[str]:
    """Criteria a finding of `rule_id` in `tenant` bears on, for the scopes the tenant is audited under."""
    out = []
    if "soc2" in tenant.audit_scope:
        out += soc2_criteria(rule_id)
    if "soc1" in tenant.audit_scope:
        out += soc1_objectives(rule_id, tenant)
    return sorted(out)
