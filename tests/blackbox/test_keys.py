"""CreateKey / DescribeKey / ListKeys / Enable / Disable / UpdateKeyDescription /
ScheduleKeyDeletion / CancelKeyDeletion, including key-state rules of spec section 8."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kmshelpers import (
    DEV_ACCOUNT,
    MRK_RE,
    UUID_RE,
    alias_arn,
    expect_error,
    key_arn,
    msg_not_pending_deletion,
    msg_pending_deletion,
    msgs_pending_import,
    unique_alias,
    unique_region,
)

ALG_FIELDS = ("EncryptionAlgorithms", "SigningAlgorithms", "MacAlgorithms", "KeyAgreementAlgorithms")
RSA_SIGN = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]
RSA_ENC = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]

# (KeySpec, KeyUsage, {algorithm field: values}, exact order?)  -- spec section 1.3
VALID_SPECS = [
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"]}, True),
    ("HMAC_224", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_224"]}, True),
    ("HMAC_256", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_256"]}, True),
    ("HMAC_384", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_384"]}, True),
    ("HMAC_512", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_512"]}, True),
    ("RSA_2048", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": RSA_ENC}, True),
    ("RSA_3072", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": RSA_ENC}, True),
    ("RSA_4096", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": RSA_ENC}, True),
    ("RSA_2048", "SIGN_VERIFY", {"SigningAlgorithms": RSA_SIGN}, True),
    ("RSA_3072", "SIGN_VERIFY", {"SigningAlgorithms": RSA_SIGN}, True),
    ("RSA_4096", "SIGN_VERIFY", {"SigningAlgorithms": RSA_SIGN}, True),
    ("ECC_NIST_P256", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_256"]}, True),
    ("ECC_NIST_P384", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_384"]}, True),
    ("ECC_NIST_P521", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_512"]}, True),
    ("ECC_NIST_P256", "KEY_AGREEMENT", {"KeyAgreementAlgorithms": ["ECDH"]}, True),
    ("ECC_NIST_P384", "KEY_AGREEMENT", {"KeyAgreementAlgorithms": ["ECDH"]}, True),
    ("ECC_NIST_P521", "KEY_AGREEMENT", {"KeyAgreementAlgorithms": ["ECDH"]}, True),
    ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY", {"SigningAlgorithms": ["ED25519_SHA_512", "ED25519_PH_SHA_512"]}, False),
    ("ML_DSA_65", "SIGN_VERIFY", {"SigningAlgorithms": ["ML_DSA_SHAKE_256"]}, True),
    ("ML_DSA_87", "SIGN_VERIFY", {"SigningAlgorithms": ["ML_DSA_SHAKE_256"]}, True),
]

# May be refused in this milestone with UnsupportedOperationException.
OPTIONAL_SPECS = [
    ("ECC_SECG_P256K1", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_256"]}, True),
    ("ML_DSA_44", "SIGN_VERIFY", {"SigningAlgorithms": ["ML_DSA_SHAKE_256"]}, True),
    ("SM2", "SIGN_VERIFY", {"SigningAlgorithms": ["SM2DSA"]}, True),
    ("SM2", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": ["SM2PKE"]}, True),
    ("SM2", "KEY_AGREEMENT", {"KeyAgreementAlgorithms": ["ECDH"]}, True),
]

INVALID_PAIRS = [
    ("RSA_2048", "KEY_AGREEMENT"),
    ("RSA_3072", "GENERATE_VERIFY_MAC"),
    ("SYMMETRIC_DEFAULT", "SIGN_VERIFY"),
    ("SYMMETRIC_DEFAULT", "KEY_AGREEMENT"),
    ("SYMMETRIC_DEFAULT", "GENERATE_VERIFY_MAC"),
    ("HMAC_256", "ENCRYPT_DECRYPT"),
    ("HMAC_512", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
    ("ECC_NIST_P384", "GENERATE_VERIFY_MAC"),
    ("ECC_NIST_EDWARDS25519", "KEY_AGREEMENT"),
    ("ECC_NIST_EDWARDS25519", "ENCRYPT_DECRYPT"),
    ("ML_DSA_65", "ENCRYPT_DECRYPT"),
    ("ML_DSA_87", "KEY_AGREEMENT"),
]


def check_metadata(md, spec, usage, algs, exact_order, *, origin="AWS_KMS", state="Enabled",
                   region="us-east-1", account=DEV_ACCOUNT, multi_region=False):
    kid = md["KeyId"]
    if multi_region:
        assert MRK_RE.match(kid), kid
    else:
        assert UUID_RE.match(kid), kid
    assert md["AWSAccountId"] == account
    assert md["Arn"] == key_arn(kid, region=region, account=account)
    assert isinstance(md["CreationDate"], dt.datetime)
    assert abs((md["CreationDate"] - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 600
    assert md["KeySpec"] == spec
    assert md["CustomerMasterKeySpec"] == spec
    assert md["KeyUsage"] == usage
    assert md["Origin"] == origin
    assert md["KeyManager"] == "CUSTOMER"
    assert md["KeyState"] == state
    assert md["Enabled"] is (state == "Enabled")
    assert md["MultiRegion"] is multi_region
    assert "DeletionDate" not in md
    for f in ALG_FIELDS:
        if f in algs:
            got = md.get(f)
            assert got is not None, f"{spec}/{usage}: {f} missing"
            if exact_order:
                assert got == algs[f], f"{spec}/{usage}: {f}={got}"
            else:
                assert sorted(got) == sorted(algs[f]), f"{spec}/{usage}: {f}={got}"
        else:
            assert f not in md, f"{spec}/{usage}: unexpected {f}={md.get(f)}"


# --------------------------------------------------------------------------- CreateKey

def test_create_key_defaults(kms):
    md = kms.create_key()["KeyMetadata"]
    check_metadata(md, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"]}, True)
    assert md["Description"] == ""
    assert "MultiRegionConfiguration" not in md
    assert "ExpirationModel" not in md and "ValidTo" not in md


@pytest.mark.parametrize("spec,usage,algs,exact", VALID_SPECS, ids=[f"{s}-{u}" for s, u, _, _ in VALID_SPECS])
def test_create_key_matrix(kms, spec, usage, algs, exact):
    md = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    check_metadata(md, spec, usage, algs, exact)
    described = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert described == md


@pytest.mark.parametrize("spec,usage,algs,exact", OPTIONAL_SPECS, ids=[f"{s}-{u}" for s, u, _, _ in OPTIONAL_SPECS])
def test_create_key_optional_specs(kms, spec, usage, algs, exact):
    from botocore.exceptions import ClientError
    try:
        md = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    except ClientError as e:
        assert e.response["Error"]["Code"] == "UnsupportedOperationException", e.response["Error"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return
    check_metadata(md, spec, usage, algs, exact)


def test_create_key_with_deprecated_customer_master_key_spec(kms):
    md = kms.create_key(CustomerMasterKeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    check_metadata(md, "ECC_NIST_P384", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_384"]}, True)


@pytest.mark.parametrize("spec,usage", INVALID_PAIRS, ids=[f"{s}-{u}" for s, u in INVALID_PAIRS])
def test_create_key_invalid_pairs(kms, spec, usage):
    expect_error(kms.create_key, KeySpec=spec, KeyUsage=usage, code="ValidationException",
                 message=f"KeyUsage {usage} is not compatible with KeySpec {spec}")


@pytest.mark.parametrize("spec", ["HMAC_256", "RSA_2048", "ECC_NIST_P256", "ECC_NIST_EDWARDS25519", "ML_DSA_65"])
def test_create_key_non_symmetric_requires_key_usage(kms, spec):
    expect_error(kms.create_key, KeySpec=spec, code="ValidationException",
                 message="You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")


def test_invalid_create_key_creates_nothing(make_client):
    client = make_client(region=unique_region())
    for kwargs in ({"KeySpec": "RSA_2048", "KeyUsage": "KEY_AGREEMENT"}, {"KeySpec": "HMAC_256"},
                   {"Origin": "AWS_CLOUDHSM"}, {"Tags": [{"TagKey": "aws:x", "TagValue": "y"}]}):
        with pytest.raises(Exception):
            client.create_key(**kwargs)
    assert client.list_keys()["Keys"] == []


def test_create_key_description_tags_policy(kms):
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Sid":"root","Effect":"Allow",'
        '"Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}]}'
    )
    tags = [{"TagKey": "team", "TagValue": "blue"}, {"TagKey": "empty", "TagValue": ""}]
    md = kms.create_key(Description="hello world", Tags=tags, Policy=policy)["KeyMetadata"]
    assert md["Description"] == "hello world"
    got = kms.list_resource_tags(KeyId=md["KeyId"])["Tags"]
    assert sorted(got, key=lambda t: t["TagKey"]) == sorted(tags, key=lambda t: t["TagKey"])
    assert kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"] == policy


@pytest.mark.parametrize("spec,usage", [("SYMMETRIC_DEFAULT", None), ("HMAC_256", "GENERATE_VERIFY_MAC"),
                                        ("RSA_2048", "SIGN_VERIFY"), ("ECC_NIST_P256", "SIGN_VERIFY"),
                                        ("RSA_3072", "ENCRYPT_DECRYPT")])
def test_create_key_external_origin_is_pending_import(kms, spec, usage):
    kwargs = {"Origin": "EXTERNAL", "KeySpec": spec}
    if usage:
        kwargs["KeyUsage"] = usage
    md = kms.create_key(**kwargs)["KeyMetadata"]
    assert md["Origin"] == "EXTERNAL"
    assert md["KeyState"] == "PendingImport"
    assert md["Enabled"] is False
    assert md["KeySpec"] == spec
    # documented pre-import example (spec 1.4): no ExpirationModel / ValidTo yet
    assert "ExpirationModel" not in md and "ValidTo" not in md
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"


def test_create_key_external_ml_dsa_refused(kms):
    # "Importing ML-DSA keys is not supported" (spec 1.2); error type recommended by the spec.
    expect_error(kms.create_key, Origin="EXTERNAL", KeySpec="ML_DSA_65", KeyUsage="SIGN_VERIFY",
                 code=("UnsupportedOperationException", "ValidationException"))


@pytest.mark.parametrize("origin", ["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"])
def test_create_key_custom_key_store_origins_without_store_refused(make_client, origin):
    client = make_client(region=unique_region())
    expect_error(client.create_key, Origin=origin,
                 code=("CustomKeyStoreNotFoundException", "UnsupportedOperationException", "ValidationException"))
    assert client.list_keys()["Keys"] == []


@pytest.mark.parametrize("origin,extra", [("AWS_CLOUDHSM", {}), ("EXTERNAL_KEY_STORE", {"XksKeyId": "xks-key-1"})])
def test_create_key_in_unknown_custom_key_store_refused(make_client, origin, extra):
    client = make_client(region=unique_region())
    expect_error(client.create_key, Origin=origin, CustomKeyStoreId="cks-1234567890abcdef0", **extra,
                 code=("CustomKeyStoreNotFoundException", "UnsupportedOperationException"))
    assert client.list_keys()["Keys"] == []


@pytest.mark.parametrize("spec,usage,algs", [
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"]}),
    ("ECC_NIST_P256", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_256"]}),
    ("HMAC_384", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_384"]}),
])
def test_create_multi_region_primary(kms, spec, usage, algs):
    md = kms.create_key(KeySpec=spec, KeyUsage=usage, MultiRegion=True)["KeyMetadata"]
    check_metadata(md, spec, usage, algs, True, multi_region=True)
    mrc = md["MultiRegionConfiguration"]
    assert mrc["MultiRegionKeyType"] == "PRIMARY"
    assert mrc["PrimaryKey"] == {"Arn": md["Arn"], "Region": "us-east-1"}
    assert mrc.get("ReplicaKeys", []) == []
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"] == md


def test_multi_region_false_is_single_region(kms):
    md = kms.create_key(MultiRegion=False)["KeyMetadata"]
    assert UUID_RE.match(md["KeyId"]) and md["MultiRegion"] is False
    assert "MultiRegionConfiguration" not in md


def test_key_ids_are_unique(kms):
    ids = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(10)}
    assert len(ids) == 10


# --------------------------------------------------------------------------- DescribeKey

@pytest.fixture(scope="module")
def aliased_key(kms):
    md = kms.create_key(Description="aliased")["KeyMetadata"]
    name = unique_alias("describe")
    kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    return md, name


@pytest.mark.parametrize("form", ["id", "arn", "alias", "alias-arn"])
def test_describe_key_by_every_identifier(kms, aliased_key, form):
    md, name = aliased_key
    ident = {"id": md["KeyId"], "arn": md["Arn"], "alias": name, "alias-arn": alias_arn(name)}[form]
    got = kms.describe_key(KeyId=ident)["KeyMetadata"]
    assert got == md


def test_describe_unknown_key_id(kms):
    kid = str(uuid.uuid4())
    expect_error(kms.describe_key, KeyId=kid, code="NotFoundException",
                 message=f"Key '{key_arn(kid)}' does not exist")


def test_describe_unknown_key_arn(kms):
    kid = str(uuid.uuid4())
    expect_error(kms.describe_key, KeyId=key_arn(kid), code="NotFoundException",
                 message=f"Key '{key_arn(kid)}' does not exist")


def test_describe_unknown_alias(kms):
    name = unique_alias("nope")
    expect_error(kms.describe_key, KeyId=name, code="NotFoundException",
                 message=f"Alias {alias_arn(name)} is not found.")
    expect_error(kms.describe_key, KeyId=alias_arn(name), code="NotFoundException",
                 message=f"Alias {alias_arn(name)} is not found.")


def test_describe_malformed_key_id(kms):
    expect_error(kms.describe_key, KeyId="not-a-key", code="NotFoundException",
                 message="Invalid keyId 'not-a-key'")


def test_describe_key_arn_of_other_account_or_region(kms, aliased_key):
    md, _ = aliased_key
    expect_error(kms.describe_key, KeyId=key_arn(md["KeyId"], account="111122223333"),
                 code="NotFoundException")
    expect_error(kms.describe_key, KeyId=key_arn(md["KeyId"], region="eu-central-1"),
                 code="NotFoundException")


# --------------------------------------------------------------------------- ListKeys

@pytest.fixture(scope="module")
def seven_keys(make_client):
    region = unique_region()
    client = make_client(region=region)
    ids = [client.create_key()["KeyMetadata"]["KeyId"] for _ in range(7)]
    return client, region, ids


def test_list_keys_without_limit(seven_keys):
    client, region, ids = seven_keys
    resp = client.list_keys()
    assert resp["Truncated"] is False
    assert "NextMarker" not in resp
    assert sorted(k["KeyId"] for k in resp["Keys"]) == sorted(ids)
    for k in resp["Keys"]:
        assert k["KeyArn"] == key_arn(k["KeyId"], region=region)


def test_list_keys_pagination(seven_keys):
    client, _, ids = seven_keys
    seen, sizes, marker = [], [], None
    for _ in range(10):
        kwargs = {"Limit": 3}
        if marker:
            kwargs["Marker"] = marker
        resp = client.list_keys(**kwargs)
        sizes.append(len(resp["Keys"]))
        seen += [k["KeyId"] for k in resp["Keys"]]
        if not resp["Truncated"]:
            assert "NextMarker" not in resp
            break
        assert resp["NextMarker"]
        marker = resp["NextMarker"]
    assert sizes == [3, 3, 1]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_list_keys_limit_equal_to_count_is_not_truncated_or_ends_empty(seven_keys):
    client, _, ids = seven_keys
    resp = client.list_keys(Limit=7)
    assert len(resp["Keys"]) == 7
    if resp["Truncated"]:
        assert client.list_keys(Limit=7, Marker=resp["NextMarker"])["Keys"] == []


def test_list_keys_paginator(seven_keys):
    client, _, ids = seven_keys
    pages = list(client.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 2}))
    got = [k["KeyId"] for p in pages for k in p["Keys"]]
    assert sorted(got) == sorted(ids)
    assert len(pages) == 4


def test_list_keys_invalid_marker(kms):
    expect_error(kms.list_keys, Marker="definitely-not-a-marker", code="InvalidMarkerException")


def test_list_keys_includes_disabled_and_pending_deletion(make_client):
    client = make_client(region=unique_region())
    a = client.create_key()["KeyMetadata"]["KeyId"]
    b = client.create_key()["KeyMetadata"]["KeyId"]
    c = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    client.disable_key(KeyId=a)
    client.schedule_key_deletion(KeyId=b, PendingWindowInDays=7)
    assert sorted(k["KeyId"] for k in client.list_keys()["Keys"]) == sorted([a, b, c])


# --------------------------------------------------------------------------- Enable / Disable

def test_disable_and_enable(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=kid)
    md = kms.describe_key(KeyId=kid)["KeyMetadata"]
    assert (md["KeyState"], md["Enabled"]) == ("Disabled", False)
    kms.disable_key(KeyId=kid)  # idempotent
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Disabled"
    kms.enable_key(KeyId=kid)
    md = kms.describe_key(KeyId=kid)["KeyMetadata"]
    assert (md["KeyState"], md["Enabled"]) == ("Enabled", True)
    kms.enable_key(KeyId=kid)  # idempotent
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Enabled"


def test_enable_disable_by_arn(kms):
    md = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=md["Arn"])
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    kms.enable_key(KeyId=md["Arn"])
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


@pytest.mark.parametrize("op", ["enable_key", "disable_key", "schedule_key_deletion", "cancel_key_deletion"])
def test_state_ops_on_unknown_key(kms, op):
    kid = str(uuid.uuid4())
    expect_error(getattr(kms, op), KeyId=kid, code="NotFoundException",
                 message=f"Key '{key_arn(kid)}' does not exist")


def test_update_key_description_unknown_key(kms):
    expect_error(kms.update_key_description, KeyId=str(uuid.uuid4()), Description="x", code="NotFoundException")


# --------------------------------------------------------------------------- UpdateKeyDescription

def test_update_key_description(kms):
    kid = kms.create_key(Description="before")["KeyMetadata"]["KeyId"]
    kms.update_key_description(KeyId=kid, Description="after ünïcödé ✓")
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == "after ünïcödé ✓"
    kms.update_key_description(KeyId=kid, Description="")
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == ""
    kms.update_key_description(KeyId=kid, Description="d" * 8192)
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == "d" * 8192


def test_update_key_description_too_long(kms_nv):
    kid = kms_nv.create_key()["KeyMetadata"]["KeyId"]
    resp = expect_error(kms_nv.update_key_description, KeyId=kid, Description="d" * 8193,
                        code="ValidationException")
    assert "'description'" in resp["Error"]["Message"]
    assert "Member must have length less than or equal to 8192" in resp["Error"]["Message"]


def test_update_key_description_disabled_and_pending_import(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=kid)
    kms.update_key_description(KeyId=kid, Description="disabled ok")
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == "disabled ok"
    ext = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    kms.update_key_description(KeyId=ext, Description="pi ok")
    assert kms.describe_key(KeyId=ext)["KeyMetadata"]["Description"] == "pi ok"


# --------------------------------------------------------------------------- deletion

def _close(a, b, tol_s=86400 + 300):
    return abs((a - b).total_seconds()) <= tol_s


def test_schedule_key_deletion_default_window(kms):
    md = kms.create_key()["KeyMetadata"]
    before = dt.datetime.now(dt.timezone.utc)
    resp = kms.schedule_key_deletion(KeyId=md["KeyId"])
    assert resp["KeyId"] == md["Arn"]
    assert resp["KeyState"] == "PendingDeletion"
    assert resp["PendingWindowInDays"] == 30
    assert _close(resp["DeletionDate"], before + dt.timedelta(days=30))
    assert resp["DeletionDate"] > before + dt.timedelta(days=29)
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["KeyState"] == "PendingDeletion" and d["Enabled"] is False
    assert d["DeletionDate"] == resp["DeletionDate"]


@pytest.mark.parametrize("days", [7, 30, 15])
def test_schedule_key_deletion_window(kms, days):
    md = kms.create_key()["KeyMetadata"]
    before = dt.datetime.now(dt.timezone.utc)
    resp = kms.schedule_key_deletion(KeyId=md["Arn"], PendingWindowInDays=days)
    assert resp["PendingWindowInDays"] == days
    assert _close(resp["DeletionDate"], before + dt.timedelta(days=days))


@pytest.mark.parametrize("days", [0, 1, 6, 31, 365])
def test_schedule_key_deletion_window_out_of_range(kms_nv, days):
    kid = kms_nv.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms_nv.schedule_key_deletion, KeyId=kid, PendingWindowInDays=days, code="ValidationException")
    assert kms_nv.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Enabled"


def test_cancel_key_deletion_leaves_key_disabled(kms):
    md = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    resp = kms.cancel_key_deletion(KeyId=md["KeyId"])
    assert resp["KeyId"] == md["Arn"]
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["KeyState"] == "Disabled" and d["Enabled"] is False
    assert "DeletionDate" not in d
    kms.enable_key(KeyId=md["KeyId"])
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


def test_schedule_deletion_of_disabled_key_and_cancel(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=kid)
    kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=kid)
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Disabled"


def test_pending_import_key_can_be_scheduled_for_deletion(kms):
    md = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    resp = kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert resp["KeyState"] == "PendingDeletion"
    # Spec 8 [INFERRED]: an EXTERNAL key without material returns to PendingImport, not Disabled.
    kms.cancel_key_deletion(KeyId=md["KeyId"])
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"


def test_cancel_key_deletion_when_not_pending(kms):
    md = kms.create_key()["KeyMetadata"]
    expect_error(kms.cancel_key_deletion, KeyId=md["KeyId"], code="KMSInvalidStateException",
                 message=msg_not_pending_deletion(md["Arn"]))
    kms.disable_key(KeyId=md["KeyId"])
    expect_error(kms.cancel_key_deletion, KeyId=md["KeyId"], code="KMSInvalidStateException",
                 message=msg_not_pending_deletion(md["Arn"]))
    ext = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    expect_error(kms.cancel_key_deletion, KeyId=ext["KeyId"], code="KMSInvalidStateException",
                 message=msg_not_pending_deletion(ext["Arn"]))


# --------------------------------------------------------------------------- state table (spec 8)

@pytest.fixture(scope="module")
def pd_key(kms):
    md = kms.create_key(Description="pending deletion", Tags=[{"TagKey": "a", "TagValue": "1"}])["KeyMetadata"]
    name = unique_alias("pd")
    kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    return md, name


@pytest.mark.parametrize("op,kwargs", [
    ("disable_key", {}),
    ("enable_key", {}),
    ("update_key_description", {"Description": "nope"}),
    ("schedule_key_deletion", {"PendingWindowInDays": 7}),
    ("tag_resource", {"Tags": [{"TagKey": "b", "TagValue": "2"}]}),
    ("untag_resource", {"TagKeys": ["a"]}),
])
def test_management_ops_on_pending_deletion_key(kms, pd_key, op, kwargs):
    md, _ = pd_key
    expect_error(getattr(kms, op), KeyId=md["KeyId"], **kwargs, code="KMSInvalidStateException",
                 message=msg_pending_deletion(md["Arn"]))
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["KeyState"] == "PendingDeletion" and d["Description"] == "pending deletion"


def test_create_alias_to_pending_deletion_key(kms, pd_key):
    md, _ = pd_key
    expect_error(kms.create_alias, AliasName=unique_alias("pd2"), TargetKeyId=md["KeyId"],
                 code="KMSInvalidStateException", message=msg_pending_deletion(md["Arn"]))


def test_read_ops_on_pending_deletion_key_succeed(kms, pd_key):
    md, name = pd_key
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"]
    assert kms.list_key_policies(KeyId=md["KeyId"])["PolicyNames"] == ["default"]
    assert kms.list_resource_tags(KeyId=md["KeyId"])["Tags"] == [{"TagKey": "a", "TagValue": "1"}]
    aliases = kms.list_aliases(KeyId=md["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in aliases] == [name]


def test_put_key_policy_and_delete_alias_on_pending_deletion_key(kms):
    md = kms.create_key()["KeyMetadata"]
    name = unique_alias("pd-del")
    kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    pol = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}]}'
    kms.put_key_policy(KeyId=md["KeyId"], PolicyName="default", Policy=pol)
    assert kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"] == pol
    kms.delete_alias(AliasName=name)
    assert kms.list_aliases(KeyId=md["KeyId"])["Aliases"] == []


@pytest.fixture(scope="module")
def pi_key(kms):
    return kms.create_key(Origin="EXTERNAL", Description="pending import")["KeyMetadata"]


@pytest.mark.parametrize("op", ["enable_key", "disable_key"])
def test_enable_disable_on_pending_import_key(kms, pi_key, op):
    expect_error(getattr(kms, op), KeyId=pi_key["KeyId"], code="KMSInvalidStateException",
                 message=msgs_pending_import(pi_key["Arn"]))
    assert kms.describe_key(KeyId=pi_key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"


def test_management_ops_allowed_on_pending_import_key(kms, pi_key):
    kid = pi_key["KeyId"]
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "pi", "TagValue": "yes"}])
    kms.untag_resource(KeyId=kid, TagKeys=["pi"])
    name = unique_alias("pi")
    kms.create_alias(AliasName=name, TargetKeyId=kid)
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyState"] == "PendingImport"
    assert kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"]


def test_key_spec_and_customer_master_key_spec_together_refused(kms):
    expect_error(kms.create_key, KeySpec="RSA_2048", CustomerMasterKeySpec="RSA_2048", KeyUsage="SIGN_VERIFY",
                 code="ValidationException")


@pytest.mark.parametrize("op,kwargs", [
    ("disable_key", {}),
    ("schedule_key_deletion", {"PendingWindowInDays": 7}),
    ("update_key_description", {"Description": "via alias"}),
])
def test_management_ops_do_not_accept_alias_names(kms, op, kwargs):
    # Spec 9.4: only DescribeKey and the cryptographic operations resolve aliases.
    md = kms.create_key(Description="orig")["KeyMetadata"]
    name = unique_alias("mgmt")
    kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    expect_error(getattr(kms, op), KeyId=name, **kwargs,
                 code=("NotFoundException", "InvalidArnException", "ValidationException"))
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert (d["KeyState"], d["Description"]) == ("Enabled", "orig")


def test_create_key_description_too_long(kms_nv):
    resp = expect_error(kms_nv.create_key, Description="x" * 8193, code="ValidationException")
    assert "'description'" in resp["Error"]["Message"]


def test_create_multi_region_external_key(kms):
    md = kms.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]
    assert MRK_RE.match(md["KeyId"])
    assert md["KeyState"] == "PendingImport" and md["Enabled"] is False
    assert md["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"


def test_concurrent_create_key_in_one_region(server):
    from concurrent.futures import ThreadPoolExecutor

    region = unique_region()
    clients = [server.client(region=region) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda i: [clients[i].create_key()["KeyMetadata"]["KeyId"] for _ in range(5)],
                            range(8)))
    flat = [k for chunk in ids for k in chunk]
    assert len(set(flat)) == 40
    assert sorted(k["KeyId"] for k in clients[0].list_keys()["Keys"]) == sorted(flat)
