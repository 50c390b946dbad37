"""IAM policy documents -> role_definitions rows and grants rows (pure; part of the AWS transform).

Documents arrive as dicts (boto3 decodes them), as JSON strings, or URL-encoded JSON strings (the raw IAM
query API and some exports: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html).
A document that is none of these is recorded on the ``authorization_details`` entity as partial; its grants
get privilege ``unknown`` and it gets no role_definitions row, because ``document`` is required.

Privilege is judged per principal, not per document: a Deny in another policy, a permissions boundary, or an
escalation that needs actions from two policies change a grant's verdict. ``PolicyBook.grants`` therefore
emits rows with the verdict pending and ``finish`` fills ``privilege`` and ``privilege_reasons`` once every
principal, policy and trust policy of the account has been seen (``privilege.AccountEvaluator``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import unquote

from . import privilege

if TYPE_CHECKING:
    from .transform import Run

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
            doc = self._decode(item.get("PolicyDocument"), f"policy {role_id}", "PolicyDocument")
            if doc is None:
                held.append((role_id, name, self._compile(None, None, name)))
                continue
            text = canonical(doc)
            held.append((role_id, name, self._compile(doc, text, name)))
            self.run.out.role_definitions.append(_definition(self.run.base, role_id, name, "inline", text))
        return held

    def trust(self, role: dict, role_arn: str, role_name: str) -> None:
        """A role's trust policy as a role_definitions row (role_type trust_policy)."""
        if role.get("AssumeRolePolicyDocument") is None:
            return
        role_id = f"{role_arn}/trust"
        doc = self._decode(role["AssumeRolePolicyDocument"], f"role {role_arn}", "AssumeRolePolicyDocument")
        if doc is not None:
            text = canonical(doc)
            trust = self._trust_texts.get(text)
            if trust is None:
                trust = self._trust_texts[text] = privilege.parse_trust(doc, self.run.account_id)
            self.trusts[role_arn] = trust
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

    def finish(self) -> None:
        """Judge every principal's grants (privilege analysis), then report missing policies."""
        self._judge()
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
        if not self.pending:
            return
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
            groups.append((group, note))
        evaluator = privilege.AccountEvaluator(self.run.account_id, self.trusts)
        results = evaluator.evaluate_groups([g for g, _ in groups])
        for (group, note), found in zip(groups, results, strict=True):
            self.judged.append((group, found))
            self._fill(group, found, note)

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
        return {
            pid: result.principal
            for group, results in self.judged
            for (pid, _), result in zip(group.members, results, strict=True)
        }

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
