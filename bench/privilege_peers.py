"""Escalation detection on the labelled set: muster against cloudsplaining 0.9.1 (if installed).

The labelled set is ``tests/unit/providers/aws/privilege/privilege_cases.py``: for every catalogued method,
policy sets that grant it (positives) and traps that must not be flagged (Deny in another policy, Deny with
NotAction, permissions boundary, Resource constraints, role trust). Each case is turned into a
GetAccountAuthorizationDetails document (user ``tester`` with inline policies and maybe a boundary, plus the
case's roles) for cloudsplaining, which flags a case when any policy ``tester`` holds has a PrivilegeEscalation
finding. Exclusions are empty (the defaults would hide AdministratorAccess; see API-NOTES §5).

    .venv/bin/python bench/privilege_peers.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1] / "tests" / "unit" / "providers" / "aws" / "privilege")
)
from privilege_cases import ACCOUNT, TESTER, Case, all_cases, default_roles, flagged, judge, score, table  # noqa: E402


def gaad(case: Case) -> dict:
    """The case as GetAccountAuthorizationDetails (names and ids filled, as real AWS returns them)."""
    user = {
        "UserName": "tester",
        "UserId": "AIDATESTER",
        "Arn": TESTER,
        "Path": "/",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "UserPolicyList": [{"PolicyName": f"p{n}", "PolicyDocument": d} for n, d in enumerate(case.policies)],
    }
    policies = []
    if case.boundary is not None:
        arn = f"arn:aws:iam::{ACCOUNT}:policy/boundary"
        user["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
        policies.append(
            {
                "PolicyName": "boundary",
                "PolicyId": "ANPABOUNDARY",
                "Arn": arn,
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "IsAttachable": True,
                "PolicyVersionList": [
                    {"Document": case.boundary, "VersionId": "v1", "IsDefaultVersion": True}
                ],
            }
        )
    roles = [
        {
            "RoleName": arn.rsplit("/", 1)[-1],
            "RoleId": f"AROA{n:016d}",
            "Arn": arn,
            "Path": "/",
            "AssumeRolePolicyDocument": trust,
            "RolePolicyList": [{"PolicyName": f"r{n}-{i}", "PolicyDocument": d} for i, d in enumerate(docs)],
            "AttachedManagedPolicies": [],
            "InstanceProfileList": [],
        }
        for n, (arn, (docs, trust)) in enumerate((case.roles or default_roles()).items())
    ]
    return {"UserDetailList": [user], "GroupDetailList": [], "RoleDetailList": roles, "Policies": policies}


def cloudsplaining_flags(case: Case) -> bool:
    from cloudsplaining.scan.authorization_details import AuthorizationDetails
    from cloudsplaining.shared.exclusions import Exclusions

    results = AuthorizationDetails(gaad(case), Exclusions({})).results
    held = results["users"]["AIDATESTER"]["inline_policies"]
    return any(results["inline_policies"][pid]["PrivilegeEscalation"]["findings"] for pid in held)


def main() -> None:
    cases = all_cases()
    t = time.perf_counter()
    ours = [(c, flagged(c, judge(c))) for c in cases]
    print(f"muster ({time.perf_counter() - t:.2f} s, {len(cases)} cases)\n{table(ours)}\n")
    try:
        import cloudsplaining  # noqa: F401
    except ImportError:
        print("cloudsplaining is not installed: pip install cloudsplaining==0.9.1 to compare")
        return
    t = time.perf_counter()
    peer = [(c, cloudsplaining_flags(c)) for c in cases]
    print(f"cloudsplaining 0.9.1 ({time.perf_counter() - t:.2f} s)\n{table(peer)}\n")
    for name, results in (("muster", ours), ("cloudsplaining", peer)):
        s = score(results)
        print(
            f"{name:<15} precision {s['precision']:.3f}  recall {s['recall']:.3f}  (TP {s['tp']} FP {s['fp']} FN {s['fn']} TN {s['tn']})"
        )
    missed = sorted(c.id for c, f in peer if f != c.label)
    print(f"\ncloudsplaining disagrees with the labels on {len(missed)} cases, e.g. {', '.join(missed[:6])}")


if __name__ == "__main__":
    main()
