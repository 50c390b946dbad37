"""Read one AWS account's IAM populations into a RawAccount: I/O only, no normalisation.

Steps, each recorded as one collection entity (see FEEDS) with its calls, pages, retries and errors:

1. ``sts:GetCallerIdentity``: refuse to collect unless the caller is in the account the scope file names.
2. ``GetAccountAuthorizationDetails`` with Marker paging: users, groups, roles and policies in bulk.
3. The credential report (generate, poll with backoff): every user's password, keys and certificates in one
   call. Its GeneratedTime is the as-of of all values taken from it.
4. Per-user fallback calls only for users the report does not cover (created after it was generated, or
   listed ambiguously), so that IAM calls do not grow with the number of users or keys.
5. SSH public keys and service-specific credentials have no bulk API: per user, only when the scope file
   enables it; otherwise recorded as not collected (never as empty).

Problems inside the account that we know how to describe (AccessDenied, a malformed payload, a report that
never becomes ready, an API the endpoint lacks) become entity statuses; connection errors and anything
unexpected propagate so that Airflow retries the task.

Shared pieces (``_Ctx``, paging, error descriptions) live in calls.py and steps 4 and 5 in user_calls.py
(split for module size).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import boto3
from botocore.exceptions import ClientError, NoCredentialsError

from ...collected import EntityResult
from ...config import Tenant
from .calls import UNPARSEABLE, CallCounter, _Ctx, _pages, describe, error_code, retry_config
from .credential_report import CredentialReportError, parse_credential_report
from .raw import ENTITY_FEEDS, RawAccount
from .user_calls import _fallback, _per_user_credentials

log = logging.getLogger(__name__)

#: entity -> the snapshot tables (or table:kind) it feeds.
FEEDS = ENTITY_FEEDS
GAAD_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
#: Largest page GetAccountAuthorizationDetails allows (default 100): fewer calls on big accounts.
GAAD_PAGE_SIZE = 1000


class ReportTimeout(RuntimeError):
    """The credential report did not become available within the time budget."""


def extract_account(
    session: boto3.Session, tenant: Tenant, *, sleep=time.sleep, report_timeout_s: float = 300
) -> RawAccount:
    """Collect the raw IAM populations of ``tenant``'s account through ``session``."""
    counter = CallCounter()
    raw = RawAccount(account_id=tenant.id)
    sts = counter.attach(session.client("sts", region_name=tenant.region, config=retry_config()))
    if not _check_caller(sts, tenant, raw, counter):
        return raw
    iam = counter.attach(session.client("iam", region_name=tenant.region, config=retry_config()))
    ctx = _Ctx(tenant, iam, counter, raw)
    users = _authorization_details(ctx)
    covered = _credential_report(ctx, _Backoff(sleep, report_timeout_s))
    uncovered = users if covered is None or users is None else [u for u in users if u not in covered]
    _fallback(ctx, uncovered)
    _per_user_credentials(ctx, users)
    for e in raw.entities:
        log.info(
            "account %s: %s %s (%d calls, %d items)", tenant.id, e.entity, e.status, e.api_calls, e.items
        )
    return raw


def _check_caller(sts, tenant: Tenant, raw: RawAccount, counter: CallCounter) -> bool:
    """Record the caller's ARN; False (entity failed) unless the caller is in the tenant's account."""
    result = EntityResult(entity="caller_identity", feeds=FEEDS["caller_identity"])
    raw.entities.append(result)
    with counter.entity(result):
        try:
            ident = sts.get_caller_identity()
        except (ClientError, NoCredentialsError) as e:
            result.fail(f"account {tenant.id}: caller_identity: {describe(e)}")
            return False
    raw.caller_arn, result.items = ident["Arn"], 1
    if ident["Account"] != tenant.id:
        result.fail(
            f"refusing to collect: caller {ident['Arn']} is in account {ident['Account']}, "
            f"scope file names {tenant.id}"
        )
        log.error("account %s: %s", tenant.id, result.error)
        return False
    return True


def _authorization_details(ctx: _Ctx) -> list[str] | None:
    """All GAAD pages merged into raw.authorization_details; the user names, or None when none were read."""
    result = ctx.start("authorization_details")
    merged: dict[str, list] = {key: [] for key in GAAD_LISTS}
    with ctx.counter.entity(result):
        try:
            for page in _pages(ctx.iam.get_account_authorization_details, MaxItems=GAAD_PAGE_SIZE):
                for key in GAAD_LISTS:
                    merged[key].extend(page.get(key, []))
        except (ClientError, *UNPARSEABLE) as e:
            status = "partial" if result.pages else "failed"
            result.fail(
                ctx.message("authorization_details", f"page {result.pages + 1}: {describe(e)}"), status
            )
    ctx.raw.authorization_details = merged
    result.items = sum(len(v) for v in merged.values())
    if result.status == "failed":
        return None
    return [u["UserName"] for u in merged["UserDetailList"]]


class _Backoff:
    """Exponential backoff through an injected sleep, bounded by a total time budget."""

    def __init__(self, sleep, budget_s: float, first_s: float = 1.0, cap_s: float = 30.0) -> None:
        self.sleep, self.budget_s, self.delay, self.cap_s = sleep, budget_s, first_s, cap_s
        self.waited = 0.0
        self.started = time.monotonic()

    def wait(self, reason: str) -> None:
        elapsed = max(self.waited, time.monotonic() - self.started)
        if elapsed >= self.budget_s:
            raise ReportTimeout(f"not available after {elapsed:.0f}s (last answer: {reason})")
        delay = min(self.delay, self.cap_s, self.budget_s - elapsed)
        self.sleep(delay)
        self.waited += delay
        self.delay *= 2


def _generate_report(iam, backoff: _Backoff) -> str:
    """GenerateCredentialReport, waiting out LimitExceeded; returns its State."""
    while True:
        try:
            return iam.generate_credential_report().get("State", "")
        except ClientError as e:
            if error_code(e) != "LimitExceeded":
                raise
            backoff.wait("LimitExceeded")


def fetch_credential_report(iam, backoff: _Backoff) -> dict:
    """Generate the report and poll GetCredentialReport until it is there (or the budget is spent)."""
    _generate_report(iam, backoff)
    while True:
        try:
            return iam.get_credential_report()
        except ClientError as e:
            code = error_code(e)
            if code == "ReportInProgress":
                backoff.wait(code)
            elif code in ("ReportNotPresent", "ReportExpired"):
                _generate_report(iam, backoff)
                backoff.wait(code)
            else:
                raise


def _credential_report(ctx: _Ctx, backoff: _Backoff) -> set[str] | None:
    """Store the decoded report and its GeneratedTime; the user names it covers, or None when unusable."""
    result = ctx.start("credential_report")
    with ctx.counter.entity(result):
        try:
            response = fetch_credential_report(ctx.iam, backoff)
        except (ClientError, ReportTimeout, *UNPARSEABLE) as e:
            result.fail(ctx.message("credential_report", describe(e)))
            return None
    generated = response.get("GeneratedTime")
    result.source_as_of = generated.astimezone(dt.UTC) if generated else None
    try:
        text = response["Content"].decode("utf-8")
        report = parse_credential_report(text)
    except (UnicodeDecodeError, CredentialReportError) as e:
        result.fail(ctx.message("credential_report", f"unusable content: {describe(e)}"))
        return None
    ctx.raw.credential_report, ctx.raw.credential_report_generated = text, result.source_as_of
    result.items = len(report.rows)
    return report.covered_users()
