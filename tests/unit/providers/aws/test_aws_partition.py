"""The account's partition, read off the first few ARNs of the account itself in GetAccountAuthorizationDetails."""

import pytest
from arn_partitions import moved
from aws_transform_helpers import ACCOUNT, cloudmapper_gaad, gaad, user
from muster.providers.aws.partition import account_partition

OTHER_ACCOUNT = "210987654321"


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov", "aws-cn", "aws-iso-b"])
def test_the_partition_of_the_accounts_users(partition):
    details = gaad(users=[moved(user("alice"), partition)])
    assert account_partition(details, ACCOUNT) == partition


def test_arns_of_other_accounts_are_passed_over():
    """CloudMapper's export has users in account ``aws``; its roles are the account's own."""
    details = moved(cloudmapper_gaad(), "aws-us-gov")
    assert [u["Arn"].split(":")[4] for u in details["UserDetailList"]] == ["aws", "aws"]
    assert account_partition(details, "123456789012") == "aws-us-gov"
    other = gaad(users=[moved(user("bob", account=OTHER_ACCOUNT), "aws-cn")])
    assert account_partition(other, ACCOUNT) == "aws"


def test_groups_and_customer_managed_policies_count_aws_managed_ones_do_not():
    aws_managed = {"Arn": "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"}
    assert account_partition(gaad(policies=[aws_managed]), ACCOUNT) == "aws"
    local = {"Arn": f"arn:aws-cn:iam::{ACCOUNT}:policy/team"}
    assert account_partition(gaad(policies=[aws_managed, local]), ACCOUNT) == "aws-cn"
    group = {"GroupName": "g", "Arn": f"arn:aws-us-gov:iam::{ACCOUNT}:group/g"}
    assert account_partition(gaad(groups=[group], policies=[local]), ACCOUNT) == "aws-us-gov"


@pytest.mark.parametrize(
    "details",
    [
        {},
        None,
        "not an object",
        {
            "UserDetailList": "not a list",
            "RoleDetailList": [None, 7, {"Arn": None}, {"Arn": "arn:aws-cn:s3:::b"}],
        },
        gaad(
            users=[
                user("x", Arn=f"arn::iam::{ACCOUNT}:user/x"),
                user("y", Arn=f"arn:AWS-CN:iam::{ACCOUNT}:user/y"),
            ]
        ),
    ],
    ids=["empty", "none", "not-an-object", "malformed-items", "malformed-partitions"],
)
def test_commercial_when_no_arn_of_the_account_says_otherwise(details):
    assert account_partition(details, ACCOUNT) == "aws"


def test_only_the_first_items_of_a_list_are_looked_at():
    """The transform must not pay per user: past the first few items of each list, nothing is read."""
    unreadable = [user(f"u{i}", Arn="unreadable") for i in range(8)]
    late = moved(user("late"), "aws-us-gov")
    assert account_partition(gaad(users=[*unreadable, late]), ACCOUNT) == "aws"
    assert account_partition(gaad(users=[*unreadable[:7], late]), ACCOUNT) == "aws-us-gov"
