"""Seed moto's AWS backend with one scenario day's state.

The IAM API cannot set dates (CreateDate, last used, password last used), so the state is written
through moto's backend objects in this process (shared/API-NOTES.md §1, workaround 3), and a
ThreadedMotoServer in the same process serves it to the real SDK over loopback. Each day is seeded
from scratch after a reset: simplest, and a day can be served on its own (`server --day N`).

Identifiers stay stable across days and runs: moto's random source is seeded from the account and
entity name before each object is created, so a user, role or access key keeps its id from one
scenario day to the next, as it would in AWS.

moto pinned at 5.2.5: this module writes its backend objects, so it is the one place to adapt when
moto changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging

from .aws_model import Account, AwsSpec, Organization, Role, User

log = logging.getLogger(__name__)

REGION = "us-east-1"
#: moto answers for this account when a request carries credentials it does not know (the demo's).
MOTO_DEFAULT_ACCOUNT = "123456789012"
#: When an account's `joined` is not given: a fixed date, so that reruns stay identical.
UNKNOWN_JOINED = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


class SeedError(ValueError):
    """The state cannot be put into the emulator (unknown AWS-managed policy, wrong management account)."""


def _naive(value: dt.datetime) -> dt.datetime:
    """moto stores naive UTC datetimes."""
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _stable(*parts: str) -> None:
    """Seed moto's random source so that the next object created gets the same id every time."""
    from moto.moto_api._internal import mock_random

    mock_random.seed(int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:8], "big"))


@functools.cache
def _aws_managed_catalogue() -> dict:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


# -- the emulator's clock --------------------------------------------------------------------------
_sim_now: dt.datetime | None = None
_real_utcnow = None
_real_report = None


def _iam_utcnow() -> dt.datetime:
    return _naive(_sim_now) if _sim_now else _real_utcnow()


def set_clock(now: dt.datetime | None) -> None:
    """Make moto's IAM read `now` (aware) as the time, or restore its own clock with None.

    With it, keys and roles used during tonight's collection show tonight's simulated date. Only
    moto's IAM module is redirected (it stamps last-used times when temporary credentials are used),
    not STS: temporary credentials must expire by the real clock or botocore keeps refreshing them.
    """
    global _sim_now, _real_utcnow, _real_report
    import moto.iam.models as iam_models
    from moto.iam.responses import IamResponse

    if _real_utcnow is None:
        _real_utcnow = iam_models.utcnow
        _real_report = IamResponse.get_credential_report
    _sim_now = now
    iam_models.utcnow = _iam_utcnow if now is not None else _real_utcnow
    # moto answers every credential report with GeneratedTime 2015-02-02: stamp the simulated night.
    IamResponse.get_credential_report = _stamped_report if now is not None else _real_report


def _stamped_report(self):
    from moto.core.responses import ActionResult

    result = dict(_real_report(self).result)
    result["GeneratedTime"] = _sim_now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ActionResult(result)


# -- seeding ---------------------------------------------------------------------------------------
def reset() -> None:
    """Empty every moto backend in this process (what POST /moto-api/reset does)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def seed(aws: AwsSpec, now: dt.datetime) -> None:
    """Reset moto and write `aws` into it; `now` is the simulated time the state is observed at."""
    from moto.moto_api._internal import mock_random

    reset()
    set_clock(now)
    try:
        if aws.organization:
            _seed_organization(aws)
        for account in aws.accounts:
            _seed_account(account, aws.organization)
    finally:
        mock_random.seed()  # back to an unpredictable source for everything else moto makes
    log.info("seeded %d AWS account(s) for %s", len(aws.accounts), now.isoformat())


def _iam(account_id: str):
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["aws"]


def _seed_organization(aws: AwsSpec) -> None:
    """Create the Organization in the management account and the members with their scenario ids."""
    from moto.organizations.models import organizations_backends

    org = aws.organization
    if org.management_account != MOTO_DEFAULT_ACCOUNT:
        raise SeedError(
            f"the sandbox management account must be {MOTO_DEFAULT_ACCOUNT} (moto's default account, which "
            f"answers the demo's credentials), not {org.management_account}"
        )
    backend = organizations_backends[org.management_account]["aws"]
    _stable("organization", org.management_account)
    backend.create_organization(region=REGION, FeatureSet="ALL")
    mgmt = aws.account(org.management_account)
    master = backend.get_account_by_id(org.management_account)
    master.name, master.email = mgmt.name, mgmt.email or master.email
    master.create_time = _naive(mgmt.joined or UNKNOWN_JOINED)
    for member in aws.members():
        _stable("account", member.id)
        status = backend.create_account(
            AccountName=member.name, Email=member.email or f"{member.id}@example.com"
        )
        fake = backend.get_account_by_id(status["CreateAccountStatus"]["AccountId"])
        # moto draws a random id and creates the member role under it: give the account its scenario id.
        organizations_backends.master_accounts.pop(fake.id, None)
        organizations_backends.master_accounts[member.id] = (org.management_account, "aws")
        fake.id = member.id
        fake.create_time = _naive(member.joined or UNKNOWN_JOINED)


def _seed_account(account: Account, org: Organization | None) -> None:
    iam = _iam(account.id)
    policies = {p.name for p in account.policies}
    for p in account.policies:
        _stable(account.id, "policy", p.name)
        made = iam.create_policy(p.description, p.path, json.dumps(p.document), p.name, [])
        if p.created:
            made.create_date = made.update_date = _naive(p.created)
            for v in made.versions:
                v.create_date = _naive(p.created)

    def arn(name: str) -> str:
        if name in policies:
            return f"arn:aws:iam::{account.id}:policy/{name}"
        return _load_aws_managed(iam, account.id, name)

    for g in account.groups:
        _stable(account.id, "group", g.name)
        iam.create_group(g.name, g.path)
        for name in g.policies:
            iam.attach_group_policy(arn(name), g.name)
    for u in account.users:
        _seed_user(iam, account.id, u, arn)
    roles = list(account.roles)
    if org and account.id != org.management_account:
        roles.insert(0, _member_role(org, account))
    for r in roles:
        _seed_role(iam, account.id, r, arn)


def _load_aws_managed(iam, account_id: str, name: str) -> str:
    """Put one AWS-managed policy into the account, as moto does for all of them only when told to."""
    from moto.iam.models import AWSManagedPolicy

    arn_ = f"arn:aws:iam::aws:policy/{name}"
    if arn_ not in iam.managed_policies:
        data = _aws_managed_catalogue().get(name)
        if data is None:
            raise SeedError(
                f"account {account_id}: policy {name!r} is neither defined in the scenario nor AWS-managed"
            )
        iam.managed_policies[arn_] = AWSManagedPolicy.from_data(name, account_id, REGION, data)
    return arn_


def _seed_user(iam, account_id: str, u: User, arn) -> None:
    _stable(account_id, "user", u.name)
    user = iam.create_user(
        REGION, u.name, u.path, [{"Key": k, "Value": v} for k, v in sorted(u.tags.items())]
    )
    user.create_date = _naive(u.created)
    if u.console:
        iam.create_login_profile(u.name, "Sandbox-" + hashlib.sha256(u.name.encode()).hexdigest()[:16] + "!")
        user.password_last_used = _naive(u.password_last_used) if u.password_last_used else None
    if u.mfa:
        serial = f"arn:aws:iam::{account_id}:mfa/{u.name}"
        user.enable_mfa_device(serial, "123456", "654321")
        user.mfa_devices[serial].enable_date = _naive(u.created)
    for g in u.groups:
        iam.add_user_to_group(g, u.name)
    for name in u.policies:
        iam.attach_user_policy(arn(name), u.name)
    for name, doc in u.inline_policies.items():
        iam.put_user_policy(u.name, name, json.dumps(doc))
    for k in u.access_keys:
        _seed_access_key(iam, account_id, u.name, k)
    for label in u.ssh_keys:
        _stable(account_id, "ssh", u.name, label)
        body = (
            f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{hashlib.sha256(label.encode()).hexdigest()[:40]} {label}"
        )
        key = iam.upload_ssh_public_key(u.name, body)
        key.upload_date = _naive(u.created)


def _seed_access_key(iam, account_id: str, user_name: str, k) -> None:
    from moto.iam.models import AccessKeyLastUsed

    _stable(account_id, "access_key", user_name, k.id)
    key = iam.create_access_key(
        user_name, prefix="AKIA", status="Active" if k.status == "active" else "Inactive"
    )
    key.create_date = _naive(k.created)
    if k.last_used:
        key.last_used = AccessKeyLastUsed(
            timestamp=_naive(k.last_used.at), service=k.last_used.service, region=k.last_used.region
        )


def _member_role(org: Organization, account: Account) -> Role:
    """The role Organizations creates in every member it creates, with the policies it gets there."""
    from .aws_model import Trust

    return Role(
        name=org.member_role_name,
        trust=Trust(account=org.management_account),
        policies=list(org.member_role_policies),
        created=account.joined or UNKNOWN_JOINED,
    )


def _seed_role(iam, account_id: str, r: Role, arn) -> None:
    _stable(account_id, "role", r.name)
    role = iam.create_role(
        role_name=r.name,
        assume_role_policy_document=json.dumps(r.trust.document()),
        path=r.path,
        permissions_boundary=None,
        description=r.description,
        tags=[{"Key": k, "Value": v} for k, v in sorted(r.tags.items())],
        max_session_duration="3600",
    )
    role.create_date = _naive(r.created)
    if r.last_used:
        role.last_used, role.last_used_region = _naive(r.last_used.at), r.last_used.region
    for name in r.policies:
        iam.attach_role_policy(arn(name), r.name)
    for name, doc in r.inline_policies.items():
        iam.put_role_policy(r.name, name, json.dumps(doc))
