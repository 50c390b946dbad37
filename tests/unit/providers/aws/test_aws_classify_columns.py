"""``ColumnClassifier`` against ``Classifier``, row by row (hypothesis): the same verdicts, reasons and owners
for generated principals, under the default rules and under a scope file that uses every rule."""

import numpy as np
import pyarrow as pa
from aws_transform_helpers import tenant
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from muster.providers.aws.classify import Classifier
from muster.providers.aws.classify_columns import ColumnClassifier
from muster.schema._base import TAGS

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TENANTS = {
    "default": tenant(),
    "rules": tenant(
        identity_overrides={"alice": "nhi", "AIDA2": "human", "ci-bot": "human"},
        owners={"svc-x": "team-x", "AIDA3": "team-3"},
        owner_tag_keys=("Owner", "owner", "team"),
        classification={
            "override_tag_key": "kind",
            "service_paths": ["/svc/", "/s"],
            "human_paths": ["/people/", "/s"],
            "service_name_patterns": [r"^ci-", r"(bot|robot)$", r"x{2,}"],
            "service_tag_values": {"type": ["service", "Machine"], "role": ["automation"]},
        },
    ),
    "no patterns": tenant(classification={"service_name_patterns": []}),
}
SSO = "/aws-reserved/sso.amazonaws.com/"
name = st.sampled_from(
    ["alice", "svc-x", "ci-bot", "robot", "app.svc", "xx", "svc-deploy", "bob", "sys-y"]
    + ["AWSReservedSSO_Admin_0a1b", "AWSReservedSSO_Read_Only_ff", "AWSReservedSSO_x", "AWSReservedSSO_A_B_"]
)
pid = st.sampled_from(["AIDA1", "AIDA2", "AIDA3", "AROA1", "alice"])
path = st.none() | st.sampled_from(
    ["/", "/svc/", "/service/", "/people/", "/s", "/aws-service-role/", "/x/", SSO, SSO + "us-east-1/"]
)
value = st.sampled_from(["", "human", " NHI ", "nhi", "maybe", "service", "SERVICE", "machine", "team-a"])
key = st.sampled_from(["muster:identity", "kind", "type", "role", "identity-type", "owner", "Owner", "team"])
tags = st.dictionaries(key, value, max_size=4).map(lambda d: dict(sorted(d.items())))
flag = st.none() | st.booleans()
principal = st.tuples(name, pid, path, tags, flag, flag)


def _trust(*principals: dict, action: str = "sts:AssumeRoleWithSAML") -> dict:
    return {"Statement": [{"Effect": "Allow", "Principal": p, "Action": action} for p in principals]}


#: Trust policies a role may have: SAML only, web identity, SAML shared with an account, none of those.
TRUSTS = [
    _trust({"Federated": "arn:aws:iam::1:saml-provider/AWSSSO_ab_DO_NOT_DELETE"}),
    _trust({"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}),
    _trust({"Federated": "arn:aws:iam::1:saml-provider/Okta"}, {"AWS": "arn:aws:iam::2:root"}),
    _trust({"Service": "ec2.amazonaws.com"}, action="sts:AssumeRole"),
]
trust_at = st.integers(-1, len(TRUSTS) - 1)


def columns(rows):
    names, pids, paths, tag_maps, consoles, mfas = zip(*rows, strict=True) if rows else ([],) * 6
    return (
        pa.array(names, pa.string()),
        pa.array(pids, pa.string()),
        pa.array(paths, pa.string()),
        pa.array([list(t.items()) for t in tag_maps], TAGS),
        pa.array(consoles, pa.bool_()),
        pa.array(mfas, pa.bool_()),
    )


@SETTINGS
@given(st.sampled_from(sorted(TENANTS)), st.lists(principal, max_size=12))
def test_users_are_classified_as_the_row_classifier_does(which, rows):
    row = Classifier(TENANTS[which])
    name, pid, path, tag_maps, console, mfa = columns(rows)
    is_nhi, reason = ColumnClassifier(row).users(name, pid, path, tag_maps, console, mfa)
    want = [row.user(*r) for r in rows]
    assert list(zip(is_nhi.to_pylist(), reason.to_pylist(), strict=True)) == want


@SETTINGS
@given(st.sampled_from(sorted(TENANTS)), st.lists(principal, max_size=12), st.lists(trust_at, max_size=12))
def test_roles_and_owners_are_what_the_row_classifier_gives(which, rows, at):
    row = Classifier(TENANTS[which])
    name, pid, path, tag_maps, _, _ = columns(rows)
    column = ColumnClassifier(row)
    codes = np.array((at + [-1] * len(rows))[: len(rows)], np.int64)
    is_nhi, reason = column.roles(name, pid, path, tag_maps, (codes, TRUSTS))
    owner, source = column.owners(name, pid, tag_maps)
    want = [
        row.role(*r[:4], TRUSTS[c] if c >= 0 else None) for r, c in zip(rows, codes.tolist(), strict=True)
    ]
    assert list(zip(is_nhi.to_pylist(), reason.to_pylist(), strict=True)) == want
    assert column.roles(name, pid, path, tag_maps)[1].to_pylist() == [row.role(*r[:4])[1] for r in rows]
    assert list(zip(owner.to_pylist(), source.to_pylist(), strict=True)) == [
        row.owner(r[0], r[1], r[3]) for r in rows
    ]
