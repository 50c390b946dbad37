"""What the column-wise user and role paths share: the batch of GAAD items, policy checks, layouts, and the
row tables they emit.

A principal goes column-wise only when the row path would handle it without a message; every check here
answers "would the row path say something about this item?" without saying it (the row path does, in order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...schema import PRINCIPALS, ROLE_DEFINITIONS
from . import gaad_columns as gc
from .classify_columns import ColumnClassifier
from .grant_columns import LayoutRow

if TYPE_CHECKING:
    from .policies import PolicyBook
    from .transform_run import Run

#: One decoded inline policy: (name, document, canonical text).
Inline = tuple[str, dict, str]


class Attached:
    """``AttachedManagedPolicies`` of many items: which the row path would complain about, and their codes."""

    def __init__(self, book: PolicyBook, lists: pa.ListArray) -> None:
        parents, entries = gc.flat(lists)
        arns = gc.field(entries, "PolicyArn")
        entry = np.asarray(entries.is_valid())  # null entries are not objects: skipped, as _objects does
        known = pa.array(list(book.managed), gc.STR)
        codes = pc.index_in(arns, value_set=known)
        #: No PolicyArn (a message) or a policy not in Policies (first seen by the row path, in order).
        self.bad = gc.owners_of(parents, entry & ~np.asarray(codes.is_valid()), len(lists))
        self.parents, self.codes = parents[entry], pc.fill_null(codes, -1).filter(pa.array(entry))
        #: A policy listed twice for one item (the row path reports it and counts it once).
        key = self.parents.astype(np.int64) * (len(known) + 1) + np.asarray(self.codes)
        ordered = np.sort(key)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        if len(repeated):
            self.bad |= gc.owners_of(self.parents, np.isin(key, repeated), len(lists))


class ItemBatch:
    """The users or roles of one account that go column-wise; ``rest()`` lists the others for the row path.

    What both kinds share lives here: the items read column-wise, the checks on ids, tags, attached policies
    and dates, the principal columns read alike, and the key that groups items holding policies alike.
    """

    #: The GAAD fields naming an item and holding its id.
    name_field: str
    id_field: str

    def __init__(self, run: Run, book: PolicyBook, items: list, read: gc.Items | None) -> None:
        """``read`` is None when no item can go column-wise."""
        self.run, self.book, self.items = run, book, items
        self.size = n = len(items)
        self.inline: dict[int, list[Inline]] = {}
        self.converted: np.ndarray | None = None
        if read is None:
            self.ok, self.pid = np.zeros(n, bool), python_ids(items, self.id_field)
            return
        self.s, self.converted, ok = read.values, read.converted, read.ok.copy()
        self.tag_lists, self.boundary = read.field("Tags"), read.field("PermissionsBoundary")
        self.name, self.pid, self.arn = (gc.field(self.s, f) for f in (self.name_field, self.id_field, "Arn"))
        self.ok = ok & gc.present(self.name) & gc.present(self.pid) & gc.present(self.arn)

    def ids(self) -> pa.Array:
        """Every item's id (null where unreadable), to find ids that two principals claim."""
        if self.converted is None:
            return self.pid
        return read_field(self.pid, self.converted, self.items, self.id_field)

    def rest(self) -> list[int]:
        """Indexes of the items the row path takes, in order."""
        return np.flatnonzero(~self.ok).tolist()

    def _check_shared(self, duplicated: pa.Array) -> np.ndarray:
        """``ok`` without the items whose id another principal claims or whose tags or attached policies the
        row path would describe; reads the tags and attached policies."""
        ok = self.ok
        ok &= ~np.asarray(pc.fill_null(pc.is_in(self.pid, value_set=duplicated), False))
        self.tags, bad_tags = gc.tag_maps(self.tag_lists)
        self.attached = Attached(self.book, gc.field(self.s, "AttachedManagedPolicies"))
        ok &= ~bad_tags & ~self.attached.bad
        return ok

    def _created(self, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the items still ``ok``, mask of those whose CreateDate the row path would report); reads them."""
        at = np.flatnonzero(ok)
        self.created, bad = gc.times(gc.pick(self.items, at, "CreateDate"))
        return at, bad

    def _drop(self, ok: np.ndarray, at: np.ndarray, bad: np.ndarray) -> pa.Array:
        """Send the ``bad`` items of ``at`` the row way; returns the mask of the others, for dates read so."""
        ok[at[bad]] = False
        keep = pa.array(~bad)
        self.created = self.created.filter(keep)
        return keep

    def _shared_columns(self, at: np.ndarray) -> dict[str, pa.Array]:
        """The principal columns of the items ``at`` that users and roles read alike."""
        take = gc.rows_of(at, self.size)
        pid, name, tags = take(self.pid), take(self.name), take(self.tags)
        self.classifier = ColumnClassifier(self.run.classifier)
        owner, owner_source = self.classifier.owners(name, pid, tags)
        return {
            "principal_id": pid,
            "name": name,
            "arn_or_resource": take(self.arn),
            "path": gc.or_none(take(gc.field(self.s, "Path"))),
            "created_at": self.created,
            "owner": owner,
            "owner_source": owner_source,
            "boundary_role_id": take(gc.or_none(gc.field(self.boundary, "PermissionsBoundaryArn"))),
            "tags": tags,
        }

    def _positions(self, at: np.ndarray) -> np.ndarray:
        """Per item, its position among ``at`` (-1: not in the batch)."""
        where = np.full(self.size, -1)
        where[at] = np.arange(len(at))
        return where

    def _layouts(self, at: np.ndarray, where: np.ndarray, boundary: pa.Array, *more: pa.Array) -> tuple:
        """(layout id per item of ``at``, the first of each layout) by attached policies, ``more`` keys,
        inline policies and boundary."""
        parents = self.attached.parents
        keep = self.ok[parents]
        att = joined(where[parents[keep]], self.attached.codes.filter(pa.array(keep)), len(at))
        inline = inline_codes(where, len(at), self.inline)
        return layouts_of([att, *more, inline, boundary_codes(boundary)])


def inline_entries(book: PolicyBook, items: object) -> list[Inline] | None:
    """The inline policies of one item, or None when the row path would report one (no name, not JSON)."""
    found, names = [], set()
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        name = item.get("PolicyName")
        if not name or not isinstance(name, str) or name in names:
            return None
        names.add(name)
        try:
            doc, text = book.document(item.get("PolicyDocument"))
        except ValueError:
            return None
        found.append((name, doc, text))
    return found


def python_ids(items: list, key: str) -> pa.Array:
    """A string field of items read one by one (null where absent or not a string)."""
    ids = [i.get(key) if isinstance(i, dict) else None for i in items]
    return pa.array([v if isinstance(v, str) else None for v in ids], gc.STR)


def read_field(values: pa.Array, converted: np.ndarray, items: list, key: str) -> pa.Array:
    """``values`` of converted items, completed by ``python_ids`` for the items that did not convert."""
    if converted.all():
        return values
    return pc.coalesce(values, python_ids(items, key))


def joined(parents: np.ndarray, codes: pa.Array, size: int) -> pa.Array:
    """Per item, its integer codes as one string ("3,7"): a list the hash kernels can group by."""
    lists = pa.ListArray.from_arrays(gc.offsets(parents, size), codes.cast(gc.STR))
    return pc.binary_join(lists, ",")


def layouts_of(parts: list[pa.Array]) -> tuple[np.ndarray, list[int]]:
    """(layout id per item, the first item of each layout) for items keyed by string parts.

    The parts are integer codes rendered as text, so joining them with "|" cannot make two keys collide.
    """
    key = pc.binary_join_element_wise(*parts, "|")
    encoded = key.dictionary_encode()
    first = pc.index_in(encoded.dictionary, value_set=key).to_pylist()
    return np.asarray(encoded.indices), first


def inline_codes(where: np.ndarray, size: int, inline: dict[int, list[Inline]]) -> pa.Array:
    """Per batch item, a code (as text) of its inline policies' names and texts; 0 for none.

    ``where`` maps an item's index to its position in the batch (-1: not in the batch).
    """
    out = np.zeros(size, np.int64)
    table: dict[tuple, int] = {(): 0}
    seen: dict[int, int] = {}  # id of an entries list -> its code (decoded templates share one list)
    for i, entries in inline.items():
        if where[i] < 0 or not entries:
            continue
        code = seen.get(id(entries))
        if code is None:
            code = seen[id(entries)] = table.setdefault(tuple((n, t) for n, _, t in entries), len(table))
        out[where[i]] = code
    return pa.array(out).cast(gc.STR)


def boundary_codes(boundary: pa.Array) -> pa.Array:
    """A code per distinct boundary ARN (null: none), as text."""
    return pc.fill_null(boundary.dictionary_encode().indices.cast(gc.STR), "-")


def layout_rows(book: PolicyBook, attached: object, what: str, inline: list[Inline]) -> list[LayoutRow]:
    """Direct then inline grants of one item, as the row path emits them (no message: checked before)."""
    rows = [LayoutRow(rid, name, "direct", policy) for rid, name, policy in book.attached(attached, what)]
    for name, doc, text in inline:
        rows.append(LayoutRow(f"/inline/{name}", name, "inline", book._compile(doc, text, name), own=True))
    return rows


def shared_codes(at: np.ndarray, values: dict[int, object]) -> tuple[np.ndarray, list]:
    """Per batch item ``at[j]``, the index of its value in the returned list of distinct values (-1: none).

    Distinct by identity: decoded documents are shared objects (see ``RoleBatch._documents``), and equal
    values that are distinct objects merely repeat in the list.
    """
    out = np.full(len(at), -1, np.int64)
    distinct: list = []
    seen: dict[int, int] = {}
    where = _positions(at, values)
    for i, value in values.items():
        j = where.get(i)
        if j is not None and value:
            code = seen.get(id(value))
            if code is None:
                code = seen[id(value)] = len(distinct)
                distinct.append(value)
            out[j] = code
    return out, distinct


def _positions(at: np.ndarray, values: dict[int, object]) -> dict[int, int]:
    """Item index -> position in the batch, for the items that have a value."""
    if not values:
        return {}
    return {i: j for j, i in enumerate(at.tolist()) if i in values}


def expand(codes: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, template row) of each output row: item ``i`` gets the ``sizes[codes[i]]`` rows of template
    ``codes[i]`` (templates numbered in order, their rows laid end to end)."""
    per = sizes[codes]
    owner = np.repeat(np.arange(len(codes)), per)
    position = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    return owner, np.repeat((np.cumsum(sizes) - sizes)[codes], per) + position


def inline_definitions(run: Run, at: np.ndarray, arn: pa.Array, inline: dict[int, list[Inline]]) -> None:
    """role_definitions rows of the batch items' own inline policies: ``<owner ARN>/inline/<name>``."""
    codes, lists = shared_codes(at, inline)
    has = codes >= 0
    if not has.any():
        return
    sizes = np.array([len(e) for e in lists], np.int64)
    owner, row = expand(codes[has], sizes)
    names = pa.array([n for e in lists for n, _, _ in e], gc.STR).take(row)
    texts = pa.array([t for e in lists for _, _, t in e], gc.STR).take(row)
    owners = arn.filter(pa.array(has)).take(owner)
    role_id = pc.binary_join_element_wise(owners, pc.binary_join_element_wise("/inline/", names, ""), "")
    run.add_columnar("role_definitions", definitions_table(run, role_id, names, "inline", texts))


def principal_table(run: Run, size: int, columns: dict[str, pa.Array]) -> pa.Table:
    """Principals rows in the declared schema; provenance filled in, columns not given are null."""
    return _table(run, PRINCIPALS, size, columns)


def definitions_table(run: Run, role_id: pa.Array, name: pa.Array, kind: str, text: pa.Array) -> pa.Table:
    """role_definitions rows of inline or trust policies (no description, version or dates)."""
    size = len(role_id)
    columns = {"role_id": role_id, "role_name": name, "role_type": gc.constant(kind, gc.STR, size)}
    return _table(run, ROLE_DEFINITIONS, size, columns | {"document": text})


def _table(run: Run, spec, size: int, columns: dict[str, pa.Array]) -> pa.Table:
    base = run.base
    fixed = {
        "provider": gc.constant(base["provider"], gc.STR, size),
        "tenant_id": gc.constant(base["tenant_id"], gc.STR, size),
        "snapshot_date": gc.constant(base["snapshot_date"], pa.date32(), size),
    }
    given = fixed | columns
    arrays = [given[c.name] if c.name in given else pa.nulls(size, c.type) for c in spec.columns]
    return pa.Table.from_arrays(arrays, schema=spec.schema)
