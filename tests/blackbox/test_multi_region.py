"""Multi-Region keys (AWS_KMS origin and key-type coverage): CreateKey(MultiRegion), ReplicateKey, DescribeKey's
MultiRegionConfiguration, per-Region independence, decrypting across Regions, UpdatePrimaryRegion, deletion of a
primary with replicas, rotation of related keys, restarts and the AWS CLI.

One Coffer process serves every Region: a Region is whatever the client signs for, so a "replica in eu-west-1" is
reached through a boto3 client for eu-west-1 on the same endpoint. Imported material is in
test_multi_region_import.py.

Sources (cited per test):
  [W2 2.1] .. [W2 2.7]  shared/spec/authorization-and-wave2.md §2 (multi-Region keys), subsections 2.1-2.7
  [W2 3.1] .. [W2 3.3]  same file §3 (rotation: "MRK: only on the primary ... setting propagates")
  [IMP 7]   shared/spec/aws-kms-import-spec.md §7 (general ReplicateKey / UpdatePrimaryRegion / deletion rules)
  [IMP 8]   same, §8 key-state table (rows ReplicateKey, UpdatePrimaryRegion, Encrypt/Decrypt in PD) and its notes
  [IMP 9.4] same, §9.4 (which KeyId parameters take aliases; KeyId outputs)
  [IMP 11]  same, §11 the default key policy (kmshelpers.default_policy)
  [MODEL]   botocore kms/2014-11-01 service-2.json (1.43.11): ReplicateKey, UpdatePrimaryRegion, KeyMetadata
            (MultiRegionConfiguration, PendingDeletionWindowInDays, DeletionDate), ScheduleKeyDeletionResponse,
            ReplicateKeyRequest.ReplicaRegion pattern ^([a-z]+-){2,3}\\d+$
  [DEV]     the development clock (clockhelpers.py): AdvanceClock answers after the due background work has run

Tests that do not move time share the session `server` (every test makes its own keys, so no state leaks between
tests). Tests that move time or restart start their own server.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from clockhelpers import DAY, advance, advance_days, close_to, dev_clock_server, poll, server_now
from importhelpers import rotations
from kmshelpers import (
    DEV_ACCOUNT,
    MRK_RE,
    default_policy,
    expect_error,
    key_arn,
    unique_alias,
    unique_region,
)

EAST = "us-east-1"        # where every primary is created (the default client Region)
WEST = "eu-west-1"
SYD = "ap-southeast-2"
OREGON = "us-west-2"
HEX64 = re.compile(r"^[0-9a-f]{64}$")

CUSTOM_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Id": "replica-policy",
    "Statement": [{"Sid": "Replica", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
                   "Action": "kms:*", "Resource": "*"}],
})


# ====================================================================== helpers


@pytest.fixture(scope="module")
def regions(server):
    """boto3 clients of the shared server, one per Region (created lazily)."""
    cache: dict[str, object] = {}

    def get(region: str):
        if region not in cache:
            cache[region] = server.client(region)
        return cache[region]

    return get


def clients_of(srv) -> dict:
    return {r: srv.client(r) for r in (EAST, WEST, SYD, OREGON)}


def body(resp: dict) -> dict:
    resp = dict(resp)
    resp.pop("ResponseMetadata", None)
    return resp


def entry(key_id: str, region: str) -> dict:
    """A PrimaryKey / ReplicaKeys element [MODEL MultiRegionKey: Arn, Region]."""
    return {"Arn": key_arn(key_id, region), "Region": region}


def by_region(keys: list[dict]) -> list[dict]:
    """ReplicaKeys in Region order (the order of the list is not specified anywhere)."""
    return sorted(keys, key=lambda k: k["Region"])


def mrk(c, **kwargs) -> dict:
    return c.create_key(MultiRegion=True, **kwargs)["KeyMetadata"]


def describe(c, key_id: str) -> dict:
    return c.describe_key(KeyId=key_id)["KeyMetadata"]


def settled(c, key_id: str, transient: tuple[str, ...] = ("Creating", "Updating")) -> dict:
    """DescribeKey once the transient states are over ([MODEL] ReplicateKey: Creating "changes to Enabled (or
    PendingImport) after a few seconds"; UpdatePrimaryRegion: Updating, then the original state)."""
    md = poll(lambda: describe(c, key_id), lambda m: m["KeyState"] not in transient, timeout=10)
    assert md["KeyState"] not in transient, md
    return md


def replicate(c_primary, key_id: str, region: str, **kwargs) -> dict:
    return body(c_primary.replicate_key(KeyId=key_id, ReplicaRegion=region, **kwargs))


def mrk_with_replicas(get, *replica_regions: str, **create_kwargs) -> dict:
    """A multi-Region primary in us-east-1 with settled replicas in `replica_regions`."""
    md = mrk(get(EAST), **create_kwargs)
    for r in replica_regions:
        replicate(get(EAST), md["KeyId"], r)
        settled(get(r), md["KeyId"])
    return md


def assert_config(md: dict, key_id: str, key_type: str, primary_region: str, replica_regions: list[str]) -> None:
    """[W2 2.4]/[MODEL]: MultiRegion true; MultiRegionConfiguration {MultiRegionKeyType, PrimaryKey {Arn, Region}
    (itself when primary), ReplicaKeys = every replica (itself included when a replica)}."""
    assert md["KeyId"] == key_id
    assert md["MultiRegion"] is True
    conf = md["MultiRegionConfiguration"]
    assert set(conf) == {"MultiRegionKeyType", "PrimaryKey", "ReplicaKeys"}, conf
    assert conf["MultiRegionKeyType"] == key_type
    assert conf["PrimaryKey"] == entry(key_id, primary_region)
    assert by_region(conf["ReplicaKeys"]) == by_region([entry(key_id, r) for r in replica_regions])


def tags_of(c, key_id: str) -> list[tuple[str, str]]:
    return sorted((t["TagKey"], t["TagValue"]) for t in c.list_resource_tags(KeyId=key_id)["Tags"])


def rotation_status(c, key_id: str) -> dict:
    return body(c.get_key_rotation_status(KeyId=key_id))


def assert_empty(resp: dict) -> None:
    """[MODEL] UpdatePrimaryRegion has no output shape: nothing but the metadata."""
    assert set(resp) == {"ResponseMetadata"}, resp
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


# ====================================================================== CreateKey / DescribeKey


def test_create_multi_region_key_is_a_primary_without_replicas(regions):
    """[W2 2.1] CreateKey(MultiRegion=true) ⇒ key ID `mrk-` + 32 lowercase hex; [W2 2.4] MultiRegionConfiguration with
    MultiRegionKeyType PRIMARY, PrimaryKey = itself, ReplicaKeys = [] (no replicas yet); same answer by ARN and in
    CreateKey's own KeyMetadata."""
    c = regions(EAST)
    md = mrk(c)
    assert MRK_RE.match(md["KeyId"]), md["KeyId"]
    assert md["Arn"] == key_arn(md["KeyId"], EAST)
    assert_config(md, md["KeyId"], "PRIMARY", EAST, [])
    for ref in (md["KeyId"], md["Arn"]):
        d = describe(c, ref)
        assert d["KeyState"] == "Enabled"
        assert_config(d, md["KeyId"], "PRIMARY", EAST, [])


def test_single_region_key_has_no_multi_region_configuration(regions):
    """[W2 2.4] single-Region keys: `MultiRegion: false`, no configuration object [OBS LS-snap]; [MODEL]
    MultiRegionConfiguration "is present only when the value of the MultiRegion field is True"."""
    c = regions(EAST)
    for md in (c.create_key()["KeyMetadata"], c.create_key(MultiRegion=False)["KeyMetadata"]):
        assert not md["KeyId"].startswith("mrk-")
        d = describe(c, md["KeyId"])
        assert d["MultiRegion"] is False
        assert "MultiRegionConfiguration" not in d
        assert "MultiRegionConfiguration" not in md


def test_multi_region_key_exists_only_in_its_region_until_replicated(regions):
    """[W2 2.1] "one key per Region": a primary in us-east-1 is not a key in eu-west-1 until ReplicateKey."""
    md = mrk(regions(EAST))
    expect_error(regions(WEST).describe_key, KeyId=md["KeyId"], code="NotFoundException")


# ====================================================================== ReplicateKey


def test_replicate_key_response(regions):
    """[W2 2.2] recorded AWS response: ReplicaKeyMetadata with the same KeyId, the replica ARN, KeyState "Creating",
    Enabled false, Description "", no CurrentKeyMaterialId, MultiRegionConfiguration REPLICA whose PrimaryKey is the
    primary and whose ReplicaKeys include the new replica; ReplicaPolicy = the default key policy [IMP 11]; Tags
    default none. [W2 2.1] shared properties (key spec, usage, origin) equal the primary's."""
    c = regions(EAST)
    md = mrk(c, Description="primary description")
    resp = replicate(c, md["KeyId"], WEST)
    assert set(resp) <= {"ReplicaKeyMetadata", "ReplicaPolicy", "ReplicaTags"}, resp
    rk = resp["ReplicaKeyMetadata"]
    assert rk["KeyId"] == md["KeyId"]
    assert rk["Arn"] == key_arn(md["KeyId"], WEST)
    assert rk["AWSAccountId"] == DEV_ACCOUNT
    assert rk["KeyState"] == "Creating"
    assert rk["Enabled"] is False
    assert rk["Description"] == ""
    assert "CurrentKeyMaterialId" not in rk
    for shared in ("KeySpec", "KeyUsage", "Origin", "EncryptionAlgorithms", "KeyManager"):
        assert rk[shared] == md[shared], shared
    assert rk["MultiRegion"] is True
    conf = rk["MultiRegionConfiguration"]
    assert conf["MultiRegionKeyType"] == "REPLICA"
    assert conf["PrimaryKey"] == entry(md["KeyId"], EAST)
    assert entry(md["KeyId"], WEST) in conf["ReplicaKeys"]
    assert resp["ReplicaPolicy"] == default_policy()
    assert resp.get("ReplicaTags", []) == []


def test_replica_becomes_enabled_and_both_views_agree(regions):
    """[W2 2.2] "After a few seconds DescribeKey in the replica Region shows Enabled"; [W2 2.4] the replica reports
    REPLICA with the same PrimaryKey, the primary reports the replica in ReplicaKeys; [W2 2.1] same key ID and key
    material (CurrentKeyMaterialId equal, [IMP 6.5]); the replica counts as a key in its own Region (ListKeys)."""
    e, w = regions(EAST), regions(WEST)
    md = mrk(e)
    replicate(e, md["KeyId"], WEST)
    rd = settled(w, md["KeyId"])
    assert rd["KeyState"] == "Enabled" and rd["Enabled"] is True
    assert rd["Arn"] == key_arn(md["KeyId"], WEST)
    assert_config(rd, md["KeyId"], "REPLICA", EAST, [WEST])
    pd = describe(e, md["KeyId"])
    assert_config(pd, md["KeyId"], "PRIMARY", EAST, [WEST])
    assert HEX64.match(pd["CurrentKeyMaterialId"])
    assert rd["CurrentKeyMaterialId"] == pd["CurrentKeyMaterialId"]
    # Addressed by the replica's own ARN in its Region.
    assert describe(w, key_arn(md["KeyId"], WEST))["Arn"] == key_arn(md["KeyId"], WEST)
    # A fresh Region holds nothing but the replica.
    fresh = unique_region()
    replicate(e, md["KeyId"], fresh)
    fc = regions(fresh)
    settled(fc, md["KeyId"])
    assert [k["KeyId"] for k in fc.list_keys()["Keys"]] == [md["KeyId"]]
    assert fc.list_keys()["Keys"][0]["KeyArn"] == key_arn(md["KeyId"], fresh)


def test_replica_keys_lists_every_replica_in_every_region(regions):
    """[W2 2.4] ReplicaKeys = all replicas, in the primary's view and in each replica's view (a replica's list includes
    itself and its peers); [MODEL] "You can create multiple replicas of a primary key, but each must be in a different
    Region"."""
    md = mrk_with_replicas(regions, WEST, SYD)
    kid = md["KeyId"]
    assert_config(describe(regions(EAST), kid), kid, "PRIMARY", EAST, [WEST, SYD])
    assert_config(describe(regions(WEST), kid), kid, "REPLICA", EAST, [WEST, SYD])
    assert_config(describe(regions(SYD), kid), kid, "REPLICA", EAST, [WEST, SYD])


def test_replicate_by_arn_with_policy_description_and_tags(regions):
    """[W2 2.2]/[MODEL] ReplicateKeyRequest: KeyId = key ID or key ARN of the primary; Policy, Description and Tags
    apply to the replica and are echoed in ReplicaPolicy / ReplicaKeyMetadata.Description / ReplicaTags; [W2 2.1]
    description, key policy and tags are independent per Region (the primary keeps its own)."""
    e, w = regions(EAST), regions(WEST)
    md = mrk(e, Description="the primary", Tags=[{"TagKey": "side", "TagValue": "primary"}])
    tags = [{"TagKey": "side", "TagValue": "replica"}, {"TagKey": "team", "TagValue": "blue"}]
    resp = replicate(e, md["Arn"], WEST, Policy=CUSTOM_POLICY, Description="the replica", Tags=tags)
    assert resp["ReplicaKeyMetadata"]["Description"] == "the replica"
    assert resp["ReplicaKeyMetadata"]["Arn"] == key_arn(md["KeyId"], WEST)
    assert json.loads(resp["ReplicaPolicy"]) == json.loads(CUSTOM_POLICY)
    assert sorted((t["TagKey"], t["TagValue"]) for t in resp["ReplicaTags"]) == [("side", "replica"), ("team", "blue")]
    settled(w, md["KeyId"])
    assert describe(w, md["KeyId"])["Description"] == "the replica"
    assert describe(e, md["KeyId"])["Description"] == "the primary"
    assert json.loads(w.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"]) == json.loads(CUSTOM_POLICY)
    assert e.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"] == default_policy()
    assert tags_of(w, md["KeyId"]) == [("side", "replica"), ("team", "blue")]
    assert tags_of(e, md["KeyId"]) == [("side", "primary")]


def test_description_tags_and_policy_change_independently(regions):
    """[W2 2.1] independent per Region: description, key policy, tags. A change made in one Region is not seen in
    the other (and the default policy of the replica is the default key policy, [IMP 11])."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    w.update_key_description(KeyId=kid, Description="west only")
    e.tag_resource(KeyId=kid, Tags=[{"TagKey": "east", "TagValue": "1"}])
    w.tag_resource(KeyId=kid, Tags=[{"TagKey": "west", "TagValue": "2"}])
    e.put_key_policy(KeyId=kid, PolicyName="default", Policy=CUSTOM_POLICY)
    assert describe(w, kid)["Description"] == "west only"
    assert describe(e, kid)["Description"] == ""
    assert tags_of(e, kid) == [("east", "1")]
    assert tags_of(w, kid) == [("west", "2")]
    assert w.get_key_policy(KeyId=kid, PolicyName="default")["Policy"] == default_policy()
    assert json.loads(e.get_key_policy(KeyId=kid, PolicyName="default")["Policy"]) == json.loads(CUSTOM_POLICY)


def test_enabled_state_is_per_region(regions):
    """[W2 2.1] enabled/disabled state is independent: DisableKey on the replica leaves the primary Enabled and usable;
    the disabled replica refuses Encrypt and Decrypt with DisabledException ([IMP 8] D1 `<key ARN> is disabled.`);
    disabling the primary leaves the replica usable."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    blob = e.encrypt(KeyId=kid, Plaintext=b"per-region state")["CiphertextBlob"]
    w.disable_key(KeyId=kid)
    assert describe(w, kid)["KeyState"] == "Disabled"
    assert describe(e, kid)["KeyState"] == "Enabled"
    assert e.decrypt(CiphertextBlob=e.encrypt(KeyId=kid, Plaintext=b"x")["CiphertextBlob"])["Plaintext"] == b"x"
    west_arn = key_arn(kid, WEST)
    expect_error(w.encrypt, KeyId=kid, Plaintext=b"x", code="DisabledException", message=f"{west_arn} is disabled.")
    expect_error(w.decrypt, CiphertextBlob=blob, code="DisabledException", message=f"{west_arn} is disabled.")
    w.enable_key(KeyId=kid)
    assert w.decrypt(CiphertextBlob=blob)["Plaintext"] == b"per-region state"
    # The other way round.
    e.disable_key(KeyId=kid)
    assert describe(w, kid)["KeyState"] == "Enabled"
    assert w.decrypt(CiphertextBlob=blob)["Plaintext"] == b"per-region state"
    expect_error(e.decrypt, CiphertextBlob=blob, code="DisabledException", message=f"{md['Arn']} is disabled.")
    e.enable_key(KeyId=kid)


def test_aliases_are_per_region(regions):
    """[W2 2.1] aliases are independent per Region; [IMP 9.4] aliases are "unique per account + Region" and only
    target keys "in the same account and Region": an alias of the primary does not exist in the replica's Region, the
    same alias name can point at the replica there, and each Region's alias resolves to its own key."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    alias = unique_alias("mrk")
    e.create_alias(AliasName=alias, TargetKeyId=kid)
    assert [a["AliasName"] for a in e.list_aliases(KeyId=kid)["Aliases"]] == [alias]
    assert w.list_aliases(KeyId=kid)["Aliases"] == []
    expect_error(w.encrypt, KeyId=alias, Plaintext=b"x", code="NotFoundException")
    w.create_alias(AliasName=alias, TargetKeyId=kid)
    assert describe(w, alias)["Arn"] == key_arn(kid, WEST)
    assert describe(e, alias)["Arn"] == key_arn(kid, EAST)
    blob = w.encrypt(KeyId=alias, Plaintext=b"via the west alias")["CiphertextBlob"]
    assert e.decrypt(CiphertextBlob=blob, KeyId=alias)["Plaintext"] == b"via the west alias"
    e.delete_alias(AliasName=alias)
    assert describe(w, alias)["KeyId"] == kid


def test_grants_are_per_region(regions):
    """[W2 2.1] grants are independent per Region: a grant on the primary is not listed on the replica, and a grant on
    the replica is listed only there."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    grantee = f"arn:aws:iam::{DEV_ACCOUNT}:role/mrk-grantee"
    ge = e.create_grant(KeyId=kid, GranteePrincipal=grantee, Operations=["Decrypt"])["GrantId"]
    assert w.list_grants(KeyId=kid)["Grants"] == []
    gw = w.create_grant(KeyId=kid, GranteePrincipal=grantee, Operations=["Encrypt"])["GrantId"]
    assert [g["GrantId"] for g in e.list_grants(KeyId=kid)["Grants"]] == [ge]
    listed = w.list_grants(KeyId=kid)["Grants"]
    assert [g["GrantId"] for g in listed] == [gw]
    assert listed[0]["KeyId"] == key_arn(kid, WEST)


# ====================================================================== ReplicateKey errors


def test_replicating_a_single_region_key_is_unsupported(regions):
    """[W2 2.2] single-Region key ⇒ UnsupportedOperationException with the template `<arn> is not a multi-region
    primary key.` (message recorded for replicas; the spec says to reuse it)."""
    e = regions(EAST)
    md = e.create_key()["KeyMetadata"]
    expect_error(replicate, e, md["KeyId"], WEST, code="UnsupportedOperationException",
                 message=f"{md['Arn']} is not a multi-region primary key.")
    expect_error(regions(WEST).describe_key, KeyId=md["KeyId"], code="NotFoundException")


def test_replicating_a_replica_is_unsupported(regions):
    """[W2 2.2] key is a replica ⇒ UnsupportedOperationException `<mrk-key-arn> is not a multi-region primary key.`
    [OBS LS-snap]; the ARN is the replica's (the key the call named). No replica is created."""
    md = mrk_with_replicas(regions, WEST)
    w = regions(WEST)
    for ref in (md["KeyId"], key_arn(md["KeyId"], WEST)):
        expect_error(replicate, w, ref, SYD, code="UnsupportedOperationException",
                     message=f"{key_arn(md['KeyId'], WEST)} is not a multi-region primary key.")
    expect_error(regions(SYD).describe_key, KeyId=md["KeyId"], code="NotFoundException")
    assert_config(describe(regions(EAST), md["KeyId"]), md["KeyId"], "PRIMARY", EAST, [WEST])


def test_second_replica_in_the_same_region_already_exists(regions):
    """[W2 2.2]/[IMP 7]/[MODEL] one replica per Region: AlreadyExistsException, "even if the existing replica is
    PendingDeletion"."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    expect_error(replicate, e, kid, WEST, code="AlreadyExistsException")
    w.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    expect_error(replicate, e, kid, WEST, code="AlreadyExistsException")
    assert describe(w, kid)["KeyState"] == "PendingDeletion"
    assert_config(describe(e, kid), kid, "PRIMARY", EAST, [WEST])


@pytest.mark.parametrize("region", [EAST, "cn-north-1", "cn-northwest-1", "us-gov-west-1"])
def test_replica_region_must_differ_and_share_the_partition(regions, region):
    """[W2 2.2] `ReplicaRegion` == primary Region / other partition ⇒ ValidationException (recommended; [IMP 7]
    "replica Region must differ from the primary's and be in the same partition"; [MODEL] "a different Region of the
    same Amazon Web Services partition"). Nothing is created there."""
    e = regions(EAST)
    md = mrk(e)
    expect_error(replicate, e, md["KeyId"], region, code="ValidationException")
    assert_config(describe(e, md["KeyId"]), md["KeyId"], "PRIMARY", EAST, [])
    if region != EAST:
        expect_error(regions(region).describe_key, KeyId=md["KeyId"], code="NotFoundException")


@pytest.mark.parametrize("region", ["EU-WEST-1", "euwest1", "eu-west", "eu-west-1-a-b-c", "x" * 33])
def test_replica_region_outside_the_model_pattern(kms_nv, region):
    """[MODEL] ReplicateKeyRequest.ReplicaRegion: RegionType, length 1..32, pattern `^([a-z]+-){2,3}\\d+$`; a value
    breaking it is a ValidationException (the client-side validation is off so that it reaches the server)."""
    md = mrk(kms_nv)
    expect_error(kms_nv.replicate_key, KeyId=md["KeyId"], ReplicaRegion=region, code="ValidationException")
    assert describe(kms_nv, md["KeyId"])["MultiRegionConfiguration"]["ReplicaKeys"] == []


def test_replicating_a_disabled_primary(regions):
    """[IMP 8] ReplicateKey row, Dis column: D1 DisabledException `<key ARN> is disabled.`; [IMP 7] "ReplicateKey
    requires the primary to be Enabled". Enabling it again makes ReplicateKey work."""
    e = regions(EAST)
    md = mrk(e)
    e.disable_key(KeyId=md["KeyId"])
    expect_error(replicate, e, md["KeyId"], WEST, code="DisabledException", message=f"{md['Arn']} is disabled.")
    expect_error(regions(WEST).describe_key, KeyId=md["KeyId"], code="NotFoundException")
    e.enable_key(KeyId=md["KeyId"])
    assert replicate(e, md["KeyId"], WEST)["ReplicaKeyMetadata"]["KeyState"] == "Creating"


def test_replicating_a_primary_pending_deletion(regions):
    """[IMP 8] ReplicateKey row, PD column: D2/S3, and the note recommends S3 (KMSInvalidStateException `<key ARN> is
    pending deletion.`) for every operation in that column; [W2 2.6] a PendingReplicaDeletion primary "cannot be
    replicated" either."""
    e = regions(EAST)
    md = mrk(e)
    e.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    expect_error(replicate, e, md["KeyId"], WEST, code="KMSInvalidStateException")
    md2 = mrk_with_replicas(regions, WEST)
    e.schedule_key_deletion(KeyId=md2["KeyId"], PendingWindowInDays=7)
    expect_error(replicate, e, md2["KeyId"], SYD, code="KMSInvalidStateException")
    expect_error(regions(SYD).describe_key, KeyId=md2["KeyId"], code="NotFoundException")


LOCKOUT_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                   "Action": "kms:Encrypt", "Resource": "*"}],
})


@pytest.mark.parametrize("kwargs,code", [
    ({"Policy": "{not json"}, "MalformedPolicyDocumentException"),
    ({"Policy": LOCKOUT_POLICY}, "MalformedPolicyDocumentException"),
    ({"Tags": [{"TagKey": "aws:reserved", "TagValue": "x"}]}, "TagException"),
])
def test_replicate_key_rejects_a_bad_policy_or_tags(regions, kwargs, code):
    """[MODEL] ReplicateKey's errors include MalformedPolicyDocumentException and TagException; [W2 2.2] Policy and
    BypassPolicyLockoutSafetyCheck are those of CreateKey in the replica Region ([IMP 11]: without the bypass the policy
    must still let the caller manage the key; `aws:` tags are reserved). A refused request creates no replica."""
    e = regions(EAST)
    md = mrk(e)
    expect_error(replicate, e, md["KeyId"], WEST, code=code, **kwargs)
    expect_error(regions(WEST).describe_key, KeyId=md["KeyId"], code="NotFoundException")
    assert describe(e, md["KeyId"])["MultiRegionConfiguration"]["ReplicaKeys"] == []


def test_replicate_key_lockout_bypass_applies_to_the_replica_only(regions):
    """[MODEL] ReplicateKeyRequest.BypassPolicyLockoutSafetyCheck; [W2 2.1] the key policy is independent per Region:
    with the bypass the replica gets the lockout policy (the caller can no longer read it, as with CreateKey) while the
    primary keeps the default policy."""
    e, w = regions(EAST), regions(WEST)
    md = mrk(e)
    resp = replicate(e, md["KeyId"], WEST, Policy=LOCKOUT_POLICY, BypassPolicyLockoutSafetyCheck=True)
    assert json.loads(resp["ReplicaPolicy"]) == json.loads(LOCKOUT_POLICY)
    expect_error(w.get_key_policy, KeyId=md["KeyId"], PolicyName="default", code="AccessDeniedException")
    assert e.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"] == default_policy()


def test_replicate_key_takes_no_alias_and_unknown_keys_are_not_found(regions):
    """[IMP 9.4] ReplicateKey's KeyId takes a key ID or key ARN only: an alias does not identify a key
    (NotFoundException); an unknown mrk key ID is NotFoundException ([MODEL] error list)."""
    e = regions(EAST)
    md = mrk(e)
    alias = unique_alias("mrk-rep")
    e.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
    for ref in (alias, "mrk-" + "0" * 32):
        expect_error(replicate, e, ref, WEST, code="NotFoundException")
    expect_error(regions(WEST).describe_key, KeyId=md["KeyId"], code="NotFoundException")


# ====================================================================== decrypting across Regions


def test_ciphertext_from_the_primary_decrypts_in_the_replica_region(regions):
    """[W2 2.7] "a symmetric ciphertext produced in Region A decrypts in Region B with the related replica, with or
    without KeyId (if given it must identify the key in B — key ID, B's ARN, or an alias in B)"; [IMP 9.4] Decrypt's
    KeyId output is the ARN of the key used (the replica's), KeyMaterialId the shared material ([IMP 6.5])."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    blob = e.encrypt(KeyId=kid, Plaintext=b"made in us-east-1")["CiphertextBlob"]
    current = describe(e, kid)["CurrentKeyMaterialId"]
    for extra in ({}, {"KeyId": kid}, {"KeyId": key_arn(kid, WEST)}):
        out = w.decrypt(CiphertextBlob=blob, **extra)
        assert out["Plaintext"] == b"made in us-east-1", extra
        assert out["KeyId"] == key_arn(kid, WEST), extra
        assert out["KeyMaterialId"] == current, extra


def test_ciphertext_from_the_replica_decrypts_in_the_primary_region(regions):
    """[W2 2.7] the same in the other direction: Encrypt with the replica (by key ID or its ARN), Decrypt with the
    primary with or without KeyId."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    for ref in (kid, key_arn(kid, WEST)):
        blob = w.encrypt(KeyId=ref, Plaintext=b"made in eu-west-1")["CiphertextBlob"]
        for extra in ({}, {"KeyId": kid}, {"KeyId": md["Arn"]}):
            out = e.decrypt(CiphertextBlob=blob, **extra)
            assert out["Plaintext"] == b"made in eu-west-1"
            assert out["KeyId"] == md["Arn"]


def test_ciphertext_travels_between_two_replicas(regions):
    """[W2 2.7] any related key decrypts: a ciphertext of the eu-west-1 replica decrypts in ap-southeast-2."""
    md = mrk_with_replicas(regions, WEST, SYD)
    blob = regions(WEST).encrypt(KeyId=md["KeyId"], Plaintext=b"replica to replica")["CiphertextBlob"]
    assert regions(SYD).decrypt(CiphertextBlob=blob)["Plaintext"] == b"replica to replica"


def test_data_keys_cross_regions(regions):
    """[W2 2.7] the rule covers every symmetric ciphertext: a data key generated with the replica decrypts with the
    primary (GenerateDataKey / GenerateDataKeyWithoutPlaintext)."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    dk = w.generate_data_key(KeyId=kid, KeySpec="AES_256")
    assert e.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]
    blob = e.generate_data_key_without_plaintext(KeyId=kid, NumberOfBytes=16)["CiphertextBlob"]
    assert len(w.decrypt(CiphertextBlob=blob)["Plaintext"]) == 16


def test_encryption_context_is_still_enforced_across_regions(regions):
    """[W2 2.7] "Encryption context rules unchanged": the replica decrypts only with the exact context; otherwise
    InvalidCiphertextException."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    ctx = {"purpose": "mrk-test", "tenant": "42"}
    blob = e.encrypt(KeyId=kid, Plaintext=b"with context", EncryptionContext=ctx)["CiphertextBlob"]
    assert w.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)["Plaintext"] == b"with context"
    expect_error(w.decrypt, CiphertextBlob=blob, code="InvalidCiphertextException")
    expect_error(w.decrypt, CiphertextBlob=blob, EncryptionContext={"purpose": "mrk-test"},
                 code="InvalidCiphertextException")
    expect_error(w.decrypt, CiphertextBlob=blob, EncryptionContext={**ctx, "tenant": "43"},
                 code="InvalidCiphertextException")


def test_reencrypt_in_the_replica_region(regions):
    """[W2 2.7] the replica decrypts the primary's ciphertext, so ReEncrypt in the replica's Region works: to another
    key of that Region (SourceKeyId = the replica's ARN, [IMP 9.4] KeyId outputs are ARNs) and to the replica itself
    (the result decrypts back in the primary's Region)."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    blob = e.encrypt(KeyId=kid, Plaintext=b"re-encrypt me", EncryptionContext={"a": "b"})["CiphertextBlob"]
    local = w.create_key()["KeyMetadata"]
    out = w.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"a": "b"}, DestinationKeyId=local["KeyId"])
    assert out["SourceKeyId"] == key_arn(kid, WEST)
    assert out["KeyId"] == local["Arn"]
    assert w.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"] == b"re-encrypt me"
    out2 = w.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"a": "b"}, DestinationKeyId=kid,
                        DestinationEncryptionContext={"c": "d"})
    assert out2["KeyId"] == key_arn(kid, WEST)
    assert e.decrypt(CiphertextBlob=out2["CiphertextBlob"], EncryptionContext={"c": "d"})["Plaintext"] == \
        b"re-encrypt me"


def test_single_region_ciphertext_does_not_decrypt_in_another_region(regions):
    """[W2 2.7] "Ciphertext of a single-Region key sent to another Region ⇒ AccessDeniedException" [OBS]: the key is not
    in that Region. Coffer's exact code may differ (InvalidCiphertextException / NotFoundException also refuse), but it
    must be a client error, never a plaintext."""
    e, w = regions(EAST), regions(WEST)
    sr = e.create_key()["KeyMetadata"]
    blob = e.encrypt(KeyId=sr["KeyId"], Plaintext=b"stay home")["CiphertextBlob"]
    with pytest.raises(ClientError) as ei:
        w.decrypt(CiphertextBlob=blob)
    err = ei.value.response
    assert 400 <= err["ResponseMetadata"]["HTTPStatusCode"] < 500, err
    assert err["Error"]["Code"] in {"AccessDeniedException", "InvalidCiphertextException", "NotFoundException"}, err
    assert e.decrypt(CiphertextBlob=blob)["Plaintext"] == b"stay home"


def test_multi_region_ciphertext_needs_a_related_key_in_the_region(regions):
    """[W2 2.7] decryption needs "that KMS key or a KMS key with the same key ID" in the Region: in a Region without a
    replica the ciphertext does not decrypt (client error); naming the primary's ARN from another Region does not
    identify the key there ("if given it must identify the key in B")."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    blob = e.encrypt(KeyId=kid, Plaintext=b"no replica in us-west-2")["CiphertextBlob"]
    with pytest.raises(ClientError) as ei:
        regions(OREGON).decrypt(CiphertextBlob=blob)
    assert 400 <= ei.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    with pytest.raises(ClientError) as ei:
        w.decrypt(CiphertextBlob=blob, KeyId=md["Arn"])  # us-east-1's ARN, asked in eu-west-1
    assert 400 <= ei.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500


def test_unrelated_multi_region_key_is_an_incorrect_key(regions):
    """[W2 2.7] only "a KMS key with the same key ID" decrypts; naming another (replicated) multi-Region key of the
    Region is the usual Decrypt IncorrectKeyException ([MODEL] Decrypt: "the KMS key that was used to encrypt the
    ciphertext" must match KeyId)."""
    a = mrk_with_replicas(regions, WEST)
    b = mrk_with_replicas(regions, WEST)
    blob = regions(EAST).encrypt(KeyId=a["KeyId"], Plaintext=b"a")["CiphertextBlob"]
    expect_error(regions(WEST).decrypt, CiphertextBlob=blob, KeyId=b["KeyId"], code="IncorrectKeyException")


# ---------------------------------------------------------------------- asymmetric and HMAC multi-Region keys


def test_hmac_multi_region_key_macs_match_across_regions(regions):
    """[W2 2.1] HMAC keys may be multi-Region and share key material: GenerateMac in one Region equals GenerateMac in
    the other (HMAC is deterministic) and VerifyMac accepts it there."""
    md = mrk_with_replicas(regions, WEST, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    assert describe(w, kid)["KeySpec"] == "HMAC_256"
    mac_e = e.generate_mac(KeyId=kid, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    mac_w = w.generate_mac(KeyId=kid, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac_e == mac_w
    assert w.verify_mac(KeyId=kid, Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=mac_e)["MacValid"] is True


def test_ecc_multi_region_key_has_one_public_key(regions):
    """[W2 2.7] "Asymmetric MRKs: same public key everywhere; signatures ... interchangeable": GetPublicKey is the same
    in both Regions, a signature made in eu-west-1 verifies with KMS in us-east-1 and locally."""
    md = mrk_with_replicas(regions, WEST, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    pub = e.get_public_key(KeyId=kid)["PublicKey"]
    assert w.get_public_key(KeyId=kid)["PublicKey"] == pub
    sig = w.sign(KeyId=kid, Message=b"signed in the west", MessageType="RAW",
                 SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    assert e.verify(KeyId=kid, Message=b"signed in the west", MessageType="RAW", Signature=sig,
                    SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"] is True
    serialization.load_der_public_key(pub).verify(sig, b"signed in the west", ec.ECDSA(hashes.SHA256()))


def test_rsa_multi_region_ciphertext_crosses_regions(regions):
    """[W2 2.7] "RSA ciphertexts interchangeable": encrypted with the public key fetched in us-east-1, decrypted by the
    replica in eu-west-1 (KeyId required for asymmetric Decrypt, [MODEL])."""
    md = mrk_with_replicas(regions, WEST, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    pub = serialization.load_der_public_key(e.get_public_key(KeyId=kid)["PublicKey"])
    ct = pub.encrypt(b"rsa across regions", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                                        label=None))
    assert w.decrypt(KeyId=kid, CiphertextBlob=ct, EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] == \
        b"rsa across regions"
    ct2 = w.encrypt(KeyId=kid, Plaintext=b"back east", EncryptionAlgorithm="RSAES_OAEP_SHA_1")["CiphertextBlob"]
    assert e.decrypt(KeyId=kid, CiphertextBlob=ct2, EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Plaintext"] == \
        b"back east"


# ====================================================================== UpdatePrimaryRegion


def test_update_primary_region_swaps_roles_everywhere(regions):
    """[W2 2.5]/[MODEL] UpdatePrimaryRegion(KeyId = current primary, PrimaryRegion = Region of a replica): empty
    response; the replica becomes PRIMARY, the old primary becomes a REPLICA, other replicas follow the new primary;
    ARNs, key material and independent properties are unchanged; both keys return to Enabled."""
    md = mrk_with_replicas(regions, WEST, SYD)
    e, w, s, kid = regions(EAST), regions(WEST), regions(SYD), md["KeyId"]
    w.update_key_description(KeyId=kid, Description="west description")
    material = describe(e, kid)["CurrentKeyMaterialId"]
    blob = e.encrypt(KeyId=kid, Plaintext=b"before the swap")["CiphertextBlob"]
    assert_empty(e.update_primary_region(KeyId=kid, PrimaryRegion=WEST))
    views = {EAST: settled(e, kid), WEST: settled(w, kid), SYD: settled(s, kid)}
    assert_config(views[WEST], kid, "PRIMARY", WEST, [EAST, SYD])
    assert_config(views[EAST], kid, "REPLICA", WEST, [EAST, SYD])
    assert_config(views[SYD], kid, "REPLICA", WEST, [EAST, SYD])
    for region, d in views.items():
        assert d["KeyState"] == "Enabled", (region, d)
        assert d["Arn"] == key_arn(kid, region)
        assert d["CurrentKeyMaterialId"] == material
    assert views[WEST]["Description"] == "west description"
    assert views[EAST]["Description"] == ""
    for c in (e, w, s):
        assert c.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before the swap"


def test_update_primary_region_by_arn_and_back(regions):
    """[W2 2.5] KeyId = the current primary by ID or ARN; afterwards the new primary (in its own Region) can hand the
    role back the same way."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    assert_empty(e.update_primary_region(KeyId=md["Arn"], PrimaryRegion=WEST))
    settled(e, kid), settled(w, kid)
    assert_empty(w.update_primary_region(KeyId=key_arn(kid, WEST), PrimaryRegion=EAST))
    assert_config(settled(e, kid), kid, "PRIMARY", EAST, [WEST])
    assert_config(settled(w, kid), kid, "REPLICA", EAST, [WEST])


def test_only_the_new_primary_can_be_replicated(regions):
    """[MODEL] the primary "is the only key that can be replicated": after UpdatePrimaryRegion, ReplicateKey on the old
    primary is UnsupportedOperationException `<arn> is not a multi-region primary key.` ([W2 2.2]); the new primary
    replicates, and the new replica reports the new primary."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    e.update_primary_region(KeyId=kid, PrimaryRegion=WEST)
    settled(e, kid), settled(w, kid)
    expect_error(replicate, e, kid, OREGON, code="UnsupportedOperationException",
                 message=f"{md['Arn']} is not a multi-region primary key.")
    resp = replicate(w, kid, OREGON)
    assert resp["ReplicaKeyMetadata"]["MultiRegionConfiguration"]["PrimaryKey"] == entry(kid, WEST)
    assert_config(settled(regions(OREGON), kid), kid, "REPLICA", WEST, [EAST, OREGON])
    assert_config(describe(e, kid), kid, "REPLICA", WEST, [EAST, OREGON])


def test_rotation_follows_the_primary_role(regions):
    """[W2 3.1] rotation is set "only on the primary"; [MODEL UpdatePrimaryRegion] the primary "is the source for
    properties that are always shared ... including ... automatic key rotation": after UpdatePrimaryRegion the old
    primary refuses EnableKeyRotation / RotateKeyOnDemand (UnsupportedOperationException) and the new primary's
    settings and rotations reach it."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    first = md["CurrentKeyMaterialId"]
    e.update_primary_region(KeyId=kid, PrimaryRegion=WEST)
    settled(e, kid), settled(w, kid)
    expect_error(e.enable_key_rotation, KeyId=kid, code="UnsupportedOperationException")
    expect_error(e.rotate_key_on_demand, KeyId=kid, code="UnsupportedOperationException")
    w.enable_key_rotation(KeyId=kid, RotationPeriodInDays=120)
    st = rotation_status(e, kid)
    assert st["KeyRotationEnabled"] is True and st["RotationPeriodInDays"] == 120, st
    w.rotate_key_on_demand(KeyId=kid)
    new = poll(lambda: describe(e, kid)["CurrentKeyMaterialId"], lambda m: m != first)
    assert new != first and describe(w, kid)["CurrentKeyMaterialId"] == new


def test_update_primary_region_of_a_primary_pending_replica_deletion(regions):
    """[IMP 8] UpdatePrimaryRegion row, PD column (PendingReplicaDeletion shares it, [W2 2.6]): D2/S3, S3
    KMSInvalidStateException recommended by the note. The roles do not change."""
    md = mrk_with_replicas(regions, WEST)
    e, kid = regions(EAST), md["KeyId"]
    e.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    expect_error(e.update_primary_region, KeyId=kid, PrimaryRegion=WEST, code="KMSInvalidStateException")
    assert_config(describe(regions(WEST), kid), kid, "REPLICA", EAST, [WEST])


def test_update_primary_region_without_a_replica_there_is_not_found(regions):
    """[W2 2.5] "PrimaryRegion = Region of an existing replica (no replica ⇒ failure)"; [IMP 7] "the target Region must
    already hold a replica"; [MODEL] NotFoundException is the modeled error for a key that does not exist. Nothing
    changes."""
    md = mrk_with_replicas(regions, WEST)
    e, kid = regions(EAST), md["KeyId"]
    expect_error(e.update_primary_region, KeyId=kid, PrimaryRegion=OREGON, code="NotFoundException")
    assert_config(describe(e, kid), kid, "PRIMARY", EAST, [WEST])


def test_update_primary_region_on_a_replica_or_single_region_key_is_unsupported(regions):
    """[W2 2.5] UnsupportedOperationException "e.g. key is a replica or single-Region" [INFERRED]; the modeled errors
    of UpdatePrimaryRegion include UnsupportedOperationException [MODEL]."""
    md = mrk_with_replicas(regions, WEST, SYD)
    w, kid = regions(WEST), md["KeyId"]
    expect_error(w.update_primary_region, KeyId=kid, PrimaryRegion=SYD, code="UnsupportedOperationException")
    assert_config(describe(regions(EAST), kid), kid, "PRIMARY", EAST, [WEST, SYD])
    sr = regions(EAST).create_key()["KeyMetadata"]
    expect_error(regions(EAST).update_primary_region, KeyId=sr["KeyId"], PrimaryRegion=WEST,
                 code="UnsupportedOperationException")


def test_update_primary_region_needs_both_keys_enabled(regions):
    """[W2 2.5] "Both keys must be Enabled when it starts"; [IMP 8] UpdatePrimaryRegion row, Dis column: D1
    DisabledException; [IMP 7] "DisabledException / KMSInvalidStateException otherwise". Checked for a disabled
    primary and for a disabled target replica; nothing changes."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    e.disable_key(KeyId=kid)
    expect_error(e.update_primary_region, KeyId=kid, PrimaryRegion=WEST, code="DisabledException")
    e.enable_key(KeyId=kid)
    w.disable_key(KeyId=kid)
    expect_error(e.update_primary_region, KeyId=kid, PrimaryRegion=WEST, code="DisabledException")
    assert_config(describe(e, kid), kid, "PRIMARY", EAST, [WEST])
    w.enable_key(KeyId=kid)
    assert_empty(e.update_primary_region(KeyId=kid, PrimaryRegion=WEST))


def test_update_primary_region_to_a_replica_pending_deletion(regions):
    """[IMP 7] "both keys must be Enabled when the call starts (DisabledException / KMSInvalidStateException
    otherwise)"; a target replica in PendingDeletion is the PD column of [IMP 8] (S3 KMSInvalidStateException
    recommended). The roles do not change."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    w.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    expect_error(e.update_primary_region, KeyId=kid, PrimaryRegion=WEST, code="KMSInvalidStateException")
    assert_config(describe(e, kid), kid, "PRIMARY", EAST, [WEST])


def test_update_primary_region_outside_the_model_pattern(kms_nv):
    """[MODEL] UpdatePrimaryRegionRequest.PrimaryRegion: RegionType, pattern `^([a-z]+-){2,3}\\d+$` ⇒
    ValidationException (client-side validation off so that the value reaches the server)."""
    md = mrk(kms_nv)
    expect_error(kms_nv.update_primary_region, KeyId=md["KeyId"], PrimaryRegion="EU_WEST_1",
                 code="ValidationException")


def test_update_primary_region_takes_no_alias(regions):
    """[IMP 9.4] UpdatePrimaryRegion's KeyId takes a key ID or key ARN only: an alias is NotFoundException."""
    md = mrk_with_replicas(regions, WEST)
    alias = unique_alias("mrk-upr")
    regions(EAST).create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
    expect_error(regions(EAST).update_primary_region, KeyId=alias, PrimaryRegion=WEST, code="NotFoundException")


# ====================================================================== deletion


def test_scheduling_a_primary_with_replicas_is_pending_replica_deletion(regions):
    """[W2 2.6]/[MODEL] ScheduleKeyDeletion on a primary with replicas: response KeyState PendingReplicaDeletion,
    PendingWindowInDays present, DeletionDate omitted; DescribeKey: PendingReplicaDeletion, no DeletionDate,
    PendingDeletionWindowInDays; the key cannot be used for crypto ([IMP 8] PD column, S3 KMSInvalidStateException) nor
    replicated; the replica is untouched; CancelKeyDeletion → Disabled ([MODEL])."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    blob = e.encrypt(KeyId=kid, Plaintext=b"before deletion")["CiphertextBlob"]
    resp = body(e.schedule_key_deletion(KeyId=kid, PendingWindowInDays=12))
    assert resp == {"KeyId": md["Arn"], "KeyState": "PendingReplicaDeletion", "PendingWindowInDays": 12}, resp
    d = describe(e, kid)
    assert d["KeyState"] == "PendingReplicaDeletion"
    assert d["Enabled"] is False
    assert "DeletionDate" not in d
    assert d["PendingDeletionWindowInDays"] == 12
    expect_error(e.encrypt, KeyId=kid, Plaintext=b"x", code="KMSInvalidStateException")
    expect_error(e.decrypt, CiphertextBlob=blob, code="KMSInvalidStateException")
    expect_error(e.schedule_key_deletion, KeyId=kid, code="KMSInvalidStateException")
    # The replica keeps working and still names its primary.
    rd = describe(w, kid)
    assert rd["KeyState"] == "Enabled"
    assert_config(rd, kid, "REPLICA", EAST, [WEST])
    assert w.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before deletion"
    resp = body(e.cancel_key_deletion(KeyId=kid))
    assert resp == {"KeyId": md["Arn"]}
    d = describe(e, kid)
    assert d["KeyState"] == "Disabled"
    assert "PendingDeletionWindowInDays" not in d and "DeletionDate" not in d
    e.enable_key(KeyId=kid)
    assert e.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before deletion"


def test_scheduling_a_replica_is_ordinary_pending_deletion(regions):
    """[W2 2.6] "Replica: like any key (7–30 days, default 30; PendingDeletion; cancel → Disabled)"; [MODEL]
    DeletionDate present in PendingDeletion, PendingDeletionWindowInDays only for PendingReplicaDeletion; the primary is
    unaffected."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    before = dt.datetime.now(dt.timezone.utc)
    resp = body(w.schedule_key_deletion(KeyId=kid))
    assert resp["KeyId"] == key_arn(kid, WEST)
    assert resp["KeyState"] == "PendingDeletion"
    assert resp["PendingWindowInDays"] == 30
    assert close_to(resp["DeletionDate"], before + dt.timedelta(days=30), 5)
    d = describe(w, kid)
    assert d["KeyState"] == "PendingDeletion" and "PendingDeletionWindowInDays" not in d
    assert close_to(d["DeletionDate"], resp["DeletionDate"], 1)
    assert describe(e, kid)["KeyState"] == "Enabled"
    w.cancel_key_deletion(KeyId=kid)
    assert describe(w, kid)["KeyState"] == "Disabled"


def test_primary_without_replicas_is_ordinary_pending_deletion(regions):
    """[W2 2.6] PendingReplicaDeletion applies to a primary that *has* replicas; without any it is plain
    PendingDeletion with a DeletionDate ([MODEL] ScheduleKeyDeletionResponse)."""
    e = regions(EAST)
    md = mrk(e)
    resp = body(e.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7))
    assert resp["KeyState"] == "PendingDeletion" and "DeletionDate" in resp
    d = describe(e, md["KeyId"])
    assert d["KeyState"] == "PendingDeletion" and "DeletionDate" in d and "PendingDeletionWindowInDays" not in d


def test_update_primary_region_is_the_way_to_delete_a_primary_but_keep_replicas(regions):
    """[W2 2.6] "To delete a primary but keep replicas: UpdatePrimaryRegion first": once the old primary is a replica,
    ScheduleKeyDeletion on it is ordinary PendingDeletion with a DeletionDate."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    e.update_primary_region(KeyId=kid, PrimaryRegion=WEST)
    settled(e, kid), settled(w, kid)
    resp = body(e.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7))
    assert resp["KeyState"] == "PendingDeletion" and "DeletionDate" in resp
    assert describe(w, kid)["KeyState"] == "Enabled"


def test_primary_deletion_waits_for_the_last_replica(server_factory):
    """[W2 2.6]/[IMP 7]/[MODEL PendingDeletionWindowInDays]: the primary stays PendingReplicaDeletion "indefinitely"
    while a replica exists — scheduled is not enough, the replica must be *deleted*; when the last replica is deleted
    the primary moves to PendingDeletion and its waiting period starts then (DeletionDate = that moment + window,
    PendingDeletionWindowInDays no longer present); after the window the key is gone (NotFoundException).
    [DEV] AdvanceClock runs due deletions before answering."""
    srv = dev_clock_server(server_factory, "mrk-delete")
    c = clients_of(srv)
    e, w, s = c[EAST], c[WEST], c[SYD]
    md = mrk(e)
    kid = md["KeyId"]
    for r in (WEST, SYD):
        replicate(e, kid, r)
        settled(c[r], kid)
    assert e.schedule_key_deletion(KeyId=kid, PendingWindowInDays=10)["KeyState"] == "PendingReplicaDeletion"
    w.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    s.schedule_key_deletion(KeyId=kid, PendingWindowInDays=20)
    advance_days(srv, 6)
    assert describe(e, kid)["KeyState"] == "PendingReplicaDeletion"
    advance_days(srv, 1, 1)  # day 7 + 1 s: the eu-west-1 replica is deleted, ap-southeast-2 is still there
    expect_error(w.describe_key, KeyId=kid, code="NotFoundException")
    d = describe(e, kid)
    assert d["KeyState"] == "PendingReplicaDeletion" and "DeletionDate" not in d
    assert_config(d, kid, "PRIMARY", EAST, [SYD])
    advance_days(srv, 13)  # day 20 + 1 s: the last replica is deleted
    gone_at = server_now(srv)
    expect_error(s.describe_key, KeyId=kid, code="NotFoundException")
    d = describe(e, kid)
    assert d["KeyState"] == "PendingDeletion", d
    assert "PendingDeletionWindowInDays" not in d
    assert_config(d, kid, "PRIMARY", EAST, [])
    assert close_to(d["DeletionDate"], gone_at + dt.timedelta(days=10), 5), (d["DeletionDate"], gone_at)
    advance_days(srv, 9)
    assert describe(e, kid)["KeyState"] == "PendingDeletion"
    advance_days(srv, 1, 10)
    expect_error(e.describe_key, KeyId=kid, code="NotFoundException")


def test_primary_waiting_for_its_replica_can_still_be_cancelled(server_factory):
    """[W2 2.6] cancelling the replica's deletion keeps the primary in PendingReplicaDeletion (the replica was not
    deleted); once the last replica is deleted the primary is PendingDeletion, and CancelKeyDeletion then gives a
    Disabled key ([MODEL] CancelKeyDeletion) with no replicas left."""
    srv = dev_clock_server(server_factory, "mrk-cancel")
    c = clients_of(srv)
    e, w = c[EAST], c[WEST]
    kid = mrk(e)["KeyId"]
    replicate(e, kid, WEST)
    settled(w, kid)
    e.schedule_key_deletion(KeyId=kid, PendingWindowInDays=30)
    w.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    w.cancel_key_deletion(KeyId=kid)
    advance(srv, 8 * DAY)
    assert describe(w, kid)["KeyState"] == "Disabled"
    assert describe(e, kid)["KeyState"] == "PendingReplicaDeletion"
    w.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    advance(srv, 7 * DAY + 1)
    d = describe(e, kid)
    assert d["KeyState"] == "PendingDeletion" and "DeletionDate" in d
    e.cancel_key_deletion(KeyId=kid)
    d = describe(e, kid)
    assert d["KeyState"] == "Disabled" and "DeletionDate" not in d and "PendingDeletionWindowInDays" not in d
    assert_config(d, kid, "PRIMARY", EAST, [])


def test_a_deleted_replica_can_be_replicated_again(server_factory):
    """[W2 2.6] a replica "can be recreated by replicating again"; [MODEL ReplicateKey] "The new replica key you create
    will have the same shared properties as the original replica key" — so it decrypts ciphertexts made before."""
    srv = dev_clock_server(server_factory, "mrk-rereplicate")
    c = clients_of(srv)
    e, w = c[EAST], c[WEST]
    kid = mrk(e)["KeyId"]
    replicate(e, kid, WEST)
    settled(w, kid)
    blob = w.encrypt(KeyId=kid, Plaintext=b"older than the new replica")["CiphertextBlob"]
    w.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    advance(srv, 7 * DAY + 1)
    expect_error(w.describe_key, KeyId=kid, code="NotFoundException")
    assert describe(e, kid)["MultiRegionConfiguration"]["ReplicaKeys"] == []
    replicate(e, kid, WEST)
    assert settled(w, kid)["KeyState"] == "Enabled"
    assert w.decrypt(CiphertextBlob=blob)["Plaintext"] == b"older than the new replica"


# ====================================================================== rotation


def test_rotation_settings_belong_to_the_primary(regions):
    """[W2 3.1] "MRK: only on the primary (on a replica ⇒ UnsupportedOperationException [INFERRED]); setting
    propagates"; [W2 2.7] "Rotation of an AWS_KMS MRK: set on the primary only, copied to replicas". The replica then
    reports the primary's status (enabled, same period, [W2 3.2] KeyId = bare key ID), a replica made later too, and
    DisableKeyRotation on the primary propagates as well."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    expect_error(w.enable_key_rotation, KeyId=kid, code="UnsupportedOperationException")
    expect_error(w.enable_key_rotation, KeyId=kid, RotationPeriodInDays=100, code="UnsupportedOperationException")
    assert rotation_status(w, kid) == {"KeyId": kid, "KeyRotationEnabled": False}
    e.enable_key_rotation(KeyId=kid, RotationPeriodInDays=180)
    ps = rotation_status(e, kid)
    assert ps["KeyRotationEnabled"] is True and ps["RotationPeriodInDays"] == 180
    rs = rotation_status(w, kid)
    assert rs["KeyId"] == kid
    assert rs["KeyRotationEnabled"] is True and rs["RotationPeriodInDays"] == 180, rs
    assert close_to(rs["NextRotationDate"], ps["NextRotationDate"], 2)
    expect_error(w.disable_key_rotation, KeyId=kid, code="UnsupportedOperationException")
    assert rotation_status(w, kid)["KeyRotationEnabled"] is True
    replicate(e, kid, SYD)
    settled(regions(SYD), kid)
    rs = rotation_status(regions(SYD), kid)
    assert rs["KeyRotationEnabled"] is True and rs["RotationPeriodInDays"] == 180, rs
    e.disable_key_rotation(KeyId=kid)
    for r in (WEST, SYD):
        assert rotation_status(regions(r), kid) == {"KeyId": kid, "KeyRotationEnabled": False}


def test_on_demand_rotation_of_the_primary_reaches_the_replicas(regions):
    """[W2 2.7] "new material is created on the primary and copied"; [W2 3.3] DescribeKey.CurrentKeyMaterialId changes
    after a rotation; ListKeyRotations shows the ON_DEMAND entry; [IMP 6.5] Decrypt's KeyMaterialId names the
    material of the ciphertext. Ciphertexts from before and after the rotation decrypt in both Regions."""
    md = mrk_with_replicas(regions, WEST)
    e, w, kid = regions(EAST), regions(WEST), md["KeyId"]
    first = describe(e, kid)["CurrentKeyMaterialId"]
    old_blob = w.encrypt(KeyId=kid, Plaintext=b"old material")["CiphertextBlob"]
    e.rotate_key_on_demand(KeyId=kid)
    new = poll(lambda: describe(e, kid)["CurrentKeyMaterialId"], lambda m: m != first)
    assert HEX64.match(new) and new != first
    assert poll(lambda: describe(w, kid)["CurrentKeyMaterialId"], lambda m: m == new) == new
    blob_w = w.encrypt(KeyId=kid, Plaintext=b"new material west")["CiphertextBlob"]
    out = e.decrypt(CiphertextBlob=blob_w)
    assert out["Plaintext"] == b"new material west" and out["KeyMaterialId"] == new
    blob_e = e.encrypt(KeyId=kid, Plaintext=b"new material east")["CiphertextBlob"]
    out = w.decrypt(CiphertextBlob=blob_e)
    assert out["Plaintext"] == b"new material east" and out["KeyMaterialId"] == new
    for c in (e, w):
        out = c.decrypt(CiphertextBlob=old_blob)
        assert out["Plaintext"] == b"old material" and out["KeyMaterialId"] == first
        listed = rotations(c, kid)
        assert [(r["KeyMaterialId"], r["RotationType"]) for r in listed] == [(new, "ON_DEMAND")], listed


def test_on_demand_rotation_of_a_replica_is_unsupported(regions):
    """[MODEL RotateKeyOnDemandRequest.KeyId] "To perform on-demand rotation of a set of related multi-Region keys,
    invoke the on-demand rotation on the primary key"; [IMP 6.3] a replica → UnsupportedOperationException
    (recommended). The material stays as it was."""
    md = mrk_with_replicas(regions, WEST)
    w, kid = regions(WEST), md["KeyId"]
    first = describe(w, kid)["CurrentKeyMaterialId"]
    expect_error(w.rotate_key_on_demand, KeyId=kid, code="UnsupportedOperationException")
    assert describe(regions(EAST), kid)["CurrentKeyMaterialId"] == first
    assert rotations(w, kid) == []


def test_a_new_replica_receives_every_material_version(regions):
    """[W2 2.2] "Primary with rotated material | replica gets current + all previous versions" [DOC]: a ciphertext made
    before the rotation decrypts in a Region replicated after it, and the replica's CurrentKeyMaterialId is the
    primary's current one."""
    e = regions(EAST)
    md = mrk(e)
    kid = md["KeyId"]
    first = md["CurrentKeyMaterialId"]
    old_blob = e.encrypt(KeyId=kid, Plaintext=b"first material")["CiphertextBlob"]
    e.rotate_key_on_demand(KeyId=kid)
    new = poll(lambda: describe(e, kid)["CurrentKeyMaterialId"], lambda m: m != first)
    replicate(e, kid, WEST)
    w = regions(WEST)
    assert settled(w, kid)["CurrentKeyMaterialId"] == new
    out = w.decrypt(CiphertextBlob=old_blob)
    assert out["Plaintext"] == b"first material" and out["KeyMaterialId"] == first
    assert [r["KeyMaterialId"] for r in rotations(w, kid)] == [new]


def test_automatic_rotation_reaches_the_replica(server_factory):
    """[W2 2.7] automatic rotation is set on the primary and "new material is created on the primary and copied";
    [W2 3.3] ListKeyRotations shows RotationType AUTOMATIC. Period 90 days, clock moved 91 days [DEV]: the replica's
    Region lists the AUTOMATIC rotation and both Regions have the same new CurrentKeyMaterialId."""
    srv = dev_clock_server(server_factory, "mrk-autorot")
    c = clients_of(srv)
    e, w = c[EAST], c[WEST]
    kid = mrk(e)["KeyId"]
    replicate(e, kid, WEST)
    settled(w, kid)
    first = describe(e, kid)["CurrentKeyMaterialId"]
    old_blob = e.encrypt(KeyId=kid, Plaintext=b"before automatic rotation")["CiphertextBlob"]
    e.enable_key_rotation(KeyId=kid, RotationPeriodInDays=90)
    advance_days(srv, 91)
    new = describe(e, kid)["CurrentKeyMaterialId"]
    assert new != first
    assert describe(w, kid)["CurrentKeyMaterialId"] == new
    for cl in (e, w):
        listed = rotations(cl, kid)
        assert [(r["KeyMaterialId"], r["RotationType"]) for r in listed] == [(new, "AUTOMATIC")], listed
    out = e.decrypt(CiphertextBlob=w.encrypt(KeyId=kid, Plaintext=b"after")["CiphertextBlob"])
    assert out["Plaintext"] == b"after" and out["KeyMaterialId"] == new
    assert w.decrypt(CiphertextBlob=old_blob)["Plaintext"] == b"before automatic rotation"
    ps, rs = rotation_status(e, kid), rotation_status(w, kid)
    assert rs["KeyRotationEnabled"] is True and rs["RotationPeriodInDays"] == 90
    assert close_to(rs["NextRotationDate"], ps["NextRotationDate"], 2)


# ====================================================================== restarts


def test_multi_region_scenario_survives_a_restart_between_every_step(server_factory):
    """Durability of the multi-Region state ([W2 2.7] Coffer design: a material table shared per key ID with
    per-Region rows): create → replicate → encrypt in us-east-1 → decrypt in eu-west-1 → UpdatePrimaryRegion →
    describe in both Regions → replicate from the new primary, with `srv.stop(); srv.start()` between every step.
    Expectations as in [W2 2.2], [W2 2.4], [W2 2.5], [W2 2.7]."""
    srv = server_factory(name="mrk-restart").start()

    def bounce():
        srv.stop()
        srv.start()
        return clients_of(srv)

    c = clients_of(srv)
    md = mrk(c[EAST], Description="restart primary")
    kid = md["KeyId"]
    c = bounce()
    assert_config(describe(c[EAST], kid), kid, "PRIMARY", EAST, [])
    resp = replicate(c[EAST], kid, WEST, Description="restart replica", Tags=[{"TagKey": "r", "TagValue": "w"}])
    assert resp["ReplicaKeyMetadata"]["KeyState"] == "Creating"
    c = bounce()
    rd = settled(c[WEST], kid)
    assert rd["KeyState"] == "Enabled" and rd["Description"] == "restart replica"
    assert_config(rd, kid, "REPLICA", EAST, [WEST])
    assert tags_of(c[WEST], kid) == [("r", "w")]
    blob = c[EAST].encrypt(KeyId=kid, Plaintext=b"across a restart", EncryptionContext={"k": "v"})["CiphertextBlob"]
    c = bounce()
    out = c[WEST].decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})
    assert out["Plaintext"] == b"across a restart" and out["KeyId"] == key_arn(kid, WEST)
    assert_empty(c[EAST].update_primary_region(KeyId=kid, PrimaryRegion=WEST))
    c = bounce()
    east, west = settled(c[EAST], kid), settled(c[WEST], kid)
    assert_config(west, kid, "PRIMARY", WEST, [EAST])
    assert_config(east, kid, "REPLICA", WEST, [EAST])
    assert (east["KeyState"], west["KeyState"]) == ("Enabled", "Enabled")
    assert (east["Description"], west["Description"]) == ("restart primary", "restart replica")
    assert east["CurrentKeyMaterialId"] == west["CurrentKeyMaterialId"] == md["CurrentKeyMaterialId"]
    expect_error(replicate, c[EAST], kid, SYD, code="UnsupportedOperationException")
    replicate(c[WEST], kid, SYD)
    c = bounce()
    assert_config(settled(c[SYD], kid), kid, "REPLICA", WEST, [EAST, SYD])
    assert c[SYD].decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})["Plaintext"] == b"across a restart"
    c[WEST].schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    c = bounce()
    d = describe(c[WEST], kid)
    assert d["KeyState"] == "PendingReplicaDeletion" and d["PendingDeletionWindowInDays"] == 7
    assert "DeletionDate" not in d


# ====================================================================== AWS CLI


def test_cli_replicate_key_and_describe_in_the_replica_region(server, tmp_path):
    """The AWS CLI (v1) through the same wire contract [MODEL]: `aws kms replicate-key --key-id --replica-region
    --description` in the primary's Region answers ReplicaKeyMetadata/ReplicaPolicy ([W2 2.2]); `aws kms describe-key`
    with `--region eu-west-1` shows the REPLICA ([W2 2.4]); `aws kms update-primary-region` prints nothing ([MODEL]: no
    output)."""
    east_cli, west_cli = server.cli(EAST), server.cli(WEST)
    md = east_cli("create-key", "--multi-region", "--description", "cli primary")["KeyMetadata"]
    kid = md["KeyId"]
    assert MRK_RE.match(kid) and md["MultiRegion"] is True
    out = east_cli("replicate-key", "--key-id", kid, "--replica-region", WEST, "--description", "cli replica")
    assert out["ReplicaKeyMetadata"]["Arn"] == key_arn(kid, WEST)
    assert out["ReplicaKeyMetadata"]["KeyState"] == "Creating"
    assert out["ReplicaPolicy"] == default_policy()
    rd = poll(lambda: west_cli("describe-key", "--key-id", kid)["KeyMetadata"],
              lambda m: m["KeyState"] != "Creating", timeout=15)
    assert rd["KeyState"] == "Enabled" and rd["Description"] == "cli replica"
    assert_config(rd, kid, "REPLICA", EAST, [WEST])
    res = east_cli.run("update-primary-region", "--key-id", kid, "--primary-region", WEST, check=True)
    assert res.stdout.strip() == ""
    rd = poll(lambda: west_cli("describe-key", "--key-id", key_arn(kid, WEST))["KeyMetadata"],
              lambda m: m["KeyState"] != "Updating", timeout=15)
    assert_config(rd, kid, "PRIMARY", WEST, [EAST])
    res = east_cli.run("replicate-key", "--key-id", kid, "--replica-region", SYD)
    assert res.returncode != 0 and "UnsupportedOperationException" in res.stderr, res
    (tmp_path / "in.bin").write_bytes(b"cli plaintext")
    blob = west_cli("encrypt", "--key-id", kid, "--plaintext", f"fileb://{tmp_path / 'in.bin'}")["CiphertextBlob"]
    (tmp_path / "ct.bin").write_bytes(base64.b64decode(blob))
    dec = east_cli("decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'ct.bin'}")
    assert base64.b64decode(dec["Plaintext"]) == b"cli plaintext"
    assert dec["KeyId"] == key_arn(kid, EAST)
