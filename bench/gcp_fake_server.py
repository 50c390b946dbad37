"""Serve a synthetic GCP organisation from the sandbox's fake in its own process; prints "PORT <n>".

python bench/gcp_fake_server.py --projects 500 --accounts 20 --keys 2 [--hmac-keys 1] [--group-members 0]
"""

from __future__ import annotations

import argparse
import sys

from loopback import announce_and_serve
from muster.sandbox.gcp_fake import GcpFake
from muster.sandbox.gcp_world import World


def synthetic_world(
    projects: int, accounts: int, keys: int, hmac_keys: int = 1, group_members: int = 0
) -> World:
    """An organisation of `projects` projects, each with `accounts` service accounts of `keys` user keys,
    a policy binding every account to a predefined role, Policy Analyzer activity for half of them, and
    `hmac_keys` Cloud Storage HMAC keys per project (held by its accounts in turn); with `group_members`, each
    project's policy also binds roles/viewer to a group team-<n>@bench.example of that many users."""
    w = World()
    w.organizations["organizations/1"] = {
        "name": "organizations/1",
        "displayName": "bench.example",
        "state": "ACTIVE",
    }
    roles = (
        "roles/viewer",
        "roles/storage.objectAdmin",
        "roles/iam.serviceAccountUser",
        "roles/bigquery.dataEditor",
    )
    for i in range(projects):
        pid = f"bench-{i:05d}"
        w.projects[pid] = {
            "name": f"projects/{10**6 + i}",
            "projectId": pid,
            "parent": "organizations/1",
            "state": "ACTIVE",
        }
        w.accounts[pid], bindings = [], {}
        sa_act, key_act = [], []
        for j in range(accounts):
            email = f"sa-{j:03d}@{pid}.iam.gserviceaccount.com"
            uid = f"{i:06d}{j:04d}"
            w.accounts[pid].append(
                {
                    "name": f"projects/{pid}/serviceAccounts/{email}",
                    "projectId": pid,
                    "uniqueId": uid,
                    "email": email,
                }
            )
            w.keys[email] = [
                {
                    "name": f"projects/{pid}/serviceAccounts/{email}/keys/{uid}{k:02d}",
                    "validAfterTime": "2026-01-01T00:00:00Z",
                    "validBeforeTime": "9999-12-31T23:59:59Z",
                    "keyAlgorithm": "KEY_ALG_RSA_2048",
                    "keyOrigin": "GOOGLE_PROVIDED",
                    "keyType": "USER_MANAGED",
                }
                for k in range(keys)
            ]
            bindings.setdefault(roles[j % len(roles)], []).append(f"serviceAccount:{email}")
            if j % 2 == 0:
                sa_act.append(
                    {
                        "activity": {
                            "lastAuthenticatedTime": "2026-11-01T00:00:00Z",
                            "serviceAccount": {"serviceAccountId": uid},
                        }
                    }
                )
                key_act.append(
                    {
                        "activity": {
                            "lastAuthenticatedTime": "2026-11-01T00:00:00Z",
                            "serviceAccountKey": {"fullResourceName": w.keys[email][0]["name"]},
                        }
                    }
                )
        if group_members:
            group = f"team-{i:05d}@bench.example"
            w.add_group(group, [f"user:u{m:03d}.{i:05d}@bench.example" for m in range(group_members)])
            bindings.setdefault("roles/viewer", []).append(f"group:{group}")
        w.policies[f"projects/{pid}"] = {
            "bindings": [{"role": r, "members": m} for r, m in sorted(bindings.items())]
        }
        w.hmac_keys[pid] = [
            {
                "kind": "storage#hmacKeyMetadata",
                "id": f"{pid}/GOOG1E{i:06d}{h:049d}",
                "accessId": f"GOOG1E{i:06d}{h:049d}",
                "projectId": pid,
                "serviceAccountEmail": w.accounts[pid][h % accounts]["email"],
                "state": "ACTIVE",
                "timeCreated": "2026-01-01T00:00:00Z",
                "updated": "2026-01-01T00:00:00Z",
                "etag": "CAE=",
            }
            for h in range(hmac_keys if accounts else 0)
        ]
        w.activities[(pid, "serviceAccountLastAuthentication")] = sa_act
        w.activities[(pid, "serviceAccountKeyLastAuthentication")] = key_act
    return w


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--projects", type=int, default=500)
    p.add_argument("--accounts", type=int, default=20)
    p.add_argument("--keys", type=int, default=2)
    p.add_argument("--hmac-keys", type=int, default=1)
    p.add_argument("--group-members", type=int, default=0)
    args = p.parse_args()
    world = synthetic_world(args.projects, args.accounts, args.keys, args.hmac_keys, args.group_members)
    fake = GcpFake(world)
    url = fake.start()
    return announce_and_serve(url.rsplit(":", 1)[1], fake.stop)


if __name__ == "__main__":
    sys.exit(main())
