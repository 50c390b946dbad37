"""The row path for IAM users and root: principals, credentials and grants, with the report or the fallbacks.

Split out of transform.py (module size). ``_Users.add_row`` takes any ``UserDetailList`` item and describes
every problem; batch_users.py builds the same rows column-wise for the users that need no message and shares
this object's state (``matched_batch``, ``groups``), so the two must stay in step
(test_aws_columnar_equivalence.py compares them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from . import credential_rows as cr
from .credential_columns import report_certs, report_keys, report_password
from .credential_fallbacks import listed_certs, listed_keys, login_profile, service_specific, ssh_keys
from .policies import GAAD
from .row_roles import boundary_of, claim_item
from .transform_run import REPORT, listing

if TYPE_CHECKING:
    from .credential_report import CredentialReport
    from .policies import PolicyBook
    from .transform_run import Run


class _Users:
    """IAM users and root: principals, credentials and grants, with the report or the fallbacks."""

    def __init__(self, run: Run, book: PolicyBook, groups: dict, report: CredentialReport | None) -> None:
        self.run, self.book, self.groups, self.report = run, book, groups, report
        self.raw = run.raw
        self.matched: set[str] = set()
        self.unknown_keys: set[str] = set()
        self.ambiguous_unresolved: set[str] = set()
        self.missing_groups: set[str] = set()
        #: ARNs of the users built column-wise (``batch_users``), matched to report rows.
        self.matched_batch: pa.Array = pa.array([], pa.string())

    def add_row(self, index: int, user: object) -> None:
        """One user the row way (any source, any quirk)."""
        run = self.run
        head = claim_item(run, "user", index, user)
        if head is None:
            return
        name, pid, arn, what, path, tags, user = head
        console, mfa, use = self._credentials(name, pid, arn)
        is_nhi, reason = run.classifier.user(name, pid, path, tags, console, mfa)
        owner, owner_source = run.classifier.owner(name, pid, tags)
        run.out.principals.append(
            {
                **run.base,
                "principal_id": pid,
                "name": name,
                "arn_or_resource": arn or None,
                "kind": "service_user" if is_nhi else "human_user",
                "is_nhi": is_nhi,
                "nhi_reason": reason,
                "enabled": use.active,
                "console_access": console,
                "mfa_enabled": mfa,
                "path": path,
                "created_at": run.time(user.get("CreateDate"), GAAD, what, "CreateDate"),
                "last_used_at": use.last_used_at,
                "last_used_source": use.last_used_source,
                "owner": owner,
                "owner_source": owner_source,
                "boundary_role_id": boundary_of(user),
                "tags": tags,
            }
        )
        self._grants(user, pid, arn or name, what)

    def _grants(self, user: dict, pid: str, arn: str, what: str) -> None:
        book = self.book
        book.grants(pid, book.attached(user.get("AttachedManagedPolicies"), what), "direct")
        book.grants(pid, book.inline(user.get("UserPolicyList"), what, arn, "UserPolicyList"), "inline")
        for group in dict.fromkeys(user.get("GroupList") or ()):
            found = self.groups.get(group)
            if found is None:
                self.missing_groups.add(f"{group} (of {what})")
                continue
            book.grants(pid, found[1], found[0])

    def _credentials(self, name: str, pid: str, arn: str | None) -> tuple[bool | None, bool | None, cr.Use]:
        """(console_access, mfa_enabled, Use over every credential) for one user.

        ``Use.active`` is the principal's ``enabled``: a console password or any active access key or signing
        certificate (the credential report's scope), or an active SSH key / service-specific credential when
        those were collected.
        """
        run, raw = self.run, self.raw
        row = self.report.row_for(name, arn) if self.report else None
        if row is not None:
            self.matched.add(row["arn"])
        ambiguous = row is not None and name in self.report.ambiguous
        covered = row is not None and not ambiguous
        uses = []
        if name in raw.access_keys:
            uses.append(listed_keys(run, pid, name, raw.access_keys[name]))
        elif covered:
            uses.append(report_keys(run, pid, row, self.report))
        else:
            (self.ambiguous_unresolved if ambiguous else self.unknown_keys).add(name)
            uses.append(cr.UNKNOWN)
        if name in raw.signing_certificates:
            uses.append(listed_certs(run, pid, name, raw.signing_certificates[name]))
        else:
            uses.append(report_certs(run, pid, row, self.report) if covered else cr.UNKNOWN)
        if name in raw.login_profiles:
            password = login_profile(run, pid, name, raw.login_profiles[name])
        elif covered:
            password = report_password(run, pid, row, self.report)
        else:
            password = cr.Use(row.get("password_enabled") if row else None)
        if raw.ssh_public_keys is not None or raw.service_specific_credentials is not None:
            uses += self._optional(pid, name)
        mfa = bool(raw.mfa_devices[name]) if name in raw.mfa_devices else (row or {}).get("mfa_active")
        active = cr.merge_active(password, *uses)
        when, source = cr.latest(password, *uses)
        return password.active, mfa, cr.Use(active, when, source)

    def _optional(self, pid: str, name: str) -> list[cr.Use]:
        """SSH keys and service-specific credentials, when collected (they do not decide ``enabled``)."""
        uses = []
        if self.raw.ssh_public_keys is not None:
            uses.append(ssh_keys(self.run, pid, name, self.raw.ssh_public_keys.get(name) or []))
        if self.raw.service_specific_credentials is not None:
            items = self.raw.service_specific_credentials.get(name) or []
            uses.append(service_specific(self.run, pid, name, items))
        return [u for u in uses if u.active]

    def finish(self) -> None:
        """Root, then one message per kind of gap (not one per user)."""
        run = self.run
        self._root()
        if self.unknown_keys:
            run.fail(
                "access_keys",
                f"user(s) with no credential report row and no ListAccessKeys data, credentials unknown: "
                f"{listing(self.unknown_keys)}",
            )
        if self.ambiguous_unresolved:
            run.fail(
                REPORT,
                f"user(s) listed more than once with different content and no ListAccessKeys data, "
                f"credentials unknown: {listing(self.ambiguous_unresolved)}",
            )
        if self.missing_groups:
            run.fail(
                GAAD,
                f"group(s) named in GroupList but not in GroupDetailList: {listing(self.missing_groups)}",
            )
        if self.report:
            arns = self.report.typed.column("arn")
            matched = pa.concat_arrays([pa.array(list(self.matched), pa.string()), self.matched_batch])
            unmatched = pc.invert(pc.is_in(arns, value_set=matched))
            users = self.report.typed.column("user").filter(unmatched).to_pylist()
            extra = {"(a row without a user name)" if u is None else u for u in users}
            extra.discard("<root_account>")
            if extra:
                run.note(
                    REPORT,
                    f"user(s) in the credential report but not in authorization details "
                    f"(deleted in between?), skipped: {listing(extra)}",
                )

    def _root(self) -> None:
        row = self.report.root if self.report else None
        if row is None:
            return
        run, pid = self.run, self.run.account_id
        keys = report_keys(run, pid, row, self.report)
        certs = report_certs(run, pid, row, self.report)
        password_used = row.get("password_last_used")
        password = cr.Use(None, password_used, f"{REPORT}:password_last_used" if password_used else None)
        is_nhi, reason = run.classifier.root("<root_account>", pid)
        owner, owner_source = run.classifier.owner("<root_account>", pid, {})
        when, source = cr.latest(password, keys)
        run.out.principals.append(
            {
                **run.base,
                "principal_id": pid,
                "name": "<root_account>",
                "arn_or_resource": row["arn"],
                "kind": "root",
                "is_nhi": is_nhi,
                "nhi_reason": reason,
                "enabled": True if (keys.active or certs.active) else None,
                "console_access": None,
                "mfa_enabled": row.get("mfa_active"),
                "path": None,
                "created_at": row.get("user_creation_time"),
                "last_used_at": when,
                "last_used_source": source,
                "owner": owner,
                "owner_source": owner_source,
                "boundary_role_id": None,
                "tags": {},
            }
        )
