"""The audit log (issue 12): CloudTrail records, one per request, redacted, hash-chained, rotated; `coffer audit
verify` and `coffer audit query`; background events; the link to GetKeyLastUsage.

Source: the issue 12 interface (summarised in opshelpers.py): configuration `"audit": {"file", "mode",
"maxFileBytes", "bufferEvents"}`; record members and their order; userIdentity per caller kind; resources;
requestParameters/responseElements (AWS names lower-camel-cased, blobs, sensitive members and grant tokens left out);
readOnly; background events; the hash chain; rotation; the two subcommands; exit 78 when the file cannot be opened.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid

import botocore.session
import pytest
from botocore import xform_name
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from authzhelpers import ACCT_A, IDENTITIES, REGION, ROOT_A, Clients, arn_of, write_credentials
from clockhelpers import advance_days, server_now
from importhelpers import import_material, random_symmetric, wrap
from kmshelpers import DEV_ACCOUNT, CofferServer, RawKMS, default_policy, expect_error, unique_alias
from opshelpers import (
    AWS_SERVICE,
    EVENT_TIME_RE,
    EX_CONFIG,
    NO_RETRIES,
    UUID_ANY_RE,
    ZERO_HASH,
    AuditTail,
    all_audit_events,
    all_audit_lines,
    audit_events,
    audit_files,
    audit_lines,
    audit_query,
    audit_server,
    audit_verify,
    check_chain,
    check_member_order,
    describe_proc,
    find_secrets,
    metrics_config,
    ok_line,
    output_of,
    poll_until,
    request_failed_lines,
    request_id,
    resource_arns,
    scrape,
    split_record,
    wait_for_lines,
)

MODEL = botocore.session.get_session().get_service_model("kms")
CRYPTO_OPERATIONS = {
    "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom", "Sign", "Verify", "GenerateMac", "VerifyMac",
    "DeriveSharedSecret",
}
RAW_UA = "coffer-bb-raw/1.0"
SKIP = object()  # "do not check this"

# Every secret any test in this module used, checked against the whole audit log by the last test.
SECRETS: dict[str, bytes | str] = {}


def is_read_only(operation: str) -> bool:
    """readOnly: true for Describe*/Get*/List* and the cryptographic operations, false otherwise."""
    return operation.startswith(("Describe", "Get", "List")) or operation in CRYPTO_OPERATIONS


def secret(name: str, value: bytes | str) -> bytes | str:
    SECRETS[f"{name}#{len(SECRETS)}"] = value
    return value


def text_secret(prefix: str) -> bytes:
    """A plaintext/message that is recognisable as text too."""
    return secret(prefix, f"{prefix}-{uuid.uuid4().hex}{uuid.uuid4().hex}".encode())


# --------------------------------------------------------------------------- expected requestParameters / responseElements

class Struct(dict):
    """An expected structure: member names compared case-insensitively, each must start lower-case (AWS's names
    lower-camel-cased; CloudTrail writes AWSAccountId as aWSAccountId, the interface does not spell such names out)."""


class _Any:
    def __repr__(self) -> str:
        return "<any non-null>"


ANY = _Any()  # timestamps: present, format not prescribed


def _left_out(name: str, shape) -> bool:
    return name in ("GrantToken", "GrantTokens") or shape.type_name == "blob" or bool(shape.metadata.get("sensitive"))


def expected_members(shape, value):
    t = shape.type_name
    if t == "structure":
        out = Struct()
        for name, v in value.items():
            if name not in shape.members or _left_out(name, shape.members[name]):
                continue
            out[name[0].lower() + name[1:]] = expected_members(shape.members[name], v)
        return out
    if t == "list":
        return [expected_members(shape.member, v) for v in value]
    if t == "map":
        return {k: expected_members(shape.value, v) for k, v in value.items()}  # map keys unchanged
    if t == "timestamp":
        return ANY
    return value


def expected_params(operation: str, kwargs: dict) -> Struct:
    return expected_members(MODEL.operation_model(operation).input_shape, kwargs)


def expected_response(operation: str, resp: dict) -> Struct | None:
    shape = MODEL.operation_model(operation).output_shape
    return expected_members(shape, resp) if shape is not None else Struct()


def mismatches(actual, expected, path: str = "$") -> list[str]:
    if expected is ANY:
        return [] if actual is not None else [f"{path}: missing"]
    if isinstance(expected, Struct):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        out = [f"{path}.{k}: name not lower-camel-cased" for k in actual if not k[:1].islower()]
        a = {k.lower(): v for k, v in actual.items()}
        e = {k.lower(): v for k, v in expected.items()}
        if set(a) != set(e):
            out.append(f"{path}: members {sorted(actual)} != expected {sorted(expected)}")
        for k in set(a) & set(e):
            out += mismatches(a[k], e[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: {actual!r} != {expected!r}"]
        return [m for i, (x, y) in enumerate(zip(actual, expected)) for m in mismatches(x, y, f"{path}[{i}]")]
    if isinstance(expected, dict):  # a map: keys exactly as sent
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return [f"{path}: map {actual!r} != {expected!r}"]
        return [m for k in expected for m in mismatches(actual[k], expected[k], f"{path}[{k!r}]")]
    if actual != expected or type(actual) is not type(expected) and isinstance(expected, bool):
        return [f"{path}: {actual!r} != {expected!r}"]
    return []


# --------------------------------------------------------------------------- record checks

def check_identity(ident: dict, who: str) -> None:
    """userIdentity per caller kind (interface): Root exact; IAMUser = the same members plus userName; AssumedRole;
    Unknown for failed authentication (plus accessKeyId when the Authorization header named one)."""
    if who.startswith("unknown"):
        _, _, key = who.partition(":")
        assert ident == ({"type": "Unknown", "accessKeyId": key} if key else {"type": "Unknown"}), ident
        return
    spec = IDENTITIES[who]
    arn = arn_of(who)
    account = arn.split(":")[4]
    if arn.endswith(":root"):
        assert ident == {"type": "Root", "principalId": account, "arn": arn, "accountId": account,
                         "accessKeyId": spec["accessKeyId"]}, ident
    elif ":user/" in arn:
        assert set(ident) == {"type", "principalId", "arn", "accountId", "accessKeyId", "userName"}, ident
        assert (ident["type"], ident["arn"], ident["accountId"], ident["accessKeyId"], ident["userName"]) == \
            ("IAMUser", arn, account, spec["accessKeyId"], arn.rsplit("/", 1)[1]), ident
        assert isinstance(ident["principalId"], str) and ident["principalId"], ident
    elif ":assumed-role/" in arn:
        assert {"type", "principalId", "arn", "accountId", "accessKeyId"} <= set(ident), ident
        assert (ident["type"], ident["arn"], ident["accountId"], ident["accessKeyId"]) == \
            ("AssumedRole", arn, account, spec["accessKeyId"]), ident
    else:
        raise AssertionError(f"no expectation for {who}")


def check_time(value: str) -> None:
    assert EVENT_TIME_RE.match(value), f"eventTime {value!r} is not like 2026-12-04T17:44:37Z"
    t = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert abs((t - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 120, value


def check_record(ev: dict, line: str, *, name: str, rid: str, who: str, resources=SKIP, params=SKIP,
                 response=SKIP, error: tuple[str, str] | None = None, region: str = REGION,
                 account: str | None = ACCT_A, user_agent: str | None = "Boto3/") -> None:
    """One AwsApiCall record. resources: key ARNs (order free), () for absent/empty, SKIP not checked.
    params/response: expected_members structures (response None: must be null)."""
    check_member_order(line, failure=error is not None)
    assert ev["eventVersion"] == "1.08"
    check_identity(ev["userIdentity"], who)
    check_time(ev["eventTime"])
    assert ev["eventSource"] == AWS_SERVICE
    assert ev["eventName"] == name
    assert ev["awsRegion"] == region
    assert ev["sourceIPAddress"] == "127.0.0.1"
    if user_agent is not None:
        assert isinstance(ev["userAgent"], str) and user_agent in ev["userAgent"], ev["userAgent"]
    assert ev["requestID"] == rid
    assert isinstance(ev["eventID"], str) and UUID_ANY_RE.match(ev["eventID"]), ev["eventID"]
    read_only = is_read_only(name)
    assert ev["readOnly"] is read_only, f"{name}: readOnly {ev['readOnly']!r}"
    if resources is not SKIP:
        if not resources:
            assert ev.get("resources") in (None, []), ev.get("resources")
        else:
            got = ev.get("resources") or []
            assert sorted(resource_arns(ev)) == sorted(resources), got
            for r in got:
                acct = r["ARN"].split(":")[4]
                assert r == {"accountId": acct, "type": "AWS::KMS::Key", "ARN": r["ARN"]}, r
    assert ev["eventType"] == "AwsApiCall"
    assert ev["managementEvent"] is True
    if account is not None:
        assert ev["recipientAccountId"] == account
    assert ev["eventCategory"] == "Management"
    if error is not None:
        assert (ev["errorCode"], ev["errorMessage"]) == error
    if read_only or error is not None:
        assert ev["responseElements"] is None, f"{name}: responseElements {ev['responseElements']!r}"
    elif response is not SKIP:
        if response is None or response == Struct():
            assert ev["responseElements"] in (None, {}), ev["responseElements"]
        else:
            bad = mismatches(ev["responseElements"], response)
            assert not bad, f"{name} responseElements:\n  " + "\n  ".join(bad) + f"\n  got: {ev['responseElements']}"
    if params is not SKIP:
        bad = mismatches(ev["requestParameters"], params)
        assert not bad, f"{name} requestParameters:\n  " + "\n  ".join(bad) + f"\n  got: {ev['requestParameters']}"


# --------------------------------------------------------------------------- the shared audited server

class Env:
    def __init__(self, srv: CofferServer, path):
        self.srv = srv
        self.path = path
        self.tail = AuditTail(path)
        self.c = Clients(srv)

    def call(self, who: str, operation: str, kwargs: dict, *, resources=SKIP, check_response: bool = True):
        """Call an operation as `who`, check that exactly one record was written for it and what it says."""
        client = self.c.get(who)
        self.tail.mark()
        resp = getattr(client, xform_name(operation))(**kwargs)
        ev, line = self.tail.one()
        res = resources(resp) if callable(resources) else resources
        check_record(ev, line, name=operation, rid=request_id(resp), who=who, resources=res,
                     params=expected_params(operation, kwargs),
                     response=expected_response(operation, resp) if check_response else SKIP)
        return resp, ev

    def fail(self, who: str, operation: str, kwargs: dict, code: str, *, resources=SKIP):
        client = self.c.get(who)
        self.tail.mark()
        err = expect_error(getattr(client, xform_name(operation)), code=code, **kwargs)
        ev, line = self.tail.one()
        check_record(ev, line, name=operation, rid=request_id(err), who=who, resources=resources,
                     params=expected_params(operation, kwargs),
                     error=(err["Error"]["Code"], err["Error"]["Message"]))
        return err, ev


@pytest.fixture(scope="module")
def env(coffer_bin, tmp_path_factory):
    base = tmp_path_factory.mktemp("audit-main")
    creds = write_credentials(base / "credentials.json", ["admin", "eve", "sess"])
    for name in ("admin", "eve", "sess"):
        secret(f"{name} secret access key", IDENTITIES[name]["secretAccessKey"])
    secret("session token", IDENTITIES["sess"]["sessionToken"])
    path = base / "audit" / "audit.log"
    path.parent.mkdir()
    srv = CofferServer(coffer_bin, base, name="audit", config={"credentialsFile": str(creds),
                                                               "audit": {"file": str(path)}})
    srv.start()
    yield Env(srv, path)
    srv.discard()


def _new_key(env: Env, **kwargs) -> dict:
    return env.call("admin", "CreateKey", kwargs, resources=lambda r: [r["KeyMetadata"]["Arn"]])[0]["KeyMetadata"]


# =========================================================================== one record per request, its members


def test_create_key_record(env):
    resp, ev = env.call("admin", "CreateKey", {"Description": "audited key", "KeySpec": "SYMMETRIC_DEFAULT",
                                               "KeyUsage": "ENCRYPT_DECRYPT"},
                        resources=lambda r: [r["KeyMetadata"]["Arn"]])
    md = resp["KeyMetadata"]
    assert ev["requestParameters"] == {"description": "audited key", "keySpec": "SYMMETRIC_DEFAULT",
                                       "keyUsage": "ENCRYPT_DECRYPT"}
    assert list(ev["responseElements"]) == ["keyMetadata"]
    assert md["KeyId"] in json.dumps(ev["responseElements"])
    assert ev["resources"] == [{"accountId": ACCT_A, "type": "AWS::KMS::Key", "ARN": md["Arn"]}]


def test_describe_key_record(env):
    md = _new_key(env)
    _, ev = env.call("admin", "DescribeKey", {"KeyId": md["KeyId"]}, resources=[md["Arn"]])
    assert ev["requestParameters"] == {"keyId": md["KeyId"]}
    assert ev["responseElements"] is None and ev["readOnly"] is True
    alias = unique_alias("audit-describe")
    env.call("admin", "CreateAlias", {"AliasName": alias, "TargetKeyId": md["KeyId"]})
    _, ev = env.call("admin", "DescribeKey", {"KeyId": alias}, resources=[md["Arn"]])  # alias resolved
    assert ev["requestParameters"] == {"keyId": alias}


def test_encrypt_record(env):
    md = _new_key(env)
    context = {"Purpose": "audit", "lowerCase": "Value", "UPPER": "x"}
    pt = text_secret("encrypt-plaintext")
    resp, ev = env.call("admin", "Encrypt", {"KeyId": md["KeyId"], "Plaintext": pt, "EncryptionContext": context},
                        resources=[md["Arn"]])
    secret("encrypt ciphertext", resp["CiphertextBlob"])
    # Plaintext left out; the context's keys unchanged
    assert ev["requestParameters"] == {"keyId": md["KeyId"], "encryptionContext": context}
    assert ev["readOnly"] is True and ev["responseElements"] is None


def test_decrypt_without_key_id_names_the_ciphertext_key(env):
    md = _new_key(env)
    pt = text_secret("decrypt-plaintext")
    ct = secret("decrypt ciphertext", env.c.admin.encrypt(KeyId=md["KeyId"], Plaintext=pt)["CiphertextBlob"])
    resp, ev = env.call("admin", "Decrypt", {"CiphertextBlob": ct}, resources=[md["Arn"]])
    assert resp["Plaintext"] == pt
    assert ev["requestParameters"] == {}


def test_decrypt_via_alias(env):
    md = _new_key(env)
    alias = unique_alias("audit-decrypt")
    env.c.admin.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
    pt = text_secret("alias-plaintext")
    ct = secret("alias ciphertext", env.c.admin.encrypt(KeyId=alias, Plaintext=pt,
                                                        EncryptionContext={"k": "v"})["CiphertextBlob"])
    _, ev = env.call("admin", "Decrypt", {"CiphertextBlob": ct, "KeyId": alias, "EncryptionContext": {"k": "v"}},
                     resources=[md["Arn"]])
    assert ev["requestParameters"] == {"keyId": alias, "encryptionContext": {"k": "v"}}


def test_re_encrypt_names_both_keys(env):
    src, dst = _new_key(env), _new_key(env)
    pt = text_secret("reencrypt-plaintext")
    ct = secret("reencrypt source ciphertext", env.c.admin.encrypt(KeyId=src["KeyId"], Plaintext=pt)["CiphertextBlob"])
    resp, ev = env.call("admin", "ReEncrypt", {"CiphertextBlob": ct, "DestinationKeyId": dst["KeyId"]},
                        resources=[src["Arn"], dst["Arn"]])
    secret("reencrypt destination ciphertext", resp["CiphertextBlob"])
    assert len(ev["resources"]) == 2
    assert ev["requestParameters"] == {"destinationKeyId": dst["KeyId"]}


def test_generate_data_key_record(env):
    md = _new_key(env)
    resp, ev = env.call("admin", "GenerateDataKey", {"KeyId": md["KeyId"], "KeySpec": "AES_256",
                                                     "EncryptionContext": {"Bucket": "b"}}, resources=[md["Arn"]])
    secret("data key plaintext", resp["Plaintext"])
    secret("data key ciphertext", resp["CiphertextBlob"])
    assert ev["requestParameters"] == {"keyId": md["KeyId"], "keySpec": "AES_256",
                                       "encryptionContext": {"Bucket": "b"}}
    assert ev["responseElements"] is None


def test_sign_and_verify_records(env):
    md = _new_key(env, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    msg = text_secret("sign-message")
    resp, ev = env.call("admin", "Sign", {"KeyId": md["KeyId"], "Message": msg, "MessageType": "RAW",
                                          "SigningAlgorithm": "ECDSA_SHA_256"}, resources=[md["Arn"]])
    sig = secret("signature", resp["Signature"])
    assert ev["requestParameters"] == {"keyId": md["KeyId"], "messageType": "RAW",
                                       "signingAlgorithm": "ECDSA_SHA_256"}
    resp, ev = env.call("admin", "Verify", {"KeyId": md["KeyId"], "Message": msg, "MessageType": "RAW",
                                            "Signature": sig, "SigningAlgorithm": "ECDSA_SHA_256"},
                        resources=[md["Arn"]])
    assert resp["SignatureValid"] is True
    assert ev["requestParameters"] == {"keyId": md["KeyId"], "messageType": "RAW",
                                       "signingAlgorithm": "ECDSA_SHA_256"}


def test_create_grant_record_and_grant_token_use(env):
    md = _new_key(env)
    eve = arn_of("eve")
    resp, ev = env.call("admin", "CreateGrant", {"KeyId": md["KeyId"], "GranteePrincipal": eve,
                                                 "Operations": ["Encrypt", "Decrypt"]}, resources=[md["Arn"]])
    token = secret("grant token", resp["GrantToken"])
    assert ev["readOnly"] is False
    assert ev["responseElements"] == {"grantId": resp["GrantId"]}
    assert ev["requestParameters"] == {"keyId": md["KeyId"], "granteePrincipal": eve,
                                       "operations": ["Encrypt", "Decrypt"]}
    # the grantee uses the token at once: GrantTokens are left out of the record
    pt = text_secret("grant-plaintext")
    resp, ev = env.call("eve", "Encrypt", {"KeyId": md["Arn"], "Plaintext": pt, "GrantTokens": [token]},
                        resources=[md["Arn"]])
    secret("grant ciphertext", resp["CiphertextBlob"])
    assert ev["requestParameters"] == {"keyId": md["Arn"]}


def test_list_keys_record_has_no_resources(env):
    _, ev = env.call("admin", "ListKeys", {"Limit": 10}, resources=())
    assert ev["requestParameters"] == {"limit": 10}
    assert ev["readOnly"] is True and ev["responseElements"] is None


def test_not_found_failure_record(env):
    missing = str(uuid.uuid4())
    err, ev = env.fail("admin", "DescribeKey", {"KeyId": missing}, "NotFoundException")
    assert ev["errorCode"] == "NotFoundException"
    assert ev["errorMessage"] == err["Error"]["Message"] and ev["errorMessage"]
    assert ev["responseElements"] is None
    pt = text_secret("notfound-plaintext")
    env.fail("admin", "Encrypt", {"KeyId": str(uuid.uuid4()), "Plaintext": pt}, "NotFoundException")


def test_access_denied_record_iam_user(env):
    md = _new_key(env)  # default key policy: eve has no identity policy
    pt = text_secret("denied-plaintext")
    err, ev = env.fail("eve", "Encrypt", {"KeyId": md["KeyId"], "Plaintext": pt}, "AccessDeniedException",
                       resources=[md["Arn"]])
    assert ev["userIdentity"]["type"] == "IAMUser" and ev["userIdentity"]["userName"] == "eve"
    assert ev["errorMessage"] == err["Error"]["Message"]


def test_access_denied_record_assumed_role(env):
    md = _new_key(env)
    err, ev = env.fail("sess", "DescribeKey", {"KeyId": md["KeyId"]}, "AccessDeniedException",
                       resources=[md["Arn"]])
    assert ev["userIdentity"]["type"] == "AssumedRole"


@pytest.mark.parametrize("case", ["wrong-secret", "unknown-access-key", "unsigned"])
def test_unauthenticated_request_record(env, case):
    md = env.c.admin.create_key()["KeyMetadata"]
    admin = IDENTITIES["admin"]
    if case == "wrong-secret":
        wrong = secret("wrong secret", "wrong-secret-" + uuid.uuid4().hex)
        raw, who, sign = RawKMS(env.srv.endpoint, REGION, admin["accessKeyId"], wrong), \
            f"unknown:{admin['accessKeyId']}", True
    elif case == "unknown-access-key":
        raw, who, sign = RawKMS(env.srv.endpoint, REGION, "AKIAUNKNOWN000000001", "whatever-secret-000000"), \
            "unknown:AKIAUNKNOWN000000001", True
    else:
        raw, who, sign = RawKMS(env.srv.endpoint, REGION), "unknown", False
    pt = text_secret(f"unauth-{case}")
    env.tail.mark()
    resp = raw.call("Encrypt", {"KeyId": md["KeyId"], "Plaintext": base64.b64encode(pt).decode()}, sign=sign,
                    headers={"User-Agent": RAW_UA})
    assert resp.status == 400, resp.describe()
    ev, line = env.tail.one()
    rid = resp.headers["x-amzn-requestid"]
    # the caller's account is not known, and an unsigned request names no Region: these two may be absent
    check_member_order(line, failure=True, optional={"awsRegion", "recipientAccountId"})
    if case != "unsigned" and "awsRegion" in ev:
        assert ev["awsRegion"] == REGION  # the Region of the credential scope
    assert ev["userIdentity"] == ({"type": "Unknown"} if who == "unknown" else
                                  {"type": "Unknown", "accessKeyId": who.split(":", 1)[1]})
    assert ev["eventName"] == "Encrypt" and ev["eventType"] == "AwsApiCall"
    assert ev["requestID"] == rid
    assert (ev["errorCode"], ev["errorMessage"]) == (resp.json["__type"], resp.message)
    assert ev["errorCode"] == {"wrong-secret": "InvalidSignatureException",
                               "unknown-access-key": "UnrecognizedClientException",
                               "unsigned": "MissingAuthenticationTokenException"}[case]
    assert ev.get("resources") in (None, [])
    assert ev["responseElements"] is None
    assert ev["userAgent"] == RAW_UA
    assert ev["sourceIPAddress"] == "127.0.0.1"
    check_time(ev["eventTime"])


def test_every_operation_family_writes_one_record(env):
    """Each operation: exactly one record, with eventName, readOnly, requestID, requestParameters (lower-camel-cased,
    redacted: blobs, sensitive members, GrantToken(s) left out) and responseElements (null for read-only operations,
    else the redacted response)."""
    call = env.call
    md = _new_key(env, Description="families", Tags=[{"TagKey": "team", "TagValue": "audit"}])
    kid, arn = md["KeyId"], md["Arn"]
    one = [arn]
    call("admin", "DescribeKey", {"KeyId": kid}, resources=one)
    call("admin", "UpdateKeyDescription", {"KeyId": kid, "Description": "changed"}, resources=one)
    call("admin", "TagResource", {"KeyId": kid, "Tags": [{"TagKey": "env", "TagValue": "test"}]}, resources=one)
    call("admin", "UntagResource", {"KeyId": kid, "TagKeys": ["env"]}, resources=one)
    call("admin", "ListResourceTags", {"KeyId": kid}, resources=one)
    call("admin", "DisableKey", {"KeyId": kid}, resources=one)
    call("admin", "EnableKey", {"KeyId": kid}, resources=one)
    call("admin", "GetKeyPolicy", {"KeyId": kid, "PolicyName": "default"}, resources=one)
    call("admin", "PutKeyPolicy", {"KeyId": kid, "PolicyName": "default", "Policy": default_policy(ACCT_A)},
         resources=one)
    call("admin", "ListKeyPolicies", {"KeyId": kid}, resources=one)
    call("admin", "EnableKeyRotation", {"KeyId": kid, "RotationPeriodInDays": 180}, resources=one)
    call("admin", "GetKeyRotationStatus", {"KeyId": kid}, resources=one)
    call("admin", "DisableKeyRotation", {"KeyId": kid}, resources=one)
    call("admin", "RotateKeyOnDemand", {"KeyId": kid}, resources=one)
    call("admin", "ListKeyRotations", {"KeyId": kid}, resources=one)
    alias = unique_alias("audit-families")
    call("admin", "CreateAlias", {"AliasName": alias, "TargetKeyId": kid})
    call("admin", "ListAliases", {"KeyId": kid})
    other = _new_key(env)
    call("admin", "UpdateAlias", {"AliasName": alias, "TargetKeyId": other["KeyId"]})
    call("admin", "DeleteAlias", {"AliasName": alias})

    pt = text_secret("families-plaintext")
    ct = secret("families ciphertext", call("admin", "Encrypt", {"KeyId": kid, "Plaintext": pt},
                                            resources=one)[0]["CiphertextBlob"])
    call("admin", "Decrypt", {"CiphertextBlob": ct}, resources=one)
    r = call("admin", "ReEncrypt", {"CiphertextBlob": ct, "DestinationKeyId": other["KeyId"]},
             resources=[arn, other["Arn"]])[0]
    secret("families reencrypted", r["CiphertextBlob"])
    r = call("admin", "GenerateDataKeyWithoutPlaintext", {"KeyId": kid, "NumberOfBytes": 32}, resources=one)[0]
    secret("families data key ciphertext", r["CiphertextBlob"])
    r = call("admin", "GenerateDataKeyPair", {"KeyId": kid, "KeyPairSpec": "ECC_NIST_P256"}, resources=one)[0]
    secret("data key pair private key", r["PrivateKeyPlaintext"])
    secret("data key pair private key ciphertext", r["PrivateKeyCiphertextBlob"])
    r = call("admin", "GenerateDataKeyPairWithoutPlaintext", {"KeyId": kid, "KeyPairSpec": "ECC_NIST_P256"},
             resources=one)[0]
    secret("data key pair (without plaintext) private key ciphertext", r["PrivateKeyCiphertextBlob"])
    r = call("admin", "GenerateRandom", {"NumberOfBytes": 48}, resources=())[0]
    secret("random bytes", r["Plaintext"])

    mac_key = _new_key(env, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    msg = text_secret("mac-message")
    mac = secret("mac", call("admin", "GenerateMac", {"KeyId": mac_key["KeyId"], "Message": msg,
                                                      "MacAlgorithm": "HMAC_SHA_256"},
                             resources=[mac_key["Arn"]])[0]["Mac"])
    call("admin", "VerifyMac", {"KeyId": mac_key["KeyId"], "Message": msg, "MacAlgorithm": "HMAC_SHA_256",
                                "Mac": mac}, resources=[mac_key["Arn"]])

    sign_key = _new_key(env, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    call("admin", "GetPublicKey", {"KeyId": sign_key["KeyId"]}, resources=[sign_key["Arn"]])
    msg = text_secret("digest-message")
    sig = secret("signature", call("admin", "Sign", {"KeyId": sign_key["KeyId"], "Message": msg,
                                                     "SigningAlgorithm": "ECDSA_SHA_256"},
                                   resources=[sign_key["Arn"]])[0]["Signature"])
    call("admin", "Verify", {"KeyId": sign_key["KeyId"], "Message": msg, "Signature": sig,
                             "SigningAlgorithm": "ECDSA_SHA_256"}, resources=[sign_key["Arn"]])

    agree_key = _new_key(env, KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    r = call("admin", "DeriveSharedSecret", {"KeyId": agree_key["KeyId"], "KeyAgreementAlgorithm": "ECDH",
                                             "PublicKey": peer}, resources=[agree_key["Arn"]])[0]
    secret("shared secret", r["SharedSecret"])

    grant = call("admin", "CreateGrant", {"KeyId": kid, "GranteePrincipal": arn_of("eve"),
                                          "RetiringPrincipal": ROOT_A, "Operations": ["Encrypt"]},
                 resources=one)[0]
    secret("grant token", grant["GrantToken"])
    call("admin", "ListGrants", {"KeyId": kid}, resources=one)
    call("admin", "ListRetirableGrants", {"RetiringPrincipal": ROOT_A})
    call("admin", "RetireGrant", {"GrantToken": grant["GrantToken"]})
    grant2 = call("admin", "CreateGrant", {"KeyId": kid, "GranteePrincipal": arn_of("eve"),
                                           "Operations": ["Decrypt"]}, resources=one)[0]
    secret("grant token", grant2["GrantToken"])
    call("admin", "RevokeGrant", {"KeyId": kid, "GrantId": grant2["GrantId"]}, resources=one)

    ext = _new_key(env, Origin="EXTERNAL")
    p = call("admin", "GetParametersForImport", {"KeyId": ext["KeyId"], "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
                                                 "WrappingKeySpec": "RSA_2048"}, resources=[ext["Arn"]])[0]
    secret("import token", p["ImportToken"])
    material = secret("imported key material", random_symmetric())
    encrypted = secret("encrypted key material", wrap(material, p["PublicKey"], "RSAES_OAEP_SHA_256"))
    call("admin", "ImportKeyMaterial", {"KeyId": ext["KeyId"], "ImportToken": p["ImportToken"],
                                        "EncryptedKeyMaterial": encrypted,
                                        "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}, resources=[ext["Arn"]])
    call("admin", "DeleteImportedKeyMaterial", {"KeyId": ext["KeyId"]}, resources=[ext["Arn"]])

    call("admin", "GetKeyLastUsage", {"KeyId": kid}, resources=one)
    call("admin", "ScheduleKeyDeletion", {"KeyId": other["KeyId"], "PendingWindowInDays": 7},
         resources=[other["Arn"]])
    call("admin", "CancelKeyDeletion", {"KeyId": other["KeyId"]}, resources=[other["Arn"]])
    call("admin", "ListKeys", {}, resources=())


def test_event_ids_are_unique_and_the_chain_verifies(env, coffer_bin):
    lines = audit_lines(env.path)
    assert lines
    events = [json.loads(line) for line in lines]
    ids = [e["eventID"] for e in events]
    assert len(ids) == len(set(ids)), "eventID repeated"
    rids = [e["requestID"] for e in events]
    assert len(rids) == len(set(rids)), "one request, several records"
    check_chain(lines)
    proc = audit_verify(coffer_bin, env.path)
    assert proc.returncode == 0, describe_proc(proc)
    assert ok_line(len(lines), 1, 1, len(lines)) in proc.stdout, describe_proc(proc)


def test_no_secret_reaches_the_audit_log(env):
    """Run last in this module: every plaintext, ciphertext, data key, private key, shared secret, grant token, import
    token, key material, secret access key, session token, signature, MAC and message the module used, in raw, base64
    and hex forms, is absent from the whole file."""
    assert len(SECRETS) > 30, sorted(SECRETS)
    text = env.path.read_text()
    assert text.count("\n") > 50
    found = find_secrets(text, SECRETS)
    assert not found, "secrets in the audit log:\n  " + "\n  ".join(found)
    # the Authorization header (its signature) is not in the records either
    assert "AWS4-HMAC-SHA256" not in text and "Signature=" not in text


# =========================================================================== the hash chain and `coffer audit verify`


def _requests(client, n: int) -> list[str]:
    """n requests (DescribeKey on a fresh key, then Encrypts); returns their request IDs."""
    resp = client.create_key()
    md = resp["KeyMetadata"]
    rids = [request_id(resp), request_id(client.describe_key(KeyId=md["KeyId"]))]
    rids += [request_id(client.encrypt(KeyId=md["KeyId"], Plaintext=b"chain"))
             for _ in range(max(0, n - 2))]
    return rids


def test_verify_ok_and_chain_format(server_factory, coffer_bin):
    srv, path = audit_server(server_factory, "chain")
    srv.start()
    _requests(srv.client(), 6)
    lines = audit_lines(path)
    assert len(lines) == 6, lines
    assert check_chain(lines) == [1, 2, 3, 4, 5, 6]
    first = json.loads(lines[0])
    assert first["cofferChain"] == {"sequence": 1, "previous": ZERO_HASH}
    proc = audit_verify(coffer_bin, path)
    assert proc.returncode == 0, describe_proc(proc)
    assert ok_line(6, 1, 1, 6) in proc.stdout, describe_proc(proc)


def _tamper_copy(path, tmp_path, edit) -> tuple:
    lines = audit_lines(path)
    copy = tmp_path / "tampered" / "audit.log"
    copy.parent.mkdir(parents=True, exist_ok=True)
    new = edit(list(lines))
    copy.write_text("".join(line + "\n" for line in new))
    return copy, new


def test_verify_names_an_edited_record(server_factory, coffer_bin, tmp_path):
    srv, path = audit_server(server_factory, "tamper-edit")
    srv.start()
    _requests(srv.client(), 6)

    def edit(lines):
        assert '"awsRegion":"us-east-1"' in lines[2], lines[2]
        lines[2] = lines[2].replace('"awsRegion":"us-east-1"', '"awsRegion":"us-east-2"', 1)
        json.loads(lines[2])  # still valid JSON
        return lines

    copy, _ = _tamper_copy(path, tmp_path, edit)
    proc = audit_verify(coffer_bin, copy)
    assert proc.returncode == 1, describe_proc(proc)
    assert re.search(re.escape(f"{copy}:3: ") + r"\S", output_of(proc)), describe_proc(proc)
    assert "OK:" not in proc.stdout


def test_verify_names_an_edited_hash(server_factory, coffer_bin, tmp_path):
    srv, path = audit_server(server_factory, "tamper-hash")
    srv.start()
    _requests(srv.client(), 5)

    def edit(lines):
        body, h = split_record(lines[4])
        lines[4] = f'{body},"cofferHash":"{("0" if h[0] != "0" else "1") + h[1:]}"}}'
        return lines

    copy, _ = _tamper_copy(path, tmp_path, edit)
    proc = audit_verify(coffer_bin, copy)
    assert proc.returncode == 1, describe_proc(proc)
    assert f"{copy}:5: " in output_of(proc), describe_proc(proc)


def test_verify_detects_a_deleted_record(server_factory, coffer_bin, tmp_path):
    srv, path = audit_server(server_factory, "tamper-delete")
    srv.start()
    _requests(srv.client(), 6)
    copy, _ = _tamper_copy(path, tmp_path, lambda lines: lines[:2] + lines[3:])
    proc = audit_verify(coffer_bin, copy)
    assert proc.returncode == 1, describe_proc(proc)
    # the record after the gap (now line 3) is the first broken one
    assert f"{copy}:3: " in output_of(proc), describe_proc(proc)


def test_chain_continues_across_restart(server_factory, coffer_bin):
    srv, path = audit_server(server_factory, "chain-restart")
    srv.start()
    _requests(srv.client(), 4)
    srv.restart()
    _requests(srv.client(), 3)
    srv.restart(kill=True)
    _requests(srv.client(), 3)
    lines = audit_lines(path)
    assert len(lines) == 10
    assert check_chain(lines) == list(range(1, 11))
    proc = audit_verify(coffer_bin, path)
    assert proc.returncode == 0 and ok_line(10, 1, 1, 10) in proc.stdout, describe_proc(proc)


# =========================================================================== rotation


def test_rotation_by_size(server_factory, coffer_bin):
    srv, path = audit_server(server_factory, "rotation", audit={"maxFileBytes": 4096})
    srv.start()
    rids = _requests(srv.client(), 30)
    files = audit_files(path)
    assert len(files) >= 3, [f.name for f in files]
    assert files[-1] == path
    total = 0
    for f in files[:-1]:
        m = re.fullmatch(re.escape(path.name) + r"\.(\d{12})", f.name)
        assert m, f.name
        lines = audit_lines(f)
        assert lines, f
        # <file>.<N>: N = the sequence of its last record
        assert int(m.group(1)) == json.loads(lines[-1])["cofferChain"]["sequence"], f.name
        total += len(lines)
    lines = all_audit_lines(path)
    assert len(lines) == 30 == total + len(audit_lines(path))
    assert check_chain(lines) == list(range(1, 31))
    assert sorted(json.loads(line)["requestID"] for line in lines) == sorted(rids)
    # verify orders the files itself
    proc = audit_verify(coffer_bin, *reversed(files))
    assert proc.returncode == 0, describe_proc(proc)
    assert ok_line(30, len(files), 1, 30) in proc.stdout, describe_proc(proc)

    # the chain goes on across a restart and further rotations
    srv.restart()
    _requests(srv.client(), 12)
    files = audit_files(path)
    lines = all_audit_lines(path)
    assert len(lines) == 42
    assert check_chain(lines) == list(range(1, 43))
    proc = audit_verify(coffer_bin, *files)
    assert proc.returncode == 0, describe_proc(proc)
    assert ok_line(42, len(files), 1, 42) in proc.stdout, describe_proc(proc)
    # a missing middle file breaks the chain
    if len(files) >= 3:
        proc = audit_verify(coffer_bin, *(files[:1] + files[2:]))
        assert proc.returncode == 1, describe_proc(proc)


# =========================================================================== write failures, start-up failures, async


def test_sync_write_failure_answers_500(server_factory):
    """sync mode, audit file /dev/full (opens, every write fails with ENOSPC): 500 KMSInternalException; while the
    last write failed, requests are refused before they act; kms.request.failed in the log with the cause (which
    never reaches the client); coffer_audit_write_failures_total counts."""
    metrics = metrics_config()
    srv = server_factory(name="devfull", config={"audit": {"file": "/dev/full", "mode": "sync"}, "metrics": metrics})
    srv.start()
    c = srv.client(retries=NO_RETRIES)  # one attempt per call: botocore would retry the 500s
    err = expect_error(c.create_key, code="KMSInternalException", status=500)
    rid = request_id(err)
    msg = err["Error"]["Message"]
    assert "/dev/full" not in msg and "space" not in msg.lower(), msg
    lines = request_failed_lines(srv, rid)
    assert lines, srv.stdout_text()[-3000:]
    assert "kms.error_type" in lines[0] and "kms.cause" in lines[0] and "kms.request_id" in lines[0], lines[0]
    for _ in range(3):
        expect_error(c.create_key, code="KMSInternalException", status=500)
    expect_error(c.list_keys, code="KMSInternalException", status=500)
    s = scrape(metrics["port"])
    assert s.value("coffer_audit_write_failures_total") >= 1, s.text[-3000:]
    # refused before acting: at most the first CreateKey (answered 500 after it acted) made a key
    srv.stop()
    srv.config.pop("audit")
    srv.start()
    assert len(srv.client().list_keys()["Keys"]) <= 1


@pytest.mark.parametrize("where", ["under-a-regular-file", "a-directory"])
def test_audit_file_that_cannot_be_opened_stops_startup(server_factory, tmp_path, where):
    # tests run as root: permissions would not stop the open, these do
    if where == "under-a-regular-file":
        plain = tmp_path / "plain-file"
        plain.write_text("x")
        target = plain / "audit.log"
    else:
        target = tmp_path / "audit-dir"
        target.mkdir()
    srv = server_factory(name=f"badaudit-{where}", config={"audit": {"file": str(target)}})
    rc, stderr = srv.start_expecting_exit()
    assert rc == EX_CONFIG, (rc, stderr)
    assert re.search(r"^coffer: .*audit", stderr, re.M | re.I), stderr


def test_async_mode(server_factory, coffer_bin):
    srv, path = audit_server(server_factory, "async", audit={"mode": "async", "bufferEvents": 1000})
    srv.start()
    rids = _requests(srv.client(), 12)
    lines = wait_for_lines(path, 12)
    assert len(lines) == 12, len(lines)
    assert sorted(json.loads(line)["requestID"] for line in lines) == sorted(rids)
    check_chain(lines)
    srv.stop()  # a graceful stop writes what is buffered
    assert len(audit_lines(path)) == 12
    proc = audit_verify(coffer_bin, path)
    assert proc.returncode == 0 and ok_line(12, 1, 1, 12) in proc.stdout, describe_proc(proc)


# =========================================================================== `coffer audit query`


def test_query_by_key_and_time(server_factory, coffer_bin):
    srv, path = audit_server(server_factory, "query", audit={"maxFileBytes": 4096})
    srv.start()
    c = srv.client()
    k1, k2 = c.create_key()["KeyMetadata"], c.create_key()["KeyMetadata"]
    alias = unique_alias("query")
    c.create_alias(AliasName=alias, TargetKeyId=k1["KeyId"])
    for _ in range(6):
        c.encrypt(KeyId=k1["KeyId"], Plaintext=b"one")
        c.encrypt(KeyId=k2["KeyId"], Plaintext=b"two")
    ct = c.encrypt(KeyId=alias, Plaintext=b"via alias")["CiphertextBlob"]
    c.re_encrypt(CiphertextBlob=ct, DestinationKeyId=k2["KeyId"])
    c.decrypt(CiphertextBlob=ct)
    c.list_keys()
    files = audit_files(path)
    assert len(files) >= 2, files
    lines = all_audit_lines(path)
    for md in (k1, k2):
        want = [line for line in lines if md["Arn"] in resource_arns(json.loads(line))]
        assert len(want) >= 8
        for key in (md["KeyId"], md["Arn"]):
            proc = audit_query(coffer_bin, "--key", key, *files)
            assert proc.returncode == 0, describe_proc(proc)
            assert proc.stdout.splitlines() == want, describe_proc(proc)
        since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        proc = audit_query(coffer_bin, "--key", md["KeyId"], "--since", since, *files)
        assert proc.returncode == 0 and proc.stdout.splitlines() == want, describe_proc(proc)
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    proc = audit_query(coffer_bin, "--key", k1["KeyId"], "--since", future, *files)
    assert proc.returncode == 0 and proc.stdout == "", describe_proc(proc)
    proc = audit_query(coffer_bin, "--key", k1["KeyId"], "--until", "2001-01-01T00:00:00Z", *files)
    assert proc.returncode == 0 and proc.stdout == "", describe_proc(proc)
    proc = audit_query(coffer_bin, "--key", str(uuid.uuid4()), *files)
    assert proc.returncode == 0 and proc.stdout == "", describe_proc(proc)


# =========================================================================== background events


def _background(events: list[dict], name: str, arn: str) -> list[dict]:
    return [e for e in events if e.get("eventName") == name and arn in resource_arns(e)]


def check_background(ev: dict, line: str, *, name: str, md: dict, account: str = DEV_ACCOUNT) -> None:
    check_member_order(line, failure=False, background=True)
    assert ev["eventVersion"] == "1.08"
    assert ev["userIdentity"] == {"accountId": account, "invokedBy": AWS_SERVICE}
    assert EVENT_TIME_RE.match(ev["eventTime"]), ev["eventTime"]
    assert ev["eventSource"] == AWS_SERVICE
    assert ev["eventName"] == name
    assert ev["awsRegion"] == md["Arn"].split(":")[3]
    assert ev["sourceIPAddress"] == AWS_SERVICE and ev["userAgent"] == AWS_SERVICE
    assert ev["requestParameters"] is None and ev["responseElements"] is None
    assert "requestID" not in ev
    assert UUID_ANY_RE.match(ev["eventID"])
    assert ev["readOnly"] is False
    assert ev["resources"] == [{"accountId": account, "type": "AWS::KMS::Key", "ARN": md["Arn"]}]
    assert ev["eventType"] == "AwsServiceEvent"
    assert ev["managementEvent"] is True
    assert ev["recipientAccountId"] == account
    assert ev["eventCategory"] == "Management"
    assert set(ev["serviceEventDetails"]) == {"keyId"}, ev["serviceEventDetails"]
    assert ev["serviceEventDetails"]["keyId"] in (md["KeyId"], md["Arn"]), ev["serviceEventDetails"]


def _clock_audit_server(server_factory, name):
    srv, path = audit_server(server_factory, name, config={"developmentClock": True})
    srv.start()
    return srv, path


def _single_background(path, name, md):
    lines = all_audit_lines(path)
    found = [(json.loads(line), line) for line in lines
             if json.loads(line).get("eventName") == name and md["Arn"] in resource_arns(json.loads(line))]
    assert len(found) == 1, f"{name} records for {md['Arn']}: {[f[1] for f in found]}"
    return found[0]


def test_background_delete_key(server_factory, coffer_bin):
    srv, path = _clock_audit_server(server_factory, "bg-delete")
    c = srv.client()
    md = c.create_key()["KeyMetadata"]
    kept = c.create_key()["KeyMetadata"]
    c.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert not _background(all_audit_events(path), "DeleteKey", md["Arn"])
    advance_days(srv, 8)
    expect_error(c.describe_key, KeyId=md["KeyId"], code="NotFoundException")
    ev, line = _single_background(path, "DeleteKey", md)
    check_background(ev, line, name="DeleteKey", md=md)
    assert not _background(all_audit_events(path), "DeleteKey", kept["Arn"])
    proc = audit_verify(coffer_bin, *audit_files(path))
    assert proc.returncode == 0, describe_proc(proc)


def test_background_rotate_key(server_factory, coffer_bin):
    srv, path = _clock_audit_server(server_factory, "bg-rotate")
    c = srv.client()
    md = c.create_key()["KeyMetadata"]
    c.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=90)
    advance_days(srv, 89)
    assert not _background(all_audit_events(path), "RotateKey", md["Arn"])
    advance_days(srv, 2)
    rotations = c.list_key_rotations(KeyId=md["KeyId"])["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC"]
    ev, line = _single_background(path, "RotateKey", md)
    check_background(ev, line, name="RotateKey", md=md)
    proc = audit_verify(coffer_bin, *audit_files(path))
    assert proc.returncode == 0, describe_proc(proc)


def test_background_delete_expired_key_material(server_factory):
    srv, path = _clock_audit_server(server_factory, "bg-expire")
    c = srv.client()
    md = c.create_key(Origin="EXTERNAL")["KeyMetadata"]
    valid_to = (server_now(srv) + dt.timedelta(days=1)).replace(microsecond=0)
    import_material(c, md["KeyId"], random_symmetric(), ValidTo=valid_to)
    advance_days(srv, 2)
    assert c.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    ev, line = _single_background(path, "DeleteExpiredKeyMaterial", md)
    check_background(ev, line, name="DeleteExpiredKeyMaterial", md=md)


# =========================================================================== GetKeyLastUsage


def test_last_usage_event_id_is_the_audit_event_id(server_factory):
    srv, path = audit_server(server_factory, "usage")
    srv.start()
    c = srv.client()
    src, dst = c.create_key()["KeyMetadata"], c.create_key()["KeyMetadata"]

    def usage(kid, rid):
        got = poll_until(lambda: c.get_key_last_usage(KeyId=kid).get("KeyLastUsage") or {},
                         lambda u: u.get("KmsRequestId") == rid, timeout=4)
        assert got.get("KmsRequestId") == rid, got
        return got

    rid = request_id(c.encrypt(KeyId=src["KeyId"], Plaintext=b"used"))
    [ev] = [e for e in audit_events(path) if e.get("requestID") == rid]
    assert usage(src["KeyId"], rid)["CloudTrailEventId"] == ev["eventID"]

    ct = c.encrypt(KeyId=src["KeyId"], Plaintext=b"again")["CiphertextBlob"]
    rid = request_id(c.re_encrypt(CiphertextBlob=ct, DestinationKeyId=dst["KeyId"]))
    [ev] = [e for e in audit_events(path) if e.get("requestID") == rid]
    assert usage(src["KeyId"], rid)["CloudTrailEventId"] == ev["eventID"]
    assert usage(dst["KeyId"], rid)["CloudTrailEventId"] == ev["eventID"]
