"""Roles people use (IAM Identity Center, SAML-only trust) against roles workloads use (web identity, accounts,
services): the verdict and the reason, from the trust policy and the Identity Center path, on both paths of
the transform. GAAD-shaped fixtures: cartography's roles (see tests/fixtures/aws/PROVENANCE.md) and a
hand-made GitHub Actions OIDC role."""

from aws_transform_helpers import (
    DAY,
    cartography_roles,
    gaad,
    gaad_role,
    raw_account,
    report,
    tenant,
    validated,
)
from muster.providers.aws import transform
from muster.providers.aws.classify import Classifier
from muster.providers.aws.federation import federated_by, sso_permission_set

SSO = "/aws-reserved/sso.amazonaws.com/"
SSO_SAML = "arn:aws:iam::123456789012:saml-provider/AWSSSO_0a1b2c3d4e5f6a7b_DO_NOT_DELETE"
GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
HUMAN_SAML = (
    "trust policy admits only SAML provider {} (sts:AssumeRoleWithSAML): assumed by people signing in through "
    "an identity provider"
)
WEB = (
    "trust policy admits web identity (OIDC) provider {} (sts:AssumeRoleWithWebIdentity): assumed with tokens "
    "issued to workloads"
)
DEFAULT = "IAM role: assumed by workloads or federated sessions, not a person's login"


def trust(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: object, action: object = "sts:AssumeRoleWithSAML", **extra) -> dict:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


def github_role() -> dict:
    """Hand-made: a role for GitHub Actions deployments, as AWS documents the trust policy."""
    condition = {
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}
    }
    return {
        "Path": "/",
        "RoleName": "github-deploy",
        "RoleId": "AROAGITHUBDEPLOY0001",
        "Arn": "arn:aws:iam::123456789012:role/github-deploy",
        "CreateDate": "2025-01-01T00:00:00Z",
        "AssumeRolePolicyDocument": trust(
            allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", Condition=condition)
        ),
    }


def test_identity_center_roles_name_their_permission_set():
    assert (
        sso_permission_set(SSO, "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b")
        == "AdministratorAccess"
    )
    assert sso_permission_set(SSO + "eu-west-1/", "AWSReservedSSO_Read_Only_0a1b2c3d4e5f6a7b") == "Read_Only"
    assert sso_permission_set("/", "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b") is None
    assert sso_permission_set(None, "AWSReservedSSO_AdministratorAccess_0a1b") is None
    assert sso_permission_set(SSO, "deploy") is None
    assert sso_permission_set(SSO, "AWSReservedSSO_NoId") is None


def test_a_trust_policy_admitting_only_saml_is_peoples_access():
    sso = allow({"Federated": SSO_SAML}, ["sts:AssumeRoleWithSAML", "sts:TagSession"])
    assert federated_by(trust(sso)) == (False, HUMAN_SAML.format("AWSSSO_0a1b2c3d4e5f6a7b_DO_NOT_DELETE"))
    okta = "arn:aws:iam::123456789012:saml-provider/Okta"
    two = allow({"Federated": [okta, SSO_SAML]}, "sts:*")
    assert federated_by(trust(two)) == (
        False,
        HUMAN_SAML.format("AWSSSO_0a1b2c3d4e5f6a7b_DO_NOT_DELETE, Okta"),
    )
    # a Deny only narrows who may assume it; a single statement may stand alone (not in a list)
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    assert federated_by(trust(allow({"Federated": okta}), deny))[0] is False
    assert federated_by({"Statement": allow({"Federated": okta})})[0] is False
    assert federated_by(trust(allow({"Federated": okta}, NotAction="sts:AssumeRole")))[0] is False


def test_saml_that_cannot_assume_or_shares_the_role_with_workloads_decides_nothing():
    okta = "arn:aws:iam::123456789012:saml-provider/Okta"
    assert federated_by(trust(allow({"Federated": okta}, "sts:TagSession"))) is None
    assert federated_by(trust(allow({"Federated": okta}, NotAction="sts:AssumeRoleWith*"))) is None
    assert (
        federated_by(trust(allow({"Federated": okta}), allow({"AWS": "arn:aws:iam::1:root"}, "sts:*")))
        is None
    )
    assert federated_by(trust(allow({"Federated": okta, "Service": "ec2.amazonaws.com"}))) is None
    assert (
        federated_by(trust(allow({"Federated": okta}), {"Effect": "Allow", "NotPrincipal": {"AWS": "x"}}))
        is None
    )
    assert federated_by(trust(allow({"Federated": okta}), allow("*"))) is None
    assert federated_by(trust(allow({"Federated": [okta, 7]}))) is None
    assert federated_by(trust(allow({"AWS": "arn:aws:iam::1:root"}, "sts:AssumeRole"))) is None
    assert federated_by(None) is None
    assert federated_by({"Statement": "nonsense"}) is None


def test_a_web_identity_provider_makes_the_role_a_workloads():
    github = allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity")
    assert federated_by(trust(github)) == (True, WEB.format("token.actions.githubusercontent.com"))
    cognito = allow({"Federated": "cognito-identity.amazonaws.com"}, "sts:AssumeRoleWithWebIdentity")
    okta = allow({"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"})
    assert federated_by(trust(okta, cognito)) == (True, WEB.format("cognito-identity.amazonaws.com"))


def test_identity_center_path_then_trust_policy_after_the_overrides_and_service_linked_roles():
    classifier = Classifier(tenant(identity_overrides={"AROAPINNED": "nhi"}))
    sso_trust = trust(allow({"Federated": SSO_SAML}, ["sts:AssumeRoleWithSAML", "sts:TagSession"]))
    name = "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b"
    assert classifier.role(name, "AROA1", SSO, {}, sso_trust) == (
        False,
        f"IAM Identity Center role of permission set AdministratorAccess (path {SSO}): assumed by people "
        "signing in through SSO",
    )
    # the override mechanism still decides first, by scope file and by tag
    assert classifier.role(name, "AROAPINNED", SSO, {}, sso_trust) == (
        True,
        "scope file identity_overrides['AROAPINNED'] = nhi",
    )
    assert classifier.role(name, "AROA1", SSO, {"muster:identity": "nhi"}, sso_trust) == (
        True,
        "tag muster:identity=nhi",
    )
    # a role not named as Identity Center names its roles is judged by its trust policy
    assert classifier.role("odd", "AROA1", SSO, {}, sso_trust)[1] == HUMAN_SAML.format(
        "AWSSSO_0a1b2c3d4e5f6a7b_DO_NOT_DELETE"
    )
    assert classifier.role("AWSServiceRoleForSSO", "AROA2", "/aws-service-role/", {}, sso_trust) == (
        True,
        "service-linked role (path /aws-service-role/)",
    )
    assert classifier.role("deploy", "AROA3", "/", {}, None) == (True, DEFAULT)


def _roles_of(columnar: bool, monkeypatch) -> dict:
    monkeypatch.setattr(transform, "COLUMNAR", columnar)
    details = gaad(roles=[gaad_role(r) for r in [*cartography_roles(), github_role()]])
    collected = transform.transform_account(raw_account(details, report()), tenant(), DAY)
    validated(collected)
    picked = ("kind", "is_nhi", "nhi_reason")
    return {(r["name"], r["principal_id"]): {k: r[k] for k in picked} for r in collected.principals}


def test_the_transform_classifies_cartographys_roles_by_identity_center_path_and_trust(monkeypatch):
    got = _roles_of(True, monkeypatch)
    role = lambda nhi, reason: {"kind": "role", "is_nhi": nhi, "nhi_reason": reason}  # noqa: E731
    assert got == {
        ("AWSReservedSSO_AdministratorAccess_1345", "AROA"): role(
            False,
            f"IAM Identity Center role of permission set AdministratorAccess (path {SSO}): assumed by people "
            "signing in through SSO",
        ),
        ("example-role-3", "AROA00000000000000003"): role(False, HUMAN_SAML.format("ADFS")),
        # admits two other accounts as well as saml-provider/Okta: not only people
        ("admin", "AROAJPGNHE3XYY"): role(True, DEFAULT),
        ("github-deploy", "AROAGITHUBDEPLOY0001"): role(
            True, WEB.format("token.actions.githubusercontent.com")
        ),
        **{
            key: role(True, DEFAULT)
            for key in (
                ("cartography-read-only", "AROA4"),
                ("cartography-service", "AROA4S"),
                ("example-role-0", "AROA00000000000000000"),
                ("example-role-1", "AROA00000000000000001"),
                ("example-role-2", "AROA00000000000000002"),
                ("ServiceRole", "AROAJJUSH7VXXX"),
            )
        },
    }


def test_the_row_path_classifies_the_roles_as_the_column_path_does(monkeypatch):
    assert _roles_of(False, monkeypatch) == _roles_of(True, monkeypatch)
