"""Scope file: an Azure tenant's ``cloud`` (public, usgov, usgov_dod, china); a mistake names file, tenant and
field."""

import pytest
from muster.config import ScopeError, Tenant, load_scope

AZURE = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
SCOPE = f"""
version: 1
tenants:
  - provider: azure
    id: {AZURE}
    cloud: usgov
  - provider: azure
    id: 02b2b7cc-fb03-4324-bf6b-eb207b39c479
  - provider: aws
    id: "123456789012"
  - provider: gcp
    id: payments-prod
"""


def _load(tmp_path, text: str):
    f = tmp_path / "scope.yaml"
    f.write_text(text)
    return f, load_scope(f)


def test_an_azure_tenant_names_its_cloud_and_public_is_the_default(tmp_path):
    _, scope = _load(tmp_path, SCOPE)

    assert [(t.id, t.cloud) for t in scope.tenants if t.provider == "azure"] == [
        (AZURE, "usgov"),
        ("02b2b7cc-fb03-4324-bf6b-eb207b39c479", "public"),
    ]


def test_tenants_survive_the_round_trip_through_a_planned_task(tmp_path):
    """Planning hands each tenant to its collect task as model_dump(mode="json")."""
    _, scope = _load(tmp_path, SCOPE)

    assert [Tenant.model_validate(t.model_dump(mode="json")) for t in scope.tenants] == list(scope.tenants)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("cloud: usgov", "cloud: gcc-high"),
            f"tenants[0] (azure:{AZURE}).cloud: Input should be 'public', 'usgov', 'usgov_dod' or 'china'",
        ),
        (
            ('id: "123456789012"', 'id: "123456789012"\n    cloud: usgov'),
            "tenants[2] (aws:123456789012): Value error, cloud 'usgov' only applies to azure tenants",
        ),
        (
            ("id: payments-prod", "id: payments-prod\n    cloud: china"),
            "tenants[3] (gcp:payments-prod): Value error, cloud 'china' only applies to azure tenants",
        ),
    ],
)
def test_a_wrong_cloud_is_named(tmp_path, edit, message):
    f = tmp_path / "scope.yaml"
    f.write_text(SCOPE.replace(*edit))

    with pytest.raises(ScopeError) as err:
        load_scope(f)

    assert str(err.value) == f"scope file {f}: {message}"
