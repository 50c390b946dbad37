"""Small test doubles around boto3 for the AWS integration tests (no pytest fixtures here).

* ``ClientsSession`` stands in for a boto3 Session and hands out pre-built (e.g. Stubber-wrapped) clients.
* ``CallLog`` records every API call a session's clients make, with its parameters.
* ``inject`` / ``aws_response`` / ``query_error`` answer chosen HTTP requests with a canned response
  (throttling, truncated XML) through botocore's ``before-send`` event, in front of moto.
"""

from __future__ import annotations

import datetime as dt

import boto3
from botocore.awsrequest import AWSResponse
from muster.config import Tenant
from muster.providers.aws.report_lines import COLUMNS

#: moto's default account: in-process and server mode both start in it.
ACCOUNT = "123456789012"
GENERATED = dt.datetime(2026, 11, 25, 23, 0, tzinfo=dt.UTC)


def tenant(account: str = ACCOUNT, **fields) -> Tenant:
    return Tenant(provider="aws", id=account, **fields)


class ClientsSession:
    """A stand-in for boto3.Session whose ``client(name)`` returns the given pre-built client."""

    def __init__(self, **clients) -> None:
        self.clients = clients

    def client(self, service_name: str, **_kwargs):
        return self.clients[service_name]


def plain_session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


class CallLog:
    """Records (service, operation, params) for every call made by clients of the session it is attached to."""

    def __init__(self, session: boto3.Session) -> None:
        self.calls: list[tuple[str, str, dict]] = []
        session.events.register("provide-client-params", self._record)

    def _record(self, params, model, **_kwargs) -> None:
        self.calls.append((model.service_model.service_name, model.name, dict(params)))

    def operations(self, service: str | None = None) -> list[str]:
        return [op for svc, op, _ in self.calls if service in (None, svc)]


def report_csv(users: list[str], account: str = ACCOUNT) -> bytes:
    """A credential report as IAM returns it, one row per user with no password, keys or certificates."""
    lines = [",".join(COLUMNS)]
    for user in users:
        row = dict.fromkeys(COLUMNS, "N/A")
        row.update(
            user=user,
            arn=f"arn:aws:iam::{account}:user/{user}",
            user_creation_time="2026-01-05T10:00:00+00:00",
            password_enabled="false",
            password_last_used="no_information",
            mfa_active="false",
            access_key_1_active="false",
            access_key_2_active="false",
            cert_1_active="false",
            cert_2_active="false",
        )
        lines.append(",".join(row[c] for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs):
        yield self._body


def aws_response(status: int, body: bytes, url: str = "https://iam.amazonaws.com/") -> AWSResponse:
    return AWSResponse(url, status, {"content-type": "text/xml"}, _RawBody(body))


def query_error(code: str, message: str) -> bytes:
    """An error body in the AWS query protocol (IAM, STS)."""
    return (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    ).encode()


def inject(session: boto3.Session, event: str, answer) -> None:
    """Let ``answer(request)`` (an AWSResponse, or None to pass through) preempt moto for ``event``.

    Registered first so that it runs before moto's in-process before-send handler.
    """
    session.events.register_first(event, lambda request, **_: answer(request))


class EveryOtherThrottled:
    """A before-send answer: every second HTTP request gets HTTP 400 Throttling."""

    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request) -> AWSResponse | None:
        self.requests += 1
        if self.requests % 2:
            return None
        return aws_response(400, query_error("Throttling", "Rate exceeded"), request.url)


SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2Uta2V5LWZvci10ZXN0cy1vbmx5LTAwMDAwMDAw alice@example"


def self_signed_pem(common_name: str = "muster-test") -> str:
    """A throwaway self-signed certificate (moto rejects anything that is not a parseable PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()
