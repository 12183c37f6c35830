"""Imported material, its expiry, rotations and outstanding import parameters survive a
restart of the server."""

from __future__ import annotations

import datetime as dt
import hmac
import time

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


def test_imported_keys_materials_expiry_and_rotations_survive_restart(server_factory):
    srv = server_factory(name="import-restart").start()
    c = srv.client()

    sym = create_external(c)
    ma, mb = random_symmetric(), random_symmetric()
    far = (utcnow() + dt.timedelta(days=200)).replace(microsecond=0)
    a = import_material(c, sym["KeyId"], ma, ValidTo=far, KeyMaterialDescription="A")["KeyMaterialId"]
    ct_a = c.encrypt(KeyId=sym["KeyId"], Plaintext=b"A")["CiphertextBlob"]
    b = import_material(c, sym["KeyId"], mb, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    c.rotate_key_on_demand(KeyId=sym["KeyId"])
    ct_b = c.encrypt(KeyId=sym["KeyId"], Plaintext=b"B")["CiphertextBlob"]
    mc = random_symmetric()
    staged = import_material(c, sym["KeyId"], mc, ImportType="NEW_KEY_MATERIAL",
                             KeyMaterialDescription="staged")["KeyMaterialId"]

    mac_key = create_external(c, "HMAC_512")
    m_mac = material_for("HMAC_512")
    import_material(c, mac_key["KeyId"], m_mac)
    ec_key = create_external(c, "ECC_NIST_P384")
    m_ec = material_for("ECC_NIST_P384")
    import_material(c, ec_key["KeyId"], m_ec, spec="ECC_NIST_P384")
    deleted = create_external(c)
    import_material(c, deleted["KeyId"], random_symmetric())
    c.delete_imported_key_material(KeyId=deleted["KeyId"])

    # Outstanding import parameters for a never-imported key and for a reimport.
    waiting = create_external(c, "ECC_NIST_P256")
    p_waiting = params(c, waiting["KeyId"], "RSA_AES_KEY_WRAP_SHA_1", "RSA_3072")
    p_reimport = params(c, sym["KeyId"])

    # Material that expires shortly after the restart.
    short = create_external(c)
    m_short = random_symmetric()
    soon = (utcnow() + dt.timedelta(seconds=6)).replace(microsecond=0)
    import_material(c, short["KeyId"], m_short, ValidTo=soon)
    ct_short = c.encrypt(KeyId=short["KeyId"], Plaintext=b"short")["CiphertextBlob"]

    keys = (sym, mac_key, ec_key, deleted, waiting, short)
    md_before = {k["KeyId"]: describe(c, k["KeyId"]) for k in keys}
    rot_before = {k: rotations(c, sym["KeyId"], k) for k in (None, "ALL_KEY_MATERIAL")}
    del_before = rotations(c, deleted["KeyId"], "ALL_KEY_MATERIAL")

    srv.restart()
    c = srv.client()

    for k in keys:
        if k is short:
            continue
        assert describe(c, k["KeyId"]) == md_before[k["KeyId"]], k["KeyId"]
    assert {k: rotations(c, sym["KeyId"], k) for k in (None, "ALL_KEY_MATERIAL")} == rot_before
    assert rotations(c, deleted["KeyId"], "ALL_KEY_MATERIAL") == del_before
    assert state(c, deleted["KeyId"]) == "PendingImport"

    md = describe(c, sym["KeyId"])
    assert (md["CurrentKeyMaterialId"], md["ExpirationModel"], md["ValidTo"]) == (b, "KEY_MATERIAL_EXPIRES", far)
    assert c.decrypt(CiphertextBlob=ct_a)["KeyMaterialId"] == a
    assert c.decrypt(CiphertextBlob=ct_b)["KeyMaterialId"] == b
    # The staged material is still staged and can be rotated in.
    c.rotate_key_on_demand(KeyId=sym["KeyId"])
    assert describe(c, sym["KeyId"])["CurrentKeyMaterialId"] == staged

    mac = c.generate_mac(KeyId=mac_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_512")["Mac"]
    assert mac == hmac.new(m_mac, b"m", "sha512").digest()
    sig = c.sign(KeyId=ec_key["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_384")["Signature"]
    serialization.load_der_private_key(m_ec, None).public_key().verify(sig, b"m", ec.ECDSA(hashes.SHA384()))

    # Tokens issued before the restart still import after it.
    m_wait = material_for("ECC_NIST_P256")
    c.import_key_material(KeyId=waiting["KeyId"], ImportToken=p_waiting["ImportToken"],
                          EncryptedKeyMaterial=wrap(m_wait, p_waiting["PublicKey"], "RSA_AES_KEY_WRAP_SHA_1"),
                          ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert state(c, waiting["KeyId"]) == "Enabled"
    c.import_key_material(KeyId=sym["KeyId"], ImportToken=p_reimport["ImportToken"],
                          EncryptedKeyMaterial=wrap(ma, p_reimport["PublicKey"], "RSAES_OAEP_SHA_256"),
                          ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert "ValidTo" not in describe(c, sym["KeyId"])

    # The short ValidTo is still enforced after the restart.
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 1.2)
    expect_error(c.decrypt, CiphertextBlob=ct_short, code="KMSInvalidStateException",
                 message=msgs_pending_import(short["Arn"]))
    assert state(c, short["KeyId"]) == "PendingImport"
    srv.restart()
    c = srv.client()
    assert state(c, short["KeyId"]) == "PendingImport"
    import_material(c, short["KeyId"], m_short)
    assert c.decrypt(CiphertextBlob=ct_short)["Plaintext"] == b"short"
