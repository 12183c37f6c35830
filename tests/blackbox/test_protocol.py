"""AWS JSON 1.1 protocol behaviour: headers, error envelope, unknown targets,
serialization and validation errors, unimplemented operations, robustness."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from kmshelpers import JSON_CT, expect_error

UUID_ANYCASE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

IMPLEMENTED = {
    "CreateKey", "DescribeKey", "ListKeys", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
    "CancelKeyDeletion", "UpdateKeyDescription", "CreateAlias", "UpdateAlias", "DeleteAlias",
    "ListAliases", "TagResource", "UntagResource", "ListResourceTags", "GetKeyPolicy",
    "PutKeyPolicy", "ListKeyPolicies", "GenerateRandom",
    # cryptographic operations
    "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "Sign", "Verify", "GenerateMac",
    "VerifyMac", "GetPublicKey", "DeriveSharedSecret",
    # imported key material
    "GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial", "RotateKeyOnDemand",
    "ListKeyRotations",
    # grants
    "CreateGrant", "ListGrants", "ListRetirableGrants", "RetireGrant", "RevokeGrant",
    # rotation, last usage, multi-Region keys
    "EnableKeyRotation", "DisableKeyRotation", "GetKeyRotationStatus", "GetKeyLastUsage", "ReplicateKey",
    "UpdatePrimaryRegion",
}

_MODEL = botocore.session.get_session().get_service_model("kms")
ALL_OPERATIONS = list(_MODEL.operation_names)
UNIMPLEMENTED = sorted(set(ALL_OPERATIONS) - IMPLEMENTED)


def test_model_has_54_operations_and_the_rest_unimplemented():
    # Guards the parametrisation below against a different botocore being installed.
    assert len(ALL_OPERATIONS) == 54
    # The six custom key store operations.
    assert len(UNIMPLEMENTED) == 54 - len(IMPLEMENTED) == 6
    assert IMPLEMENTED <= set(ALL_OPERATIONS)


def _assert_json_ct(resp):
    ct = resp.headers.get("content-type", "")
    assert ct.split(";")[0].strip() == JSON_CT, resp.describe()


def _assert_request_id(resp):
    rid = resp.headers.get("x-amzn-requestid")
    assert rid, f"no x-amzn-RequestId header: {resp.describe()}"
    # spec 9.1: `x-amzn-RequestId: <uuid>`
    assert UUID_ANYCASE.match(rid), f"request id {rid!r} is not a UUID"
    return rid


# --------------------------------------------------------------------------- envelope

def test_success_has_json_content_type_and_request_id(raw):
    resp = raw.call("ListKeys", {})
    assert resp.status == 200, resp.describe()
    _assert_json_ct(resp)
    _assert_request_id(resp)
    body = resp.json
    assert isinstance(body, dict)
    assert isinstance(body.get("Keys"), list)
    assert isinstance(body.get("Truncated"), bool)


def test_error_envelope_shape(raw):
    missing = str(uuid.uuid4())
    resp = raw.call("DescribeKey", {"KeyId": missing})
    assert resp.status == 400, resp.describe()
    _assert_json_ct(resp)
    _assert_request_id(resp)
    body = resp.json
    assert isinstance(body, dict), resp.describe()
    assert resp.error_type == "NotFoundException"
    # The KMS model's error member is the lower-case `message`.
    assert isinstance(body.get("message"), str) and body["message"], resp.describe()


def test_request_ids_are_unique(raw):
    ids = {_assert_request_id(raw.call("ListKeys", {})) for _ in range(5)}
    assert len(ids) == 5


def test_boto3_sees_request_id(kms):
    resp = kms.list_keys()
    assert resp["ResponseMetadata"]["RequestId"]


def test_timestamps_are_epoch_numbers_and_no_nulls(raw, kms):
    kid = kms.create_key(Description="ts")["KeyMetadata"]["KeyId"]
    resp = raw.call("DescribeKey", {"KeyId": kid})
    assert resp.status == 200, resp.describe()
    md = resp.json["KeyMetadata"]
    assert isinstance(md["CreationDate"], (int, float)) and not isinstance(md["CreationDate"], bool)
    assert abs(md["CreationDate"] - time.time()) < 600

    def no_nulls(v, path="$"):
        if v is None:
            raise AssertionError(f"null at {path}: absent optional members must be omitted")
        if isinstance(v, dict):
            for k, x in v.items():
                no_nulls(x, f"{path}.{k}")
        if isinstance(v, list):
            for i, x in enumerate(v):
                no_nulls(x, f"{path}[{i}]")

    no_nulls(resp.json)


@pytest.mark.parametrize("op", ["EnableKey", "DisableKey"])
def test_operations_without_output_return_200_empty_or_empty_object(raw, kms, op):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    resp = raw.call(op, {"KeyId": kid})
    assert resp.status == 200, resp.describe()
    assert resp.body.strip() in (b"", b"{}"), resp.describe()


def test_unknown_json_members_are_ignored(raw):
    resp = raw.call("CreateKey", {"Description": "extra member", "NoSuchMember": {"a": [1, 2]}})
    assert resp.status == 200, resp.describe()
    assert resp.json["KeyMetadata"]["Description"] == "extra member"


# --------------------------------------------------------------------------- targets

@pytest.mark.parametrize("target", [
    "TrentService.NoSuchOperation",
    "TrentService.listkeys",
    "NotTrentService.ListKeys",
    "TrentService.",
])
def test_unknown_target_is_unknown_operation(raw, target):
    resp = raw.request(target, {})
    assert resp.status == 400, resp.describe()
    _assert_json_ct(resp)
    assert resp.error_type == "UnknownOperationException", resp.describe()


def test_missing_target_header_is_a_json_client_error(raw):
    resp = raw.request(None, {})
    assert resp.status == 400, resp.describe()
    assert resp.error_type, resp.describe()


# --------------------------------------------------------------------------- serialization

@pytest.mark.parametrize("op,body", [
    ("ListKeys", b"this is not json"),
    ("ListKeys", b"{"),
    ("ListKeys", b"[]"),
    ("ListKeys", b'"a string"'),
    ("ListKeys", b"\xff\xfe\x00garbage"),
    ("DescribeKey", b'{"KeyId": 123}'),
    ("DescribeKey", b'{"KeyId": true}'),
    ("DescribeKey", b'{"KeyId": ["a"]}'),
    ("ListKeys", b'{"Limit": "ten"}'),
    ("CreateKey", b'{"Tags": {"TagKey": "a", "TagValue": "b"}}'),
    ("CreateKey", b'{"MultiRegion": "yes"}'),
    ("GenerateRandom", b'{"NumberOfBytes": "16"}'),
])
def test_malformed_body_is_serialization_exception(raw, op, body):
    resp = raw.request(f"TrentService.{op}", body)
    assert resp.status == 400, resp.describe()
    _assert_json_ct(resp)
    assert resp.error_type == "SerializationException", resp.describe()


# --------------------------------------------------------------------------- validation

def _enum(shape_name):
    return _MODEL.shape_for(shape_name).enum


ENUM_PREFIX = "1 validation error detected: Value '{v}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: ["


@pytest.mark.parametrize("member,field,shape", [
    ("KeySpec", "keySpec", "KeySpec"),
    ("KeyUsage", "keyUsage", "KeyUsageType"),
    ("Origin", "origin", "OriginType"),
])
def test_enum_validation_message(kms_nv, member, field, shape):
    resp = expect_error(kms_nv.create_key, code="ValidationException", **{member: "BOGUS_VALUE"})
    msg = resp["Error"]["Message"]
    prefix = ENUM_PREFIX.format(v="BOGUS_VALUE", field=field)
    assert msg.startswith(prefix), msg
    assert msg.endswith("]"), msg
    listed = [x.strip() for x in msg[len(prefix):-1].split(",")]
    # Every model value, in AWS's order (test_aws_recorded.py); KeySpec leaves out the China-only SM2 as AWS does.
    expected = [v for v in _enum(shape) if not (shape == "KeySpec" and v == "SM2")]
    assert sorted(listed) == sorted(expected), msg


def test_two_validation_errors_are_counted(kms_nv):
    resp = expect_error(kms_nv.create_key, code="ValidationException", KeySpec="NOPE", KeyUsage="NADA")
    msg = resp["Error"]["Message"]
    assert msg.startswith("2 validation errors detected: "), msg
    assert "'keySpec'" in msg and "'keyUsage'" in msg, msg


def test_missing_required_member(raw):
    resp = raw.call("DescribeKey", {})
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "ValidationException", resp.describe()
    assert resp.message == ("1 validation error detected: Value null at 'keyId' failed to satisfy "
                            "constraint: Member must not be null"), resp.message


def test_empty_key_id_length_validation(kms_nv):
    expect_error(
        kms_nv.describe_key, KeyId="", code="ValidationException",
        message="1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1")


@pytest.mark.parametrize("n,constraint", [
    (0, "Member must have value greater than or equal to 1"),
    (1025, "Member must have value less than or equal to 1024"),
])
def test_number_of_bytes_range_message(kms_nv, n, constraint):
    expect_error(
        kms_nv.generate_random, NumberOfBytes=n, code="ValidationException",
        message=f"1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy "
                f"constraint: {constraint}")


def test_list_keys_limit_range_message(kms_nv):
    expect_error(
        kms_nv.list_keys, Limit=0, code="ValidationException",
        message="1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                "Member must have value greater than or equal to 1")
    expect_error(kms_nv.list_keys, Limit=1001, code="ValidationException",
                 match=r"^1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
                       r"Member must have value less than or equal to 1000$")


# --------------------------------------------------------------------------- unimplemented

def _dummy(shape, name, key_id):
    if shape.type_name == "string":
        if shape.enum:
            return shape.enum[0]
        special = {
            "KeyId": key_id, "SourceKeyId": key_id, "DestinationKeyId": key_id,
            "CustomKeyStoreId": "cks-1234567890abcdef0",
            "GrantId": "0" * 64,
            "ReplicaRegion": "us-west-2", "PrimaryRegion": "us-west-2",
            "GranteePrincipal": "arn:aws:iam::000000000000:root",
            "RetiringPrincipal": "arn:aws:iam::000000000000:root",
            "CustomKeyStoreName": "store1",
        }
        if name in special:
            return special[name]
        return "x" * max(shape.metadata.get("min", 1), 1)
    if shape.type_name == "blob":
        return base64.b64encode(b"\x01" * max(shape.metadata.get("min", 1), 1)).decode()
    if shape.type_name in ("integer", "long"):
        return shape.metadata.get("min", 1)
    if shape.type_name == "boolean":
        return False
    if shape.type_name == "timestamp":
        return int(time.time()) + 3600
    if shape.type_name == "list":
        return [_dummy(shape.member, name, key_id)]
    if shape.type_name == "map":
        return {}
    if shape.type_name == "structure":
        return {m: _dummy(shape.members[m], m, key_id) for m in shape.required_members}
    raise AssertionError(f"unhandled shape type {shape.type_name}")


@pytest.fixture(scope="module")
def some_key_id(kms):
    return kms.create_key(Description="for unimplemented-op probes")["KeyMetadata"]["KeyId"]


@pytest.mark.parametrize("op", UNIMPLEMENTED)
def test_unimplemented_operation_is_400_naming_the_operation(raw, some_key_id, op):
    input_shape = _MODEL.operation_model(op).input_shape
    body = _dummy(input_shape, op, some_key_id) if input_shape is not None else {}
    resp = raw.call(op, body)
    assert resp.status == 400, f"{op}: {resp.describe()}"
    _assert_json_ct(resp)
    assert resp.error_type, f"{op}: no __type: {resp.describe()}"
    assert resp.message and op in resp.message, f"{op}: message does not name the operation: {resp.message!r}"


@pytest.mark.parametrize("op", ["CreateCustomKeyStore", "DescribeCustomKeyStores", "ConnectCustomKeyStore"])
def test_unimplemented_operation_via_boto3(kms, some_key_id, op):
    fn = getattr(kms, xform_name(op))
    input_shape = _MODEL.operation_model(op).input_shape
    params = _dummy(input_shape, op, some_key_id)
    # boto3 wants bytes for blobs, not base64 text.
    for m, s in input_shape.members.items():
        if m in params and s.type_name == "blob":
            params[m] = base64.b64decode(params[m])
    with pytest.raises(ClientError) as ei:
        fn(**params)
    err = ei.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert op in err["Error"]["Message"]


# --------------------------------------------------------------------------- robustness

def _weird_requests():
    deep = b'{"KeyId": ' + b"[" * 50000 + b"]" * 50000 + b"}"
    return [
        ("get-root", dict(target=None, body=b"", method="GET", content_type=None)),
        ("get-root-unsigned", dict(target=None, body=b"", method="GET", content_type=None, sign=False)),
        ("other-path", dict(target="TrentService.ListKeys", body=b"{}", path="/some/path")),
        ("empty-body", dict(target="TrentService.ListKeys", body=b"")),
        ("text-plain", dict(target="TrentService.ListKeys", body=b"{}", content_type="text/plain")),
        ("no-content-type", dict(target="TrentService.ListKeys", body=b"{}", content_type=None)),
        ("binary", dict(target="TrentService.CreateKey", body=bytes(range(256)) * 64)),
        ("big-garbage", dict(target="TrentService.CreateKey", body=b"a" * 300_000)),
        ("deep-nesting", dict(target="TrentService.DescribeKey", body=deep)),
        ("huge-number", dict(target="TrentService.GenerateRandom", body=b'{"NumberOfBytes": 1e400}')),
        ("neg-number", dict(target="TrentService.GenerateRandom", body=b'{"NumberOfBytes": -99999999999999999999}')),
        ("nul-in-string", dict(target="TrentService.DescribeKey", body=b'{"KeyId": "a\\u0000b"}')),
        ("lone-surrogate", dict(target="TrentService.DescribeKey", body=b'{"KeyId": "\\ud800"}')),
        ("put-method", dict(target="TrentService.ListKeys", body=b"{}", method="PUT")),
    ]


@pytest.mark.parametrize("name,kwargs", _weird_requests(), ids=[n for n, _ in _weird_requests()])
def test_never_5xx_or_html(raw, name, kwargs):
    resp = raw.request(**kwargs)
    assert resp.status < 500, f"{name}: {resp.describe()}"
    assert b"<html" not in resp.body.lower(), f"{name}: HTML body {resp.describe()}"
    if resp.status >= 400:
        assert isinstance(resp.json, dict) and resp.error_type, f"{name}: not a JSON error: {resp.describe()}"
    # the server is still alive and well
    assert raw.call("ListKeys", {"Limit": 1}).status == 200


def test_server_logs_one_line_per_request(server, raw):
    def lines():
        return len(server.output_text().splitlines())

    before = lines()
    for _ in range(6):
        assert raw.call("ListKeys", {"Limit": 1}).status == 200
    deadline = time.monotonic() + 3
    while lines() < before + 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lines() >= before + 6, f"expected >= {before + 6} log lines, have {lines()}"


# --------------------------------------------------------------------------- numbers out of range

@pytest.mark.parametrize("valid_to", ["1e400", "-1e400", "1e300", "4e16", "-4e16"])
def test_timestamp_out_of_range_is_a_serialization_error(raw, kms, valid_to):
    """Found by `scripts/fuzz --requests 100000 --seed 7` (case 11780): a ValidTo that parses to infinity (or beyond
    any date AWS represents, Java's Instant) crashed the server converting it to whole seconds for the kms:ValidTo
    condition key. It is refused at the edge, like any value the member's type cannot hold, and the server lives on."""
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    body = ('{"KeyId":"%s","ImportToken":"AAAA","EncryptedKeyMaterial":"AAAA","ExpirationModel":"KEY_MATERIAL_EXPIRES",'
            '"ValidTo":%s}' % (key_id, valid_to))
    resp = raw.call("ImportKeyMaterial", body)
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "SerializationException", resp.describe()
    assert "validTo" in (resp.message or ""), resp.describe()
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
