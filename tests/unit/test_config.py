"""Scope file: valid files load; every mistake gives one clear error naming file, tenant and field."""

import pytest
from muster.config import ScopeError, load_scope, parse_scope

GOOD = """
version: 1
soc1_objectives:
  CO-7: Only authorised users and service accounts can change billing data.
tenants:
  - provider: aws
    id: "123456789012"
    name: payments-prod
    role_arn: arn:aws:iam::123456789012:role/MusterAudit
    audit_scope: [soc1, soc2]
    soc1_objectives: [CO-7]
    owners: {svc-etl: alice@example.com}
    identity_overrides: {build-bot: nhi}
    thresholds: {unused_days: 60}
  - provider: aws
    id: "210987654321"
    connection_id: aws_sandbox
organizations:
  - management_account: "111111111111"
    audit_scope: [soc2]
"""


def test_good_scope_file_loads(tmp_path):
    f = tmp_path / "scope.yaml"
    f.write_text(GOOD)
    scope = load_scope(f)
    payments = scope.tenant("aws", "123456789012")
    assert payments.thresholds.unused_days == 60 and payments.thresholds.rotation_days == 90
    assert payments.audit_scope == ("soc1", "soc2")
    assert payments.owners == {"svc-etl": "alice@example.com"}
    assert scope.tenant("aws", "210987654321").connection_id == "aws_sandbox"
    assert scope.organizations[0].member_role_name == "OrganizationAccountAccessRole"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("audit_scope: [soc1, soc2]", "audit_scope: [soc1, soc3]"),
            "tenants[0] (aws:123456789012).audit_scope[1]: Input should be 'soc1' or 'soc2'",
        ),
        (
            ("thresholds: {unused_days: 60}", "thresholds: {unused_dayz: 60}"),
            "tenants[0] (aws:123456789012).thresholds.unused_dayz: Extra inputs are not permitted",
        ),
        (('id: "210987654321"', 'id: "21098765432"'), "tenants[1]"),
        (
            ("role_arn: arn:aws:iam::123456789012:role/MusterAudit", "role_arn: MusterAudit"),
            "role_arn 'MusterAudit' is not an IAM role ARN",
        ),
        (("soc1_objectives: [CO-7]", "soc1_objectives: [CO-8]"), "soc1_objectives ['CO-8'] are not defined"),
        (("tenants:", "tenant:"), "tenant: Extra inputs are not permitted"),
        (('id: "210987654321"', 'id: "123456789012"'), "tenant aws:123456789012 is listed twice"),
    ],
)
def test_mistakes_are_named(tmp_path, edit, message):
    f = tmp_path / "scope.yaml"
    f.write_text(GOOD.replace(*edit, 1) if edit[0] != 'id: "210987654321"' else GOOD.replace(*edit))
    with pytest.raises(ScopeError) as err:
        load_scope(f)
    assert str(err.value).startswith(f"scope file {f}: ")
    assert message in str(err.value)


def test_broken_yaml_and_missing_file(tmp_path):
    f = tmp_path / "scope.yaml"
    f.write_text("tenants: [\n  - provider: aws\n")
    with pytest.raises(ScopeError, match="not valid YAML"):
        load_scope(f)
    with pytest.raises(ScopeError, match="not found"):
        load_scope(tmp_path / "nope.yaml")
    with pytest.raises(ScopeError, match="expected a mapping at top level, got list"):
        parse_scope(["aws"], "x.yaml")
