"""CreateAlias / UpdateAlias / DeleteAlias / ListAliases."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kmshelpers import (
    alias_arn,
    expect_error,
    msg_pending_deletion,
    unique_alias,
    unique_region,
    unique_suffix,
)


def _aliases_of(kms, kid):
    return kms.list_aliases(KeyId=kid)["Aliases"]


def _all_aliases(client):
    out, marker = [], None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        resp = client.list_aliases(**kwargs)
        out += resp["Aliases"]
        if not resp["Truncated"]:
            return out
        marker = resp["NextMarker"]


def test_create_alias_and_list(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    name = unique_alias("create")
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=120)
    kms.create_alias(AliasName=name, TargetKeyId=kid)
    entries = _aliases_of(kms, kid)
    assert len(entries) == 1
    e = entries[0]
    assert e["AliasName"] == name
    assert e["AliasArn"] == alias_arn(name)
    assert e["TargetKeyId"] == kid
    if "CreationDate" in e:
        assert e["CreationDate"] > before
    assert name in {a["AliasName"] for a in _all_aliases(kms)}
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == kid


def test_create_alias_with_key_arn_target_stores_key_id(kms):
    md = kms.create_key()["KeyMetadata"]
    name = unique_alias("arn")
    kms.create_alias(AliasName=name, TargetKeyId=md["Arn"])
    assert _aliases_of(kms, md["KeyId"])[0]["TargetKeyId"] == md["KeyId"]
    # the KeyId filter accepts a key ARN too
    assert [a["AliasName"] for a in kms.list_aliases(KeyId=md["Arn"])["Aliases"]] == [name]


def test_several_aliases_per_key(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    names = {unique_alias("multi") for _ in range(3)}
    for n in names:
        kms.create_alias(AliasName=n, TargetKeyId=kid)
    assert {a["AliasName"] for a in _aliases_of(kms, kid)} == names


def test_list_aliases_key_filter_excludes_other_keys(kms):
    k1 = kms.create_key()["KeyMetadata"]["KeyId"]
    k2 = kms.create_key()["KeyMetadata"]["KeyId"]
    n1, n2 = unique_alias("f1"), unique_alias("f2")
    kms.create_alias(AliasName=n1, TargetKeyId=k1)
    kms.create_alias(AliasName=n2, TargetKeyId=k2)
    assert [a["AliasName"] for a in _aliases_of(kms, k1)] == [n1]
    assert [a["AliasName"] for a in _aliases_of(kms, k2)] == [n2]
    k3 = kms.create_key()["KeyMetadata"]["KeyId"]
    assert _aliases_of(kms, k3) == []


def test_alias_names_allowed_characters_and_case_sensitivity(kms):
    kid1 = kms.create_key()["KeyMetadata"]["KeyId"]
    kid2 = kms.create_key()["KeyMetadata"]["KeyId"]
    s = unique_suffix()
    odd = f"alias/a/b/c_d-E{s}"
    kms.create_alias(AliasName=odd, TargetKeyId=kid1)
    assert kms.describe_key(KeyId=odd)["KeyMetadata"]["KeyId"] == kid1
    upper, lower = f"alias/Case{s}", f"alias/case{s}"
    kms.create_alias(AliasName=upper, TargetKeyId=kid1)
    kms.create_alias(AliasName=lower, TargetKeyId=kid2)
    assert kms.describe_key(KeyId=upper)["KeyMetadata"]["KeyId"] == kid1
    assert kms.describe_key(KeyId=lower)["KeyMetadata"]["KeyId"] == kid2


def test_duplicate_alias_is_already_exists(kms):
    k1 = kms.create_key()["KeyMetadata"]["KeyId"]
    k2 = kms.create_key()["KeyMetadata"]["KeyId"]
    name = unique_alias("dup")
    kms.create_alias(AliasName=name, TargetKeyId=k1)
    expect_error(kms.create_alias, AliasName=name, TargetKeyId=k2, code="AlreadyExistsException")
    expect_error(kms.create_alias, AliasName=name, TargetKeyId=k1, code="AlreadyExistsException")
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == k1


def test_reserved_aws_prefix(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    name = f"alias/aws/{unique_suffix()}"
    # moto's and local-kms's recorded answer (docs/deviations.md); test_aws_recorded.py checks the body.
    expect_error(kms.create_alias, AliasName=name, TargetKeyId=kid, code="NotAuthorizedException")
    assert _aliases_of(kms, kid) == []


def test_alias_without_prefix_is_rejected(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms.create_alias, AliasName=f"noprefix-{unique_suffix()}", TargetKeyId=kid,
                 code="ValidationException")
    assert _aliases_of(kms, kid) == []


@pytest.mark.parametrize("bad", ["alias/has space", "alias/bad*char", "alias/ümlaut"])
def test_alias_with_invalid_characters(kms_nv, bad):
    kid = kms_nv.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms_nv.create_alias, AliasName=bad, TargetKeyId=kid,
                 code=("ValidationException", "InvalidAliasNameException"))


def test_alias_too_long(kms_nv):
    kid = kms_nv.create_key()["KeyMetadata"]["KeyId"]
    name = "alias/" + "a" * 251  # 257 characters
    expect_error(kms_nv.create_alias, AliasName=name, TargetKeyId=kid, code="ValidationException")
    ok = "alias/" + unique_suffix() + "b" * (250 - 10)  # exactly 256
    assert len(ok) == 256
    kms_nv.create_alias(AliasName=ok, TargetKeyId=kid)
    assert kms_nv.describe_key(KeyId=ok)["KeyMetadata"]["KeyId"] == kid


def test_create_alias_unknown_target(kms):
    expect_error(kms.create_alias, AliasName=unique_alias("nokey"), TargetKeyId=str(uuid.uuid4()),
                 code="NotFoundException")


def test_create_alias_for_disabled_and_pending_import_keys(kms):
    k = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=k)
    n = unique_alias("dis")
    kms.create_alias(AliasName=n, TargetKeyId=k)
    assert kms.describe_key(KeyId=n)["KeyMetadata"]["KeyState"] == "Disabled"
    pi = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    n2 = unique_alias("pi")
    kms.create_alias(AliasName=n2, TargetKeyId=pi)
    assert kms.describe_key(KeyId=n2)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_create_alias_for_pending_deletion_key(kms):
    md = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    expect_error(kms.create_alias, AliasName=unique_alias("pd"), TargetKeyId=md["KeyId"],
                 code="KMSInvalidStateException", message=msg_pending_deletion(md["Arn"]))


# --------------------------------------------------------------------------- UpdateAlias

def test_update_alias_retargets(kms):
    k1 = kms.create_key()["KeyMetadata"]["KeyId"]
    k2 = kms.create_key()["KeyMetadata"]["KeyId"]
    name = unique_alias("upd")
    kms.create_alias(AliasName=name, TargetKeyId=k1)
    kms.update_alias(AliasName=name, TargetKeyId=k2)
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == k2
    assert _aliases_of(kms, k1) == []
    entry = _aliases_of(kms, k2)[0]
    assert entry["AliasName"] == name and entry["TargetKeyId"] == k2
    if "CreationDate" in entry and "LastUpdatedDate" in entry:
        assert entry["LastUpdatedDate"] >= entry["CreationDate"]


def test_update_alias_by_key_arn(kms):
    k1 = kms.create_key()["KeyMetadata"]["KeyId"]
    md2 = kms.create_key()["KeyMetadata"]
    name = unique_alias("updarn")
    kms.create_alias(AliasName=name, TargetKeyId=k1)
    kms.update_alias(AliasName=name, TargetKeyId=md2["Arn"])
    assert _aliases_of(kms, md2["KeyId"])[0]["TargetKeyId"] == md2["KeyId"]


def test_update_unknown_alias(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms.update_alias, AliasName=unique_alias("ghost"), TargetKeyId=kid, code="NotFoundException")


def test_update_alias_to_unknown_key(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    name = unique_alias("ghostkey")
    kms.create_alias(AliasName=name, TargetKeyId=kid)
    expect_error(kms.update_alias, AliasName=name, TargetKeyId=str(uuid.uuid4()), code="NotFoundException")
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == kid


def test_update_alias_to_key_of_other_type_is_refused(kms):
    sym = kms.create_key()["KeyMetadata"]["KeyId"]
    hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    name = unique_alias("type")
    kms.create_alias(AliasName=name, TargetKeyId=sym)
    resp = expect_error(kms.update_alias, AliasName=name, TargetKeyId=hmac,
                        code=("ValidationException", "InvalidKeyUsageException",
                              "UnsupportedOperationException", "KMSInvalidStateException"))
    assert resp["Error"]["Message"]
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == sym


def test_update_alias_pending_deletion_rules(kms):
    src = kms.create_key()["KeyMetadata"]
    dst_pd = kms.create_key()["KeyMetadata"]
    dst_ok = kms.create_key()["KeyMetadata"]
    name = unique_alias("pdrules")
    kms.create_alias(AliasName=name, TargetKeyId=src["KeyId"])
    kms.schedule_key_deletion(KeyId=dst_pd["KeyId"], PendingWindowInDays=7)
    expect_error(kms.update_alias, AliasName=name, TargetKeyId=dst_pd["KeyId"],
                 code="KMSInvalidStateException", message=msg_pending_deletion(dst_pd["Arn"]))
    # the current target being pending deletion does not prevent moving the alias away
    kms.schedule_key_deletion(KeyId=src["KeyId"], PendingWindowInDays=7)
    kms.update_alias(AliasName=name, TargetKeyId=dst_ok["KeyId"])
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == dst_ok["KeyId"]


# --------------------------------------------------------------------------- DeleteAlias

def test_delete_alias(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    name = unique_alias("del")
    kms.create_alias(AliasName=name, TargetKeyId=kid)
    kms.delete_alias(AliasName=name)
    assert _aliases_of(kms, kid) == []
    expect_error(kms.describe_key, KeyId=name, code="NotFoundException",
                 message=f"Alias {alias_arn(name)} is not found.")
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Enabled"
    # the name is free again
    kid2 = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=name, TargetKeyId=kid2)
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == kid2


def test_delete_unknown_alias(kms):
    expect_error(kms.delete_alias, AliasName=unique_alias("never"), code="NotFoundException")


def test_delete_reserved_alias_is_refused(kms):
    resp = expect_error(kms.delete_alias, AliasName="alias/aws/ebs",
                        code=("NotFoundException", "InvalidAliasNameException", "ValidationException",
                              "AccessDeniedException"))
    assert resp["Error"]["Code"]


# --------------------------------------------------------------------------- pagination

def test_list_aliases_pagination(make_client):
    client = make_client(region=unique_region())
    kid = client.create_key()["KeyMetadata"]["KeyId"]
    names = {unique_alias("page") for _ in range(5)}
    for n in names:
        client.create_alias(AliasName=n, TargetKeyId=kid)
    seen, marker, pages = [], None, 0
    while True:
        kwargs = {"Limit": 2}
        if marker:
            kwargs["Marker"] = marker
        resp = client.list_aliases(**kwargs)
        pages += 1
        assert len(resp["Aliases"]) <= 2
        seen += [a["AliasName"] for a in resp["Aliases"]]
        if not resp["Truncated"]:
            assert "NextMarker" not in resp
            break
        marker = resp["NextMarker"]
        assert pages < 20
    assert len(seen) == len(set(seen))
    assert names <= set(seen)
    assert pages >= 3
    # filtered pagination
    filt = client.list_aliases(KeyId=kid, Limit=4)
    assert len(filt["Aliases"]) == 4 and filt["Truncated"] is True
    rest = client.list_aliases(KeyId=kid, Limit=4, Marker=filt["NextMarker"])
    assert {a["AliasName"] for a in filt["Aliases"] + rest["Aliases"]} == names
    assert rest["Truncated"] is False


def test_list_aliases_invalid_marker(kms):
    expect_error(kms.list_aliases, Marker="garbage-marker", code="InvalidMarkerException")


def test_concurrent_create_alias_same_name(server):
    """Eight clients race to create the same alias for eight different keys: exactly one wins."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    region = unique_region()
    clients = [server.client(region=region) for _ in range(8)]
    keys = [c.create_key()["KeyMetadata"]["KeyId"] for c in clients]
    name = unique_alias("race")

    def attempt(i):
        try:
            clients[i].create_alias(AliasName=name, TargetKeyId=keys[i])
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count("ok") == 1, results
    assert set(results) == {"ok", "AlreadyExistsException"}, results
    winner = keys[results.index("ok")]
    assert clients[0].describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == winner
    assert [a["AliasName"] for a in _all_aliases(clients[0]) if a["AliasName"] == name] == [name]
