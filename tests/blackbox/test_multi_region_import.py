"""Multi-Region keys with imported key material (import spec §7): the EXTERNAL primary, replicas that import the same
material themselves, per-Region expiry, and new material that waits for every replica before the primary rotates.

Sources (cited per test):
  [IMP 4.5]  shared/spec/aws-kms-import-spec.md §4.5 ImportKeyMaterial exceptions (IncorrectKeyMaterialException:
             "replica material ≠ primary material"; InvalidImportTokenException: token of a different KMS key)
  [IMP 4.6]  same, §4.6 state transitions (PendingImport → Enabled once every permanently associated material is in)
  [IMP 5.1]  same, §5.1 expiration
  [IMP 6.2] [IMP 6.3] [IMP 6.4]  same, §6 several materials: staging, RotateKeyOnDemand, ListKeyRotations
  [IMP 7]    same, §7 multi-Region keys with imported material
  [IMP 8]    same, §8 key-state table (S5 `<key ARN> is pending import ...`)
  [W2 2.2] [W2 2.3] [W2 2.5] [W2 2.7]  shared/spec/authorization-and-wave2.md §2
  [MODEL]    botocore kms/2014-11-01 service-2.json (1.43.11)
  [DEV]      the development clock (clockhelpers.py)
"""

from __future__ import annotations

import datetime as dt
import hmac
import re

import pytest

from clockhelpers import advance_days, dev_clock_server, poll, server_now
from importhelpers import (
    import_material,
    local_private,
    material_for,
    params,
    random_symmetric,
    rotations,
    spki,
    wrap,
)
from kmshelpers import MRK_RE, expect_error, key_arn, msgs_pending_import

EAST = "us-east-1"
WEST = "eu-west-1"
SYD = "ap-southeast-2"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def regions(server):
    """boto3 clients of the shared server, one per Region."""
    cache: dict[str, object] = {}

    def get(region: str):
        if region not in cache:
            cache[region] = server.client(region)
        return cache[region]

    return get


def describe(c, key_id: str) -> dict:
    return c.describe_key(KeyId=key_id)["KeyMetadata"]


def settled(c, key_id: str) -> dict:
    """DescribeKey after the transient Creating/Updating state ([MODEL] ReplicateKey, UpdatePrimaryRegion)."""
    md = poll(lambda: describe(c, key_id), lambda m: m["KeyState"] not in ("Creating", "Updating"), timeout=10)
    assert md["KeyState"] not in ("Creating", "Updating"), md
    return md


def external_mrk(c, **kwargs) -> dict:
    return c.create_key(Origin="EXTERNAL", MultiRegion=True, **kwargs)["KeyMetadata"]


def replicate(c, key_id: str, region: str, **kwargs) -> dict:
    resp = dict(c.replicate_key(KeyId=key_id, ReplicaRegion=region, **kwargs))
    resp.pop("ResponseMetadata")
    return resp


def primary_with_material(get, material: bytes, *replica_regions: str, **create_kwargs) -> dict:
    """An EXTERNAL multi-Region primary in us-east-1 holding `material`, with settled (PendingImport) replicas."""
    e = get(EAST)
    md = external_mrk(e, **create_kwargs)
    out = import_material(e, md["KeyId"], material, spec=create_kwargs.get("KeySpec"))
    for r in replica_regions:
        replicate(e, md["KeyId"], r)
        settled(get(r), md["KeyId"])
    return {**md, "KeyMaterialId": out.get("KeyMaterialId")}


def by_id(entries: list[dict]) -> dict[str, dict]:
    return {r["KeyMaterialId"]: r for r in entries}


# ====================================================================== the primary and ReplicateKey


def test_external_primary_cannot_be_replicated_before_its_import(regions):
    """[IMP 7] CreateKey(Origin=EXTERNAL, MultiRegion=true) → `mrk-` key ID, PendingImport; "ReplicateKey requires the
    primary to be Enabled ... PendingImport → KMSInvalidStateException" ([IMP 8] S5 text). After the import it
    replicates."""
    e = regions(EAST)
    md = external_mrk(e)
    assert MRK_RE.match(md["KeyId"])
    assert (md["KeyState"], md["Origin"], md["MultiRegion"]) == ("PendingImport", "EXTERNAL", True)
    assert md["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    expect_error(replicate, e, md["KeyId"], WEST, code="KMSInvalidStateException",
                 message=msgs_pending_import(md["Arn"]))
    expect_error(regions(WEST).describe_key, KeyId=md["KeyId"], code="NotFoundException")
    import_material(e, md["KeyId"], random_symmetric())
    assert describe(e, md["KeyId"])["KeyState"] == "Enabled"
    assert replicate(e, md["KeyId"], WEST)["ReplicaKeyMetadata"]["KeyState"] == "Creating"


def test_replica_of_an_external_primary_has_no_material(regions):
    """[IMP 7] "KMS never copies imported material between Regions": ReplicateKey on an EXTERNAL primary creates a
    replica with no material — Creating, then PendingImport — with the same key ID, key spec, key usage and origin;
    [W2 2.2] no CurrentKeyMaterialId in the response. Until its import the replica refuses Encrypt and Decrypt
    ([IMP 8] PI column: S5) while the primary keeps working."""
    e, w = regions(EAST), regions(WEST)
    md = primary_with_material(regions, random_symmetric())
    kid = md["KeyId"]
    resp = replicate(e, kid, WEST)
    rk = resp["ReplicaKeyMetadata"]
    assert (rk["KeyId"], rk["Arn"], rk["KeyState"], rk["Enabled"]) == (kid, key_arn(kid, WEST), "Creating", False)
    assert (rk["Origin"], rk["KeySpec"], rk["KeyUsage"]) == ("EXTERNAL", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
    assert "CurrentKeyMaterialId" not in rk
    rd = settled(w, kid)
    assert rd["KeyState"] == "PendingImport" and rd["Enabled"] is False
    assert rd["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert rd["MultiRegionConfiguration"]["PrimaryKey"] == {"Arn": md["Arn"], "Region": EAST}
    blob = e.encrypt(KeyId=kid, Plaintext=b"primary works")["CiphertextBlob"]
    west_arn = key_arn(kid, WEST)
    expect_error(w.encrypt, KeyId=kid, Plaintext=b"x", code="KMSInvalidStateException",
                 message=msgs_pending_import(west_arn))
    expect_error(w.decrypt, CiphertextBlob=blob, code="KMSInvalidStateException",
                 message=msgs_pending_import(west_arn))
    assert describe(e, kid)["KeyState"] == "Enabled"


def test_replica_accepts_only_the_primary_material(regions):
    """[IMP 7]/[W2 2.3] "Import into a replica must be the same material as the primary's (KMS verifies; mismatch
    fails)" → IncorrectKeyMaterialException ([IMP 4.5]); the replica stays PendingImport. With the same material,
    imported with the replica's own GetParametersForImport ([IMP 7] "each with its own token"), the replica is Enabled
    ([IMP 4.6]) with the primary's CurrentKeyMaterialId, and ciphertexts cross Regions both ways ([W2 2.7])."""
    e, w = regions(EAST), regions(WEST)
    ma = random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    kid = md["KeyId"]
    expect_error(import_material, w, kid, random_symmetric(), code="IncorrectKeyMaterialException")
    assert describe(w, kid)["KeyState"] == "PendingImport"
    out = import_material(w, kid, ma)
    assert out["KeyId"] == key_arn(kid, WEST)
    assert out["KeyMaterialId"] == md["KeyMaterialId"]
    rd = describe(w, kid)
    assert rd["KeyState"] == "Enabled"
    assert rd["CurrentKeyMaterialId"] == describe(e, kid)["CurrentKeyMaterialId"] == md["KeyMaterialId"]
    b1 = e.encrypt(KeyId=kid, Plaintext=b"east to west")["CiphertextBlob"]
    r1 = w.decrypt(CiphertextBlob=b1)
    assert r1["Plaintext"] == b"east to west" and r1["KeyMaterialId"] == md["KeyMaterialId"]
    b2 = w.encrypt(KeyId=kid, Plaintext=b"west to east")["CiphertextBlob"]
    assert e.decrypt(CiphertextBlob=b2, KeyId=md["Arn"])["Plaintext"] == b"west to east"
    # A different material after the replica has the right one is still refused (reimport must be the same, [IMP 4.3]).
    expect_error(import_material, w, kid, random_symmetric(), code="IncorrectKeyMaterialException")
    assert describe(w, kid)["KeyState"] == "Enabled"


def test_the_primary_token_does_not_import_into_the_replica(regions):
    """[IMP 7] each Region needs its own GetParametersForImport token; [IMP 4.5] InvalidImportTokenException: "Token
    invalid or associated with a different KMS key" — the replica is a different KMS key (its own ARN)."""
    e, w = regions(EAST), regions(WEST)
    ma = random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    p = params(e, md["KeyId"])
    expect_error(w.import_key_material, KeyId=md["KeyId"], ImportToken=p["ImportToken"],
                 EncryptedKeyMaterial=wrap(ma, p["PublicKey"], "RSAES_OAEP_SHA_256"),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidImportTokenException")
    assert describe(w, md["KeyId"])["KeyState"] == "PendingImport"


def test_key_states_are_independent(regions):
    """[IMP 7] "Key states are independent: expiry or deletion in the primary does not affect replicas":
    DeleteImportedKeyMaterial on the primary puts only the primary in PendingImport; the replica keeps decrypting; the
    primary recovers with a reimport of the same material."""
    e, w = regions(EAST), regions(WEST)
    ma = random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    kid = md["KeyId"]
    import_material(w, kid, ma)
    blob = e.encrypt(KeyId=kid, Plaintext=b"independent")["CiphertextBlob"]
    e.delete_imported_key_material(KeyId=kid)
    assert describe(e, kid)["KeyState"] == "PendingImport"
    assert describe(w, kid)["KeyState"] == "Enabled"
    assert w.decrypt(CiphertextBlob=blob)["Plaintext"] == b"independent"
    expect_error(e.decrypt, CiphertextBlob=blob, code="KMSInvalidStateException",
                 message=msgs_pending_import(md["Arn"]))
    import_material(e, kid, ma)
    assert e.decrypt(CiphertextBlob=blob)["Plaintext"] == b"independent"


@pytest.mark.parametrize("expiring", [EAST, WEST])
def test_expiry_is_per_region(server_factory, expiring):
    """[IMP 7] "Expiration model/date are set independently per key" and "expiry ... in the primary does not affect
    replicas" (and vice versa: key states are independent); [IMP 5.1] past ValidTo the key is PendingImport.
    The Region named by `expiring` imports with ValidTo = server time + 1 day, the other with
    KEY_MATERIAL_DOES_NOT_EXPIRE; after 2 days [DEV] only the expiring Region's key is PendingImport."""
    srv = dev_clock_server(server_factory, f"mrk-expiry-{expiring}")
    c = {r: srv.client(r) for r in (EAST, WEST)}
    e = c[EAST]
    ma = random_symmetric()
    kid = e.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    valid_to = (server_now(srv) + dt.timedelta(days=1)).replace(microsecond=0)
    other = WEST if expiring == EAST else EAST
    import_material(c[EAST], kid, ma, **({"ValidTo": valid_to, "expiration": "KEY_MATERIAL_EXPIRES"}
                                         if expiring == EAST else {}))
    replicate(e, kid, WEST)
    settled(c[WEST], kid)
    import_material(c[WEST], kid, ma, **({"ValidTo": valid_to, "expiration": "KEY_MATERIAL_EXPIRES"}
                                         if expiring == WEST else {}))
    d_exp, d_other = describe(c[expiring], kid), describe(c[other], kid)
    assert (d_exp["KeyState"], d_exp["ExpirationModel"], d_exp["ValidTo"]) == \
        ("Enabled", "KEY_MATERIAL_EXPIRES", valid_to)
    assert (d_other["KeyState"], d_other["ExpirationModel"]) == ("Enabled", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert "ValidTo" not in d_other
    blob = c[expiring].encrypt(KeyId=kid, Plaintext=b"made before expiry")["CiphertextBlob"]
    advance_days(srv, 2)
    assert describe(c[expiring], kid)["KeyState"] == "PendingImport"
    assert describe(c[other], kid)["KeyState"] == "Enabled"
    assert c[other].decrypt(CiphertextBlob=blob)["Plaintext"] == b"made before expiry"
    expect_error(c[expiring].decrypt, CiphertextBlob=blob, code="KMSInvalidStateException")
    # Reimporting in the expired Region (without expiry this time) brings it back.
    import_material(c[expiring], kid, ma)
    assert describe(c[expiring], kid)["KeyState"] == "Enabled"


# ====================================================================== new material (rotation of imported MRKs)


def test_new_material_on_a_replica_is_unsupported(regions):
    """[IMP 7] rotation steps: NEW_KEY_MATERIAL is imported into the *primary* (step 1); replicas import it with
    EXISTING_KEY_MATERIAL (step 2); "Key material description can be set/changed only on the primary". A
    NEW_KEY_MATERIAL import into a replica is therefore refused: UnsupportedOperationException (the [IMP 4.5] code for
    "a parameter not supported for this key"). Nothing is staged."""
    e, w = regions(EAST), regions(WEST)
    ma = random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    kid = md["KeyId"]
    import_material(w, kid, ma)
    expect_error(import_material, w, kid, random_symmetric(), ImportType="NEW_KEY_MATERIAL",
                 code="UnsupportedOperationException")
    for c in (e, w):
        assert [r["KeyMaterialId"] for r in rotations(c, kid, "ALL_KEY_MATERIAL")] == [md["KeyMaterialId"]]


def test_new_material_waits_for_every_replica_then_rotates_everywhere(regions):
    """[IMP 7] steps 1-4: NEW_KEY_MATERIAL on the primary → PENDING_MULTI_REGION_IMPORT_AND_ROTATION, its material ID
    and description copied to every replica ([IMP 6.4]: ImportState PENDING_IMPORT "not yet imported into this replica",
    no ExpirationModel); RotateKeyOnDemand refused meanwhile ([IMP 6.3] "the staged material must have reached
    PENDING_ROTATION", recommended KMSInvalidStateException); wrong material into a replica →
    IncorrectKeyMaterialException; once every replica imported it (EXISTING_KEY_MATERIAL, the default) →
    PENDING_ROTATION everywhere; RotateKeyOnDemand on the primary → CurrentKeyMaterialId is the new material in every
    Region ([IMP 6.2] step 3), encryption anywhere uses it, old ciphertexts still decrypt. The replicas stay Enabled
    throughout (staged material is not permanently associated, [IMP 6.1])."""
    e, w, s = regions(EAST), regions(WEST), regions(SYD)
    ma, mb = random_symmetric(), random_symmetric()
    md = primary_with_material(regions, ma, WEST, SYD)
    kid, a = md["KeyId"], md["KeyMaterialId"]
    for c in (w, s):
        import_material(c, kid, ma)
    old_blob = w.encrypt(KeyId=kid, Plaintext=b"under A")["CiphertextBlob"]

    b = import_material(e, kid, mb, ImportType="NEW_KEY_MATERIAL", KeyMaterialDescription="material B")["KeyMaterialId"]
    assert HEX64.match(b) and b != a

    def staged(c):
        entries = by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))
        assert set(entries) == {a, b}, entries
        assert entries[a]["KeyMaterialState"] == "CURRENT"
        return entries[b]

    pe = staged(e)
    assert pe["KeyMaterialState"] == "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    assert pe["ImportState"] == "IMPORTED" and pe["KeyMaterialDescription"] == "material B"
    for c in (w, s):
        re_ = staged(c)
        assert re_["KeyMaterialState"] == "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
        assert re_["ImportState"] == "PENDING_IMPORT"
        assert re_["KeyMaterialDescription"] == "material B"
        assert "ExpirationModel" not in re_
        assert describe(c, kid)["KeyState"] == "Enabled"
    expect_error(e.rotate_key_on_demand, KeyId=kid, code="KMSInvalidStateException")
    expect_error(import_material, w, kid, random_symmetric(), code="IncorrectKeyMaterialException")

    out = import_material(w, kid, mb)  # EXISTING_KEY_MATERIAL is the default ImportType [MODEL]
    assert out["KeyMaterialId"] == b
    assert staged(w)["ImportState"] == "IMPORTED"
    # ap-southeast-2 still lacks B: still pending everywhere.
    for c in (e, w, s):
        assert staged(c)["KeyMaterialState"] == "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    expect_error(e.rotate_key_on_demand, KeyId=kid, code="KMSInvalidStateException")

    import_material(s, kid, mb, ImportType="EXISTING_KEY_MATERIAL")
    for c in (e, w, s):
        assert staged(c)["KeyMaterialState"] == "PENDING_ROTATION", c.meta.region_name
        assert describe(c, kid)["CurrentKeyMaterialId"] == a
    expect_error(w.rotate_key_on_demand, KeyId=kid, code="UnsupportedOperationException")

    e.rotate_key_on_demand(KeyId=kid)
    for c in (e, w, s):
        assert poll(lambda: describe(c, kid)["CurrentKeyMaterialId"], lambda m: m == b) == b, c.meta.region_name
        entries = by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))
        assert (entries[a]["KeyMaterialState"], entries[b]["KeyMaterialState"]) == ("NON_CURRENT", "CURRENT")
        assert entries[b]["RotationType"] == "ON_DEMAND"
        assert describe(c, kid)["KeyState"] == "Enabled"
    blob_s = s.encrypt(KeyId=kid, Plaintext=b"under B")["CiphertextBlob"]
    out = e.decrypt(CiphertextBlob=blob_s)
    assert out["Plaintext"] == b"under B" and out["KeyMaterialId"] == b
    blob_e = e.encrypt(KeyId=kid, Plaintext=b"under B too")["CiphertextBlob"]
    assert w.decrypt(CiphertextBlob=blob_e)["KeyMaterialId"] == b
    for c in (e, w, s):
        out = c.decrypt(CiphertextBlob=old_blob)
        assert out["Plaintext"] == b"under A" and out["KeyMaterialId"] == a


def test_deleting_staged_material_on_the_primary_removes_it_from_replicas(regions):
    """[IMP 7] "Deleting a staged material on the primary deletes it from the replicas too" (ListKeyRotations with
    ALL_KEY_MATERIAL no longer shows it anywhere; [IMP 6.1] staged material "may be deleted and replaced")."""
    e, w = regions(EAST), regions(WEST)
    ma = random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    kid = md["KeyId"]
    import_material(w, kid, ma)
    b = import_material(e, kid, random_symmetric(), ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    assert b in by_id(rotations(w, kid, "ALL_KEY_MATERIAL"))
    e.delete_imported_key_material(KeyId=kid, KeyMaterialId=b)
    for c in (e, w):
        assert [r["KeyMaterialId"] for r in rotations(c, kid, "ALL_KEY_MATERIAL")] == [md["KeyMaterialId"]], \
            c.meta.region_name
        assert describe(c, kid)["KeyState"] == "Enabled"


def test_a_deleted_staged_material_is_no_longer_importable_into_replicas(regions):
    """[IMP 7] deleting a staged material on the primary deletes it from the replicas, so afterwards it is "material not
    associated" with the replica: importing it there is IncorrectKeyMaterialException ([IMP 4.5]). The next
    NEW_KEY_MATERIAL of the primary is then the only staged material in the replica ([IMP 6.2] "Max one staged material
    per key"), and importing it makes it PENDING_ROTATION in both Regions."""
    e, w = regions(EAST), regions(WEST)
    ma, mb, mc = random_symmetric(), random_symmetric(), random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    kid, a = md["KeyId"], md["KeyMaterialId"]
    import_material(w, kid, ma)
    b = import_material(e, kid, mb, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    e.delete_imported_key_material(KeyId=kid, KeyMaterialId=b)
    expect_error(import_material, w, kid, mb, code="IncorrectKeyMaterialException")
    c_id = import_material(e, kid, mc, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    assert [r["KeyMaterialId"] for r in rotations(w, kid, "ALL_KEY_MATERIAL")] == [a, c_id]
    import_material(w, kid, mc)
    for c in (e, w):
        listed = by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))
        assert set(listed) == {a, c_id}, (c.meta.region_name, listed)
        assert listed[c_id]["KeyMaterialState"] == "PENDING_ROTATION"


def test_a_replica_of_a_rotated_primary_needs_every_material(regions):
    """[IMP 7] "Replicating a primary that already has several materials: the replica receives all material IDs ... for
    EXTERNAL the replica must have every permanently associated material imported before it leaves PendingImport"
    [INFERRED]; [IMP 4.6] "Importing only some of them leaves the key in PendingImport". Then the replica's current
    material is the primary's current one and a ciphertext made under the old material decrypts there."""
    e, w = regions(EAST), regions(WEST)
    ma, mb = random_symmetric(), random_symmetric()
    md = primary_with_material(regions, ma)
    kid, a = md["KeyId"], md["KeyMaterialId"]
    old_blob = e.encrypt(KeyId=kid, Plaintext=b"under A")["CiphertextBlob"]
    b = import_material(e, kid, mb, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    # Without replicas, nothing to wait for: PENDING_ROTATION at once ([IMP 7] step 3).
    assert by_id(rotations(e, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == "PENDING_ROTATION"
    e.rotate_key_on_demand(KeyId=kid)
    poll(lambda: describe(e, kid)["CurrentKeyMaterialId"], lambda m: m == b)
    replicate(e, kid, WEST)
    assert settled(w, kid)["KeyState"] == "PendingImport"
    listed = by_id(rotations(w, kid, "ALL_KEY_MATERIAL"))
    assert set(listed) == {a, b}
    assert all(r["ImportState"] == "PENDING_IMPORT" for r in listed.values()), listed
    import_material(w, kid, mb)
    assert describe(w, kid)["KeyState"] == "PendingImport"
    import_material(w, kid, ma)
    rd = describe(w, kid)
    assert rd["KeyState"] == "Enabled" and rd["CurrentKeyMaterialId"] == b
    out = w.decrypt(CiphertextBlob=old_blob)
    assert out["Plaintext"] == b"under A" and out["KeyMaterialId"] == a


def test_a_new_replica_holds_back_a_staged_material(regions):
    """[IMP 7] step 3: a new material is PENDING_ROTATION only "when the material is imported in all replicas", step 4:
    "KMS never encrypts with the new material until every related key has it"; [IMP 6.3] RotateKeyOnDemand needs the
    staged material in PENDING_ROTATION (KMSInvalidStateException recommended). A material staged while the primary had
    no replica is PENDING_ROTATION at once; replicating the key adds a related key without it, so the material is
    PENDING_MULTI_REGION_IMPORT_AND_ROTATION again and the primary may not rotate until the replica imported it."""
    e, w = regions(EAST), regions(WEST)
    ma, mb = random_symmetric(), random_symmetric()
    md = primary_with_material(regions, ma)
    kid, a = md["KeyId"], md["KeyMaterialId"]
    b = import_material(e, kid, mb, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    assert by_id(rotations(e, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == "PENDING_ROTATION"
    replicate(e, kid, WEST)
    settled(w, kid)
    for c in (e, w):
        assert by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == \
            "PENDING_MULTI_REGION_IMPORT_AND_ROTATION", c.meta.region_name
    expect_error(e.rotate_key_on_demand, KeyId=kid, code="KMSInvalidStateException")
    assert describe(e, kid)["CurrentKeyMaterialId"] == a
    import_material(w, kid, ma)
    import_material(w, kid, mb)
    for c in (e, w):
        assert by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == "PENDING_ROTATION"
    e.rotate_key_on_demand(KeyId=kid)
    assert poll(lambda: describe(w, kid)["CurrentKeyMaterialId"], lambda m: m == b) == b


def test_deleting_the_replica_that_lacked_the_material_releases_it(server_factory):
    """[IMP 7] step 3: the staged material becomes PENDING_ROTATION "when the material is imported in all replicas"
    (with no replica at all it is PENDING_ROTATION at once, [IMP 6.2]); once the only replica lacking it is deleted
    (deletion window over [DEV]) every remaining related key has it, so it is PENDING_ROTATION and the primary can
    rotate [INFERRED from step 3/4: a deleted key is no longer a replica to wait for]."""
    srv = dev_clock_server(server_factory, "mrk-import-del")
    e, w = srv.client(EAST), srv.client(WEST)
    ma, mb = random_symmetric(), random_symmetric()
    kid = e.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    import_material(e, kid, ma)
    replicate(e, kid, WEST)
    settled(w, kid)
    import_material(w, kid, ma)
    b = import_material(e, kid, mb, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    w.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    advance_days(srv, 7, 1)
    expect_error(w.describe_key, KeyId=kid, code="NotFoundException")
    assert describe(e, kid)["MultiRegionConfiguration"]["ReplicaKeys"] == []
    assert by_id(rotations(e, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == "PENDING_ROTATION"
    e.rotate_key_on_demand(KeyId=kid)
    assert poll(lambda: describe(e, kid)["CurrentKeyMaterialId"], lambda m: m == b) == b


# ====================================================================== UpdatePrimaryRegion with imported material


def test_update_primary_region_needs_the_replica_imported(regions):
    """[IMP 7] UpdatePrimaryRegion: "both keys must be Enabled when the call starts (... PendingImport →
    KMSInvalidStateException)"; after the replica's import the swap works, and the staging role moves with it: the new
    primary accepts NEW_KEY_MATERIAL, the old primary (now a replica) does not ([IMP 7] rotation steps)."""
    e, w = regions(EAST), regions(WEST)
    ma = random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    kid = md["KeyId"]
    expect_error(e.update_primary_region, KeyId=kid, PrimaryRegion=WEST, code="KMSInvalidStateException")
    assert describe(e, kid)["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    import_material(w, kid, ma)
    e.update_primary_region(KeyId=kid, PrimaryRegion=WEST)
    assert settled(w, kid)["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    assert settled(e, kid)["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    expect_error(import_material, e, kid, random_symmetric(), ImportType="NEW_KEY_MATERIAL",
                 code="UnsupportedOperationException")
    b = import_material(w, kid, random_symmetric(), ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    assert by_id(rotations(e, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == \
        "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"


def test_staged_material_moves_with_the_primary_role(regions):
    """[IMP 7] UpdatePrimaryRegion: "whether a pending staged material blocks it is [UNCONFIRMED] (recommend: allowed,
    staged material ownership moves with the primary role)". The swap succeeds, the old primary (now a replica, which
    already has the material) needs nothing, the new primary imports it, it is PENDING_ROTATION everywhere and the new
    primary rotates it into every Region."""
    e, w = regions(EAST), regions(WEST)
    ma, mb = random_symmetric(), random_symmetric()
    md = primary_with_material(regions, ma, WEST)
    kid = md["KeyId"]
    import_material(w, kid, ma)
    b = import_material(e, kid, mb, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    e.update_primary_region(KeyId=kid, PrimaryRegion=WEST)
    settled(e, kid), settled(w, kid)
    for c in (e, w):
        assert by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == \
            "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    import_material(w, kid, mb)
    for c in (e, w):
        assert by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == "PENDING_ROTATION"
    expect_error(e.rotate_key_on_demand, KeyId=kid, code="UnsupportedOperationException")
    w.rotate_key_on_demand(KeyId=kid)
    for c in (e, w):
        assert poll(lambda: describe(c, kid)["CurrentKeyMaterialId"], lambda m: m == b) == b


# ====================================================================== other key types


def test_hmac_replica_needs_the_same_material(regions):
    """[IMP 7] "Any importable key type may be multi-Region (symmetric, HMAC, asymmetric)" and the replica must import
    the same material ([IMP 4.5] IncorrectKeyMaterialException otherwise); then both Regions compute the HMAC of the
    local material ([W2 2.1] shared key material)."""
    e, w = regions(EAST), regions(WEST)
    material = material_for("HMAC_256", 31)
    md = primary_with_material(regions, material, WEST, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    kid = md["KeyId"]
    expect_error(import_material, w, kid, material_for("HMAC_256", 32), spec="HMAC_256",
                 code="IncorrectKeyMaterialException")
    assert describe(w, kid)["KeyState"] == "PendingImport"
    import_material(w, kid, material, spec="HMAC_256")
    expected = hmac.new(material, b"msg", "sha256").digest()
    for c in (e, w):
        assert c.generate_mac(KeyId=kid, Message=b"msg", MacAlgorithm="HMAC_SHA_256")["Mac"] == expected


def test_ecc_replica_has_the_primary_public_key(regions):
    """[IMP 7] asymmetric EXTERNAL keys may be multi-Region; the same private key imported in both Regions gives one
    public key ([W2 2.7] "same public key everywhere"), and a different private key is refused in the replica."""
    e, w = regions(EAST), regions(WEST)
    spec = "ECC_NIST_P256"
    material = material_for(spec, 41)
    md = primary_with_material(regions, material, WEST, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    kid = md["KeyId"]
    expect_error(import_material, w, kid, material_for(spec, 42), spec=spec, code="IncorrectKeyMaterialException")
    import_material(w, kid, material, spec=spec)
    want = spki(local_private(spec, 41).public_key())
    assert e.get_public_key(KeyId=kid)["PublicKey"] == w.get_public_key(KeyId=kid)["PublicKey"] == want
    sig = w.sign(KeyId=kid, Message=b"m", MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    assert e.verify(KeyId=kid, Message=b"m", MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256",
                    Signature=sig)["SignatureValid"] is True


# ====================================================================== restart


def test_pending_multi_region_material_survives_restarts(server_factory):
    """The staged-material bookkeeping of [IMP 7] (PENDING_MULTI_REGION_IMPORT_AND_ROTATION until every replica imported
    it, then PENDING_ROTATION, then rotation on the primary) is durable: `srv.stop(); srv.start()` between each step."""
    srv = server_factory(name="mrk-import-restart").start()

    def bounce():
        srv.stop()
        srv.start()
        return srv.client(EAST), srv.client(WEST)

    e, w = srv.client(EAST), srv.client(WEST)
    ma, mb = random_symmetric(), random_symmetric()
    kid = e.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    a = import_material(e, kid, ma)["KeyMaterialId"]
    replicate(e, kid, WEST)
    e, w = bounce()
    assert settled(w, kid)["KeyState"] == "PendingImport"
    import_material(w, kid, ma)
    blob = e.encrypt(KeyId=kid, Plaintext=b"before restarts")["CiphertextBlob"]
    b = import_material(e, kid, mb, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    e, w = bounce()
    assert describe(w, kid)["KeyState"] == "Enabled"
    assert w.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before restarts"
    for c in (e, w):
        assert by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == \
            "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    import_material(w, kid, mb)
    e, w = bounce()
    for c in (e, w):
        assert by_id(rotations(c, kid, "ALL_KEY_MATERIAL"))[b]["KeyMaterialState"] == "PENDING_ROTATION"
    e.rotate_key_on_demand(KeyId=kid)
    e, w = bounce()
    for c in (e, w):
        d = describe(c, kid)
        assert (d["KeyState"], d["CurrentKeyMaterialId"]) == ("Enabled", b)
        assert c.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == a
