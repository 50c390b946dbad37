"""IAM roles built column-wise (see ``batch_users``): principals, grants, inline and trust role_definitions.

A role goes this way when ``_role`` in row_roles.py would take it without a message and no other role shares
its ARN (the last role of an ARN names its trust policy); the others go the row way, in order.
"""

from __future__ import annotations

import marshal
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import gaad_columns as gc
from .batch_common import (
    ItemBatch,
    definitions_table,
    inline_definitions,
    inline_entries,
    layout_rows,
    principal_table,
    read_field,
    shared_codes,
)
from .grant_columns import Layout, LayoutBatch

if TYPE_CHECKING:
    from .policies import PolicyBook
    from .transform_run import Run

ROLE = pa.struct(
    [
        ("RoleName", gc.STR),
        ("RoleId", gc.STR),
        ("Arn", gc.STR),
        ("Path", gc.STR),
        ("AttachedManagedPolicies", gc.ATTACHED),
        ("RolePolicyList", gc.INLINE),
    ]
)
#: Fields that GAAD leaves out when empty.
ROLE_OPTIONAL = {"Tags": gc.TAG_LIST, "PermissionsBoundary": gc.BOUNDARY}
_USED = "iam:RoleLastUsed"
_NOT_USED = "iam:RoleLastUsed: no use in the tracking period"


def read_roles(items: list) -> gc.Items:
    """``RoleDetailList`` read column-wise."""
    return gc.read_items(items, ROLE, ROLE_OPTIONAL)


class RoleBatch(ItemBatch):
    """The roles of one account that go column-wise; ``rest()`` lists the others for the row path."""

    name_field, id_field = "RoleName", "RoleId"

    def __init__(self, run: Run, book: PolicyBook, items: list, read: gc.Items) -> None:
        """``read``: ``read_roles(items)``."""
        super().__init__(run, book, items, read)
        self.trust: dict[int, tuple[dict, str]] = {}

    def check(self, duplicated: pa.Array) -> None:
        """Send to the row path every role it would describe, or that shares an id or ARN with another."""
        if not self.ok.any():
            return
        ok = self._check_shared(duplicated)
        ok &= ~_repeated(read_field(self.arn, self.converted, self.items, "Arn"))
        self._documents(ok)
        at, bad = self._created(ok)
        last = gc.pick(self.items, at, "RoleLastUsed")
        self.used, bad_used = gc.times([u.get("LastUsedDate") if isinstance(u, dict) else None for u in last])
        self.tracked = np.array([isinstance(u, dict) for u in last], bool)
        bad |= bad_used
        keep = self._drop(ok, at, bad)
        self.used, self.tracked = self.used.filter(keep), self.tracked[~bad]

    def _documents(self, ok: np.ndarray) -> None:
        """Decode each role's inline and trust policies; a role the row path would report goes that way.

        Roles are made from templates: the pair of fields is decoded once per distinct content (keyed by
        its ``marshal`` bytes, equal only for equal content of the same types; see ``PolicyBook.document``).
        """
        decoded: dict[bytes, tuple | None] = {}
        for i in np.flatnonzero(ok).tolist():
            item = self.items[i]
            fields = (item.get("RolePolicyList"), item.get("AssumeRolePolicyDocument"))
            try:
                key = marshal.dumps(fields)
            except ValueError:
                key = None
            found = decoded[key] if key in decoded else self._decode(*fields)
            if key is not None:
                decoded[key] = found
            if found is None:
                ok[i] = False
            else:
                self.inline[i], trust = found
                if trust is not None:
                    self.trust[i] = trust

    def _decode(self, inline: object, trust: object) -> tuple | None:
        """(inline entries, (trust document, text) or None), or None when the row path would report one."""
        entries = inline_entries(self.book, inline)
        if entries is None:
            return None
        if trust is None:
            return entries, None
        try:
            return entries, self.book.document(trust)
        except ValueError:
            return None

    def build(self) -> None:
        """Principal, grant and role_definitions rows of the batch."""
        at = np.flatnonzero(self.ok)
        if not len(at):
            return
        n = len(at)
        columns = self._shared_columns(at)
        pid, name, arn = columns["principal_id"], columns["name"], columns["arn_or_resource"]
        codes, trusts = shared_codes(at, self.trust)
        is_nhi, reason = self.classifier.roles(
            name, pid, columns["path"], columns["tags"], (codes, [doc for doc, _ in trusts])
        )
        unused = pc.if_else(pa.array(self.tracked), _NOT_USED, pa.scalar(None, gc.STR))
        columns |= {
            "kind": gc.constant("role", gc.STR, n),
            "is_nhi": is_nhi,
            "nhi_reason": reason,
            "enabled": gc.constant(True, pa.bool_(), n),
            "last_used_at": self.used,
            "last_used_source": pc.if_else(pc.is_valid(self.used), _USED, unused),
        }
        self.run.add_columnar("principals", principal_table(self.run, n, columns))
        self._grants(at, pid, arn, columns["boundary_role_id"])
        self._definitions(at, name, arn, codes, trusts)

    def _grants(self, at: np.ndarray, pid: pa.Array, arn: pa.Array, boundary: pa.Array) -> None:
        """One layout per distinct (attached policies, inline policies, boundary)."""
        ids, first = self._layouts(at, self._positions(at), boundary)
        layouts = []
        for r in first:
            i = int(at[r])
            item = self.items[i]
            rows = layout_rows(
                self.book, item.get("AttachedManagedPolicies"), f"role {item['RoleName']}", self.inline[i]
            )
            layouts.append(Layout(rows, boundary[r].as_py()))
        self.book.add_batch(LayoutBatch(pid, arn, ids, layouts))

    def _definitions(
        self, at: np.ndarray, name: pa.Array, arn: pa.Array, codes: np.ndarray, trusts: list
    ) -> None:
        """Inline and trust role_definitions rows; trusts (``shared_codes`` of ``self.trust``) recorded for the
        privilege analysis."""
        inline_definitions(self.run, at, arn, self.inline)
        has = codes >= 0
        if not has.any():
            return
        parsed = [self.book.parsed_trust(doc, text) for doc, text in trusts]
        with_trust = pa.array(has)
        arns = arn.filter(with_trust)
        self.book.trusts.update(zip(arns.to_pylist(), (parsed[c] for c in codes[has].tolist()), strict=True))
        texts = pa.array([text for _, text in trusts], gc.STR).take(pa.array(codes[has]))
        role_id = pc.binary_join_element_wise(arns, "/trust", "")
        names = pc.binary_join_element_wise(name.filter(with_trust), " trust policy", "")
        self.run.add_columnar(
            "role_definitions", definitions_table(self.run, role_id, names, "trust_policy", texts)
        )


def _repeated(values: pa.Array) -> np.ndarray:
    """Mask of the values that occur more than once."""
    counts = pc.value_counts(values)
    twice = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    return np.asarray(pc.fill_null(pc.is_in(values, value_set=twice), False))
