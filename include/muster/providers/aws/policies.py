"""IAM policy documents -> role_definitions rows and grants rows (pure; part of the AWS transform).

Documents arrive as dicts (boto3 decodes them), as JSON strings, or URL-encoded JSON strings (the raw IAM
query API and some exports: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html).
A document that is none of these is recorded on the ``authorization_details`` entity as partial; its grants
get privilege ``unknown`` and it gets no role_definitions row, because ``document`` is required.
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


#: (role_id, role_name, privilege, reasons): one policy as a principal may hold it.
Held = tuple[str, str, str, list[str]]


class PolicyBook:
    """Every policy document of one account: verdicts by policy ARN, definitions emitted once."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.managed: dict[str, Held] = {}
        self.missing: set[str] = set()
        #: (canonical document, policy name) -> verdict: inline policies are often copies of one template.
        self.verdicts: dict[tuple[str, str], tuple[str, list[str]]] = {}

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
                privilege.UNKNOWN,
                [f"policy {name}: default version not collected"],
            )
            return
        doc = self._decode(version.get("Document"), f"policy {arn}", "PolicyVersionList.Document")
        self.managed[arn] = (arn, name, *self._assess(doc, name))
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
                found = (
                    arn,
                    name,
                    privilege.UNKNOWN,
                    [f"policy {name}: document not in authorization details"],
                )
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
                held.append((role_id, name, *self._assess(None, name)))
                continue
            text = canonical(doc)
            held.append((role_id, name, *self._assessed(doc, text, name)))
            self.run.out.role_definitions.append(_definition(self.run.base, role_id, name, "inline", text))
        return held

    def trust(self, role: dict, role_arn: str, role_name: str) -> None:
        """A role's trust policy as a role_definitions row (role_type trust_policy)."""
        if role.get("AssumeRolePolicyDocument") is None:
            return
        role_id = f"{role_arn}/trust"
        doc = self._decode(role["AssumeRolePolicyDocument"], f"role {role_arn}", "AssumeRolePolicyDocument")
        if doc is not None:
            name = f"{role_name} trust policy"
            row = _definition(self.run.base, role_id, name, "trust_policy", canonical(doc))
            self.run.out.role_definitions.append(row)

    def grants(self, principal_id: str, held: list[Held], via: str) -> None:
        out, base, scope = self.run.out.grants, self.run.base, self.run.scope
        for role_id, role_name, verdict, reasons in held:
            out.append(
                {
                    **base,
                    "principal_id": principal_id,
                    "role_id": role_id,
                    "role_name": role_name,
                    "scope": scope,
                    "via": via,
                    "condition": None,
                    "privilege": verdict,
                    "privilege_reasons": reasons,
                }
            )

    def finish(self) -> None:
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

    def _assessed(self, doc: dict, text: str, name: str) -> tuple[str, list[str]]:
        """The verdict of a decoded document, computed once per distinct (document, name)."""
        key = (text, name)
        found = self.verdicts.get(key)
        if found is None:
            found = self.verdicts[key] = privilege.assess(doc, name)
        return found

    @staticmethod
    def _assess(doc: dict | None, name: str) -> tuple[str, list[str]]:
        if doc is None:
            return privilege.UNKNOWN, [f"policy {name}: document is not valid JSON"]
        return privilege.assess(doc, name)


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
