"""ImportKeyMaterial: every allowed cell of the compatibility matrix (spec 2.5), AWS's OpenSSL
commands (spec 3.3/3.4), material validation (spec 3.2, 4.3) and the state transitions of
spec 4.6 / 10.1.

Matrix cost: every cell needs its own GetParametersForImport (a token binds the key, the
algorithm and the wrapping key spec), so ~46 RSA-4096 wrapping keys are unavoidable. They are
requested in parallel once per module (`matrix`); each cell then wraps, imports and checks the
key. One KMS key per (key spec, key usage) is reused by all its cells: a reimport only succeeds
when the unwrapped material equals the first import (spec 4.3), so every cell proves the
server recovered exactly the local bytes.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from importhelpers import (
    EC_CURVES,
    HMAC_INFO,
    IMPORTABLE_SPECS,
    RSA_SPECS,
    SYMMETRIC,
    WRAPPING_ALGORITHMS,
    WRAPPING_BITS,
    WRAPPING_SPECS,
    allowed,
    check_key_matches,
    create_external,
    describe,
    import_material,
    local_private,
    material_for,
    params,
    pkcs8,
    random_symmetric,
    state,
    wrap,
)
from kmshelpers import expect_error

HEX64 = re.compile(r"^[0-9a-f]{64}$")

CELLS = [(alg, ws, ks) for ks in IMPORTABLE_SPECS for alg in WRAPPING_ALGORITHMS for ws in WRAPPING_SPECS
         if allowed(alg, ws, ks)]


def usage_for(algorithm: str, key_spec: str) -> str:
    """Spreads the cells of key specs with two usages over both usages."""
    sha1 = algorithm.endswith("SHA_1")
    if key_spec in RSA_SPECS:
        return "ENCRYPT_DECRYPT" if sha1 else "SIGN_VERIFY"
    if key_spec in ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"):
        return "KEY_AGREEMENT" if sha1 else "SIGN_VERIFY"
    if key_spec in HMAC_INFO:
        return "GENERATE_VERIFY_MAC"
    return "ENCRYPT_DECRYPT" if key_spec == SYMMETRIC else "SIGN_VERIFY"


class _Matrix:
    """One KMS key per (key spec, usage); GetParametersForImport for every cell, fetched in the
    background (4 at a time) so that wrapping-key generation overlaps with the cell tests."""

    def __init__(self, kms):
        self.keys: dict[tuple[str, str], dict] = {}
        for alg, _, ks in CELLS:
            u = usage_for(alg, ks)
            if (ks, u) not in self.keys:
                self.keys[(ks, u)] = create_external(kms, ks, u)
        self.pool = ThreadPoolExecutor(max_workers=4)
        self.futures = {
            (alg, ws, ks): self.pool.submit(params, kms, self.keys[(ks, usage_for(alg, ks))]["KeyId"], alg, ws)
            for alg, ws, ks in CELLS
        }

    def params(self, cell) -> dict:
        return self.futures[cell].result(timeout=600)


@pytest.fixture(scope="module")
def matrix(kms):
    m = _Matrix(kms)
    yield m
    m.pool.shutdown(wait=True, cancel_futures=True)


def test_matrix_has_every_documented_cell():
    # 12 each for symmetric, 4 HMAC, 4 ECC (non-P521) and Ed25519; 6 per RSA spec; P-521 loses two OAEP cells.
    assert len(CELLS) == 12 + 4 * 12 + 3 * 6 + 3 * 12 + 12 + 10
    assert ("RSAES_OAEP_SHA_1", "RSA_2048", "ECC_NIST_P521") not in CELLS
    assert ("RSAES_OAEP_SHA_1", "RSA_3072", "ECC_NIST_P521") in CELLS
    assert ("RSA_AES_KEY_WRAP_SHA_256", "RSA_2048", SYMMETRIC) in CELLS


@pytest.mark.parametrize("algorithm,wrapping_spec,key_spec", CELLS, ids=["-".join(c) for c in CELLS])
def test_allowed_combination_imports_and_key_matches_local_material(kms, matrix, algorithm, wrapping_spec, key_spec):
    md = matrix.keys[(key_spec, usage_for(algorithm, key_spec))]
    p = matrix.params((algorithm, wrapping_spec, key_spec))
    assert p["KeyId"] == md["Arn"]
    wrapping_public = serialization.load_der_public_key(p["PublicKey"])
    assert isinstance(wrapping_public, rsa.RSAPublicKey) and wrapping_public.key_size == WRAPPING_BITS[wrapping_spec]

    material = material_for(key_spec)
    resp = import_material(kms, md["KeyId"], material, algorithm=algorithm, parameters=p)
    assert resp["KeyId"] == md["Arn"]
    if key_spec == SYMMETRIC:
        assert HEX64.match(resp["KeyMaterialId"])
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["Enabled"]) == ("Enabled", True)
    check_key_matches(kms, after, material)


# ------------------------------------------------------------------ AWS's OpenSSL commands

def _openssl(*args: str, cwd) -> None:
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"openssl {' '.join(args)} failed: {p.stderr}"


@pytest.mark.parametrize("algorithm,key_spec", [
    ("RSAES_OAEP_SHA_1", SYMMETRIC),
    ("RSAES_OAEP_SHA_256", "HMAC_384"),
    ("RSA_AES_KEY_WRAP_SHA_1", "ECC_NIST_P256"),
    ("RSA_AES_KEY_WRAP_SHA_256", "RSA_2048"),
])
def test_material_wrapped_with_awss_openssl_commands_imports(kms, tmp_path, algorithm, key_spec):
    """Spec 3.3/3.4/3.6: the commands of AWS's guide, verbatim apart from file names."""
    md = create_external(kms, key_spec)
    p = params(kms, md["KeyId"], algorithm, "RSA_2048")
    (tmp_path / "WrappingPublicKey.bin").write_bytes(p["PublicKey"])
    md_name = "sha1" if algorithm.endswith("SHA_1") else "sha256"
    oaep = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{md_name}"]
    if md_name == "sha256":
        oaep += ["-pkeyopt", "rsa_mgf1_md:sha256"]
    if key_spec == SYMMETRIC:
        _openssl("rand", "-out", "PlaintextKeyMaterial.bin", "32", cwd=tmp_path)
    elif key_spec == "HMAC_384":
        _openssl("rand", "-out", "PlaintextKeyMaterial.bin", "48", cwd=tmp_path)
    elif key_spec == "ECC_NIST_P256":
        _openssl("genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "key.pem", cwd=tmp_path)
        _openssl("pkcs8", "-topk8", "-in", "key.pem", "-outform", "der", "-nocrypt",
                 "-out", "PlaintextKeyMaterial.bin", cwd=tmp_path)
    else:
        _openssl("genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem", cwd=tmp_path)
        _openssl("pkcs8", "-topk8", "-in", "key.pem", "-outform", "der", "-nocrypt",
                 "-out", "PlaintextKeyMaterial.bin", cwd=tmp_path)
    if algorithm.startswith("RSAES_OAEP"):
        _openssl("pkeyutl", "-encrypt", "-in", "PlaintextKeyMaterial.bin", "-out", "EncryptedKeyMaterial.bin",
                 "-inkey", "WrappingPublicKey.bin", "-keyform", "DER", "-pubin", *oaep, cwd=tmp_path)
    else:
        _openssl("rand", "-out", "aes-key.bin", "32", cwd=tmp_path)
        aes_hex = (tmp_path / "aes-key.bin").read_bytes().hex()
        _openssl("enc", "-id-aes256-wrap-pad", "-K", aes_hex, "-iv", "A65959A6",
                 "-in", "PlaintextKeyMaterial.bin", "-out", "key-material-wrapped.bin", cwd=tmp_path)
        _openssl("pkeyutl", "-encrypt", "-in", "aes-key.bin", "-out", "aes-key-wrapped.bin",
                 "-inkey", "WrappingPublicKey.bin", "-keyform", "DER", "-pubin", *oaep, cwd=tmp_path)
        (tmp_path / "EncryptedKeyMaterial.bin").write_bytes(
            (tmp_path / "aes-key-wrapped.bin").read_bytes() + (tmp_path / "key-material-wrapped.bin").read_bytes())
    kms.import_key_material(KeyId=md["KeyId"], ImportToken=p["ImportToken"],
                            EncryptedKeyMaterial=(tmp_path / "EncryptedKeyMaterial.bin").read_bytes(),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    after = describe(kms, md["KeyId"])
    assert after["KeyState"] == "Enabled"
    check_key_matches(kms, after, (tmp_path / "PlaintextKeyMaterial.bin").read_bytes())


# ------------------------------------------------------------------ material validation (spec 3.2, 4.3)

def _expect_incorrect(kms, key_id: str, material: bytes, algorithm: str = "RSAES_OAEP_SHA_256"):
    expect_error(import_material, kms, key_id, material, algorithm=algorithm, code="IncorrectKeyMaterialException")
    assert state(kms, key_id) == "PendingImport"


@pytest.mark.parametrize("size", [31, 33, 16, 64])
def test_symmetric_material_must_be_32_bytes(kms, size):
    _expect_incorrect(kms, create_external(kms)["KeyId"], os.urandom(size))


@pytest.mark.parametrize("spec,size,ok", [
    ("HMAC_256", 31, False), ("HMAC_256", 32, True), ("HMAC_256", 128, True), ("HMAC_256", 129, False),
    ("HMAC_224", 27, False), ("HMAC_224", 28, True), ("HMAC_384", 47, False), ("HMAC_384", 48, True),
    ("HMAC_512", 63, False), ("HMAC_512", 64, True), ("HMAC_512", 128, True),
])
def test_hmac_material_length_range(kms, spec, size, ok):
    kid = create_external(kms, spec)["KeyId"]
    material = os.urandom(size)
    if ok:
        import_material(kms, kid, material)
        check_key_matches(kms, describe(kms, kid), material)
    else:
        _expect_incorrect(kms, kid, material)


@pytest.mark.parametrize("key_spec,usage,other_spec", [
    ("RSA_2048", "SIGN_VERIFY", "RSA_3072"),
    ("ECC_NIST_P256", "SIGN_VERIFY", "ECC_NIST_P384"),
    ("ECC_SECG_P256K1", "SIGN_VERIFY", "ECC_NIST_P256"),
    ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY", "ECC_NIST_P256"),
    ("ECC_NIST_P256", "SIGN_VERIFY", "ECC_NIST_EDWARDS25519"),
    ("ECC_NIST_P384", "KEY_AGREEMENT", "RSA_2048"),
])
def test_private_key_of_another_spec_is_incorrect_key_material(kms, key_spec, usage, other_spec):
    kid = create_external(kms, key_spec, usage)["KeyId"]
    _expect_incorrect(kms, kid, material_for(other_spec), "RSA_AES_KEY_WRAP_SHA_256")


@pytest.mark.parametrize("key_spec,garbage", [
    ("ECC_NIST_P256", b"not a PKCS#8 private key at all"),
    ("RSA_2048", os.urandom(300)),
    ("ECC_NIST_EDWARDS25519", bytes(48)),
    ("ECC_NIST_P256", b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"),
], ids=["ECC_NIST_P256-text", "RSA_2048-random", "ECC_NIST_EDWARDS25519-zeros", "ECC_NIST_P256-truncated-pem"])  # stable ids: xdist
def test_garbage_instead_of_pkcs8_is_incorrect_key_material(kms, key_spec, garbage):
    _expect_incorrect(kms, create_external(kms, key_spec)["KeyId"], garbage, "RSA_AES_KEY_WRAP_SHA_256")


def test_pkcs8_pem_text_is_refused_for_an_ec_key(kms):
    """Spec 3.1: material is binary, never PEM."""
    pem = local_private("ECC_NIST_P256").private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _expect_incorrect(kms, create_external(kms, "ECC_NIST_P256")["KeyId"], pem, "RSA_AES_KEY_WRAP_SHA_256")


@pytest.mark.parametrize("key_spec", ["ECC_NIST_P256", "HMAC_256", "RSA_2048", "ECC_NIST_EDWARDS25519"])
def test_reimport_of_different_material_into_asymmetric_or_hmac_key_is_refused(kms, key_spec):
    md = create_external(kms, key_spec)
    first = material_for(key_spec)
    import_material(kms, md["KeyId"], first, spec=key_spec)
    other = os.urandom(32) if key_spec == "HMAC_256" else pkcs8(
        ec.generate_private_key(EC_CURVES[key_spec]()) if key_spec in EC_CURVES else local_private(key_spec, 1))
    expect_error(import_material, kms, md["KeyId"], other, spec=key_spec, code="IncorrectKeyMaterialException")
    # The first material is untouched and still in use; reimporting it works.
    check_key_matches(kms, describe(kms, md["KeyId"]), first)
    import_material(kms, md["KeyId"], first, spec=key_spec)


def test_reimport_of_same_ec_key_in_another_pkcs8_encoding_is_accepted(kms):
    """Spec 4.3: 'same material' compares the private key, not the PKCS#8 bytes (here: without the
    optional public key, as a traditional SEC1 key converted differently)."""
    key = ec.generate_private_key(ec.SECP256R1())
    md = create_external(kms, "ECC_NIST_P256")
    import_material(kms, md["KeyId"], pkcs8(key), spec="ECC_NIST_P256")
    # Rebuild a minimal PKCS#8 (RFC 5915 ECPrivateKey without the [1] publicKey field).
    d = key.private_numbers().private_value.to_bytes(32, "big")
    ec_priv = bytes([0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20]) + d
    alg = bytes.fromhex("301306072a8648ce3d020106082a8648ce3d030107")
    body = bytes([0x02, 0x01, 0x00]) + alg + bytes([0x04, len(ec_priv)]) + ec_priv
    minimal = bytes([0x30, len(body)]) + body
    assert minimal != pkcs8(key)
    serialization.load_der_private_key(minimal, None)  # it is a valid key
    import_material(kms, md["KeyId"], minimal, spec="ECC_NIST_P256")
    check_key_matches(kms, describe(kms, md["KeyId"]), pkcs8(key))


# ------------------------------------------------------------------ state transitions (spec 4.6, 10.1)

def test_metadata_before_import_has_no_expiry_or_material_fields(kms):
    for spec in (SYMMETRIC, "HMAC_256", "ECC_NIST_P256"):
        md = create_external(kms, spec)
        assert (md["KeyState"], md["Enabled"], md["Origin"]) == ("PendingImport", False, "EXTERNAL")
        for metadata in (md, describe(kms, md["KeyId"])):
            for field in ("ExpirationModel", "ValidTo", "CurrentKeyMaterialId"):
                assert field not in metadata, (spec, field, metadata)


def test_first_import_enables_symmetric_key_and_fills_metadata(kms):
    md = create_external(kms)
    resp = import_material(kms, md["KeyId"], random_symmetric())
    assert resp["KeyId"] == md["Arn"]
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["Enabled"]) == ("Enabled", True)
    assert after["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "ValidTo" not in after
    assert after["CurrentKeyMaterialId"] == resp["KeyMaterialId"]


def test_reimport_with_valid_to_reports_expires_and_valid_to(kms):
    from importhelpers import utcnow
    import datetime as dt
    md = create_external(kms)
    material = random_symmetric()
    first = import_material(kms, md["KeyId"], material)
    valid_to = (utcnow() + dt.timedelta(days=30)).replace(microsecond=0)
    again = import_material(kms, md["KeyId"], material, ValidTo=valid_to)
    assert again["KeyMaterialId"] == first["KeyMaterialId"]
    after = describe(kms, md["KeyId"])
    assert after["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert after["ValidTo"] == valid_to
    assert after["CurrentKeyMaterialId"] == first["KeyMaterialId"]
    # And back: DOES_NOT_EXPIRE clears ValidTo (spec 4.6: each import replaces expiry).
    import_material(kms, md["KeyId"], material)
    after = describe(kms, md["KeyId"])
    assert after["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE" and "ValidTo" not in after


@pytest.mark.parametrize("spec", ["HMAC_256", "ECC_NIST_P256"])
def test_first_import_enables_hmac_and_asymmetric_keys_without_material_id(kms, spec):
    md = create_external(kms, spec)
    resp = import_material(kms, md["KeyId"], material_for(spec))
    assert resp["KeyId"] == md["Arn"]
    assert not resp.get("KeyMaterialId")
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["Enabled"]) == ("Enabled", True)
    assert after["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "CurrentKeyMaterialId" not in after and "ValidTo" not in after


@pytest.mark.parametrize("spec", [SYMMETRIC, "HMAC_256", "ECC_NIST_P256"])
def test_reimport_into_disabled_key_leaves_it_disabled(kms, spec):
    md = create_external(kms, spec)
    material = random_symmetric() if spec == SYMMETRIC else material_for(spec)
    import_material(kms, md["KeyId"], material)
    kms.disable_key(KeyId=md["KeyId"])
    import_material(kms, md["KeyId"], material)
    after = describe(kms, md["KeyId"])
    assert (after["KeyState"], after["Enabled"]) == ("Disabled", False)
    kms.enable_key(KeyId=md["KeyId"])
    check_key_matches(kms, describe(kms, md["KeyId"]), material)


def test_key_material_id_is_deterministic_per_key_and_material(kms):
    material = random_symmetric()
    k1, k2 = create_external(kms)["KeyId"], create_external(kms)["KeyId"]
    a = import_material(kms, k1, material)["KeyMaterialId"]
    b = import_material(kms, k1, material, algorithm="RSA_AES_KEY_WRAP_SHA_1", wrapping_spec="RSA_3072")["KeyMaterialId"]
    c = import_material(kms, k2, material)["KeyMaterialId"]
    assert HEX64.match(a) and HEX64.match(c)
    assert a == b, "same material into the same key must give the same KeyMaterialId"
    assert a != c, "the same material in another key must get another KeyMaterialId"
    assert describe(kms, k1)["CurrentKeyMaterialId"] == a
    assert describe(kms, k2)["CurrentKeyMaterialId"] == c


def test_symmetric_ciphertexts_are_bound_to_their_key(kms):
    """Spec 3.7: two keys with identical imported material cannot decrypt each other's ciphertexts."""
    material = random_symmetric()
    k1, k2 = create_external(kms)["KeyId"], create_external(kms)["KeyId"]
    import_material(kms, k1, material)
    import_material(kms, k2, material)
    blob = kms.encrypt(KeyId=k1, Plaintext=b"bound")["CiphertextBlob"]
    expect_error(kms.decrypt, CiphertextBlob=blob, KeyId=k2, code="IncorrectKeyException")


def test_imported_hmac_keys_with_same_material_interoperate(kms):
    """Spec 3.7: HMAC tags are standard, so two keys with the same material verify each other's tags."""
    material = material_for("HMAC_384")
    k1, k2 = create_external(kms, "HMAC_384")["KeyId"], create_external(kms, "HMAC_384")["KeyId"]
    import_material(kms, k1, material)
    import_material(kms, k2, material)
    mac = kms.generate_mac(KeyId=k1, Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"]
    assert kms.verify_mac(KeyId=k2, Message=b"m", MacAlgorithm="HMAC_SHA_384", Mac=mac)["MacValid"]


def test_import_into_pending_deletion_key_is_invalid_state(kms):
    md = create_external(kms)
    p = params(kms, md["KeyId"])
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    expect_error(kms.import_key_material, KeyId=md["KeyId"], ImportToken=p["ImportToken"],
                 EncryptedKeyMaterial=wrap(random_symmetric(), p["PublicKey"], "RSAES_OAEP_SHA_256"),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="KMSInvalidStateException")
    expect_error(params, kms, md["KeyId"], code="KMSInvalidStateException")
    assert state(kms, md["KeyId"]) == "PendingDeletion"


def test_import_into_aws_kms_key_is_unsupported(kms):
    aws_key = kms.create_key()["KeyMetadata"]
    ext = create_external(kms)
    p = params(kms, ext["KeyId"])
    expect_error(kms.import_key_material, KeyId=aws_key["KeyId"], ImportToken=p["ImportToken"],
                 EncryptedKeyMaterial=wrap(random_symmetric(), p["PublicKey"], "RSAES_OAEP_SHA_256"),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", code="UnsupportedOperationException",
                 message=f"{aws_key['Arn']} origin is AWS_KMS which is not valid for this operation.")


def test_crypto_on_never_imported_key_is_pending_import(kms):
    from kmshelpers import msgs_pending_import
    md = create_external(kms)
    expect_error(kms.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="KMSInvalidStateException",
                 message=msgs_pending_import(md["Arn"]))
    ec_md = create_external(kms, "ECC_NIST_P256")
    expect_error(kms.sign, KeyId=ec_md["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_256",
                 code="KMSInvalidStateException", message=msgs_pending_import(ec_md["Arn"]))

