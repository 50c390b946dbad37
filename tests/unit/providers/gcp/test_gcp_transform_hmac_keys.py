"""Cloud Storage HMAC keys in the GCP transform: one credentials row per ACTIVE or INACTIVE key (kind access_key,
the access ID as external_id, never a secret), held by the service account it names; a key that cannot be read
is reported on hmac_keys naming tenant, entity, key and field, and the other keys are kept."""

from __future__ import annotations

from gcp_fixtures import raw_tenant, run, utc
from muster.providers.gcp.hmac_keys import NO_LAST_USE

PROJECT = "project-abc"
OWN = f"s3-sync@{PROJECT}.iam.gserviceaccount.com"
OTHER = "reader@other-proj.iam.gserviceaccount.com"  # an account of another project, not read here
ACTIVE = "GOOG1EAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
INACTIVE = "GOOG1EBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"


def _key(access_id: str, state: object = "ACTIVE", email: object = OWN, **more) -> dict:
    return {
        "kind": "storage#hmacKeyMetadata",
        "id": f"{PROJECT}/{access_id}",
        "accessId": access_id,
        "projectId": PROJECT,
        "serviceAccountEmail": email,
        "state": state,
        "timeCreated": "2025-05-12T09:00:00.123Z",
        "updated": "2025-06-01T00:00:00Z",
        "etag": "CAE=",
        **more,
    }


def _run(*keys: dict):
    account = {"name": f"projects/{PROJECT}/serviceAccounts/{OWN}", "email": OWN, "uniqueId": "1001"}
    raw = raw_tenant(PROJECT, service_accounts=[account], hmac_keys=list(keys))
    raw.entity("hmac_keys").items = len(keys)
    out = run(raw)  # the rows pass strict validation
    return out, {e.entity: e for e in out.entities}["hmac_keys"]


def _where() -> str:
    return f"tenant gcp:{PROJECT}: hmac_keys: "


def test_active_and_inactive_keys_are_access_keys_of_their_account():
    out, entity = _run(_key(ACTIVE), _key(INACTIVE, "INACTIVE"))
    assert (entity.status, entity.error) == ("complete", None)
    rows = {c["external_id"]: c for c in out.credentials}
    assert set(rows) == {ACTIVE, INACTIVE}
    expected = {
        "provider": "gcp",
        "tenant_id": PROJECT,
        "credential_id": f"projects/{PROJECT}/hmacKeys/{ACTIVE}",
        "principal_id": "1001",
        "kind": "access_key",
        "external_id": ACTIVE,
        "status": "active",
        "managed_by": "user",
        "created_at": utc(2025, 5, 12, 9, 0, 0, 123000),
        "expires_at": None,
        "last_used_at": None,
        "last_used_source": NO_LAST_USE,
        "last_used_service": None,
        "last_used_region": None,
    }
    assert {k: rows[ACTIVE][k] for k in expected} == expected
    assert rows[INACTIVE]["status"] == "inactive"
    assert NO_LAST_USE.startswith("unknown: ")  # read by the rules as unknown, never as "never used"
    assert "CAE=" not in repr(out.credentials)  # the etag is not stored


def test_a_deleted_key_is_not_a_present_credential():
    out, entity = _run(_key(ACTIVE), _key(INACTIVE, "DELETED"))
    assert [c["external_id"] for c in out.credentials] == [ACTIVE]
    assert entity.status == "complete"


def test_a_key_of_an_account_not_read_here_is_held_by_its_member_string():
    out, _ = _run(_key(ACTIVE, email=OTHER))
    assert [c["principal_id"] for c in out.credentials] == [f"serviceAccount:{OTHER}"]
    holder = {p["principal_id"]: p for p in out.principals}[f"serviceAccount:{OTHER}"]
    assert (holder["kind"], holder["is_nhi"], holder["enabled"], holder["path"]) == (
        "service_account",
        True,
        None,
        "projects/other-proj",
    )
    assert holder["nhi_reason"] == "GCP service account of project other-proj, holding an HMAC key"


def test_a_field_of_the_wrong_type_is_reported_naming_tenant_entity_key_and_field():
    out, entity = _run(_key(ACTIVE, timeCreated=17), _key(INACTIVE, email=["x"]))
    assert entity.status == "partial"
    assert f"{_where()}HMAC key {ACTIVE} field timeCreated is not a string: ignored" in entity.error
    assert f"{_where()}HMAC key {INACTIVE} field serviceAccountEmail is not a string: ignored" in entity.error
    assert f"{_where()}HMAC key {INACTIVE} has no serviceAccountEmail: not read" in entity.error
    (row,) = out.credentials  # the key without a holder is left out, the other kept without a date
    assert (row["external_id"], row["created_at"]) == (ACTIVE, None)


def test_a_key_without_an_access_id_or_not_an_object_is_reported_and_the_others_kept():
    out, entity = _run("GOOG1E", _key(ACTIVE), _key(None), _key(7))
    assert entity.status == "partial"
    assert f"{_where()}HMAC key 0 is not an object: not read" in entity.error
    assert f"{_where()}HMAC key 2 has no accessId: not read" in entity.error
    assert f"{_where()}HMAC key 3 field accessId is not a string: ignored" in entity.error
    assert [c["external_id"] for c in out.credentials] == [ACTIVE]


def test_an_unknown_state_reads_as_active_and_a_repeated_key_once():
    out, entity = _run(
        _key(ACTIVE, "SUSPENDED"), _key(ACTIVE, "INACTIVE"), _key(INACTIVE, "bad time", timeCreated="x")
    )
    assert entity.status == "partial"
    assert (
        f"{_where()}HMAC key {ACTIVE} field state 'SUSPENDED' is not ACTIVE or INACTIVE: read as active"
        in (entity.error)
    )
    assert f"{_where()}HMAC key {ACTIVE} is listed twice; the second listing skipped" in entity.error
    assert f"{_where()}HMAC key {INACTIVE} timeCreated: not an RFC 3339 timestamp: 'x'" in entity.error
    assert {c["external_id"]: c["status"] for c in out.credentials} == {ACTIVE: "active", INACTIVE: "active"}
