"""The catalogue of known AWS privilege-escalation methods, as data.

Each method is a list of requirements that must *all* hold; a requirement is met by *any one* of its actions,
allowed on a resource of the named kind:

* ``any`` — any Resource the Allow names counts (the method works on whatever the holder can reach);
* ``privileged_role`` — a role whose privilege is admin or escalation in the same account, or a Resource
  pattern that matches every role name (``*``, ``role/*``: roles created later included);
* ``other_user`` — an IAM user other than the holder itself (``user/${aws:username}`` does not count).

``docs/ESCALATION.md`` is generated from this data (``python -m muster.providers.aws.privilege.docs``) and
a test keeps the two equal. The ids are stable: they appear in ``privilege_reasons`` of sealed snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

RESOURCE_KINDS = ("any", "privileged_role", "other_user")
RHINO = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/"
RHINO_2 = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/"
BISHOP_FOX = "https://github.com/BishopFox/iam-vulnerable"
SSM_DOC = "https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command.html"
ASSUME_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html"
CFN_ROLE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html"
PATHFINDING = "https://pathfinding.cloud/paths/"
PASS = ("iam:PassRole",)


@dataclass(frozen=True)
class Requirement:
    """One step of a method: any one of ``actions``, allowed on a resource of kind ``resource``."""

    actions: tuple[str, ...]
    resource: str = "any"
    #: For iam:PassRole: the service principals the method passes the role to. An Allow whose Condition
    #: limits iam:PassedToService to other services does not meet the requirement.
    passed_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Method:
    """A known way to gain more privilege than the policies grant directly."""

    id: str
    name: str
    requires: tuple[Requirement, ...]
    how: str
    source: str


def _m(id_: str, name: str, requires: list, how: str, source: str) -> Method:
    reqs = tuple(r if isinstance(r, Requirement) else Requirement(tuple(r)) for r in requires)
    return Method(id_, name, reqs, how, source)


def _role(*actions: str) -> Requirement:
    return Requirement(tuple(actions), "privileged_role")


def _pass(*services: str) -> Requirement:
    return Requirement(PASS, "privileged_role", services)


def _user(*actions: str) -> Requirement:
    return Requirement(tuple(actions), "other_user")


#: The catalogue. Rhino Security Labs' numbering is given in ``source`` where the method comes from its list.
METHODS: tuple[Method, ...] = (
    _m(
        "iam-create-policy-version",
        "Create a new version of a managed policy",
        [["iam:CreatePolicyVersion"]],
        "Write a new default version of a policy the holder has attached (with --set-as-default).",
        f"{RHINO} #1",
    ),
    _m(
        "iam-set-default-policy-version",
        "Switch a managed policy to another version",
        [["iam:SetDefaultPolicyVersion"]],
        "Make an older, more permissive version of a policy the default.",
        f"{RHINO} #2",
    ),
    _m(
        "passrole-ec2",
        "Pass a role to a new EC2 instance",
        [_pass("ec2.amazonaws.com"), ["ec2:RunInstances", "ec2:RequestSpotInstances"]],
        "Launch an instance (on demand or spot) with a privileged instance profile and read its credentials.",
        f"{RHINO} #3; {PATHFINDING}ec2-003",
    ),
    _m(
        "iam-create-access-key",
        "Create an access key for another user",
        [_user("iam:CreateAccessKey")],
        "Mint a key for a more privileged user and act as that user.",
        f"{RHINO} #4",
    ),
    _m(
        "iam-create-login-profile",
        "Create a console password for another user",
        [_user("iam:CreateLoginProfile")],
        "Give a user without a password one the holder knows.",
        f"{RHINO} #5",
    ),
    _m(
        "iam-update-login-profile",
        "Change another user's console password",
        [_user("iam:UpdateLoginProfile")],
        "Reset a user's password and sign in as that user.",
        f"{RHINO} #6",
    ),
    _m(
        "iam-attach-user-policy",
        "Attach a managed policy to a user",
        [["iam:AttachUserPolicy"]],
        "Attach AdministratorAccess to the holder (or to a user it controls).",
        f"{RHINO} #7",
    ),
    _m(
        "iam-attach-group-policy",
        "Attach a managed policy to a group",
        [["iam:AttachGroupPolicy"]],
        "Attach AdministratorAccess to a group the holder is in.",
        f"{RHINO} #8",
    ),
    _m(
        "iam-attach-role-policy",
        "Attach a managed policy to a role",
        [["iam:AttachRolePolicy"]],
        "Attach AdministratorAccess to a role the holder is or can use.",
        f"{RHINO} #9",
    ),
    _m(
        "iam-put-user-policy",
        "Write an inline policy on a user",
        [["iam:PutUserPolicy"]],
        "Give the holder (or a user it controls) an inline Allow * policy.",
        f"{RHINO} #10",
    ),
    _m(
        "iam-put-group-policy",
        "Write an inline policy on a group",
        [["iam:PutGroupPolicy"]],
        "Give a group the holder is in an inline Allow * policy.",
        f"{RHINO} #11",
    ),
    _m(
        "iam-put-role-policy",
        "Write an inline policy on a role",
        [["iam:PutRolePolicy"]],
        "Give a role the holder is or can use an inline Allow * policy.",
        f"{RHINO} #12",
    ),
    _m(
        "iam-add-user-to-group",
        "Add a user to a group",
        [["iam:AddUserToGroup"]],
        "Join a more privileged group.",
        f"{RHINO} #13",
    ),
    _m(
        "iam-update-assume-role-policy",
        "Rewrite a privileged role's trust policy",
        [_role("iam:UpdateAssumeRolePolicy")],
        "Make a privileged role trust the holder, then assume it (same account: no further permission needed).",
        f"{RHINO} #14",
    ),
    _m(
        "passrole-lambda",
        "Pass a role to a new Lambda function and run it",
        [
            _pass("lambda.amazonaws.com"),
            ["lambda:CreateFunction"],
            [
                "lambda:InvokeFunction",
                "lambda:CreateEventSourceMapping",
                "lambda:AddPermission",
                "lambda:CreateFunctionUrlConfig",
            ],
        ],
        "Create a function with a privileged role and invoke it (directly, from an event source, or via a "
        "resource policy / function URL).",
        f"{RHINO} #15, #16",
    ),
    _m(
        "lambda-update-function-code",
        "Replace the code of an existing Lambda function",
        [["lambda:UpdateFunctionCode"]],
        "Run own code with the function's role (functions and their roles are not collected: assumed to exist).",
        f"{RHINO} #17",
    ),
    _m(
        "passrole-glue-dev-endpoint",
        "Pass a role to a new Glue development endpoint",
        [_pass("glue.amazonaws.com"), ["glue:CreateDevEndpoint"]],
        "SSH into the endpoint and use the role's credentials.",
        f"{RHINO} #18",
    ),
    _m(
        "glue-update-dev-endpoint",
        "Add an SSH key to an existing Glue development endpoint",
        [["glue:UpdateDevEndpoint"]],
        "Log in to an endpoint that already runs with a role.",
        f"{RHINO} #19",
    ),
    _m(
        "passrole-glue-job",
        "Pass a role to a new Glue job and run it",
        [_pass("glue.amazonaws.com"), ["glue:CreateJob"], ["glue:StartJobRun", "glue:CreateTrigger"]],
        "A job script runs with the passed role.",
        BISHOP_FOX,
    ),
    _m(
        "passrole-cloudformation",
        "Pass a role to a new CloudFormation stack",
        [
            _pass("cloudformation.amazonaws.com"),
            ["cloudformation:CreateStack", "cloudformation:CreateStackSet"],
        ],
        "The stack creates resources (e.g. an admin user) with the passed role's permissions.",
        f"{RHINO} #20",
    ),
    _m(
        "passrole-datapipeline",
        "Pass a role to a new Data Pipeline",
        [
            _pass("datapipeline.amazonaws.com", "ec2.amazonaws.com"),
            ["datapipeline:CreatePipeline"],
            ["datapipeline:PutPipelineDefinition"],
        ],
        "Pipeline activities run shell commands with the passed role.",
        f"{RHINO} #21",
    ),
    _m(
        "passrole-codebuild",
        "Pass a role to a new CodeBuild project and build it",
        [
            _pass("codebuild.amazonaws.com"),
            ["codebuild:CreateProject"],
            ["codebuild:StartBuild", "codebuild:StartBuildBatch"],
        ],
        "The buildspec runs with the project's service role.",
        BISHOP_FOX,
    ),
    _m(
        "passrole-sagemaker-notebook",
        "Pass a role to a new SageMaker notebook and open it",
        [
            _pass("sagemaker.amazonaws.com"),
            ["sagemaker:CreateNotebookInstance"],
            ["sagemaker:CreatePresignedNotebookInstanceUrl"],
        ],
        "The notebook's terminal has the passed role's credentials.",
        f"{RHINO_2}; {BISHOP_FOX}",
    ),
    _m(
        "passrole-sagemaker-job",
        "Pass a role to a new SageMaker training or processing job",
        [
            _pass("sagemaker.amazonaws.com"),
            [
                "sagemaker:CreateTrainingJob",
                "sagemaker:CreateProcessingJob",
                "sagemaker:CreateHyperParameterTuningJob",
            ],
        ],
        "The job's container runs own code with the passed role.",
        BISHOP_FOX,
    ),
    _m(
        "passrole-ecs",
        "Pass a role to a new ECS task",
        [
            _pass("ecs-tasks.amazonaws.com"),
            ["ecs:RegisterTaskDefinition"],
            ["ecs:RunTask", "ecs:StartTask", "ecs:CreateService"],
        ],
        "The task's containers get the passed task role.",
        BISHOP_FOX,
    ),
    _m(
        "ssm-command-on-instance",
        "Run commands on an EC2 instance through Systems Manager",
        [["ssm:SendCommand", "ssm:StartSession"]],
        "Commands run on instances with their instance-profile role (instances are not collected: assumed to "
        "exist).",
        SSM_DOC,
    ),
    _m(
        "sts-assume-privileged-role",
        "Assume a role that is admin or can escalate",
        [_role("sts:AssumeRole")],
        "The role's trust policy admits the holder (its ARN, the account, or anyone) and an identity policy "
        "allows sts:AssumeRole on it; followed across chains of roles.",
        ASSUME_DOC,
    ),
)

#: Methods that use existing resources which carry a role (stacks, instances, launch templates, tasks). Like
#: ``lambda-update-function-code``, they assume such resources exist (they are not collected). Opening an
#: existing SageMaker notebook (sagemaker:CreatePresignedNotebookInstanceUrl alone) is not a method of its own:
#: it would make ``passrole-sagemaker-notebook`` meaningless.
METHODS += (
    _m(
        "cloudformation-update-stack",
        "Update an existing CloudFormation stack",
        [["cloudformation:UpdateStack"]],
        "An update without a role uses the stack's service role: the new template creates resources (e.g. an "
        "admin user) with that role's permissions, without iam:PassRole.",
        CFN_ROLE_DOC,
    ),
    _m(
        "cloudformation-change-set",
        "Create and execute a change set on an existing CloudFormation stack",
        [["cloudformation:CreateChangeSet"], ["cloudformation:ExecuteChangeSet"]],
        "As cloudformation-update-stack, through a change set.",
        f"{CFN_ROLE_DOC}; {PATHFINDING}cloudformation-005",
    ),
    _m(
        "ec2-instance-connect",
        "Push an SSH key to an existing EC2 instance",
        [["ec2-instance-connect:SendSSHPublicKey", "ec2-instance-connect:SendSerialConsoleSSHPublicKey"]],
        "Log in and read the instance profile's credentials from the instance metadata service.",
        f"{PATHFINDING}ec2instanceconnect-003",
    ),
    _m(
        "ec2-modify-user-data",
        "Replace an existing instance's user data and restart it",
        [["ec2:ModifyInstanceAttribute"], ["ec2:StopInstances"], ["ec2:StartInstances"]],
        "The new user data runs at start with the instance profile's role.",
        f"{PATHFINDING}ec2-002",
    ),
    _m(
        "ec2-launch-template",
        "Change the default version of an existing launch template",
        [["ec2:CreateLaunchTemplateVersion"], ["ec2:ModifyLaunchTemplate"]],
        "Instances launched from it (e.g. by an Auto Scaling group) run own user data with its instance profile.",
        f"{PATHFINDING}ec2-004",
    ),
    _m(
        "ecs-execute-command",
        "Open a shell in a running ECS task",
        [["ecs:ExecuteCommand"]],
        "The shell has the task role's credentials.",
        f"{PATHFINDING}ecs-006",
    ),
)

BY_ID: dict[str, Method] = {m.id: m for m in METHODS}
