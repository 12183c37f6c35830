"""GetKeyPolicy / PutKeyPolicy / ListKeyPolicies and the default key policy (spec 11)."""

from __future__ import annotations

import json
import uuid

import pytest

from kmshelpers import default_policy, expect_error, unique_region

ROOT_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Id": "custom-1",
    "Statement": [{
        "Sid": "Root", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
        "Action": "kms:*", "Resource": "*",
    }],
})


def _policy(kms, kid, **kw):
    return kms.get_key_policy(KeyId=kid, **kw)["Policy"]


def test_default_policy_is_byte_exact(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    resp = kms.get_key_policy(KeyId=kid, PolicyName="default")
    assert resp["Policy"] == default_policy("000000000000")
    if "PolicyName" in resp:
        assert resp["PolicyName"] == "default"


def test_default_policy_when_policy_name_omitted(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    assert _policy(kms, kid) == default_policy("000000000000")


def test_default_policy_raw_json_escaping(raw, kms):
    # The wire value is the exact JSON string given in spec 11.
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    resp = raw.call("GetKeyPolicy", {"KeyId": kid, "PolicyName": "default"})
    assert resp.status == 200, resp.describe()
    assert json.loads(resp.body)["Policy"] == default_policy()


def test_default_policy_for_every_key_type(kms):
    for kwargs in ({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
                   {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
                   {"Origin": "EXTERNAL"}, {"MultiRegion": True}):
        kid = kms.create_key(**kwargs)["KeyMetadata"]["KeyId"]
        assert _policy(kms, kid, PolicyName="default") == default_policy(), kwargs


def test_default_policy_in_other_region(make_client):
    client = make_client(region=unique_region())
    kid = client.create_key()["KeyMetadata"]["KeyId"]
    assert _policy(client, kid) == default_policy()


def test_list_key_policies(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    resp = kms.list_key_policies(KeyId=kid)
    assert resp["PolicyNames"] == ["default"]
    assert resp["Truncated"] is False
    assert "NextMarker" not in resp
    assert kms.list_key_policies(KeyId=kid, Limit=1)["PolicyNames"] == ["default"]


def test_put_key_policy_roundtrip_is_verbatim(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    # odd formatting must survive untouched
    policy = ('{ "Version":"2012-10-17",\n\t"Statement" : [ {"Sid":"Ab", "Effect":"Allow",'
              '"Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":["kms:*"],"Resource":"*"}]  }\r\n')
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=policy)
    assert _policy(kms, kid, PolicyName="default") == policy
    assert kms.list_key_policies(KeyId=kid)["PolicyNames"] == ["default"]


def test_put_key_policy_policy_name_optional(kms):
    md = kms.create_key()["KeyMetadata"]
    kms.put_key_policy(KeyId=md["Arn"], Policy=ROOT_POLICY)
    assert _policy(kms, md["KeyId"]) == ROOT_POLICY


def test_create_key_with_policy(kms):
    kid = kms.create_key(Policy=ROOT_POLICY)["KeyMetadata"]["KeyId"]
    assert _policy(kms, kid, PolicyName="default") == ROOT_POLICY


@pytest.mark.parametrize("bad", ["not json at all", "{", '"just a string"', '{"Version": "2012-10-17",'])
def test_put_malformed_policy(kms, bad):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=bad,
                 code="MalformedPolicyDocumentException")
    assert _policy(kms, kid) == default_policy()


def test_create_key_with_malformed_policy_creates_nothing(make_client):
    client = make_client(region=unique_region())
    expect_error(client.create_key, Policy="{not json", code="MalformedPolicyDocumentException")
    assert client.list_keys()["Keys"] == []


def _padded_policy(size):
    base = json.loads(ROOT_POLICY)
    base["Statement"][0]["Sid"] = ""
    text = json.dumps(base)
    pad = size - len(text)
    base["Statement"][0]["Sid"] = "S" * pad
    text = json.dumps(base)
    assert len(text.encode()) == size
    return text


def test_policy_size_limit(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    ok = _padded_policy(32768)
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=ok)
    assert _policy(kms, kid) == ok
    too_big = _padded_policy(32769)
    expect_error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=too_big,
                 code="LimitExceededException")
    assert _policy(kms, kid) == ok


def test_policy_with_characters_outside_model_pattern(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    bad = ROOT_POLICY.replace("custom-1", "custom-\u20ac")
    expect_error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=bad,
                 code=("ValidationException", "MalformedPolicyDocumentException"))


def test_latin1_policy_is_accepted_verbatim(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    pol = ROOT_POLICY.replace("custom-1", "custom-\u00e9\u00ff")
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=pol)
    assert _policy(kms, kid) == pol


def test_non_default_policy_name_is_refused(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    r1 = expect_error(kms.get_key_policy, KeyId=kid, PolicyName="other",
                      code=("NotFoundException", "ValidationException", "UnsupportedOperationException"))
    assert r1["Error"]["Message"]
    expect_error(kms.put_key_policy, KeyId=kid, PolicyName="other", Policy=ROOT_POLICY,
                 code=("NotFoundException", "ValidationException", "UnsupportedOperationException"))
    assert _policy(kms, kid) == default_policy()


def test_policies_on_unknown_key(kms):
    kid = str(uuid.uuid4())
    expect_error(kms.get_key_policy, KeyId=kid, PolicyName="default", code="NotFoundException")
    expect_error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=ROOT_POLICY, code="NotFoundException")
    expect_error(kms.list_key_policies, KeyId=kid, code="NotFoundException")


def test_policies_on_disabled_and_pending_import_keys(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=kid)
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=ROOT_POLICY)
    assert _policy(kms, kid) == ROOT_POLICY
    ext = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    kms.put_key_policy(KeyId=ext, PolicyName="default", Policy=ROOT_POLICY)
    assert _policy(kms, ext) == ROOT_POLICY


LOCKOUT_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "kms:Encrypt", "Resource": "*",
    }],
})


def test_policy_lockout_safety_check(kms):
    # Spec 11: unless BypassPolicyLockoutSafetyCheck is true, the new policy must still let
    # the caller call PutKeyPolicy; otherwise MalformedPolicyDocumentException.
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=LOCKOUT_POLICY,
                 code="MalformedPolicyDocumentException")
    assert _policy(kms, kid) == default_policy()
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=LOCKOUT_POLICY,
                       BypassPolicyLockoutSafetyCheck=True)
    # Locked out, as on AWS: the caller may no longer even read the policy.
    expect_error(kms.get_key_policy, KeyId=kid, PolicyName="default", code="AccessDeniedException")


def test_create_key_policy_lockout_safety_check(make_client):
    client = make_client(region=unique_region())
    expect_error(client.create_key, Policy=LOCKOUT_POLICY, code="MalformedPolicyDocumentException")
    assert client.list_keys()["Keys"] == []
    kid = client.create_key(Policy=LOCKOUT_POLICY, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
    expect_error(client.get_key_policy, KeyId=kid, PolicyName="default", code="AccessDeniedException")
