"""Expiry of imported key material with a real, short ValidTo (spec 5.1) and
DeleteImportedKeyMaterial (spec 5.2).

The expiry scenarios share one wait: `expired` sets up every key, checks that each works before
ValidTo (a few seconds ahead), sleeps once past ValidTo and hands the keys to the tests.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from importhelpers import (
    create_external,
    describe,
    import_material,
    material_for,
    params,
    random_symmetric,
    rotations,
    state,
    utcnow,
    wrap,
)
from kmshelpers import expect_error, msgs_pending_import

LEAD_S = 5  # ValidTo this far ahead of the imports (whole seconds; botocore sends integer epoch seconds)


def _import_with(kms, p, key_id, material, algorithm="RSAES_OAEP_SHA_256", **kw):
    return kms.import_key_material(KeyId=key_id, ImportToken=p["ImportToken"],
                                   EncryptedKeyMaterial=wrap(material, p["PublicKey"], algorithm), **kw)


@pytest.fixture(scope="module")
def expired(kms):
    s: dict = {}
    sym = create_external(kms)
    ec_key = create_external(kms, "ECC_NIST_P256")
    mac_key = create_external(kms, "HMAC_256")
    staged = create_external(kms)       # current never expires, staged (PENDING_ROTATION) expires
    rotated = create_external(kms)      # A expires, then becomes NON_CURRENT after a rotation
    deleting = create_external(kms)     # expires while PendingDeletion
    s.update(sym=sym, ec=ec_key, mac=mac_key, staged=staged, rotated=rotated, deleting=deleting)
    s["m_sym"], s["m_ec"], s["m_mac"] = random_symmetric(), material_for("ECC_NIST_P256"), material_for("HMAC_256")
    s["m_staged_a"], s["m_staged_b"] = random_symmetric(), random_symmetric()
    s["m_rot_a"], s["m_rot_b"] = random_symmetric(), random_symmetric()
    s["m_del"] = random_symmetric()

    # Everything that is not time-critical first.
    import_material(kms, staged["KeyId"], s["m_staged_a"])
    s["staged_a_id"] = describe(kms, staged["KeyId"])["CurrentKeyMaterialId"]
    ps = {k: params(kms, s[k]["KeyId"], "RSA_AES_KEY_WRAP_SHA_256" if k == "ec" else "RSAES_OAEP_SHA_256")
          for k in ("sym", "ec", "mac", "staged", "rotated", "deleting")}
    p_rot_b = params(kms, rotated["KeyId"])

    valid_to = (utcnow() + dt.timedelta(seconds=LEAD_S + 1)).replace(microsecond=0)
    s["valid_to"] = valid_to
    _import_with(kms, ps["sym"], sym["KeyId"], s["m_sym"], ValidTo=valid_to)
    _import_with(kms, ps["ec"], ec_key["KeyId"], s["m_ec"], "RSA_AES_KEY_WRAP_SHA_256", ValidTo=valid_to)
    _import_with(kms, ps["mac"], mac_key["KeyId"], s["m_mac"], ValidTo=valid_to)
    s["staged_b_id"] = _import_with(kms, ps["staged"], staged["KeyId"], s["m_staged_b"], ValidTo=valid_to,
                                    ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    s["rot_a_id"] = _import_with(kms, ps["rotated"], rotated["KeyId"], s["m_rot_a"], ValidTo=valid_to)["KeyMaterialId"]
    _import_with(kms, p_rot_b, rotated["KeyId"], s["m_rot_b"], ImportType="NEW_KEY_MATERIAL",
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    kms.rotate_key_on_demand(KeyId=rotated["KeyId"])
    _import_with(kms, ps["deleting"], deleting["KeyId"], s["m_del"], ValidTo=valid_to)
    kms.schedule_key_deletion(KeyId=deleting["KeyId"], PendingWindowInDays=7)

    # Before ValidTo everything works.
    assert utcnow() < valid_to, "set-up too slow for the chosen ValidTo lead"
    s["before"] = {k: describe(kms, s[k]["KeyId"]) for k in ("sym", "ec", "mac", "staged", "rotated")}
    s["ct_sym"] = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"before expiry")["CiphertextBlob"]
    s["ct_rot"] = kms.encrypt(KeyId=rotated["KeyId"], Plaintext=b"rotated")["CiphertextBlob"]
    s["sig_before"] = kms.sign(KeyId=ec_key["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    s["mac_before"] = kms.generate_mac(KeyId=mac_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    s["list_before"] = rotations(kms, staged["KeyId"], "ALL_KEY_MATERIAL")
    assert utcnow() < valid_to, "set-up too slow for the chosen ValidTo lead"

    time.sleep(max(0.0, (valid_to - utcnow()).total_seconds()) + 1.2)
    return s


def test_keys_work_and_report_expiry_before_valid_to(expired):
    s = expired
    for k in ("sym", "ec", "mac"):
        md = s["before"][k]
        assert (md["KeyState"], md["ExpirationModel"], md["ValidTo"]) == ("Enabled", "KEY_MATERIAL_EXPIRES",
                                                                          s["valid_to"]), k
    # Staged material is excluded from the key's ExpirationModel/ValidTo (spec 10.1).
    assert s["before"]["staged"]["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "ValidTo" not in s["before"]["staged"]
    # After the rotation the NON_CURRENT material A still counts (spec 10.1: earliest of permanent materials).
    assert s["before"]["rotated"]["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert s["before"]["rotated"]["ValidTo"] == s["valid_to"]
    pub = serialization.load_der_private_key(s["m_ec"], None).public_key()
    pub.verify(s["sig_before"], b"m", ec.ECDSA(hashes.SHA256()))
    assert s["mac_before"] == hmac.new(s["m_mac"], b"m", "sha256").digest()
    staged_entry = [r for r in s["list_before"] if r["KeyMaterialId"] == s["staged_b_id"]]
    assert staged_entry and staged_entry[0]["ValidTo"] == s["valid_to"]


def test_expired_symmetric_key_is_pending_import_and_refuses_crypto(kms, expired):
    md = expired["sym"]
    msgs = msgs_pending_import(md["Arn"])
    expect_error(kms.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="KMSInvalidStateException", message=msgs)
    expect_error(kms.decrypt, CiphertextBlob=expired["ct_sym"], code="KMSInvalidStateException", message=msgs)
    expect_error(kms.generate_data_key, KeyId=md["KeyId"], KeySpec="AES_256", code="KMSInvalidStateException",
                 message=msgs)
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["Enabled"]) == ("PendingImport", False)
    entry = rotations(kms, md["KeyId"], "ALL_KEY_MATERIAL")
    assert [(r["ImportState"], r["KeyMaterialState"]) for r in entry] == [("PENDING_IMPORT", "CURRENT")]
    assert "ExpirationModel" not in entry[0] and "ValidTo" not in entry[0]


def test_expired_asymmetric_and_hmac_keys_refuse_crypto(kms, expired):
    ec_md, mac_md = expired["ec"], expired["mac"]
    expect_error(kms.sign, KeyId=ec_md["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256",
                 code="KMSInvalidStateException", message=msgs_pending_import(ec_md["Arn"]))
    expect_error(kms.verify, KeyId=ec_md["KeyId"], Message=b"m", Signature=expired["sig_before"],
                 SigningAlgorithm="ECDSA_SHA_256", code="KMSInvalidStateException",
                 message=msgs_pending_import(ec_md["Arn"]))
    expect_error(kms.generate_mac, KeyId=mac_md["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256",
                 code="KMSInvalidStateException", message=msgs_pending_import(mac_md["Arn"]))
    assert state(kms, ec_md["KeyId"]) == "PendingImport"
    assert state(kms, mac_md["KeyId"]) == "PendingImport"


def test_reimporting_the_same_material_restores_expired_keys(kms, expired):
    s = expired
    import_material(kms, s["sym"]["KeyId"], s["m_sym"])
    assert kms.decrypt(CiphertextBlob=s["ct_sym"])["Plaintext"] == b"before expiry"
    assert state(kms, s["sym"]["KeyId"]) == "Enabled"
    import_material(kms, s["ec"]["KeyId"], s["m_ec"], spec="ECC_NIST_P256")
    assert kms.verify(KeyId=s["ec"]["KeyId"], Message=b"m", Signature=s["sig_before"],
                      SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
    import_material(kms, s["mac"]["KeyId"], s["m_mac"])
    assert kms.generate_mac(KeyId=s["mac"]["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"] == s["mac_before"]


def test_expired_staged_material_leaves_the_key_enabled(kms, expired):
    s = expired
    kid = s["staged"]["KeyId"]
    assert state(kms, kid) == "Enabled"
    listed = rotations(kms, kid, "ALL_KEY_MATERIAL")
    assert [r["KeyMaterialId"] for r in listed] == [s["staged_a_id"]]
    expect_error(kms.rotate_key_on_demand, KeyId=kid, code="KMSInvalidStateException",
                 message=f"No available key material pending rotation for the key: {s['staged']['Arn']}.")
    blob = kms.encrypt(KeyId=kid, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == s["staged_a_id"]


def test_expired_non_current_material_makes_the_key_pending_import(kms, expired):
    s = expired
    kid = s["rotated"]["KeyId"]
    assert state(kms, kid) == "PendingImport"
    listed = {r["KeyMaterialId"]: r for r in rotations(kms, kid, "ALL_KEY_MATERIAL")}
    assert (listed[s["rot_a_id"]]["ImportState"], listed[s["rot_a_id"]]["KeyMaterialState"]) == \
        ("PENDING_IMPORT", "NON_CURRENT")
    expect_error(kms.encrypt, KeyId=kid, Plaintext=b"x", code="KMSInvalidStateException")
    import_material(kms, kid, s["m_rot_a"], ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=s["rot_a_id"])
    assert state(kms, kid) == "Enabled"
    assert kms.decrypt(CiphertextBlob=s["ct_rot"])["Plaintext"] == b"rotated"


def test_expiry_during_pending_deletion_keeps_pending_deletion(kms, expired):
    md = expired["deleting"]
    assert state(kms, md["KeyId"]) == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=md["KeyId"])
    # Spec 8 (INFERRED): an EXTERNAL key whose material is missing comes back as PendingImport.
    assert state(kms, md["KeyId"]) == "PendingImport"
    import_material(kms, md["KeyId"], expired["m_del"])
    assert state(kms, md["KeyId"]) in ("Disabled", "Enabled")


# ------------------------------------------------------------------ DeleteImportedKeyMaterial (spec 5.2)

@pytest.mark.parametrize("with_id", [False, True], ids=["current", "by-id"])
def test_delete_makes_the_key_pending_import_and_reimport_restores_it(kms, with_id):
    md = create_external(kms)
    material = random_symmetric()
    mid = import_material(kms, md["KeyId"], material)["KeyMaterialId"]
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"kept")["CiphertextBlob"]
    resp = kms.delete_imported_key_material(KeyId=md["KeyId"], **({"KeyMaterialId": mid} if with_id else {}))
    assert resp["KeyId"] == md["Arn"]
    assert resp["KeyMaterialId"] == mid
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["Enabled"]) == ("PendingImport", False)
    msgs = msgs_pending_import(md["Arn"])
    expect_error(kms.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="KMSInvalidStateException", message=msgs)
    expect_error(kms.decrypt, CiphertextBlob=blob, code="KMSInvalidStateException", message=msgs)
    listed = rotations(kms, md["KeyId"], "ALL_KEY_MATERIAL")
    assert [(r["KeyMaterialId"], r["ImportState"]) for r in listed] == [(mid, "PENDING_IMPORT")]
    # Other material cannot take its place: the deleted one is still associated (spec 5.2).
    expect_error(import_material, kms, md["KeyId"], random_symmetric(), code="IncorrectKeyMaterialException")
    assert import_material(kms, md["KeyId"], material)["KeyMaterialId"] == mid
    assert state(kms, md["KeyId"]) == "Enabled"
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


@pytest.mark.parametrize("spec", ["HMAC_256", "ECC_NIST_P256"])
def test_delete_on_hmac_and_asymmetric_keys(kms, spec):
    md = create_external(kms, spec)
    material = material_for(spec)
    import_material(kms, md["KeyId"], material, spec=spec)
    resp = kms.delete_imported_key_material(KeyId=md["KeyId"])
    assert resp["KeyId"] == md["Arn"]
    assert state(kms, md["KeyId"]) == "PendingImport"
    if spec == "HMAC_256":
        expect_error(kms.generate_mac, KeyId=md["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256",
                     code="KMSInvalidStateException")
        expect_error(import_material, kms, md["KeyId"], os.urandom(32), code="IncorrectKeyMaterialException")
    else:
        expect_error(kms.sign, KeyId=md["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256",
                     code="KMSInvalidStateException")
        other = ec.generate_private_key(ec.SECP256R1())
        from importhelpers import pkcs8
        expect_error(import_material, kms, md["KeyId"], pkcs8(other), spec=spec, code="IncorrectKeyMaterialException")
    import_material(kms, md["KeyId"], material, spec=spec)
    assert state(kms, md["KeyId"]) == "Enabled"


def test_delete_with_unknown_key_material_id_is_not_found(kms):
    md = create_external(kms)
    import_material(kms, md["KeyId"], random_symmetric())
    expect_error(kms.delete_imported_key_material, KeyId=md["KeyId"], KeyMaterialId="c" * 64,
                 code="NotFoundException")
    assert state(kms, md["KeyId"]) == "Enabled"


def test_delete_on_an_aws_kms_key_is_unsupported(kms):
    md = kms.create_key()["KeyMetadata"]
    expect_error(kms.delete_imported_key_material, KeyId=md["KeyId"], code="UnsupportedOperationException",
                 message=f"{md['Arn']} origin is AWS_KMS which is not valid for this operation.")
    assert state(kms, md["KeyId"]) == "Enabled"


def test_delete_on_a_never_imported_key_is_a_no_op(kms):
    """Spec 5.2 (UNCONFIRMED, recommendation): success, no-op, empty KeyMaterialId."""
    md = create_external(kms)
    resp = kms.delete_imported_key_material(KeyId=md["KeyId"])
    assert resp["KeyId"] == md["Arn"]
    assert not resp.get("KeyMaterialId")
    assert state(kms, md["KeyId"]) == "PendingImport"


def test_delete_on_a_pending_deletion_key_keeps_pending_deletion(kms):
    md = create_external(kms)
    material = random_symmetric()
    import_material(kms, md["KeyId"], material)
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    kms.delete_imported_key_material(KeyId=md["KeyId"])
    assert state(kms, md["KeyId"]) == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=md["KeyId"])
    assert state(kms, md["KeyId"]) == "PendingImport"


def test_delete_of_staged_material_keeps_the_key_enabled_and_frees_the_slot(kms):
    md = create_external(kms)
    a = import_material(kms, md["KeyId"], random_symmetric())["KeyMaterialId"]
    b = import_material(kms, md["KeyId"], random_symmetric(), ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    assert [r["KeyMaterialId"] for r in rotations(kms, md["KeyId"], "ALL_KEY_MATERIAL")] == [a, b]
    resp = kms.delete_imported_key_material(KeyId=md["KeyId"], KeyMaterialId=b)
    assert resp["KeyMaterialId"] == b
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["CurrentKeyMaterialId"]) == ("Enabled", a)
    assert [r["KeyMaterialId"] for r in rotations(kms, md["KeyId"], "ALL_KEY_MATERIAL")] == [a]
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == a
    expect_error(kms.rotate_key_on_demand, KeyId=md["KeyId"], code="KMSInvalidStateException")
    # The staging slot is free again.
    c = import_material(kms, md["KeyId"], random_symmetric(), ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    assert c not in (a, b)


def test_delete_of_non_current_material_makes_the_key_pending_import(kms):
    md = create_external(kms)
    ma, mb = random_symmetric(), random_symmetric()
    a = import_material(kms, md["KeyId"], ma)["KeyMaterialId"]
    ct_a = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"a")["CiphertextBlob"]
    import_material(kms, md["KeyId"], mb, ImportType="NEW_KEY_MATERIAL")
    kms.rotate_key_on_demand(KeyId=md["KeyId"])
    kms.delete_imported_key_material(KeyId=md["KeyId"], KeyMaterialId=a)
    assert state(kms, md["KeyId"]) == "PendingImport"
    expect_error(kms.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="KMSInvalidStateException")
    import_material(kms, md["KeyId"], ma, ImportType="EXISTING_KEY_MATERIAL")
    assert state(kms, md["KeyId"]) == "Enabled"
    assert kms.decrypt(CiphertextBlob=ct_a)["KeyMaterialId"] == a
