"""The analysis in GovCloud (``aws-us-gov``) and China (``aws-cn``): the same verdicts as in ``aws``.

Every labelled case (``privilege_cases``) is moved whole to the other partition: its policies, trust policies,
roles, managed policies and holder. Only the ARNs the analysis builds itself (the account root a trust policy
names, the probes for "another user" and "any role" matched against a Resource) could tell the partitions
apart, and they must be built in the account's partition.
"""

import pytest
from muster.providers.aws.privilege import assess, parse_trust
from privilege_cases import ACCOUNT, all_cases, doc, flagged, judge, moved, trusting

PARTITIONS = ("aws-us-gov", "aws-cn")
CASES = all_cases()


@pytest.mark.parametrize("partition", PARTITIONS)
def test_every_labelled_case_has_the_same_verdict_and_reasons_as_in_aws(partition):
    wrong = []
    for case in CASES:
        there, here = judge(case, partition), judge(case)
        back = (there.privilege, moved(there.reasons, "aws", partition))
        if back != (here.privilege, here.reasons) or flagged(case, there) != case.label:
            wrong.append(case.id)
    assert wrong == []


@pytest.mark.parametrize("partition", PARTITIONS)
def test_the_account_root_in_the_accounts_partition_names_the_account(partition):
    trust = parse_trust(trusting(f"arn:{partition}:iam::{ACCOUNT}:root"), ACCOUNT, partition)
    assert (trust.account, trust.arns) == (True, set())


def test_a_root_arn_of_another_partition_is_another_account():
    """Same account id, other partition: not this account (an account lives in one partition), so it
    admits none of this account's principals."""
    commercial_root = f"arn:aws:iam::{ACCOUNT}:root"
    trust = parse_trust(trusting(commercial_root), ACCOUNT, "aws-us-gov")
    assert (trust.account, trust.arns) == (False, {commercial_root})
    assert trust.admits(f"arn:aws-us-gov:iam::{ACCOUNT}:user/tester") is None


@pytest.mark.parametrize(
    "partition, actions, resource, method",
    [
        ("aws-cn", "iam:CreateAccessKey", "user/*", "iam-create-access-key"),
        ("aws-us-gov", ["iam:PassRole", "ec2:RunInstances"], "role/*", "passrole-ec2"),
    ],
)
def test_assess_builds_its_holder_and_probes_in_the_partition(partition, actions, resource, method):
    arn = f"arn:{partition}:iam::{ACCOUNT}:{resource}"
    document = doc({"Effect": "Allow", "Action": actions, "Resource": arn})
    privilege, reasons = assess(document, "p", ACCOUNT, partition)
    assert privilege == "escalation"
    assert [r.split(" (")[0] for r in reasons] == [f"escalation {method}"]
