"""The scope file: which tenants are collected, how, and under which audit scope.

Validated with pydantic so that a typo (an unknown key, a bad account id, a misspelt scope tag) stops
planning with a message that names the file, the tenant and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

AuditTag = Literal["soc1", "soc2"]
Provider = Literal["aws", "gcp", "azure"]
#: The Azure cloud an Entra tenant lives in (``providers/azure/clouds.py`` says where each one answers).
AzureCloud = Literal["public", "usgov", "usgov_dod", "china"]


class ScopeError(ValueError):
    """The scope file cannot be used; the message names the file and the offending field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    unused_days: int = Field(90, ge=1, description="A credential unused this long is stale.")
    never_used_grace_days: int = Field(
        30, ge=0, description="A never-used credential older than this is stale."
    )
    rotation_days: int = Field(90, ge=1, description="A credential older than this is unrotated.")
    expiring_within_days: int = Field(30, ge=0, description="A secret expiring this soon is flagged.")
    dormant_days: int = Field(90, ge=1, description="An NHI unused this long is dormant.")
    revocation_sla_days: int = Field(
        1, ge=0, description="Days allowed from owner offboarding to revocation."
    )


class Classification(_Strict):
    """How IAM users are told apart (roles and service accounts are always non-human)."""

    override_tag_key: str = Field("muster:identity", description="Tag whose value human|nhi overrides rules.")
    service_paths: tuple[str, ...] = (
        "/service/",
        "/services/",
        "/svc/",
        "/system/",
        "/automation/",
        "/ci/",
        "/bots/",
    )
    human_paths: tuple[str, ...] = ("/people/", "/humans/", "/employees/", "/staff/")
    service_name_patterns: tuple[str, ...] = (
        r"^(svc|sa|bot|ci|cd|app|sys|srv)[-_.]",
        r"[-_.](svc|bot|service|automation)$",
    )
    service_tag_values: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {
            "type": ("service", "machine", "nhi", "automation"),
            "identity-type": ("service", "machine", "nhi"),
        },
        description="A tag key and the values that mark a user as a service identity.",
    )

    @field_validator("service_name_patterns")
    @classmethod
    def _patterns_compile(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for p in v:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {e}") from e
        return v


_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: provider -> (pattern of a tenant id, how to say it in an error). Ids are path-safe: they name partitions.
TENANT_ID_FORMS = {
    "aws": (r"\d{12}", "a 12-digit account id"),
    "gcp": (
        r"[a-z][a-z0-9-]{4,28}[a-z0-9]|org-\d{1,20}|folder-\d{1,20}",
        "a project id, or org-<number> / folder-<number>",
    ),
    "azure": (_GUID, "an Entra tenant id (GUID)"),
}


class Tenant(_Strict):
    provider: Provider
    id: str = Field(description="AWS account id, GCP project/organisation id or Entra tenant id.")
    name: str | None = None
    connection_id: str | None = Field(None, description="Airflow connection holding credentials.")
    role_arn: str | None = Field(None, description="AWS: role assumed in the account before collecting.")
    external_id: str | None = None
    region: str = "us-east-1"
    audit_scope: tuple[AuditTag, ...] = ()
    soc1_objectives: tuple[str, ...] = ()
    owner_tag_keys: tuple[str, ...] = ("owner", "Owner", "muster:owner")
    owners: dict[str, str] = Field(
        default_factory=dict, description="Principal name or id -> owner override."
    )
    identity_overrides: dict[str, Literal["human", "nhi"]] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    classification: Classification = Field(default_factory=Classification)
    per_user_credentials: bool = Field(
        False,
        description="AWS: list SSH keys and service-specific credentials per user (two calls per user; "
        "no bulk API exists). When off they are recorded as not collected, never as absent.",
    )
    discovered_from: str | None = Field(None, description="Set by discovery: the organisation it came from.")
    impersonate_service_account: str | None = Field(
        None, description="GCP: service account impersonated (through IAM Credentials) before collecting."
    )
    subscriptions: tuple[str, ...] = Field(
        (), description="Azure: subscription ids whose RBAC is collected; empty means every visible one."
    )
    cloud: AzureCloud = Field(
        "public",
        description="Azure: the cloud the tenant lives in: public (also GCC), usgov (GCC High), usgov_dod "
        "(DoD) or china (21Vianet). It picks the Entra authority, the token scopes and the Graph/ARM URLs.",
    )

    @model_validator(mode="after")
    def _check_ids(self) -> Tenant:
        if self.provider not in TENANT_ID_FORMS:
            raise ValueError(f"unknown provider {self.provider!r}")
        pattern, form = TENANT_ID_FORMS[self.provider]
        if not re.fullmatch(pattern, self.id):
            raise ValueError(f"{self.provider} tenant id {self.id!r} must be {form}")
        for sub in self.subscriptions:
            if not re.fullmatch(_GUID, sub):
                raise ValueError(f"subscription {sub!r} is not a subscription id (GUID)")
        if self.subscriptions and self.provider != "azure":
            raise ValueError("subscriptions only apply to azure tenants")
        if self.cloud != "public" and self.provider != "azure":
            raise ValueError(f"cloud {self.cloud!r} only applies to azure tenants")
        if self.role_arn and not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/.+", self.role_arn):
            raise ValueError(f"role_arn {self.role_arn!r} is not an IAM role ARN")
        unknown = set(self.soc1_objectives) and "soc1" not in self.audit_scope
        if unknown:
            raise ValueError("soc1_objectives given but the tenant is not in soc1 audit_scope")
        return self

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.id}" + (f" ({self.name})" if self.name else "")


class AwsOrganization(_Strict):
    """Discover member accounts through AWS Organizations and collect each through an assumed role."""

    provider: Literal["aws"] = "aws"
    management_account: str
    connection_id: str | None = None
    role_arn: str | None = Field(None, description="Role in the management account that may list accounts.")
    member_role_name: str = "OrganizationAccountAccessRole"
    audit_scope: tuple[AuditTag, ...] = ()
    soc1_objectives: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_user_credentials: bool = False


class GcpOrganization(_Strict):
    """Expand a GCP organisation or folder into its projects through Resource Manager and collect each."""

    provider: Literal["gcp"]
    parent: str = Field(
        pattern=r"^(organizations|folders)/\d{1,20}$", description="organizations/<n> or folders/<n>."
    )
    connection_id: str | None = None
    impersonate_service_account: str | None = None
    audit_scope: tuple[AuditTag, ...] = ()
    soc1_objectives: tuple[str, ...] = ()
    owners: dict[str, str] = Field(
        default_factory=dict, description="Principal name or id -> owner override."
    )
    exclude: tuple[str, ...] = Field((), description="Project ids not to collect.")
    collect_parent: bool = Field(
        True, description="Also collect the organisation / folder itself (its and its folders' IAM policies)."
    )

    @property
    def source_id(self) -> str:
        """The tenant id of the parent: org-<n> or folder-<n>."""
        kind, _, number = self.parent.partition("/")
        return f"{'org' if kind == 'organizations' else 'folder'}-{number}"


def _org_provider(value: object) -> str:
    return value.get("provider", "aws") if isinstance(value, dict) else getattr(value, "provider", "aws")


Organization = Annotated[
    Annotated[AwsOrganization, Tag("aws")] | Annotated[GcpOrganization, Tag("gcp")],
    Discriminator(_org_provider),
]


class Scope(_Strict):
    version: Literal[1] = 1
    sandbox: bool = Field(False, description="Only a sandbox scope may run on a simulated clock.")
    observe_tolerance_hours: int = Field(
        36, ge=0, description="A run whose logical date is further in the past than this does not collect."
    )
    soc1_objectives: dict[str, str] = Field(default_factory=dict, description="Objective id -> wording.")
    tenants: tuple[Tenant, ...] = ()
    organizations: tuple[Organization, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Scope:
        seen = set()
        for t in self.tenants:
            key = (t.provider, t.id)
            if key in seen:
                raise ValueError(f"tenant {t.provider}:{t.id} is listed twice")
            seen.add(key)
            missing = set(t.soc1_objectives) - set(self.soc1_objectives)
            if missing:
                raise ValueError(
                    f"tenant {t.label}: soc1_objectives {sorted(missing)} are not defined at top level"
                )
        return self

    def tenant(self, provider: str, tenant_id: str) -> Tenant:
        for t in self.tenants:
            if t.provider == provider and t.id == tenant_id:
                return t
        raise ScopeError(f"tenant {provider}:{tenant_id} is not in the scope file")


def _where(data: dict, loc: tuple) -> str:
    """'tenants[1] (aws:123456789012).audit_scope[0]' rather than pydantic's bare 'tenants.1.audit_scope.0'."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and "id" in node:
                out += f" ({node.get('provider', '?')}:{node['id']})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _format_errors(source: str, data: dict, err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = _where(data, e["loc"])
        parts.append(f"{where}: {e['msg']}" if where else e["msg"])
    return f"scope file {source}: " + "; ".join(parts)


def parse_scope(data: object, source: str = "<scope>") -> Scope:
    if not isinstance(data, dict):
        raise ScopeError(f"scope file {source}: expected a mapping at top level, got {type(data).__name__}")
    try:
        return Scope.model_validate(data)
    except ValidationError as e:
        raise ScopeError(_format_errors(source, data, e)) from None


def load_scope(path: str | Path) -> Scope:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ScopeError(f"scope file {path}: not found") from None
    except yaml.YAMLError as e:
        raise ScopeError(f"scope file {path}: not valid YAML: {e}".replace("\n", " ")) from None
    return parse_scope(data, str(path))
