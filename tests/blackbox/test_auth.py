"""SigV4 authentication and (account, region) isolation."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from kmshelpers import (
    alias_arn,
    default_policy,
    expect_error,
    key_arn,
    unique_alias,
    unique_region,
)

UTC = dt.timezone.utc


def _now():
    return dt.datetime.now(UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------- signatures

def test_unsigned_request_is_missing_authentication_token(raw):
    resp = raw.call("ListKeys", {}, sign=False)
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "MissingAuthenticationTokenException", resp.describe()


def _replace_auth(value):
    def mutate(h):
        h["Authorization"] = value
    return mutate


def _drop_component(component):
    def mutate(h):
        parts = [p.strip() for p in h["Authorization"].split(" ", 1)[1].split(",")]
        parts = [p for p in parts if not p.startswith(component + "=")]
        h["Authorization"] = "AWS4-HMAC-SHA256 " + ", ".join(parts)
    return mutate


@pytest.mark.parametrize("name,mutate", [
    ("garbage", _replace_auth("AWS4-HMAC-SHA256 garbage")),
    ("algorithm-only", _replace_auth("AWS4-HMAC-SHA256")),
    ("no-signed-headers", _drop_component("SignedHeaders")),
    ("no-signature", _drop_component("Signature")),
    ("no-credential", _drop_component("Credential")),
])
def test_malformed_authorization_is_incomplete_signature(raw, name, mutate):
    resp = raw.call("ListKeys", {}, mutate=mutate)
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "IncompleteSignatureException", f"{name}: {resp.describe()}"


def test_missing_date_header_is_incomplete_signature(raw):
    def mutate(h):
        for k in list(h):
            if k.lower() == "x-amz-date":
                del h[k]
    resp = raw.call("ListKeys", {}, mutate=mutate)
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "IncompleteSignatureException", resp.describe()


def test_unknown_access_key_is_unrecognized_client(make_client):
    client = make_client(access_key="AKIAUNKNOWNUNKNOWN00", secret_key="whatever")
    expect_error(client.list_keys, code="UnrecognizedClientException")


def test_wrong_secret_is_invalid_signature(make_client):
    client = make_client(secret_key="not-the-secret")
    expect_error(client.list_keys, code="InvalidSignatureException")


def test_tampered_signed_header_is_invalid_signature(raw):
    def mutate(h):
        h["X-Amz-Target"] = "TrentService.ListAliases"
    resp = raw.call("ListKeys", {}, mutate=mutate)
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "InvalidSignatureException", resp.describe()


def test_tampered_body_is_invalid_signature(raw):
    # Sign one payload (the signed request itself is sent and must succeed), then replay
    # the same signed headers with another payload of the same length.
    captured = {}

    def mutate(h):
        captured.update(h)

    ok = raw.request("TrentService.ListKeys", b'{"Limit": 5}', mutate=mutate)
    assert ok.status == 200, ok.describe()
    resp = raw._send("POST", "/", captured, b'{"Limit": 6}')
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "InvalidSignatureException", resp.describe()


def test_signature_expired_after_20_minutes(raw):
    resp = raw.call("ListKeys", {}, timestamp=_now() - dt.timedelta(minutes=20))
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "InvalidSignatureException", resp.describe()
    assert "Signature expired" in (resp.message or ""), resp.describe()


def test_signature_from_the_future_is_rejected(raw):
    resp = raw.call("ListKeys", {}, timestamp=_now() + dt.timedelta(minutes=20))
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "InvalidSignatureException", resp.describe()


def test_small_clock_skew_is_accepted(raw):
    resp = raw.call("ListKeys", {}, timestamp=_now() - dt.timedelta(minutes=3))
    assert resp.status == 200, resp.describe()


def test_signature_scoped_to_another_service_is_rejected(raw):
    resp = raw.call("ListKeys", {}, service="s3")
    assert resp.status == 400, resp.describe()
    assert resp.error_type in ("InvalidSignatureException", "IncompleteSignatureException"), resp.describe()


def test_any_region_is_accepted(make_client):
    region = unique_region()
    client = make_client(region=region)
    md = client.create_key()["KeyMetadata"]
    assert md["Arn"] == key_arn(md["KeyId"], region=region)


# --------------------------------------------------------------------------- regions

def test_fresh_region_is_empty(make_client):
    client = make_client(region=unique_region())
    assert client.list_keys()["Keys"] == []


def test_keys_are_isolated_between_regions(kms, make_client):
    md = kms.create_key(Description="east")["KeyMetadata"]
    kid = md["KeyId"]
    other_region = unique_region()
    west = make_client(region=other_region)
    expect_error(west.describe_key, KeyId=kid, code="NotFoundException")
    expect_error(west.describe_key, KeyId=md["Arn"], code="NotFoundException")
    expect_error(west.disable_key, KeyId=kid, code="NotFoundException")
    assert kid not in {k["KeyId"] for k in west.list_keys()["Keys"]}
    # and the other direction: the us-east-1 ARN still works in us-east-1
    assert kms.describe_key(KeyId=md["Arn"])["KeyMetadata"]["KeyId"] == kid
    # a us-east-1 client cannot reach a key through an ARN naming the other region
    expect_error(kms.describe_key, KeyId=key_arn(kid, region=other_region), code="NotFoundException")


def test_aliases_are_isolated_between_regions(kms, make_client):
    region = unique_region()
    west = make_client(region=region)
    name = unique_alias("region")
    k_east = kms.create_key()["KeyMetadata"]["KeyId"]
    k_west = west.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=name, TargetKeyId=k_east)
    west.create_alias(AliasName=name, TargetKeyId=k_west)  # same name, other region: no conflict
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == k_east
    assert west.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == k_west
    assert west.describe_key(KeyId=alias_arn(name, region=region))["KeyMetadata"]["KeyId"] == k_west
    # an alias cannot point at a key of another region
    expect_error(west.create_alias, AliasName=unique_alias("x"), TargetKeyId=k_east,
                 code="NotFoundException")


# --------------------------------------------------------------------------- accounts

ALICE = dict(accessKeyId="AKIAALICE00000000001", secretAccessKey="alice-secret-0000000000000000000000000",
             accountId="111122223333", principal="alice")
BOB = dict(accessKeyId="AKIABOB0000000000002", secretAccessKey="bob-secret-00000000000000000000000000",
           accountId="444455556666", principal="bob")
CAROL = dict(accessKeyId="ASIACAROL00000000003", secretAccessKey="carol-secret-000000000000000000000000",
             accountId="111122223333", principal="carol", sessionToken="carol-session-token-xyz")


@pytest.fixture(scope="module")
def multi(coffer_bin, tmp_path_factory):
    from kmshelpers import CofferServer

    base = tmp_path_factory.mktemp("coffer-accounts")
    creds = base / "creds.json"
    creds.write_text(json.dumps({"identities": [ALICE, BOB, CAROL]}))
    srv = CofferServer(coffer_bin, base, name="accounts", config={"credentialsFile": str(creds)})
    srv.start()
    yield srv
    srv.stop()


def _client(srv, ident, region="us-east-1", with_token=True):
    return srv.client(region=region, access_key=ident["accessKeyId"], secret_key=ident["secretAccessKey"],
                      session_token=ident.get("sessionToken") if with_token else None)


def test_credentials_file_identities_authenticate(multi):
    for ident in (ALICE, BOB, CAROL):
        assert "Keys" in _client(multi, ident).list_keys()


def test_key_belongs_to_callers_account(multi):
    md = _client(multi, ALICE).create_key()["KeyMetadata"]
    assert md["AWSAccountId"] == "111122223333"
    assert md["Arn"] == key_arn(md["KeyId"], account="111122223333")
    pol = _client(multi, ALICE).get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"]
    assert pol == default_policy("111122223333")


def test_keys_are_isolated_between_accounts(multi):
    alice, bob = _client(multi, ALICE), _client(multi, BOB)
    md = alice.create_key(Description="alice's")["KeyMetadata"]
    kid = md["KeyId"]
    expect_error(bob.describe_key, KeyId=kid, code="NotFoundException")
    # By ARN, another account reaches the key, and the default key policy (owner account only) denies it.
    expect_error(bob.describe_key, KeyId=md["Arn"], code="AccessDeniedException",
                 message=f"User: arn:aws:iam::444455556666:root is not authorized to perform: kms:DescribeKey "
                         f"on resource: {md['Arn']} because no resource-based policy allows the kms:DescribeKey action")
    expect_error(bob.disable_key, KeyId=kid, code="NotFoundException")
    expect_error(bob.schedule_key_deletion, KeyId=kid, code="NotFoundException")
    expect_error(bob.tag_resource, KeyId=kid, Tags=[{"TagKey": "k", "TagValue": "v"}], code="NotFoundException")
    expect_error(bob.get_key_policy, KeyId=kid, PolicyName="default", code="NotFoundException")
    assert kid not in {k["KeyId"] for k in bob.list_keys()["Keys"]}
    assert alice.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Enabled"
    bob_md = bob.create_key()["KeyMetadata"]
    assert bob_md["AWSAccountId"] == "444455556666"
    assert bob_md["KeyId"] not in {k["KeyId"] for k in alice.list_keys()["Keys"]}


def test_aliases_are_isolated_between_accounts(multi):
    alice, bob = _client(multi, ALICE), _client(multi, BOB)
    name = unique_alias("acct")
    ka = alice.create_key()["KeyMetadata"]["KeyId"]
    kb = bob.create_key()["KeyMetadata"]["KeyId"]
    alice.create_alias(AliasName=name, TargetKeyId=ka)
    bob.create_alias(AliasName=name, TargetKeyId=kb)
    assert alice.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == ka
    assert bob.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == kb
    # bob cannot alias alice's key
    expect_error(bob.create_alias, AliasName=unique_alias("steal"), TargetKeyId=ka, code="NotFoundException")
    names_bob = {a["AliasName"]: a for a in bob.list_aliases()["Aliases"]}
    assert names_bob[name]["TargetKeyId"] == kb
    assert names_bob[name]["AliasArn"] == alias_arn(name, account="444455556666")


def test_same_account_identities_share_keys(multi):
    alice, carol = _client(multi, ALICE), _client(multi, CAROL)
    kid = alice.create_key()["KeyMetadata"]["KeyId"]
    assert carol.describe_key(KeyId=kid)["KeyMetadata"]["AWSAccountId"] == "111122223333"


def test_accounts_and_regions_combine(multi):
    alice_east = _client(multi, ALICE)
    alice_west = _client(multi, ALICE, region="eu-west-1")
    kid = alice_east.create_key()["KeyMetadata"]["KeyId"]
    expect_error(alice_west.describe_key, KeyId=kid, code="NotFoundException")


def test_session_token_identity_requires_its_token(multi):
    carol_no_token = _client(multi, CAROL, with_token=False)
    resp = expect_error(carol_no_token.list_keys,
                        code=("UnrecognizedClientException", "InvalidSignatureException",
                              "IncompleteSignatureException", "InvalidClientTokenId"))
    assert resp["Error"]["Code"]
    wrong = multi.client(access_key=CAROL["accessKeyId"], secret_key=CAROL["secretAccessKey"],
                         session_token="wrong-token")
    expect_error(wrong.list_keys,
                 code=("UnrecognizedClientException", "InvalidSignatureException",
                       "IncompleteSignatureException", "InvalidClientTokenId"))


def test_credentials_file_unknown_key_rejected(multi):
    c = multi.client(access_key="AKIANOTINFILE0000000", secret_key="x")
    expect_error(c.list_keys, code="UnrecognizedClientException")


# --------------------------------------------------------------------------- canonicalisation

def test_signed_extra_header_with_irregular_whitespace(raw):
    # SigV4 canonical headers trim values and collapse inner runs of spaces.
    resp = raw.call("ListKeys", {}, headers={"X-Custom-Thing": "  a   b    c  ", "x-lower-case": "v"})
    assert resp.status == 200, resp.describe()


def test_signed_query_string_is_verified(raw):
    ok = raw.call("ListKeys", {}, path="/?b=2&a=1&empty=")
    assert ok.status == 200, ok.describe()

    captured = {}
    raw.call("ListKeys", {}, path="/?a=1", mutate=captured.update)
    resp = raw._send("POST", "/?a=2", captured, b"{}")
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "InvalidSignatureException", resp.describe()
