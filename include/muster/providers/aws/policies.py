"""IAM policy documents -> role_definitions rows and grants rows (pure; part of the AWS transform).

Documents arrive as dicts (boto3 decodes them), as JSON strings, or URL-encoded JSON strings (the raw IAM
query API and some exports: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html).
A document that is none of these is recorded on the ``authorization_details`` entity as partial; its grants
get privilege ``unknown`` and it gets no role_definitions row, because ``document`` is required.

Privilege is judged per principal, not per document: a Deny in another policy, a permissions boundary, or an
escalation that needs actions from two policies change a grant's verdict. ``PolicyBook.grants`` therefore
emits rows with the verdict pending and ``finish`` fills ``privilege`` and ``privilege_reasons`` once every
principal, policy and trust policy of the account has been seen (``privilege.AccountEvaluator``). Principals
built column-wise hand over their grants as layouts instead (``add_batch``, ``grant_columns``): they are
judged in the same evaluation, and their rows are made with Arrow.
"""

from __future__ import annotations

import json
import marshal
from typing import TYPE_CHECKING
from urllib.parse import unquote

import numpy as np
import pyarrow.compute as pc

from . import privilege
from .grant_columns import LayoutBatch

if TYPE_CHECKING:
    from .transform_run import Run

GAAD = "authorization_details"
_AWS_MANAGED = ":iam::aws:policy/"


def decode_document(value: object) -> dict:
    """The policy document as a dict. Raises ValueError whose message never repeats the content."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a {type(value).__name__}, not a JSON object or string")
    try:
        doc = json.loads(value)
    except json.JSONDecodeError:
        try:
            doc = json.loads(unquote(value))
        except json.JSONDecodeError as e:
            raise ValueError(f"{e.msg} at position {e.pos}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"JSON {type(doc).__name__}, not an object")
    return doc


def canonical(doc: dict) -> str:
    """Canonical JSON (sorted keys, no spaces): equal documents give equal strings."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


#: (role_id, role_name, compiled policy): one policy as a principal may hold it.
Held = tuple[str, str, privilege.Policy]


class PolicyBook:
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

    def add_managed(self, index: int, policy: object) -> None:
        """Index one entry of GAAD ``Policies`` and emit its role_definitions row."""
        if not isinstance(policy, dict) or not policy.get("Arn"):
            self.run.fail(GAAD, f"Policies item {index} has no Arn")
            return
        arn = policy["Arn"]
        name = policy.get("PolicyName") or arn.rsplit("/", 1)[-1]
        version = _default_version(policy)
        if version is None:
            self.run.fail(GAAD, f"policy {arn} field PolicyVersionList has no default version document")
            self.managed[arn] = (
                arn,
                name,
                privilege.unknown_policy(name, f"policy {name}: default version not collected"),
            )
            return
        doc = self._decode(version.get("Document"), f"policy {arn}", "PolicyVersionList.Document")
        self.managed[arn] = (arn, name, self._compile(doc, None, name))
        if doc is None:
            return
        what = f"policy {arn}"
        self.run.out.role_definitions.append(
            {
                **self.run.base,
                "role_id": arn,
                "role_name": name,
                "role_type": "aws_managed" if _AWS_MANAGED in arn else "customer_managed",
                "description": policy.get("Description") or None,
                "document": canonical(doc),
                "version_id": version.get("VersionId") or policy.get("DefaultVersionId") or None,
                "created_at": self.run.time(policy.get("CreateDate"), GAAD, what, "CreateDate"),
                "updated_at": self.run.time(
                    version.get("CreateDate") or policy.get("UpdateDate"), GAAD, what, "UpdateDate"
                ),
            }
        )

    def attached(self, items: object, owner: str) -> list[Held]:
        """Managed policies attached to a principal or group (AttachedManagedPolicies)."""
        held = []
        for item in _objects(items):
            arn = item.get("PolicyArn")
            if not arn:
                self.run.fail(GAAD, f"{owner} field AttachedManagedPolicies has an entry without PolicyArn")
                continue
            found = self.managed.get(arn)
            if found is None:
                self.missing.add(arn)
                name = item.get("PolicyName") or arn.rsplit("/", 1)[-1]
                why = f"policy {name}: document not in authorization details"
                found = (arn, name, privilege.unknown_policy(name, why))
                self.managed[arn] = found
            held.append(found)
        return held

    def inline(self, items: object, owner: str, owner_arn: str, field: str) -> list[Held]:
        """Inline policies of a principal or group; emits their role_definitions rows."""
        held = []
        for item in _objects(items):
            name = item.get("PolicyName")
            if not name:
                self.run.fail(GAAD, f"{owner} field {field} has an entry without PolicyName")
                continue
            role_id = f"{owner_arn}/inline/{name}"
            decoded = self._document(item.get("PolicyDocument"), f"policy {role_id}", "PolicyDocument")
            if decoded is None:
                held.append((role_id, name, self._compile(None, None, name)))
                continue
            doc, text = decoded
            held.append((role_id, name, self._compile(doc, text, name)))
            self.run.out.role_definitions.append(_definition(self.run.base, role_id, name, "inline", text))
        return held

    def trust(self, role: dict, role_arn: str, role_name: str) -> None:
        """A role's trust policy as a role_definitions row (role_type trust_policy)."""
        if role.get("AssumeRolePolicyDocument") is None:
            return
        role_id = f"{role_arn}/trust"
        decoded = self._document(
            role["AssumeRolePolicyDocument"], f"role {role_arn}", "AssumeRolePolicyDocument"
        )
        if decoded is not None:
            text = decoded[1]
            self.trusts[role_arn] = self.parsed_trust(*decoded)
            name = f"{role_name} trust policy"
            row = _definition(self.run.base, role_id, name, "trust_policy", text)
            self.run.out.role_definitions.append(row)

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

    def parsed_trust(self, doc: dict, text: str) -> privilege.Trust:
        """Who a trust policy admits; roles made from one template share one parsed trust."""
        trust = self._trust_texts.get(text)
        if trust is None:
            trust = self._trust_texts[text] = privilege.parse_trust(doc, self.run.account_id)
        return trust

    def document(self, value: object) -> tuple[dict, str]:
        """(decoded document, canonical text); raises ValueError as ``decode_document`` does.

        Cached: accounts repeat a few templates thousands of times. A dict is keyed by its ``marshal`` bytes,
        which are equal only for equal content of the same exact types (so the canonical text is the same) and
        cost a fraction of the JSON encoding; a value marshal cannot encode is decoded every time.
        """
        if isinstance(value, str):
            key: str | bytes | None = value
        else:
            try:
                key = marshal.dumps(value) if isinstance(value, dict) else None
            except ValueError:
                key = None
        found = self._documents.get(key) if key is not None else None
        if found is None:
            doc = decode_document(value)
            found = (doc, canonical(doc))
            if key is not None:
                self._documents[key] = found
        return found

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

    def _decode(self, value: object, what: str, field: str) -> dict | None:
        try:
            return decode_document(value)
        except ValueError as e:
            self.run.fail(GAAD, f"{what} field {field} is not valid JSON: {e}")
            return None

    def _document(self, value: object, what: str, field: str) -> tuple[dict, str] | None:
        """``document``, or None with the problem recorded (as ``_decode``)."""
        try:
            return self.document(value)
        except ValueError as e:
            self.run.fail(GAAD, f"{what} field {field} is not valid JSON: {e}")
            return None

    def _compile(self, doc: dict | None, text: str | None, name: str) -> privilege.Policy:
        """The compiled policy; inline copies of one document under one name share one object."""
        if doc is None:
            return privilege.unknown_policy(name, f"policy {name}: document is not valid JSON")
        if text is None:
            return privilege.compile_policy(doc, name)
        key = (text, name)
        found = self.compiled.get(key)
        if found is None:
            found = self.compiled[key] = privilege.compile_policy(doc, name)
        return found

    def _judge(self) -> None:
        """Fill the pending grant rows with per-principal verdicts (see ``privilege.evaluate``).

        Runs once per account over every principal, so it is kept lean: principals holding the same policies
        and boundary form one group, judged once, and share one list of reasons per verdict.
        """
        groups = self._row_groups() + self._batch_groups()
        if not groups:
            return
        managed = {arn: policy for arn, (_, _, policy) in self.managed.items()}
        evaluator = privilege.AccountEvaluator(self.run.account_id, self.trusts, managed)
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


def _definition(base: dict, role_id: str, name: str, role_type: str, document: str) -> dict:
    """A role_definitions row without provider metadata; ``document`` is already canonical JSON."""
    return {
        **base,
        "role_id": role_id,
        "role_name": name,
        "role_type": role_type,
        "description": None,
        "document": document,
        "version_id": None,
        "created_at": None,
        "updated_at": None,
    }


def _default_version(policy: dict) -> dict | None:
    default_id = policy.get("DefaultVersionId")
    for version in _objects(policy.get("PolicyVersionList")):
        if version.get("IsDefaultVersion") or (default_id and version.get("VersionId") == default_id):
            return version if "Document" in version else None
    return None


def _objects(items: object) -> list[dict]:
    """The dict items of a list field (None or a non-list gives nothing; the caller checks shapes)."""
    if not items or not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict)]
