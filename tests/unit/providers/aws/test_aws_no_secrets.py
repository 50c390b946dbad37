"""Secret material planted in the input never reaches a row or an error message."""

from aws_transform_helpers import DAY, HEADER, gaad, raw_account, report, report_row, tenant, user, validated
from muster.providers.aws.transform import transform_account

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # the shape of a SecretAccessKey


def test_no_row_or_error_contains_a_planted_secret():
    keys = {
        "bob": [
            {
                "UserName": "bob",
                "AccessKeyId": "AKIABOB",
                "SecretAccessKey": SECRET,
                "Status": "Active",
                "CreateDate": "2020-01-01T00:00:00Z",
                "LastUsed": {"LastUsedDate": SECRET},
            }
        ]
    }
    service_creds = {
        "bob": [
            {
                "ServiceSpecificCredentialId": "ACCABOB",
                "ServicePassword": SECRET,
                "ServiceUserName": "bob-at-1",
                "Status": "Active",
                "CreateDate": SECRET,
            }
        ]
    }
    ssh = {
        "bob": [
            {
                "SSHPublicKeyId": "APKABOB",
                "SSHPublicKeyBody": SECRET,
                "Status": "Active",
                "UploadDate": "2020-01-01T00:00:00Z",
            }
        ]
    }
    profiles = {"bob": {"UserName": "bob", "Password": SECRET, "CreateDate": SECRET}}
    certs = {"bob": [{"CertificateId": "CERTBOB", "CertificateBody": SECRET, "Status": SECRET}]}
    alice = user(
        "alice",
        "AIDAALICE",
        CreateDate=SECRET,
        UserPolicyList=[{"PolicyName": "broken", "PolicyDocument": "{" + SECRET}],
    )
    text = report(
        report_row("alice", mfa_active=SECRET, password_last_used=SECRET),
        header=HEADER,
    )
    raw = raw_account(
        gaad(users=[alice, user("bob", "AIDABOB")]),
        text,
        access_keys=keys,
        login_profiles=profiles,
        signing_certificates=certs,
        mfa_devices={"bob": []},
        ssh_public_keys=ssh,
        service_specific_credentials=service_creds,
        extra_entities=(
            "access_keys",
            "login_profiles",
            "mfa_devices",
            "signing_certificates",
            "ssh_public_keys",
            "service_specific_credentials",
        ),
    )
    collected = transform_account(raw, tenant(), DAY)
    tables = validated(collected)
    kinds = {(r["principal_id"], r["kind"]) for r in collected.credentials}
    assert kinds == {
        ("AIDABOB", "access_key"),
        ("AIDABOB", "password"),
        ("AIDABOB", "ssh_key"),
        ("AIDABOB", "service_specific"),
    }
    everything = repr({name: t.to_pylist() for name, t in tables.items()})
    assert SECRET not in everything
    assert SECRET[:12] not in everything
    errors = [e.error for e in collected.entities if e.error]
    assert len(errors) >= 5  # the planted values were all noticed as malformed ...
    assert not any(SECRET[:12] in e for e in errors)  # ... without being repeated
