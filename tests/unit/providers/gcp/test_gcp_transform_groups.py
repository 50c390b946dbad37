"""Grants held through Google groups: each member of a granted group holds the group's grants (via
group:<email>), nested groups' members too; a group whose members are unknown keeps its own grant only."""

from __future__ import annotations

from gcp_fixtures import raw_tenant, run
from muster.providers.gcp.groups import granted_groups

PROJECT = "proj-a"
ENG, SRE = "eng@x.example", "sre@x.example"
OWN_SA = f"app@{PROJECT}.iam.gserviceaccount.com"
OTHER_SA = "ci@proj-b.iam.gserviceaccount.com"


def _relation(member: str, email: str, relation: str = "DIRECT") -> dict:
    return {
        "member": member,
        "preferredMemberKey": [{"id": email}],
        "relationType": relation,
        "roles": [{"role": "MEMBER"}],
    }


def _raw(**group_members):
    policy = {
        "bindings": [
            {"role": "roles/viewer", "members": [f"group:{ENG}", "user:zoe@x.example"]},
            {
                "role": "roles/editor",
                "members": [f"group:{ENG}"],
                "condition": {"title": "t", "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"},
            },
            {"role": "roles/browser", "members": ["deleted:group:old@x.example?uid=123"]},
        ]
    }
    raw = raw_tenant(
        PROJECT,
        policies={f"projects/{PROJECT}": policy},
        service_accounts=[
            {"email": OWN_SA, "uniqueId": "1001", "name": f"projects/{PROJECT}/serviceAccounts/{OWN_SA}"}
        ],
        roles={"roles/viewer": None, "roles/editor": None, "roles/browser": None},
        group_members=group_members,
    )
    raw.entity("group_members")  # as extract leaves it after listing the groups
    return raw


ENG_MEMBERS = [
    _relation("users/2", "zoe@x.example"),
    _relation("groups/9", SRE),  # the nested group itself: its members follow as INDIRECT
    _relation("users/3", "amy@x.example", "INDIRECT"),
    _relation("users/4", OWN_SA),
    _relation("users/5", OTHER_SA, "INDIRECT"),
    _relation("users/3", "amy@x.example", "DIRECT_AND_INDIRECT"),  # listed twice: one grant
]


def test_every_member_of_a_granted_group_holds_its_grants_via_the_group():
    out = run(_raw(**{ENG: ENG_MEMBERS}))
    condition = next(g["via"] for g in out.grants if g["principal_id"] == f"group:{ENG}" and g["condition"])
    assert condition.startswith("condition:")
    assert [(g["principal_id"], g["role_id"], g["via"]) for g in out.grants] == [
        ("1001", "roles/editor", f"group:{ENG};{condition}"),  # this tenant's account: by uniqueId
        ("1001", "roles/viewer", f"group:{ENG}"),
        (f"group:{ENG}", "roles/editor", condition),
        (f"group:{ENG}", "roles/viewer", "direct"),
        ("group:old@x.example", "roles/browser", "direct"),  # a deleted group: no members listed
        (f"serviceAccount:{OTHER_SA}", "roles/editor", f"group:{ENG};{condition}"),
        (f"serviceAccount:{OTHER_SA}", "roles/viewer", f"group:{ENG}"),
        ("user:amy@x.example", "roles/editor", f"group:{ENG};{condition}"),  # nested: INDIRECT
        ("user:amy@x.example", "roles/viewer", f"group:{ENG}"),
        ("user:zoe@x.example", "roles/editor", f"group:{ENG};{condition}"),
        ("user:zoe@x.example", "roles/viewer", "direct"),  # named in the binding as well
        ("user:zoe@x.example", "roles/viewer", f"group:{ENG}"),
    ]
    by_id = {p["principal_id"]: p for p in out.principals}
    amy = by_id["user:amy@x.example"]
    assert (amy["kind"], amy["is_nhi"], amy["enabled"]) == ("human_user", False, None)
    assert amy["nhi_reason"] == f"Google account (user:), a member of group {ENG}"
    assert by_id["user:zoe@x.example"]["nhi_reason"] == "Google account (user:) named in an IAM binding"
    other = by_id[f"serviceAccount:{OTHER_SA}"]
    assert (other["kind"], other["is_nhi"]) == ("service_account", True)
    assert other["nhi_reason"] == f"GCP service account of project proj-b, a member of group {ENG}"
    assert f"group:{SRE}" not in by_id  # a nested group holds nothing of its own
    assert next(e for e in out.entities if e.entity == "group_members").status == "complete"


def test_the_rows_do_not_depend_on_the_order_of_the_memberships():
    first = run(_raw(**{ENG: ENG_MEMBERS}))
    again = run(_raw(**{ENG: list(reversed(ENG_MEMBERS))}))
    assert first.grants == again.grants and first.principals == again.principals


def test_a_group_whose_members_are_unknown_keeps_its_grant_and_gives_none():
    out = run(_raw(**{ENG: None}))
    assert {(g["principal_id"], g["via"]) for g in out.grants if g["role_id"] == "roles/viewer"} == {
        (f"group:{ENG}", "direct"),
        ("user:zoe@x.example", "direct"),
    }
    assert not any(g["via"].startswith("group:") for g in out.grants)


def test_a_malformed_membership_is_named_and_the_others_kept():
    members = [
        _relation("users/2", "zoe@x.example"),
        {"member": "users/6", "preferredMemberKey": [{"id": 42}]},
        {"member": "users/7", "preferredMemberKey": "amy@x.example"},
        "users/8",
        {"member": "users/9", "preferredMemberKey": [{"id": "ext-1", "namespace": "identitysources/abc"}]},
    ]
    out = run(_raw(**{ENG: members}))
    entity = next(e for e in out.entities if e.entity == "group_members")
    assert entity.status == "partial"
    where = f"tenant gcp:{PROJECT}: group_members: group {ENG} membership"
    for part in (
        f"{where} 1 field preferredMemberKey[0].id is not a string",
        f"{where} 2 field preferredMemberKey is not a list",
        f"{where} 3 is not an object",
        f"{where} 4 (ext-1) is an external identity of identitysources/abc",
    ):
        assert part in entity.error, part
    members_held = {g["principal_id"] for g in out.grants if g["via"] == f"group:{ENG}"}
    assert members_held == {"user:zoe@x.example"}


def test_only_live_groups_named_in_bindings_are_listed():
    policies = [
        {"bindings": [{"role": "r", "members": [f"group:{SRE}", "user:a@x", f"group:{ENG}"]}]},
        {"bindings": [{"role": "r", "members": [f"group:{ENG}", "deleted:group:old@x?uid=1", 7]}, "x"]},
        {"bindings": "not a list"},
    ]
    assert granted_groups(policies) == [ENG, SRE]
