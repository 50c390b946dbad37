"""IAM policy documents -> role_definitions rows and compiled policies: the reading half of ``PolicyBook``.

Documents arrive as dicts (boto3 decodes them), as JSON strings, or URL-encoded JSON strings (the raw IAM
query API and some exports: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html).
A document that is none of these is recorded on the ``authorization_details`` entity as partial; its grants
get privilege ``unknown`` and it gets no role_definitions row, because ``document`` is required.

Split out of policies.py (module size) as ``PolicyDocuments``, the base class of ``policies.PolicyBook``: the
book owns the state these methods read and fill (``run``, ``managed``, ``missing``, ``compiled``, ``trusts`` and
the document and trust caches, set in its ``__init__``); policies.py keeps the grant rows and their verdicts.
"""

from __future__ import annotations

import json
import marshal
from urllib.parse import unquote

from . import privilege
from .item_shapes import POLICY, item_label, shaped

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


class PolicyDocuments:
    """Reads an account's policy documents into compiled policies and role_definitions rows (see module doc)."""

    def add_managed(self, index: int, policy: object) -> None:
        """Index one entry of GAAD ``Policies`` and emit its role_definitions row."""
        if isinstance(policy, dict):
            label = item_label("policy", policy, "Arn", "Policies", index)
            policy = shaped(self.run, GAAD, label, policy, POLICY)
        if not isinstance(policy, dict) or not policy.get("Arn"):
            self.run.fail(GAAD, f"Policies item {index} has no Arn")
            return
        arn = policy["Arn"]
        if arn in self.managed:
            self.run.fail(GAAD, f"policy {arn} is listed twice in Policies; the second listing skipped")
            return
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
        held, seen = [], set()
        for item in _objects(items):
            arn = item.get("PolicyArn")
            if not arn:
                self.run.fail(GAAD, f"{owner} field AttachedManagedPolicies has an entry without PolicyArn")
                continue
            if arn in seen:
                self.run.fail(GAAD, f"{owner} field AttachedManagedPolicies lists {arn} twice; counted once")
                continue
            seen.add(arn)
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
        held, seen = [], set()
        for item in _objects(items):
            name = item.get("PolicyName")
            if not name:
                self.run.fail(GAAD, f"{owner} field {field} has an entry without PolicyName")
                continue
            if name in seen:
                self.run.fail(
                    GAAD, f"{owner} field {field} has two policies named {name}; the second skipped"
                )
                continue
            seen.add(name)
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

    def parsed_trust(self, doc: dict, text: str) -> privilege.Trust:
        """Who a trust policy admits; roles made from one template share one parsed trust."""
        trust = self._trust_texts.get(text)
        if trust is None:
            trust = privilege.parse_trust(doc, self.run.account_id, self.run.partition)
            self._trust_texts[text] = trust
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
