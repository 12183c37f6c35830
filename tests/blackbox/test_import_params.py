"""GetParametersForImport (spec 2) and the request-level rules of ImportKeyMaterial (spec 4.2,
4.4, 4.5): refused combinations, parameter combinations and import tokens."""

from __future__ import annotations

import base64
import datetime as dt
import os
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from importhelpers import (
    ALL_WRAPPING_ALGORITHMS,
    ALL_WRAPPING_SPECS,
    IMPORTABLE_SPECS,
    SYMMETRIC,
    WRAPPING_BITS,
    allowed,
    create_external,
    describe,
    import_material,
    material_for,
    params,
    random_symmetric,
    state,
    utcnow,
    wrap,
)
from kmshelpers import expect_error, unique_alias

REFUSED = [(alg, ws, ks) for ks in IMPORTABLE_SPECS for alg in ALL_WRAPPING_ALGORITHMS for ws in ALL_WRAPPING_SPECS
           if not allowed(alg, ws, ks)]


@pytest.fixture(scope="module")
def fresh_keys(kms):
    """One never-imported EXTERNAL key per importable key spec."""
    return {spec: create_external(kms, spec) for spec in IMPORTABLE_SPECS}


# ------------------------------------------------------------------ GetParametersForImport

@pytest.mark.parametrize("wrapping_spec", ["RSA_2048", "RSA_3072", "RSA_4096"])
def test_parameters_are_a_der_spki_rsa_key_of_the_asked_size_valid_24h(kms, wrapping_spec):
    md = create_external(kms)
    before = time.time()
    p = params(kms, md["KeyId"], "RSAES_OAEP_SHA_256", wrapping_spec)
    after = time.time()
    assert p["KeyId"] == md["Arn"]
    pub = serialization.load_der_public_key(p["PublicKey"])
    assert isinstance(pub, rsa.RSAPublicKey)
    assert pub.key_size == WRAPPING_BITS[wrapping_spec]
    assert pub.public_numbers().e == 65537
    # DER SubjectPublicKeyInfo exactly (re-encoding gives the same bytes).
    assert pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == p["PublicKey"]
    valid_to = p["ParametersValidTo"].timestamp()
    assert before + 86400 - 2 <= valid_to <= after + 86400 + 2
    assert 1 <= len(p["ImportToken"]) <= 6144


def test_every_call_returns_a_fresh_key_pair_and_token(kms):
    md = create_external(kms)
    first = params(kms, md["KeyId"])
    second = params(kms, md["KeyId"])
    third = params(kms, md["Arn"], "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048")
    assert len({first["PublicKey"], second["PublicKey"], third["PublicKey"]}) == 3
    assert len({first["ImportToken"], second["ImportToken"], third["ImportToken"]}) == 3
    assert third["KeyId"] == md["Arn"]


def test_earlier_parameters_stay_valid_after_new_ones_are_issued(kms):
    """Spec 2.2 (UNCONFIRMED, recommendation): earlier tokens stay valid until their own ParametersValidTo."""
    md = create_external(kms)
    old = params(kms, md["KeyId"])
    params(kms, md["KeyId"])
    import_material(kms, md["KeyId"], random_symmetric(), parameters=old, algorithm="RSAES_OAEP_SHA_256")
    assert state(kms, md["KeyId"]) == "Enabled"


def test_a_token_may_be_used_again_within_its_validity(kms):
    """Spec 2.2 (UNCONFIRMED, recommendation): accept reuse within 24 h."""
    md = create_external(kms)
    p = params(kms, md["KeyId"])
    material = random_symmetric()
    a = import_material(kms, md["KeyId"], material, parameters=p, algorithm="RSAES_OAEP_SHA_256")
    b = import_material(kms, md["KeyId"], material, parameters=p, algorithm="RSAES_OAEP_SHA_256")
    assert a["KeyMaterialId"] == b["KeyMaterialId"]


def test_parameters_for_an_enabled_and_a_disabled_external_key(kms):
    md = create_external(kms)
    import_material(kms, md["KeyId"], random_symmetric())
    assert params(kms, md["KeyId"])["KeyId"] == md["Arn"]
    kms.disable_key(KeyId=md["KeyId"])
    assert params(kms, md["KeyId"])["KeyId"] == md["Arn"]


@pytest.mark.parametrize("algorithm,wrapping_spec,key_spec", REFUSED, ids=["-".join(c) for c in REFUSED])
def test_refused_combination_is_unsupported_at_get_parameters(kms, fresh_keys, algorithm, wrapping_spec, key_spec):
    md = fresh_keys[key_spec]
    expect_error(params, kms, md["KeyId"], algorithm, wrapping_spec, code="UnsupportedOperationException")


def test_refused_cells_are_exactly_the_documented_ones():
    assert len(REFUSED) == 13 * 6 * 4 - 136
    for ks in IMPORTABLE_SPECS:
        for ws in ALL_WRAPPING_SPECS:
            assert ("RSAES_PKCS1_V1_5", ws, ks) in REFUSED and ("SM2PKE", ws, ks) in REFUSED
    assert ("RSAES_OAEP_SHA_256", "RSA_4096", "RSA_4096") in REFUSED
    assert ("RSAES_OAEP_SHA_256", "RSA_2048", "ECC_NIST_P521") in REFUSED
    assert ("RSAES_OAEP_SHA_256", "RSA_3072", "ECC_NIST_P521") not in REFUSED
    assert ("RSA_AES_KEY_WRAP_SHA_1", "SM2", SYMMETRIC) in REFUSED


def test_get_parameters_on_an_aws_kms_key_is_unsupported(kms):
    md = kms.create_key()["KeyMetadata"]
    expect_error(params, kms, md["KeyId"], code="UnsupportedOperationException",
                 message=f"{md['Arn']} origin is AWS_KMS which is not valid for this operation.")
    hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    expect_error(params, kms, hmac["Arn"], code="UnsupportedOperationException",
                 message=f"{hmac['Arn']} origin is AWS_KMS which is not valid for this operation.")


def test_alias_is_not_accepted_as_key_id(kms):
    md = create_external(kms)
    alias = unique_alias("imp")
    kms.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
    alias_arn = md["Arn"].rsplit(":", 1)[0] + ":" + alias
    for ident in (alias, alias_arn):
        expect_error(params, kms, ident, code="NotFoundException")
    p = params(kms, md["KeyId"])
    for ident in (alias, alias_arn):
        expect_error(kms.import_key_material, KeyId=ident, ImportToken=p["ImportToken"],
                     EncryptedKeyMaterial=wrap(random_symmetric(), p["PublicKey"], "RSAES_OAEP_SHA_256"),
                     ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="NotFoundException")
        expect_error(kms.delete_imported_key_material, KeyId=ident, code="NotFoundException")
    assert state(kms, md["KeyId"]) == "PendingImport"


def test_unknown_key_is_not_found(kms):
    expect_error(params, kms, "11111111-2222-3333-4444-555555555555", code="NotFoundException")


@pytest.mark.parametrize("spec", ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87"])
def test_ml_dsa_external_key_cannot_be_created(kms, spec):
    expect_error(kms.create_key, Origin="EXTERNAL", KeySpec=spec, KeyUsage="SIGN_VERIFY",
                 code="UnsupportedOperationException")


# ------------------------------------------------------------------ ImportKeyMaterial parameters (spec 4.2)

def _import_req(kms, key_id: str, material: bytes, **kwargs):
    p = params(kms, key_id)
    return dict(KeyId=key_id, ImportToken=p["ImportToken"],
                EncryptedKeyMaterial=wrap(material, p["PublicKey"], "RSAES_OAEP_SHA_256"), **kwargs)


EXPIRES_MSG = "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"


def test_default_expiration_model_is_expires_and_requires_valid_to(kms):
    md = create_external(kms)
    expect_error(kms.import_key_material, **_import_req(kms, md["KeyId"], random_symmetric()),
                 code="ValidationException", message=EXPIRES_MSG)
    expect_error(kms.import_key_material, **_import_req(kms, md["KeyId"], random_symmetric(),
                                                        ExpirationModel="KEY_MATERIAL_EXPIRES"),
                 code="ValidationException", message=EXPIRES_MSG)
    assert state(kms, md["KeyId"]) == "PendingImport"
    # With only ValidTo the default (EXPIRES) applies.
    valid_to = (utcnow() + dt.timedelta(days=10)).replace(microsecond=0)
    kms.import_key_material(**_import_req(kms, md["KeyId"], random_symmetric(), ValidTo=valid_to))
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["ExpirationModel"], after["ValidTo"]) == ("Enabled", "KEY_MATERIAL_EXPIRES", valid_to)


@pytest.mark.parametrize("delta", [dt.timedelta(seconds=-60), dt.timedelta(days=-3), dt.timedelta(seconds=0),
                                   dt.timedelta(days=366), dt.timedelta(days=365, hours=1)])
def test_valid_to_in_the_past_or_beyond_365_days_is_refused(kms, delta):
    md = create_external(kms)
    valid_to = utcnow() + delta
    expect_error(kms.import_key_material, **_import_req(kms, md["KeyId"], random_symmetric(), ValidTo=valid_to),
                 code="ValidationException")
    expect_error(kms.import_key_material, **_import_req(kms, md["KeyId"], random_symmetric(), ValidTo=valid_to,
                                                        ExpirationModel="KEY_MATERIAL_EXPIRES"),
                 code="ValidationException")
    assert state(kms, md["KeyId"]) == "PendingImport"


def test_valid_to_just_inside_365_days_is_accepted(kms):
    md = create_external(kms)
    valid_to = (utcnow() + dt.timedelta(days=365) - dt.timedelta(minutes=5)).replace(microsecond=0)
    kms.import_key_material(**_import_req(kms, md["KeyId"], random_symmetric(), ValidTo=valid_to))
    assert describe(kms, md["KeyId"])["ValidTo"] == valid_to


def test_valid_to_with_does_not_expire_is_refused(kms):
    md = create_external(kms)
    expect_error(kms.import_key_material,
                 **_import_req(kms, md["KeyId"], random_symmetric(), ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
                               ValidTo=utcnow() + dt.timedelta(days=1)),
                 code="ValidationException")
    assert state(kms, md["KeyId"]) == "PendingImport"


@pytest.mark.parametrize("spec", ["HMAC_256", "ECC_NIST_P256", "RSA_2048"])
@pytest.mark.parametrize("extra", [
    {"ImportType": "NEW_KEY_MATERIAL"},
    {"ImportType": "EXISTING_KEY_MATERIAL"},
    {"KeyMaterialId": "a" * 64},
    {"KeyMaterialDescription": "kept in the HSM"},
], ids=["new", "existing", "material-id", "description"])
def test_symmetric_only_parameters_on_hmac_or_asymmetric_keys_are_refused(kms, spec, extra):
    md = create_external(kms, spec)
    algorithm = "RSA_AES_KEY_WRAP_SHA_256" if spec.startswith("RSA") else "RSAES_OAEP_SHA_256"
    expect_error(import_material, kms, md["KeyId"], material_for(spec), algorithm=algorithm,
                 code="ValidationException", **extra)
    assert state(kms, md["KeyId"]) == "PendingImport"


def test_key_material_id_with_new_key_material_is_refused(kms):
    md = create_external(kms)
    material = random_symmetric()
    expect_error(import_material, kms, md["KeyId"], material, ImportType="NEW_KEY_MATERIAL",
                 KeyMaterialId="b" * 64, code="ValidationException")
    first = import_material(kms, md["KeyId"], material)["KeyMaterialId"]
    # Even naming the right ID is refused with NEW.
    expect_error(import_material, kms, md["KeyId"], random_symmetric(), ImportType="NEW_KEY_MATERIAL",
                 KeyMaterialId=first, code="ValidationException")


def test_first_import_with_existing_key_material_is_incorrect(kms):
    """Spec 4.2: EXISTING needs an associated material; a never-imported key has none."""
    md = create_external(kms)
    expect_error(import_material, kms, md["KeyId"], random_symmetric(), ImportType="EXISTING_KEY_MATERIAL",
                 code="IncorrectKeyMaterialException")
    assert state(kms, md["KeyId"]) == "PendingImport"


# ------------------------------------------------------------------ tokens (spec 4.4 step 6-7)

def test_forged_token_is_invalid(kms):
    md = create_external(kms)
    p = params(kms, md["KeyId"])
    blob = wrap(random_symmetric(), p["PublicKey"], "RSAES_OAEP_SHA_256")
    for forged in (os.urandom(len(p["ImportToken"])), os.urandom(16), b"x",
                   base64.b64encode(b'{"k":"' + md["Arn"].encode() + b'"}')):
        expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=forged, EncryptedKeyMaterial=blob,
                     ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidImportTokenException")
    assert state(kms, md["KeyId"]) == "PendingImport"


def test_token_with_a_flipped_byte_is_invalid(kms):
    md = create_external(kms)
    p = params(kms, md["KeyId"])
    token = p["ImportToken"]
    blob = wrap(random_symmetric(), p["PublicKey"], "RSAES_OAEP_SHA_256")
    positions = sorted({0, 1, len(token) // 3, len(token) // 2, len(token) - 17, len(token) - 2, len(token) - 1})
    for i in positions:
        bad = bytearray(token)
        bad[i] ^= 0x01
        expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=bytes(bad), EncryptedKeyMaterial=blob,
                     ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidImportTokenException")
    for bad in (token[:-1], token + b"\x00"):
        expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=bad, EncryptedKeyMaterial=blob,
                     ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidImportTokenException")
    # The unaltered token still works.
    kms.import_key_material(KeyId=md["KeyId"], ImportToken=token, EncryptedKeyMaterial=blob,
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")


def test_token_of_another_key_is_invalid(kms):
    a, b = create_external(kms), create_external(kms)
    pa = params(kms, a["KeyId"])
    expect_error(kms.import_key_material, KeyId=b["KeyId"], ImportToken=pa["ImportToken"],
                 EncryptedKeyMaterial=wrap(random_symmetric(), pa["PublicKey"], "RSAES_OAEP_SHA_256"),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidImportTokenException")
    assert state(kms, b["KeyId"]) == "PendingImport"


def test_token_of_another_account_or_region_key_is_invalid(kms, make_client):
    """The token binds the key ARN: the same key ID cannot exist elsewhere, and a key in another
    region with a token from this one is refused."""
    other = make_client(region="eu-west-1")
    a = create_external(kms)
    b = create_external(other)
    pa = params(kms, a["KeyId"])
    expect_error(other.import_key_material, KeyId=b["KeyId"], ImportToken=pa["ImportToken"],
                 EncryptedKeyMaterial=wrap(random_symmetric(), pa["PublicKey"], "RSAES_OAEP_SHA_256"),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidImportTokenException")


def test_material_wrapped_with_another_tokens_public_key_is_invalid_ciphertext(kms):
    md = create_external(kms)
    p1, p2 = params(kms, md["KeyId"]), params(kms, md["KeyId"])
    for alg in ("RSAES_OAEP_SHA_256",):
        expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=p1["ImportToken"],
                     EncryptedKeyMaterial=wrap(random_symmetric(), p2["PublicKey"], alg),
                     ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidCiphertextException")
    q1 = params(kms, md["KeyId"], "RSA_AES_KEY_WRAP_SHA_256")
    q2 = params(kms, md["KeyId"], "RSA_AES_KEY_WRAP_SHA_256")
    expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=q1["ImportToken"],
                 EncryptedKeyMaterial=wrap(random_symmetric(), q2["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256"),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidCiphertextException")
    assert state(kms, md["KeyId"]) == "PendingImport"


@pytest.mark.parametrize("token_algorithm,used_algorithm", [
    ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"),
    ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"),
    ("RSA_AES_KEY_WRAP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1"),
    ("RSA_AES_KEY_WRAP_SHA_1", "RSAES_OAEP_SHA_1"),
    ("RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_256"),
])
def test_material_wrapped_with_the_wrong_algorithm_is_invalid_ciphertext(kms, token_algorithm, used_algorithm):
    md = create_external(kms)
    p = params(kms, md["KeyId"], token_algorithm)
    expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=p["ImportToken"],
                 EncryptedKeyMaterial=wrap(random_symmetric(), p["PublicKey"], used_algorithm),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="InvalidCiphertextException")
    assert state(kms, md["KeyId"]) == "PendingImport"


def test_corrupted_encrypted_key_material_is_invalid_ciphertext(kms):
    md = create_external(kms)
    p = params(kms, md["KeyId"], "RSA_AES_KEY_WRAP_SHA_256")
    blob = wrap(random_symmetric(), p["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256")
    for bad in (blob[:-8], blob[:256], bytes([blob[0] ^ 1]) + blob[1:], blob[:-1] + bytes([blob[-1] ^ 1])):
        expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=p["ImportToken"],
                     EncryptedKeyMaterial=bad, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
                     code="InvalidCiphertextException")
    kms.import_key_material(KeyId=md["KeyId"], ImportToken=p["ImportToken"], EncryptedKeyMaterial=blob,
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert state(kms, md["KeyId"]) == "Enabled"
