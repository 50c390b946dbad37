"""The dispositions file: review decisions on findings (accepted risk, false positive, ...), kept in YAML.

Validated with pydantic like the scope file, so that a typo stops derivation with a message naming the file,
the entry and the field. Each entry names one tenant and either one finding (`finding_id`, or `rule_id` +
`entity_id`: the ledger's stable identity) or, explicitly, several findings of one rule (`rule_id` +
`entity_glob`). A glob is kept safe: `*` is its only wildcard, it must start with literal text (no glob
matches every entity of a rule) and it never spans tenants or rules.

    version: 1
    max_expiry_days: 365            # no decision lasts longer without being approved again
    dispositions:
      - tenant: aws:123456789012
        finding_id: credential_unused:AKIAEXAMPLE
        disposition: accepted_risk   # or false_positive, compensating_control, remediation_planned
        justification: Break-glass key, kept offline in the safe; used only in an outage.
        approved_by: ciso@example.com
        approved_on: 2026-01-10
        expires_on: 2026-07-10       # required for accepted_risk
        ticket: RISK-42
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config import TENANT_ID_FORMS
from ..schema.dispositions import DISPOSITIONS

#: A dispositions file next to the scope file is read when no other path is given.
DEFAULT_NAME = "dispositions.yaml"
ENV = "MUSTER_DISPOSITIONS_FILE"

Disposition = Literal[DISPOSITIONS]  # type: ignore[valid-type]


class DispositionsError(ValueError):
    """The dispositions file cannot be used; the message names the file, the entry and the field."""


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str = Field(description="provider:tenant_id, e.g. aws:123456789012.")
    finding_id: str | None = Field(None, description="One finding: rule_id:entity_id.")
    rule_id: str | None = None
    entity_id: str | None = Field(None, description="With rule_id: one finding.")
    entity_glob: str | None = Field(None, description="With rule_id: the entities matching; * is any text.")
    disposition: Disposition
    justification: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    approved_on: dt.date
    expires_on: dt.date | None = None
    ticket: str | None = None

    @field_validator("justification", "approved_by", "ticket")
    @classmethod
    def _not_blank(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("must not be blank")
        return v

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, v: str) -> str:
        provider, _, tid = v.partition(":")
        if provider not in TENANT_ID_FORMS:
            raise ValueError(
                f"{v!r} must be provider:tenant_id with provider one of {', '.join(TENANT_ID_FORMS)}"
            )
        pattern, form = TENANT_ID_FORMS[provider]
        if not re.fullmatch(pattern, tid):
            raise ValueError(f"{provider} tenant id {tid!r} must be {form}")
        return v

    @model_validator(mode="after")
    def _check(self) -> Entry:
        forms = [self.finding_id is not None, self.entity_id is not None, self.entity_glob is not None]
        if sum(forms) != 1:
            raise ValueError("give exactly one of finding_id, rule_id + entity_id, rule_id + entity_glob")
        if self.finding_id is not None:
            if self.rule_id is not None:
                raise ValueError("finding_id already names the rule: leave rule_id out")
            rule, sep, entity = self.finding_id.partition(":")
            if not sep or not entity:
                raise ValueError(f"finding_id {self.finding_id!r} must be rule_id:entity_id")
            _known_rule(rule)
        else:
            if self.rule_id is None:
                raise ValueError("entity_id and entity_glob need rule_id")
            _known_rule(self.rule_id)
        if self.entity_glob is not None:
            if "*" not in self.entity_glob:
                raise ValueError("entity_glob has no * : name the one entity with entity_id")
            if self.entity_glob.startswith("*"):
                raise ValueError(
                    "entity_glob must start with literal text (a glob matching every entity of a rule is refused)"
                )
        if self.expires_on is None and self.disposition == "accepted_risk":
            raise ValueError("expires_on is required for accepted_risk")
        if self.expires_on is not None and self.expires_on < self.approved_on:
            raise ValueError(f"expires_on {self.expires_on} is before approved_on {self.approved_on}")
        return self

    @property
    def provider(self) -> str:
        return self.tenant.partition(":")[0]

    @property
    def tenant_id(self) -> str:
        return self.tenant.partition(":")[2]

    @property
    def rule(self) -> str:
        return self.rule_id or self.finding_id.partition(":")[0]

    @property
    def selector(self) -> str:
        """rule_id:entity_id, or rule_id:<entity glob>: what the entry matches within its tenant."""
        if self.finding_id is not None:
            return self.finding_id
        return f"{self.rule}:{self.entity_id if self.entity_id is not None else self.entity_glob}"

    @property
    def exact(self) -> bool:
        return self.entity_glob is None

    def matcher(self) -> re.Pattern:
        """The finding ids the entry applies to, as a pattern over the whole id (`*` is any text)."""
        if self.exact:
            return re.compile(re.escape(self.selector))
        prefix = re.escape(f"{self.rule}:")
        return re.compile(prefix + ".*".join(re.escape(p) for p in self.entity_glob.split("*")), re.DOTALL)


def _known_rule(rule_id: str) -> None:
    from ..rules.engine import rules

    if rule_id not in rules():
        raise ValueError(f"unknown rule {rule_id!r} (see docs/RULES.md)")


class DispositionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    max_expiry_days: int = Field(
        365, ge=1, le=1096, description="Longest a decision may last from approved_on to expires_on."
    )
    dispositions: tuple[Entry, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> DispositionsFile:
        seen: dict[tuple[str, str], int] = {}
        for n, e in enumerate(self.dispositions, start=1):
            if e.expires_on is not None and (e.expires_on - e.approved_on).days > self.max_expiry_days:
                raise _EntryError(
                    n,
                    "expires_on",
                    f"{e.expires_on} is more than max_expiry_days ({self.max_expiry_days}) after approved_on "
                    f"{e.approved_on}",
                )
            key = (e.tenant, e.selector)
            if key in seen:
                raise _EntryError(n, "selector", f"{e.selector} is also entry {seen[key]} for {e.tenant}")
            seen[key] = n
        return self


class _EntryError(ValueError):
    """A check across entries, raised with the entry number and field (pydantic wraps the message)."""

    def __init__(self, number: int, field: str, message: str):
        super().__init__(f"@entry {number}.{field}: {message}")


@dataclass(frozen=True)
class Loaded:
    """A validated dispositions file and where it came from: its path and the SHA-256 of its bytes."""

    path: str
    sha256: str
    file: DispositionsFile

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.file.dispositions


def _where(data: dict, loc: tuple) -> str:
    """'entry 3 (aws:123456789012 credential_unused:AKIA...).expires_on' rather than 'dispositions.2.expires_on'."""
    if len(loc) >= 2 and loc[0] == "dispositions" and isinstance(loc[1], int):
        entries = data.get("dispositions") or []
        node = entries[loc[1]] if loc[1] < len(entries) else None
        label = f"entry {loc[1] + 1}"
        if isinstance(node, dict):
            what = node.get("finding_id") or (
                f"{node.get('rule_id')}:{node.get('entity_id') or node.get('entity_glob')}"
                if node.get("rule_id")
                else None
            )
            label += f" ({node.get('tenant', '?')}" + (f" {what}" if what else "") + ")"
        rest = [str(p) for p in loc[2:] if not str(p).startswith(("function-", "literal["))]
        return label + "".join(f".{p}" for p in rest)
    return ".".join(str(p) for p in loc)


def _format_errors(source: str, data: dict, err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        msg = e["msg"].removeprefix("Value error, ")
        if msg.startswith("@entry "):  # a check across entries names its own entry and field
            number, _, rest = msg.removeprefix("@entry ").partition(".")
            field, _, text = rest.partition(": ")
            parts.append(f"{_where(data, ('dispositions', int(number) - 1, field))}: {text}")
            continue
        where = _where(data, e["loc"])
        parts.append(f"{where}: {msg}" if where else msg)
    return f"dispositions file {source}: " + "; ".join(parts)


def parse_dispositions(data: object, source: str = "<dispositions>") -> DispositionsFile:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DispositionsError(
            f"dispositions file {source}: expected a mapping at top level, got {type(data).__name__}"
        )
    try:
        return DispositionsFile.model_validate(data)
    except ValidationError as e:
        raise DispositionsError(_format_errors(source, data, e)) from None


def load_dispositions(path: str | Path) -> Loaded:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DispositionsError(f"dispositions file {path}: not found") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        raise DispositionsError(f"dispositions file {path}: not valid YAML: {e}".replace("\n", " ")) from None
    return Loaded(str(path), hashlib.sha256(raw).hexdigest(), parse_dispositions(data, str(path)))


def resolve_path(explicit: str | Path | None, scope_file: str | Path | None) -> str | None:
    """The dispositions file to read: the one given, else $MUSTER_DISPOSITIONS_FILE, else dispositions.yaml
    beside the scope file when there is one; None when none is configured (nothing is derived)."""
    import os

    if explicit:
        return str(explicit)
    if os.environ.get(ENV):
        return os.environ[ENV]
    if scope_file:
        beside = Path(scope_file).parent / DEFAULT_NAME
        if beside.is_file():
            return str(beside)
    return None
