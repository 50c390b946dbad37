"""Accounts with hundreds of admin roles (SSO permission sets, OrganizationAccountAccessRole, CI roles).

The verdicts must be those of a small account, role chains must still be followed, and the reasons must name
a bounded number of roles in ARN order whatever the number of privileged roles.
"""

from muster.providers.aws.privilege import AccountEvaluator, Batch, Holder, compile_policy
from muster.providers.aws.privilege.evaluate import MAX_NAMED
from privilege_cases import ACCOUNT, ACCOUNT_TRUST, EC2_TRUST, TESTER, allow, deny, doc, trusting

ANYONE_TRUST = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
ADMIN = compile_policy(doc(allow("*")), "AdministratorAccess")


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def many_admin_roles() -> tuple[list[Holder], dict[str, dict]]:
    """300 admin roles: 100 trust the account, 100 anyone, 100 only EC2 (names interleave in ARN order)."""
    holders, trusts = [], {}
    for i in range(300):
        arn = role(f"admin-{i:03d}")
        holders.append(Holder(arn, arn, [ADMIN]))
        trusts[arn] = (ACCOUNT_TRUST, ANYONE_TRUST, EC2_TRUST)[i % 3]
    return holders, trusts


def evaluate(extra: list[Holder], trusts: dict[str, dict] | None = None):
    holders, base = many_admin_roles()
    return AccountEvaluator(ACCOUNT, base | (trusts or {})).evaluate(holders + extra)


def test_every_admin_role_is_admin_and_reasons_of_each_name_a_bounded_number_of_roles():
    results = evaluate([])
    for i in range(300):
        found = results[role(f"admin-{i:03d}")].principal
        assert found.privilege == "admin"
        # its own Allow *, then at most MAX_NAMED roles that admit it without identity permission + a count
        assert len(found.reasons) == 1 + MAX_NAMED + 1
        others = 100 - (i % 3 == 1)  # the roles that trust anyone, except itself
        assert f"and {others - MAX_NAMED} more privileged roles" in found.reasons[-1]


def test_a_reader_is_escalation_through_roles_that_trust_anyone_named_in_arn_order_and_counted():
    reader = compile_policy(doc(allow("s3:GetObject")), "reader")
    found = evaluate([Holder("u", TESTER, [reader])])["u"]
    assert found.grants[reader.uid].privilege == "read"
    assert found.principal.privilege == "escalation"
    first = [role(f"admin-{i:03d}") for i in range(1, 300, 3)][:MAX_NAMED]
    assert found.principal.reasons == tuple(
        f"escalation sts-assume-privileged-role: trust policy of privileged role {arn} admits anyone; no "
        "identity permission is needed in the same account"
        for arn in first
    ) + (
        "escalation sts-assume-privileged-role: and 92 more privileged roles whose trust policy admits this "
        "principal",
    )


def test_assume_role_on_star_names_the_first_role_that_admits_the_holder():
    assume = compile_policy(doc(allow("sts:AssumeRole")), "assume")
    found = evaluate([Holder("u", TESTER, [assume])])["u"]
    line = found.grants[assume.uid].reasons[0]
    assert found.grants[assume.uid].privilege == "escalation"
    assert line == (
        "escalation sts-assume-privileged-role (Assume a role that is admin or can escalate): sts:AssumeRole by "
        f"policy assume statement 0 on Resource * (privileged role {role('admin-000')}, whose trust policy "
        "admits the account)"
    )


def test_pass_role_to_one_named_service_role_among_hundreds():
    passer = compile_policy(doc(allow(["iam:PassRole", "ec2:RunInstances"], role("admin-299"))), "pass")
    harmless = compile_policy(doc(allow(["iam:PassRole", "ec2:RunInstances"], role("nobody"))), "harmless")
    results = evaluate([Holder("u", TESTER, [passer]), Holder("v", f"{TESTER}-v", [harmless])])
    assert results["u"].grants[passer.uid].privilege == "escalation"
    assert f"(privileged role {role('admin-299')})" in results["u"].grants[passer.uid].reasons[0]
    assert results["v"].grants[harmless.uid].privilege == "write"
    assert any(
        "names no admin or escalation-capable role" in r for r in results["v"].grants[harmless.uid].reasons
    )


def test_a_deny_on_every_role_blocks_and_the_reason_is_that_of_the_last_role_tried():
    assume = compile_policy(doc(allow("sts:AssumeRole", role("admin-*"))), "assume")
    # statement 0 covers only the last roles in ARN order, statement 1 every role
    no_assume = compile_policy(doc(deny("sts:AssumeRole", role("admin-29*")), deny("sts:AssumeRole")), "no")
    found = evaluate([Holder("u", TESTER, [assume, no_assume])])["u"]
    assert found.principal.privilege == "read"
    # the last role that admits the holder is admin-298 (anyone): the Deny that covers it first is statement 0
    assert found.grants[assume.uid].reasons[2] == (
        "not escalation sts-assume-privileged-role (Assume a role that is admin or can escalate): sts:AssumeRole "
        "by policy assume statement 0 cancelled by Deny in policy no statement 0"
    )


def test_role_chains_are_followed_among_hundreds_of_admin_roles():
    hop1, hop2 = role("zz-hop-1"), role("zz-hop-2")
    to_admin = compile_policy(doc(allow("sts:AssumeRole", role("admin-002"))), "to-admin")  # EC2-only trust
    to_hop1 = compile_policy(doc(allow("sts:AssumeRole", hop1)), "to-hop1")
    to_hop2 = compile_policy(doc(allow("sts:AssumeRole", hop2)), "to-hop2")
    extra = [
        Holder(hop1, hop1, [to_admin]),
        Holder(hop2, hop2, [to_hop1]),
        Holder("u", TESTER, [to_hop2]),
    ]
    trusts = {role("admin-002"): trusting(hop1), hop1: trusting(hop2), hop2: ACCOUNT_TRUST}
    results = evaluate(extra, trusts)
    assert results[hop1].grants[to_admin.uid].privilege == "escalation"
    assert results[hop2].grants[to_hop1.uid].privilege == "escalation"
    assert results["u"].grants[to_hop2.uid].privilege == "escalation"
    assert (
        f"(privileged role {hop2}, whose trust policy admits the account)"
        in (results["u"].grants[to_hop2.uid].reasons[0])
    )
    # hop-1 is admitted by name by admin-002, listed first among the roles that need no identity permission
    assert (
        results[hop1]
        .principal.reasons[1]
        .startswith(
            f"escalation sts-assume-privileged-role: trust policy of privileged role {role('admin-001')} admits anyone"
        )
    )
    assert any(
        f"role {role('admin-002')} admits this principal by ARN" in r for r in results[hop1].principal.reasons
    )


def test_batches_share_results_and_agree_with_one_by_one():
    holders, trusts = many_admin_roles()
    assume = compile_policy(doc(allow("sts:AssumeRole")), "assume")
    users = [f"arn:aws:iam::{ACCOUNT}:user/u{i}" for i in range(50)]
    evaluator = AccountEvaluator(ACCOUNT, trusts)
    batches = [
        Batch((ADMIN,), None, [h.arn for h in holders]),
        Batch((assume,), None, users),
    ]
    found = evaluator.evaluate_batches(batches)
    alone = AccountEvaluator(ACCOUNT, trusts).evaluate(holders + [Holder(a, a, [assume]) for a in users])
    for b, result in zip(batches, found, strict=True):
        for i, arn in enumerate(b.arns):
            key = arn
            assert result.of(i).principal == alone[key].principal
            assert list(result.of(i).grants.values()) == list(alone[key].grants.values())
    assert len(found[1].own) == 0  # no user is named by a trust policy: one shared Result
