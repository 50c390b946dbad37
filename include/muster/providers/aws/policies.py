"""IAM grant rows and their privilege verdicts, per principal (pure; part of the AWS transform).

Privilege is judged per principal, not per document: a Deny in another policy, a permissions boundary, or an
escalation that needs actions from two policies change a grant's verdict. ``PolicyBook.grants`` therefore
emits rows with the verdict pending and ``finish`` fills ``privilege`` and ``privilege_reasons`` once every
principal, policy and trust policy of the account has been seen (``privilege.AccountEvaluator``). Principals
built column-wise hand over their grants as layouts instead (``add_batch``, ``grant_columns``): they are
judged in the same evaluation, and their rows are made with Arrow.

The policy documents themselves (decoding, compiled policies, role_definitions rows) are read by
policy_documents.py, the base class of ``PolicyBook`` (split for module size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow.compute as pc

from . import privilege
from .grant_columns import LayoutBatch
from .policy_documents import GAAD, Held, PolicyDocuments

if TYPE_CHECKING:
    from .transform_run import Run


class PolicyBook(PolicyDocuments):
    """Every policy document of one account: verdicts by policy ARN, definitions emitted once."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.managed: dict[str, Held] = {}
        self.missing: set[str] = set()
        #: (canonical document, policy name) -> compiled policy: inline policies are often copies of one
        #: template, and one compiled object per copy lets the evaluation cache per distinct policy set.
        self.compiled: dict[tuple[str, str], privilege.Policy] = {}
        #: role ARN -> who its trust policy admits, for role chains.
        self.trusts: dict[str, privilege.Trust] = {}
        #: principal id -> ([grant rows], [their policies]), verdicts filled by finish().
        self.pending: dict[str, tuple[list[dict], list[privilege.Policy]]] = {}
        #: canonical trust policy text -> parsed trust (roles made from one template share it).
        self._trust_texts: dict[str, privilege.Trust] = {}
        #: (group of principals, their results) as judged by finish(); see principal_verdicts().
        self.judged: list[tuple[privilege.Group, list[privilege.Result]]] = []
        #: Principals whose grant rows are built column-wise (see ``grant_columns``), and their judgements.
        self.batches: list[LayoutBatch] = []
        self.judged_batches: list[tuple[LayoutBatch, np.ndarray, privilege.BatchResult]] = []
        #: Document (a JSON string, or a dict's marshal bytes) -> (decoded, canonical text); see ``document``.
        self._documents: dict[str | bytes, tuple[dict, str]] = {}

    def grants(self, principal_id: str, held: list[Held], via: str) -> None:
        """Grant rows of one principal; ``privilege`` and its reasons are filled in by ``finish``."""
        out, base, scope = self.run.out.grants, self.run.base, self.run.scope
        rows, policies = self.pending.setdefault(principal_id, ([], []))
        for role_id, role_name, policy in held:
            row = {
                **base,
                "principal_id": principal_id,
                "role_id": role_id,
                "role_name": role_name,
                "scope": scope,
                "via": via,
                "condition": None,
                "privilege": privilege.UNKNOWN,
                "privilege_reasons": [],
            }
            out.append(row)
            rows.append(row)
            policies.append(policy)

    def add_batch(self, batch: LayoutBatch) -> None:
        """Principals whose grant rows ``finish`` builds column-wise (into ``run.columnar``)."""
        self.batches.append(batch)

    def finish(self) -> None:
        """Judge every principal's grants (privilege analysis), then report missing policies."""
        self._judge()
        for batch in self.batches:
            self.run.columnar.setdefault("grants", []).append(batch.table(self.run.base, self.run.scope))
        if self.missing:
            self.run.fail(
                GAAD,
                "attached policies missing from Policies (privilege unknown): "
                + ", ".join(sorted(self.missing)),
            )

    def _judge(self) -> None:
        """Fill the pending grant rows with per-principal verdicts (see ``privilege.evaluate``).

        Runs once per account over every principal, so it is kept lean: principals holding the same policies
        and boundary form one group, judged once, and share one list of reasons per verdict.
        """
        groups = self._row_groups() + self._batch_groups()
        if not groups:
            return
        managed = {arn: policy for arn, (_, _, policy) in self.managed.items()}
        evaluator = privilege.AccountEvaluator(self.run.account_id, self.trusts, managed, self.run.partition)
        results = evaluator.evaluate_batches([g for g, _, _ in groups])
        for (group, note, target), found in zip(groups, results, strict=True):
            if isinstance(target, privilege.Group):
                members = [found.of(i) for i in range(len(target.members))]
                self.judged.append((target, members))
                self._fill(target, members, note)
            else:
                batch, k, at = target
                self.judged_batches.append((batch, at, found))
                batch.fill(k, at, found, group, note)

    def _row_groups(self) -> list[tuple[privilege.Batch, list[str], privilege.Group]]:
        """Principals of the row path grouped by policies and boundary, with the boundary's note."""
        if not self.pending:
            return []
        principals = self.run.out.principals
        arns = {p["principal_id"]: p["arn_or_resource"] for p in principals}
        bounds = {p["principal_id"]: p["boundary_role_id"] for p in principals if p["boundary_role_id"]}
        members: dict[tuple, list[str]] = {}
        for pid, (_, held) in self.pending.items():
            key = (tuple(held), bounds.get(pid))
            found = members.get(key)
            if found is None:
                found = members[key] = []
            found.append(pid)
        groups = []
        for (held, barn), pids in members.items():
            boundary, note = self._boundary(barn)
            group = privilege.Group(held, boundary, [(pid, arns.get(pid)) for pid in pids])
            groups.append((privilege.Batch(held, boundary, [a for _, a in group.members]), note, group))
        return groups

    def _batch_groups(self) -> list[tuple[privilege.Batch, list[str], tuple]]:
        """One group per layout of each column-wise batch, and where its verdicts go."""
        groups = []
        for batch in self.batches:
            arns = np.array(batch.arns.to_pylist(), dtype=object)
            is_role = np.asarray(pc.fill_null(pc.match_substring(batch.arns, ":role/"), False))
            batch.cell_start = np.zeros(len(arns), np.int64)
            for k, (layout, at) in enumerate(zip(batch.layouts, batch.members(), strict=True)):
                boundary, note = self._boundary(layout.boundary)
                policies = tuple(r.policy for r in layout.rows)
                roles = np.flatnonzero(is_role[at]).tolist()
                group = privilege.Batch(policies, boundary, arns[at].tolist(), roles)
                groups.append((group, note, (batch, k, at)))
        return groups

    def _fill(self, group: privilege.Group, results: list[privilege.Result], note: list[str]) -> None:
        """Write verdicts into the rows of one group's members (cells computed once per distinct result)."""
        cells: dict[int, list[tuple[str, list[str]]]] = {}
        for (pid, _), result in zip(group.members, results, strict=True):
            row_cells = cells.get(id(result))
            if row_cells is None:
                by_uid = {u: (v.privilege, list(v.reasons) + note) for u, v in result.grants.items()}
                row_cells = cells[id(result)] = [by_uid[p.uid] for p in group.policies]
            for row, cell in zip(self.pending[pid][0], row_cells, strict=True):
                row["privilege"], row["privilege_reasons"] = cell

    def principal_verdicts(self) -> dict[str, privilege.Verdict]:
        """principal id -> the principal's own verdict (strongest grant, or a privileged role it may assume)."""
        verdicts = {
            pid: result.principal
            for group, results in self.judged
            for (pid, _), result in zip(group.members, results, strict=True)
        }
        for batch, at, found in self.judged_batches:
            pids = batch.pids.take(at).to_pylist()
            verdicts.update((pid, found.of(j).principal) for j, pid in enumerate(pids))
        return verdicts

    def _boundary(self, arn: str | None) -> tuple[privilege.Policy | None, list[str]]:
        """The compiled permissions boundary, or None with a note when its document was not collected."""
        if arn is None:
            return None, []
        found = self.managed.get(arn)
        if found is None or found[2].error is not None:
            return None, [f"permissions boundary {arn} not in authorization details: not applied"]
        return found[2], []
