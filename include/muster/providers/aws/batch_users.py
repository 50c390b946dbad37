"""IAM users built column-wise: the bulk of an account, with every row of theirs made by Arrow kernels.

A user goes this way when the row path (``_Users.add_row`` in row_users.py) would take all its fields as they
are, without a message, and its credentials come from one unambiguous credential-report row; every other
user goes the row way, in order, so that messages and their order stay as they were. ``build`` then makes the
principal, credential, grant and inline role_definitions rows of the batch with the same values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import credential_columns as cc
from . import gaad_columns as gc
from .batch_common import (
    ItemBatch,
    inline_definitions,
    inline_entries,
    joined,
    layout_rows,
    principal_table,
)
from .grant_columns import Layout, LayoutBatch, LayoutRow

if TYPE_CHECKING:
    from .row_users import _Users

USER = pa.struct(
    [
        ("UserName", gc.STR),
        ("UserId", gc.STR),
        ("Arn", gc.STR),
        ("Path", gc.STR),
        ("AttachedManagedPolicies", gc.ATTACHED),
        ("GroupList", pa.list_(gc.STR)),
    ]
)
#: Fields that GAAD leaves out when empty (no tags, no boundary, no inline policy).
USER_OPTIONAL = {"Tags": gc.TAG_LIST, "PermissionsBoundary": gc.BOUNDARY, "UserPolicyList": gc.INLINE}


def read_users(items: list) -> gc.Items:
    """``UserDetailList`` read column-wise."""
    return gc.read_items(items, USER, USER_OPTIONAL)


class UserBatch(ItemBatch):
    """The users of one account that go column-wise; ``rest()`` lists the others for the row path."""

    name_field, id_field = "UserName", "UserId"

    def __init__(self, users: _Users, items: list, read: gc.Items | None) -> None:
        """``read``: ``read_users(items)``, or None when there is no report."""
        self.users, self.report = users, users.report
        # Without a report, credentials come from fallbacks or are unknown: the row path says which.
        read = read if self.report is not None else None
        super().__init__(users.run, users.book, items, read)
        if read is None:
            return
        self.inline_lists = read.field("UserPolicyList")
        excluded = pa.array(sorted(self._excluded()), gc.STR)
        self.ok &= ~np.asarray(pc.fill_null(pc.is_in(self.name, value_set=excluded), False))
        self.position = pc.index_in(self.arn, value_set=self.report.typed.column("arn").combine_chunks())
        self.ok &= np.asarray(self.position.is_valid())

    def _excluded(self) -> set[str]:
        """Users the report does not settle: listed twice, with per-user fallback data, or SSH / service
        credentials to read (those may carry messages)."""
        raw = self.users.raw
        names = set(self.report.ambiguous).union(
            raw.access_keys, raw.signing_certificates, raw.login_profiles, raw.mfa_devices
        )
        for optional in (raw.ssh_public_keys, raw.service_specific_credentials):
            names.update(k for k, v in (optional or {}).items() if v)
        return {n for n in names if isinstance(n, str)}

    def check(self, duplicated: pa.Array) -> None:
        """Send to the row path every user it would describe or that shares an id with another principal."""
        if not self.ok.any():
            return
        ok = self._check_shared(duplicated)
        self.group_parents, groups = gc.flat(gc.field(self.s, "GroupList"))
        known = pa.array([g for g in self.users.groups if isinstance(g, str)], gc.STR)
        self.group_codes = pc.index_in(groups, value_set=known)
        ok &= ~gc.owners_of(self.group_parents, ~np.asarray(self.group_codes.is_valid()), self.size)
        lengths = pc.list_value_length(self.inline_lists)
        for i in np.flatnonzero(ok & np.asarray(pc.fill_null(pc.greater(lengths, 0), False))):
            entries = inline_entries(self.book, self.items[i].get("UserPolicyList"))
            if entries is None:
                ok[i] = False
            else:
                self.inline[int(i)] = entries
        self._drop(ok, *self._created(ok))

    def build(self) -> None:
        """Principal, credential, grant and inline role_definitions rows of the batch."""
        at = np.flatnonzero(self.ok)
        if not len(at):
            return
        columns = self._shared_columns(at)
        pid, name, arn = columns["principal_id"], columns["name"], columns["arn_or_resource"]
        self.users.matched_batch = arn
        console, mfa, enabled, when, source = self._credentials(pid, gc.rows_of(at, self.size)(self.position))
        is_nhi, reason = self.classifier.users(name, pid, columns["path"], columns["tags"], console, mfa)
        columns |= {
            "kind": pc.if_else(is_nhi, "service_user", "human_user"),
            "is_nhi": is_nhi,
            "nhi_reason": reason,
            "enabled": enabled,
            "console_access": console,
            "mfa_enabled": mfa,
            "last_used_at": when,
            "last_used_source": source,
        }
        self.run.add_columnar("principals", principal_table(self.run, len(at), columns))
        self._grants(at, pid, arn, columns["boundary_role_id"])
        inline_definitions(self.run, at, arn, self.inline)

    def _credentials(self, pid: pa.Array, position: pa.Array) -> tuple:
        """Credential rows from the report, and (console, mfa, enabled, last use, its source) per user."""
        batch = cc.ReportBatch(self.run, self.report, pid, position)
        keys, (key_active, key_when, key_source) = cc.key_columns(batch)
        certs, (cert_active, _, _) = cc.cert_columns(batch)
        password, (console, when, source) = cc.password_columns(batch)
        self.run.add_columnar("credentials", pa.concat_tables([keys, certs, password]))
        when, source = cc.later(when, source, key_when, key_source)
        source = pc.if_else(pc.is_valid(when), source, pa.scalar(None, gc.STR))  # a source only with a date
        enabled = pc.or_kleene(console, pc.or_(key_active, cert_active))
        return console, batch.column("mfa_active", pa.bool_()), enabled, when, source

    def _grants(self, at: np.ndarray, pid: pa.Array, arn: pa.Array, boundary: pa.Array) -> None:
        """One layout per distinct (attached policies, groups, inline policies, boundary)."""
        where = self._positions(at)
        keep = self.ok[self.group_parents]
        group_codes = self.group_codes.filter(pa.array(keep))
        grp = joined(where[self.group_parents[keep]], group_codes, len(at))
        ids, first = self._layouts(at, where, boundary, grp)
        layouts = [self._layout(int(at[r]), boundary[r].as_py()) for r in first]
        self.book.add_batch(LayoutBatch(pid, arn, ids, layouts))

    def _layout(self, i: int, boundary: str | None) -> Layout:
        """The grant rows of user ``i`` as the row path emits them: direct, inline, then each group's."""
        item = self.items[i]
        what = f"user {item['UserName']}"
        rows = layout_rows(self.book, item.get("AttachedManagedPolicies"), what, self.inline.get(i, []))
        for group in dict.fromkeys(item.get("GroupList") or ()):
            via, held = self.users.groups[group]
            rows += [LayoutRow(rid, name, via, policy) for rid, name, policy in held]
        return Layout(rows, boundary)
