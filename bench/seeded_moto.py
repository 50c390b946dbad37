"""Serve a large synthetic AWS account from moto on loopback, for bench/collect_aws.py.

Runs as its own process (so the collector does not share a GIL with the server), seeds moto's backend
directly (thousands of boto3 create calls would take minutes), then serves and prints `PORT n`.

    python bench/seeded_moto.py --users 2000 --keys 2 --roles 500
"""

from __future__ import annotations

import argparse
import json
import logging
import os

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

from loopback import announce_and_serve
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
        ],
    }
)


def seed(users: int, keys: int, roles: int) -> None:
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    policies = [iam.create_policy("", "/", POLICY, f"policy-{i}", []).arn for i in range(20)]
    for i in range(users):
        name = f"svc-{i:05d}"
        iam.create_user("us-east-1", name, "/", [{"Key": "owner", "Value": f"team-{i % 40}"}])
        for _ in range(keys):
            iam.create_access_key(name)
        iam.attach_user_policy(policies[i % 20], name)
    for i in range(roles):
        name = f"role-{i:05d}"
        iam.create_role(name, TRUST, "/", None, "", [], None)
        iam.attach_role_policy(policies[i % 20], name)
        iam.attach_role_policy(policies[(i + 7) % 20], name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--keys", type=int, default=2)
    ap.add_argument("--roles", type=int, default=500)
    args = ap.parse_args()
    seed(args.users, args.keys, args.roles)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    announce_and_serve(server.get_host_and_port()[1], server.stop)


if __name__ == "__main__":
    main()
