"""Grant rows of many principals at once, from the few distinct ways they hold policies (AWS transform).

Principals that hold the same policies in the same order, through the same groups, with the same boundary,
share one ``Layout``: the grant rows of one such principal, with the principal's own inline policies as a
suffix of its ARN. Privilege is judged per layout group (``privilege.AccountEvaluator`` shares results between
principals whose facts are the same), and the rows of every principal are then produced with Arrow ``take``:
no dict per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...schema import GRANTS
from ...schema._base import STRINGS
from . import privilege
from .gaad_columns import STR, constant


@dataclass(frozen=True)
class LayoutRow:
    """One grant of a layout; ``role_id`` is a suffix of the holder's ARN when ``own`` (its inline policy)."""

    role_id: str
    role_name: str
    via: str
    policy: privilege.Policy
    own: bool = False


@dataclass
class Layout:
    """How principals hold their policies: grant rows in row-path order, and the boundary ARN."""

    rows: list[LayoutRow]
    boundary: str | None


@dataclass
class LayoutBatch:
    """Principals built column-wise: ``layout[i]`` indexes ``layouts`` for principal ``pids[i]``."""

    pids: pa.Array
    arns: pa.Array
    layout: np.ndarray
    layouts: list[Layout]
    #: Filled by the judgement: per principal, the first cell of its block in ``cells``.
    cell_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cells: list[tuple[str, list[str]]] = field(default_factory=list)

    def _row_order(self) -> np.ndarray:
        """Per template row (laid end to end), the position of the row that comes at its place when each
        layout's rows are sorted by (role_id, via) as its first member's ARN renders its own inline ones."""
        _, first = np.unique(self.layout, return_index=True)
        arns = self.arns.take(pa.array(first)).to_pylist()
        order = []
        for layout, arn in zip(self.layouts, arns, strict=True):
            keys = [((arn or "") + r.role_id if r.own else r.role_id, r.via) for r in layout.rows]
            order += sorted(range(len(keys)), key=keys.__getitem__)
        return np.array(order, np.int64)

    def members(self) -> list[np.ndarray]:
        """Principal indexes of each layout, in principal order."""
        order = np.argsort(self.layout, kind="stable")
        bounds = np.searchsorted(self.layout[order], np.arange(len(self.layouts) + 1))
        return [order[bounds[k] : bounds[k + 1]] for k in range(len(self.layouts))]

    def fill(self, k: int, at: np.ndarray, found: privilege.BatchResult, group, note: list[str]) -> None:
        """Record the verdict cells of layout ``k``'s members ``at`` (one block per distinct result)."""
        if found.common is not None:
            self.cell_start[at] = self._block(found.common, group, note)
        blocks: dict[int, int] = {}
        for j, result in found.own.items():
            start = blocks.get(id(result))
            if start is None:
                start = blocks[id(result)] = self._block(result, group, note)
            self.cell_start[at[j]] = start

    def _block(self, result: privilege.Result, group, note: list[str]) -> int:
        by_uid = {u: (v.privilege, list(v.reasons) + note) for u, v in result.grants.items()}
        start = len(self.cells)
        self.cells.extend(by_uid[p.uid] for p in group.policies)
        return start

    def table(self, base: dict, scope: str) -> pa.Table:
        """The grant rows of every principal, in the declared schema.

        Rows come out by principal id and, within a principal, by (role_id, via) as its layout's first
        member renders them: usually the primary-key order, which lets validation skip its sort (it checks).
        """
        sizes = np.array([len(lay.rows) for lay in self.layouts], np.int64)
        order = np.asarray(pc.sort_indices(self.pids))
        per = sizes[self.layout[order]]
        total = int(per.sum())
        owner = np.repeat(order, per)
        position = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
        starts = np.cumsum(sizes) - sizes
        position = self._row_order()[np.repeat(starts[self.layout[order]], per) + position]
        template = np.repeat(starts[self.layout[order]], per) + position
        cell = np.repeat(self.cell_start[order], per) + position
        rows = [r for lay in self.layouts for r in lay.rows]
        own = pa.array([r.own for r in rows]).take(template)
        role_id = pa.array([r.role_id for r in rows], STR).take(template)
        arns = self.arns.take(owner)
        role_id = pc.if_else(own, pc.binary_join_element_wise(arns, role_id, ""), role_id)
        columns = {
            "provider": constant(base["provider"], STR, total),
            "tenant_id": constant(base["tenant_id"], STR, total),
            "snapshot_date": constant(base["snapshot_date"], pa.date32(), total),
            "principal_id": self.pids.take(owner),
            "role_id": role_id,
            "role_name": pa.array([r.role_name for r in rows], STR).take(template),
            "scope": constant(scope, STR, total),
            "via": pa.array([r.via for r in rows], STR).take(template),
            "condition": pa.nulls(total, STR),
            "privilege": pa.array([c[0] for c in self.cells], STR).take(cell),
            "privilege_reasons": pa.array([c[1] for c in self.cells], STRINGS).take(cell),
        }
        return pa.Table.from_arrays([columns[n] for n in GRANTS.column_names], schema=GRANTS.schema)
