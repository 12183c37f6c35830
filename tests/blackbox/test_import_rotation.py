"""Several key materials in one imported symmetric key (spec 6): staging with NEW_KEY_MATERIAL,
RotateKeyOnDemand, ListKeyRotations, KeyMaterialId in cryptographic responses, the 25-rotation
quota and pagination."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from importhelpers import (
    create_external,
    describe,
    import_material,
    material_for,
    random_symmetric,
    rotations,
    utcnow,
)
from kmshelpers import expect_error

HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def two_materials(kms):
    """An imported key with A (CURRENT) and B staged (PENDING_ROTATION, with a description and ValidTo)."""
    md = create_external(kms)
    ma, mb = random_symmetric(), random_symmetric()
    a = import_material(kms, md["KeyId"], ma, KeyMaterialDescription="material A")["KeyMaterialId"]
    valid_to = (utcnow() + dt.timedelta(days=90)).replace(microsecond=0)
    b = import_material(kms, md["KeyId"], mb, ImportType="NEW_KEY_MATERIAL", ValidTo=valid_to,
                        KeyMaterialDescription="HSM slot 7")["KeyMaterialId"]
    return dict(md=md, ma=ma, mb=mb, a=a, b=b, valid_to=valid_to)


def test_new_import_stages_material_pending_rotation(kms, two_materials):
    t = two_materials
    kid = t["md"]["KeyId"]
    assert HEX64.match(t["b"]) and t["b"] != t["a"]
    after = describe(kms, kid)
    assert (after["KeyState"], after["CurrentKeyMaterialId"]) == ("Enabled", t["a"])
    # Staged material is excluded from the key's expiry (spec 10.1).
    assert after["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE" and "ValidTo" not in after
    listed = rotations(kms, kid, "ALL_KEY_MATERIAL")
    assert [r["KeyMaterialId"] for r in listed] == [t["a"], t["b"]]
    first, staged = listed
    assert first == {"KeyId": kid, "KeyMaterialId": t["a"], "KeyMaterialDescription": "material A",
                     "ImportState": "IMPORTED", "KeyMaterialState": "CURRENT",
                     "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}
    assert staged == {"KeyId": kid, "KeyMaterialId": t["b"], "KeyMaterialDescription": "HSM slot 7",
                      "ImportState": "IMPORTED", "KeyMaterialState": "PENDING_ROTATION",
                      "ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": t["valid_to"]}
    # ROTATIONS_ONLY (the default) omits the first and the staged material.
    assert rotations(kms, kid) == []
    assert kms.list_key_rotations(KeyId=kid)["Truncated"] is False
    # Encryption keeps using A.
    blob = kms.encrypt(KeyId=kid, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == t["a"]


def test_second_new_import_while_one_is_staged_is_invalid_state(kms, two_materials):
    t = two_materials
    md = t["md"]
    mc = random_symmetric()
    resp = expect_error(import_material, kms, md["KeyId"], mc, ImportType="NEW_KEY_MATERIAL",
                        code="KMSInvalidStateException",
                        match=rf"^New key material \(id: [0-9a-f]{{64}}\) cannot be imported into KMS key "
                              rf"{md['KeyId']}, because another key material \(id: {t['b']}\) is pending rotation\.$")
    # The id in the message is the ID C gets once the slot is free.
    new_id = re.search(r"\(id: ([0-9a-f]{64})\)", resp["Error"]["Message"]).group(1)
    kms.delete_imported_key_material(KeyId=md["KeyId"], KeyMaterialId=t["b"])
    assert import_material(kms, md["KeyId"], mc, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"] == new_id


def test_new_import_of_associated_material_is_incorrect(kms, two_materials):
    t = two_materials
    for material in (t["ma"], t["mb"]):
        expect_error(import_material, kms, t["md"]["KeyId"], material, ImportType="NEW_KEY_MATERIAL",
                     code="IncorrectKeyMaterialException")


def test_existing_import_rules(kms, two_materials):
    t = two_materials
    kid = t["md"]["KeyId"]
    # Unknown material with EXISTING (explicit or by default once material exists).
    expect_error(import_material, kms, kid, random_symmetric(), ImportType="EXISTING_KEY_MATERIAL",
                 code="IncorrectKeyMaterialException")
    expect_error(import_material, kms, kid, random_symmetric(), code="IncorrectKeyMaterialException")
    # KeyMaterialId naming another material than the one supplied.
    expect_error(import_material, kms, kid, t["ma"], ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=t["b"],
                 code="IncorrectKeyMaterialException")
    # Reimport of each associated material, by ID, changes only its own description/expiry.
    import_material(kms, kid, t["ma"], ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=t["a"],
                    KeyMaterialDescription="moved to vault")
    import_material(kms, kid, t["mb"], KeyMaterialId=t["b"])
    listed = {r["KeyMaterialId"]: r for r in rotations(kms, kid, "ALL_KEY_MATERIAL")}
    assert listed[t["a"]]["KeyMaterialDescription"] == "moved to vault"
    assert listed[t["b"]]["KeyMaterialDescription"] == "HSM slot 7"  # kept when omitted (spec 4.1)
    assert listed[t["b"]]["KeyMaterialState"] == "PENDING_ROTATION"
    assert listed[t["b"]]["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE" and "ValidTo" not in listed[t["b"]]


def test_rotate_on_demand_makes_staged_material_current(kms, two_materials):
    t = two_materials
    md = t["md"]
    kid = md["KeyId"]
    ct_a = kms.encrypt(KeyId=kid, Plaintext=b"under A")["CiphertextBlob"]
    before = utcnow()
    resp = kms.rotate_key_on_demand(KeyId=kid)
    assert resp["KeyId"] == md["Arn"]
    after = describe(kms, kid)
    assert after["CurrentKeyMaterialId"] == t["b"]
    assert after["KeyState"] == "Enabled"
    # Now B counts: the key expires at B's ValidTo (spec 10.1).
    assert (after["ExpirationModel"], after["ValidTo"]) == ("KEY_MATERIAL_EXPIRES", t["valid_to"])
    only = rotations(kms, kid)
    assert len(only) == 1
    assert only[0]["KeyMaterialId"] == t["b"] and only[0]["KeyMaterialState"] == "CURRENT"
    assert only[0]["RotationType"] == "ON_DEMAND"
    assert abs((only[0]["RotationDate"] - before).total_seconds()) < 30
    listed = rotations(kms, kid, "ALL_KEY_MATERIAL")
    assert [(r["KeyMaterialId"], r["KeyMaterialState"]) for r in listed] == [(t["a"], "NON_CURRENT"),
                                                                             (t["b"], "CURRENT")]
    assert "RotationDate" not in listed[0] and "RotationType" not in listed[0]

    # Old ciphertexts still decrypt, each reporting the material that made it.
    dec = kms.decrypt(CiphertextBlob=ct_a)
    assert (dec["Plaintext"], dec["KeyMaterialId"]) == (b"under A", t["a"])
    ct_b = kms.encrypt(KeyId=kid, Plaintext=b"under B")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ct_b)["KeyMaterialId"] == t["b"]
    assert "KeyMaterialId" not in kms.encrypt(KeyId=kid, Plaintext=b"x")  # EncryptResponse has none (spec 6.5)
    gdk = kms.generate_data_key(KeyId=kid, KeySpec="AES_256")
    assert gdk["KeyMaterialId"] == t["b"]
    assert kms.decrypt(CiphertextBlob=gdk["CiphertextBlob"])["Plaintext"] == gdk["Plaintext"]
    assert kms.generate_data_key_without_plaintext(KeyId=kid, KeySpec="AES_128")["KeyMaterialId"] == t["b"]
    re_enc = kms.re_encrypt(CiphertextBlob=ct_a, DestinationKeyId=kid)
    assert (re_enc["SourceKeyMaterialId"], re_enc["DestinationKeyMaterialId"]) == (t["a"], t["b"])
    assert kms.decrypt(CiphertextBlob=re_enc["CiphertextBlob"])["KeyMaterialId"] == t["b"]
    # No staged material left.
    expect_error(kms.rotate_key_on_demand, KeyId=kid, code="KMSInvalidStateException",
                 message=f"No available key material pending rotation for the key: {md['Arn']}.")


def test_re_encrypt_to_an_asymmetric_key_has_only_source_material_id(kms, two_materials):
    t = two_materials
    ct = kms.encrypt(KeyId=t["md"]["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    rsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    out = kms.re_encrypt(CiphertextBlob=ct, DestinationKeyId=rsa_key, DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["SourceKeyMaterialId"] == t["a"]
    assert "DestinationKeyMaterialId" not in out


def test_rotate_without_staged_material_is_invalid_state(kms):
    md = create_external(kms)
    import_material(kms, md["KeyId"], random_symmetric())
    expect_error(kms.rotate_key_on_demand, KeyId=md["KeyId"], code="KMSInvalidStateException",
                 message=f"No available key material pending rotation for the key: {md['Arn']}.")


def test_rotate_states(kms, two_materials):
    t = two_materials
    kid = t["md"]["KeyId"]
    kms.disable_key(KeyId=kid)
    expect_error(kms.rotate_key_on_demand, KeyId=kid, code="DisabledException",
                 message=f"{t['md']['Arn']} is disabled.")
    kms.enable_key(KeyId=kid)
    never = create_external(kms)
    expect_error(kms.rotate_key_on_demand, KeyId=never["KeyId"], code="KMSInvalidStateException")
    assert describe(kms, kid)["CurrentKeyMaterialId"] == t["a"]


@pytest.mark.parametrize("spec", ["HMAC_256", "ECC_NIST_P256"])
def test_rotate_on_hmac_or_asymmetric_imported_key_is_unsupported(kms, spec):
    md = create_external(kms, spec)
    import_material(kms, md["KeyId"], material_for(spec), spec=spec)
    expect_error(kms.rotate_key_on_demand, KeyId=md["KeyId"], code="UnsupportedOperationException")
    expect_error(kms.list_key_rotations, KeyId=md["KeyId"], code="UnsupportedOperationException")


def test_list_key_rotations_pagination(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    for _ in range(5):
        kms.rotate_key_on_demand(KeyId=kid)
    everything = kms.list_key_rotations(KeyId=kid)
    assert everything["Truncated"] is False and "NextMarker" not in everything
    full = everything["Rotations"]
    assert len(full) == 5 and len({r["KeyMaterialId"] for r in full}) == 5
    assert all(r["RotationType"] == "ON_DEMAND" and "ImportState" not in r for r in full)
    assert [r["KeyMaterialState"] for r in full] == ["NON_CURRENT"] * 4 + ["CURRENT"]
    assert full[-1]["KeyMaterialId"] == describe(kms, kid)["CurrentKeyMaterialId"]
    pages, marker = [], None
    while True:
        page = kms.list_key_rotations(KeyId=kid, Limit=2, **({"Marker": marker} if marker else {}))
        pages.append(page["Rotations"])
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [r for p in pages for r in p] == full
    with_first = kms.list_key_rotations(KeyId=kid, IncludeKeyMaterial="ALL_KEY_MATERIAL", Limit=1000)["Rotations"]
    assert len(with_first) == 6 and with_first[1:] == full and "RotationDate" not in with_first[0]
    expect_error(kms.list_key_rotations, KeyId=kid, Marker="not-a-marker", code="InvalidMarkerException")


def test_the_26th_on_demand_rotation_exceeds_the_limit(kms):
    md = kms.create_key()["KeyMetadata"]
    for _ in range(25):
        kms.rotate_key_on_demand(KeyId=md["KeyId"])
    before = describe(kms, md["KeyId"])["CurrentKeyMaterialId"]
    expect_error(kms.rotate_key_on_demand, KeyId=md["KeyId"], code="LimitExceededException",
                 message="The on-demand rotations limit has been reached for the given keyId. "
                         f"No more on-demand rotations can be performed for this key: {md['Arn']}")
    assert describe(kms, md["KeyId"])["CurrentKeyMaterialId"] == before
    assert len(rotations(kms, md["KeyId"])) == 25
