"""Azure grants, from the (small) listings held in the RawTenant: directory role assignments, application
permissions (app role assignments) and Azure RBAC role assignments, active and eligible (PIM, eligibility.py),
with the role definitions behind them.

Privilege comes from the permissions (privilege.py), never from names. ``Run.grant`` drops repeats (an
inherited RBAC assignment is listed once per subscription); role definitions are kept when custom or when
some grant refers to them.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING

from . import privilege as pv
from .eligibility import held
from .risky_permissions import APP_PERMISSIONS, RESOURCES
from .shapes import (
    APP_ROLE_ASSIGNMENT,
    APP_ROLE_RESOURCE,
    ARM_ASSIGNMENT,
    ARM_DEFINITION,
    ARM_ELIGIBILITY,
    DIRECTORY_ASSIGNMENT,
    DIRECTORY_ELIGIBILITY,
    DIRECTORY_ROLE,
    MEMBER,
    shaped,
)

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run

DEFAULT_APP_ROLE = "00000000-0000-0000-0000-000000000000"
#: Member types that can use a role (devices and contacts cannot).
MEMBER_TYPES = frozenset({"#microsoft.graph.user", "#microsoft.graph.servicePrincipal"})
GROUP_TYPE = "#microsoft.graph.group"


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def objects(run: Run, items: list | None, entity: str, word: str, shape: dict) -> list[dict]:
    """The items that are objects with an id, ``shapes.shaped`` (a field of the wrong type is reported on
    "WORD ID" and left out); the others are reported by position, a listing that is not a list as a whole."""
    if items is not None and not isinstance(items, list):
        run.fail(entity, "the listing is not a list of objects; none read")
        return []
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            out.append(shaped(partial(run.fail, entity), f"{word} {item['id']}", item, shape))
        else:
            run.fail(entity, f"item {i} is not an object with an id")
    return out


def grants(run: Run) -> None:
    """Every grant of the tenant, in a fixed order (the first of repeated grants is kept)."""
    run.group_members = _checked_members(run)
    _directory_roles(run)
    _app_roles(run)
    _arm(run)


def _checked_members(run: Run) -> dict[str, list | None]:
    """``raw.group_members`` with every group's members ``shapes.shaped`` (a member whose id or type is not
    text loses it and is then skipped by ``members_of``). A member without an id is reported; members that
    are not a list are reported and count as not listed (None): the grants held through that group reach no
    member, and the group_members entity says why."""
    report = partial(run.fail, "group_members")
    checked: dict[str, list | None] = {}
    for gid, members in (run.raw.group_members or {}).items():
        if members is not None:  # None: not listed, which extract reported
            for i, m in enumerate(members if isinstance(members, list) else ()):
                if isinstance(m, dict) and m.get("id") is None:
                    report(f"group {gid} field members[{i}] has no id: ignored")
            members = shaped(report, f"group {gid}", {"members": members}, {"members": [MEMBER]}).get(
                "members"
            )
        checked[gid] = members
    return checked


def members_of(listed: dict[str, list | None], group: str, nested: bool) -> list[str]:
    """User and service-principal members of ``group`` (sorted), with those of nested groups when
    ``nested``. Groups whose members were not listed add none (their entity is partial)."""
    found: set[str] = set()
    seen, queue = {group}, [group]
    while queue:
        for m in listed.get(queue.pop()) or []:
            mid = m.get("id") if isinstance(m, dict) else None
            if not isinstance(mid, str) or not mid:
                continue
            if m.get("@odata.type") in MEMBER_TYPES:
                found.add(mid)
            elif nested and m.get("@odata.type") == GROUP_TYPE and mid not in seen:
                seen.add(mid)
                queue.append(mid)
    return sorted(found)


def _role_row(
    role_id: str, name: str, role_type: str, description, document, keep: bool, created=None, updated=None
) -> dict:
    return {
        "role_id": role_id,
        "role_name": name,
        "role_type": role_type,
        "description": description or None,
        "document": canonical(document),
        "version_id": None,
        "created_at": created,
        "updated_at": updated,
        "_keep": keep,
    }


def _directory_roles(run: Run) -> None:
    verdicts = {}
    for d in objects(
        run,
        run.raw.directory_role_definitions,
        "directory_role_definitions",
        "role definition",
        DIRECTORY_ROLE,
    ):
        role_id = f"/roleManagement/directory/roleDefinitions/{d['id']}"
        name = d.get("displayName") or d["id"]
        verdicts[d["id"]] = (role_id, name, *pv.directory_privilege(d.get("rolePermissions"), name))
        document = {"rolePermissions": d.get("rolePermissions"), "isBuiltIn": d.get("isBuiltIn")}
        run.roles[role_id] = _role_row(
            role_id, name, "directory_role", d.get("description"), document, d.get("isBuiltIn") is False
        )
    listings = (
        (
            "directory_role_assignments",
            run.raw.directory_role_assignments,
            "assignment",
            DIRECTORY_ASSIGNMENT,
        ),
        (
            "directory_role_eligibility",
            run.raw.directory_role_eligibility,
            "eligibility",
            DIRECTORY_ELIGIBILITY,
        ),
    )
    for entity, items, word, shape in listings:
        for a in objects(run, items, entity, word, shape):
            principal, def_id = a.get("principalId"), a.get("roleDefinitionId")
            if not principal or not def_id:
                run.fail(entity, f"{word} {a['id']} has no principalId or roleDefinitionId")
                continue
            via = "direct" if word == "assignment" else held(run, a, entity, f"{word} {a['id']}")
            if via is None:
                continue  # an eligibility not in force
            role_id, name, verdict, reasons = verdicts.get(
                def_id,
                (
                    f"/roleManagement/directory/roleDefinitions/{def_id}",
                    def_id,
                    pv.UNKNOWN,
                    [f"role definition {def_id} not listed"],
                ),
            )
            scope = a.get("directoryScopeId") or "/"
            app_scope = a.get("appScopeId")
            run.grant(
                entity,
                {
                    "principal_id": principal,
                    "role_id": role_id,
                    "role_name": name,
                    "scope": f"directory:{scope}" + (f" app:{app_scope}" if app_scope else ""),
                    "via": via,
                    "condition": None,
                    "privilege": verdict,
                    "privilege_reasons": reasons,
                },
            )


def _app_roles(run: Run) -> None:
    resources = {}
    for res in objects(
        run, run.raw.app_role_resources, "app_role_assignments", "resource", APP_ROLE_RESOURCE
    ):
        roles = {r.get("id"): r for r in res.get("appRoles") or [] if isinstance(r, dict)}
        resources[res["id"]] = (res.get("appId"), res.get("displayName"), roles)
    for a in objects(
        run, run.raw.app_role_assignments, "app_role_assignments", "assignment", APP_ROLE_ASSIGNMENT
    ):
        principal, role, res_id = a.get("principalId"), a.get("appRoleId"), a.get("resourceId")
        if not principal or not role or res_id not in resources:
            run.fail(
                "app_role_assignments",
                f"assignment {a['id']} lacks principalId, appRoleId or a listed resourceId",
            )
            continue
        app_id, res_name, roles = resources[res_id]
        res_name = res_name or RESOURCES.get(app_id) or app_id
        catalogue = APP_PERMISSIONS.get(app_id, {}).get(role)
        value = (roles.get(role) or {}).get("value") or (catalogue[0] if catalogue else None)
        if role == DEFAULT_APP_ROLE:
            value, verdict, reasons = (
                "default access",
                pv.READ,
                [f"default app role on {res_name}: no permissions"],
            )
        else:
            verdict, reasons = pv.app_permission_privilege(
                value, res_name, catalogue[1] if catalogue else None
            )
        scope = f"/servicePrincipals(appId='{app_id}')"
        role_id = f"{scope}/appRoles/{role}"
        run.grant(
            "app_role_assignments",
            {
                "principal_id": principal,
                "role_id": role_id,
                "role_name": f"{res_name}: {value or role}",
                "scope": scope,
                "via": "direct",
                "condition": None,
                "privilege": verdict,
                "privilege_reasons": reasons,
            },
        )
        document = {"resource": res_name, "resourceAppId": app_id, "appRoleId": role, "value": value}
        run.roles.setdefault(
            role_id,
            _role_row(
                role_id,
                f"{res_name}: {value or role}",
                "app_role",
                (roles.get(role) or {}).get("description"),
                document,
                False,
            ),
        )


def _arm_role_id(definition_id: str) -> str:
    """The subscription-independent id of an Azure role definition (its GUID is unique in the tenant)."""
    return f"/providers/Microsoft.Authorization/roleDefinitions/{definition_id.rstrip('/').rsplit('/', 1)[-1].lower()}"


def _arm(run: Run) -> None:
    definitions = {}
    for sid, items in sorted(run.raw.arm_definitions.items()):
        for d in objects(run, items, f"role_definitions/{sid}", "role definition", ARM_DEFINITION):
            props = d.get("properties") if isinstance(d.get("properties"), dict) else {}
            role_id = _arm_role_id(d["id"])
            if role_id in definitions:
                continue
            name = props.get("roleName") or d.get("name") or role_id
            definitions[role_id] = (name, *pv.arm_privilege(props.get("permissions"), name))
            custom = props.get("type") == "CustomRole"
            document = {
                "permissions": props.get("permissions"),
                "assignableScopes": props.get("assignableScopes"),
            }
            what = f"role definition {name}"
            run.roles[role_id] = _role_row(
                role_id,
                name,
                "custom" if custom else "builtin",
                props.get("description"),
                document,
                custom,
                run.time(props.get("createdOn"), f"role_definitions/{sid}", what, "createdOn"),
                run.time(props.get("updatedOn"), f"role_definitions/{sid}", what, "updatedOn"),
            )
    listings = [
        (f"role_assignments/{sid}", items, "assignment", ARM_ASSIGNMENT)
        for sid, items in sorted(run.raw.arm_assignments.items())
    ] + [
        (f"role_eligibility/{sid}", items, "eligibility", ARM_ELIGIBILITY)
        for sid, items in sorted(run.raw.arm_eligibility.items())
    ]
    for entity, items, word, shape in listings:
        for a in objects(run, items, entity, word, shape):
            props = a.get("properties") if isinstance(a.get("properties"), dict) else {}
            principal, def_id, scope = (
                props.get("principalId"),
                props.get("roleDefinitionId"),
                props.get("scope"),
            )
            if not principal or not def_id or not scope:
                run.fail(entity, f"{word} {a['id']} lacks principalId, roleDefinitionId or scope")
                continue
            if not scope.startswith("/"):  # ARM scopes are paths: "/", "/subscriptions/...", ...
                run.fail(
                    entity,
                    f"{word} {a['id']} field properties.scope {scope!r} is not an ARM scope; skipped",
                )
                continue
            via = "direct" if word == "assignment" else held(run, props, entity, f"{word} {a['id']}")
            if via is None:
                continue  # an eligibility not in force
            role_id = _arm_role_id(def_id)
            name, verdict, reasons = definitions.get(
                role_id, (role_id, pv.UNKNOWN, [f"role definition {role_id} not listed"])
            )
            condition = props.get("condition")
            run.grant(
                entity,
                {
                    "principal_id": principal,
                    "role_id": role_id,
                    "role_name": name,
                    "scope": scope,
                    "via": via,
                    "condition": canonical(
                        {"condition": condition, "conditionVersion": props.get("conditionVersion")}
                    )
                    if condition
                    else None,
                    "privilege": verdict,
                    "privilege_reasons": reasons,
                },
            )
