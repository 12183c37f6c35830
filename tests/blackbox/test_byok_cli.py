"""`coffer byok wrap` and `coffer byok import`: bring-your-own-key from the command line.

`wrap` is checked against boto3's GetParametersForImport / ImportKeyMaterial, `import` end to end
against the running server with credentials from the environment; every imported key is then used
and its results checked locally (`cryptography`, `hmac`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import subprocess
import time
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kmshelpers import DEFAULT_REGION, DEV_ACCESS_KEY, DEV_SECRET_KEY, key_arn

MATERIAL_ID_RE = re.compile(r"^[0-9a-f]{64}$")


def run_coffer(coffer_bin, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(env or {})
    return subprocess.run([str(coffer_bin), "byok", *args], capture_output=True, env=base, timeout=timeout)


def aws_env(server, **extra: str) -> dict[str, str]:
    env = {
        "AWS_ACCESS_KEY_ID": DEV_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DEV_SECRET_KEY,
        "AWS_REGION": DEFAULT_REGION,
        "AWS_ENDPOINT_URL_KMS": server.endpoint,
    }
    env.update(extra)
    return env


def external_key(kms, spec: str = "SYMMETRIC_DEFAULT", usage: str = "ENCRYPT_DECRYPT") -> dict:
    return kms.create_key(KeySpec=spec, KeyUsage=usage, Origin="EXTERNAL")["KeyMetadata"]


def ok(proc) -> bytes:
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout: {proc.stdout!r}\nstderr: {proc.stderr!r}"
    return proc.stdout


def assert_no_secret(proc, *secrets: bytes) -> None:
    """The material never shows up on stdout or stderr, raw, hex or base64."""
    for secret in secrets:
        for form in (secret, secret.hex().encode(), base64.b64encode(secret)):
            assert form not in proc.stdout and form not in proc.stderr


# --------------------------------------------------------------------------- wrap (offline)


@pytest.mark.parametrize("key_form", ["der", "pem", "base64-text"])
@pytest.mark.parametrize("output", ["file", "base64-stdout"])
def test_wrap_symmetric_oaep_sha256_imports_with_boto3(kms, coffer_bin, tmp_path, key_form, output):
    key = external_key(kms)
    params = kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                           WrappingKeySpec="RSA_2048")
    der = params["PublicKey"]
    pub = tmp_path / "wrapping-key"
    if key_form == "der":
        pub.write_bytes(der)
    elif key_form == "pem":
        pub.write_bytes(serialization.load_der_public_key(der).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    else:  # what `aws kms get-parameters-for-import --query PublicKey --output text` prints
        pub.write_text(base64.b64encode(der).decode() + "\n")
    material = os.urandom(32)
    (tmp_path / "material.bin").write_bytes(material)

    args = ["wrap", "--public-key", str(pub), "--wrapping-algorithm", "RSAES_OAEP_SHA_256",
            "--key-file", str(tmp_path / "material.bin")]
    if output == "file":
        proc = run_coffer(coffer_bin, *args, "--out", str(tmp_path / "enc.bin"))
        assert ok(proc) == b""
        encrypted = (tmp_path / "enc.bin").read_bytes()
    else:
        proc = run_coffer(coffer_bin, *args, "--base64")
        encrypted = base64.b64decode(ok(proc), validate=False)
    assert_no_secret(proc, material)
    assert len(encrypted) == 256  # RSA-OAEP under a 2048-bit key: one modulus, no AES part

    res = kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"],
                                  EncryptedKeyMaterial=encrypted,
                                  ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert res["KeyId"] == key["Arn"]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"bring your own key")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"bring your own key"


@pytest.mark.parametrize("pem_format", ["pkcs8", "sec1"])
def test_wrap_ec_p256_pem_aes_key_wrap_imports_and_signs(kms, coffer_bin, tmp_path, pem_format):
    key = external_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    params = kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256",
                                           WrappingKeySpec="RSA_3072")
    (tmp_path / "pub.der").write_bytes(params["PublicKey"])
    private = ec.generate_private_key(ec.SECP256R1())
    fmt = (serialization.PrivateFormat.PKCS8 if pem_format == "pkcs8"
           else serialization.PrivateFormat.TraditionalOpenSSL)
    pem = private.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    assert (b"BEGIN PRIVATE KEY" if pem_format == "pkcs8" else b"BEGIN EC PRIVATE KEY") in pem
    (tmp_path / "ec.pem").write_bytes(pem)

    proc = run_coffer(coffer_bin, "wrap", "--public-key", str(tmp_path / "pub.der"),
                      "--wrapping-algorithm", "RSA_AES_KEY_WRAP_SHA_256",
                      "--key-file", str(tmp_path / "ec.pem"), "--out", str(tmp_path / "enc.bin"))
    ok(proc)
    assert proc.stderr == b""
    encrypted = (tmp_path / "enc.bin").read_bytes()
    # RSA-OAEP(AES-256 key) under RSA_3072 (384 bytes), then AES-KWP of the PKCS#8 DER
    pkcs8 = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    assert len(encrypted) == 384 + 8 + (len(pkcs8) + 7) // 8 * 8

    kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=encrypted, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    local_pub = private.public_key()
    spki = local_pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert kms.get_public_key(KeyId=key["KeyId"])["PublicKey"] == spki
    message = b"signed with imported material"
    sig = kms.sign(KeyId=key["KeyId"], Message=message, MessageType="RAW",
                   SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    local_pub.verify(sig, message, ec.ECDSA(hashes.SHA256()))


def test_wrap_key_type_and_errors(coffer_bin, tmp_path):
    rsa_wrapping = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "pub.der").write_bytes(rsa_wrapping.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    pub = str(tmp_path / "pub.der")

    # A PEM file that is not a private key is never taken as raw material.
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    proc = run_coffer(coffer_bin, "wrap", "--public-key", pub, "--wrapping-algorithm", "RSAES_OAEP_SHA_256",
                      "--key-file", str(tmp_path / "cert.pem"), "--base64")
    assert proc.returncode == 1 and proc.stderr.startswith(b"coffer: ") and proc.stdout == b""

    # --key-type private-key insists on a private key.
    (tmp_path / "raw.bin").write_bytes(os.urandom(32))
    proc = run_coffer(coffer_bin, "wrap", "--public-key", pub, "--wrapping-algorithm", "RSAES_OAEP_SHA_256",
                      "--key-file", str(tmp_path / "raw.bin"), "--key-type", "private-key", "--base64")
    assert proc.returncode == 1 and b"private key" in proc.stderr

    # The wrapped PKCS#8 of a PEM private key unwraps to exactly the key's PKCS#8 DER (OAEP-SHA-1 here).
    private = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "ec.pem").write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    out = ok(run_coffer(coffer_bin, "wrap", "--public-key", pub, "--wrapping-algorithm", "RSAES_OAEP_SHA_1",
                        "--key-file", str(tmp_path / "ec.pem"), "--base64"))
    from cryptography.hazmat.primitives.asymmetric import padding
    unwrapped = rsa_wrapping.decrypt(base64.b64decode(out), padding.OAEP(
        mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    assert serialization.load_der_private_key(unwrapped, None).private_numbers() == private.private_numbers()

    # Raw material with --key-type symmetric is wrapped byte for byte.
    raw = (tmp_path / "raw.bin").read_bytes()
    out = ok(run_coffer(coffer_bin, "wrap", "--public-key", pub, "--wrapping-algorithm", "RSAES_OAEP_SHA_256",
                        "--key-file", str(tmp_path / "raw.bin"), "--key-type", "symmetric", "--base64"))
    assert rsa_wrapping.decrypt(base64.b64decode(out), padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)) == raw

    # An unknown algorithm is a usage error.
    proc = run_coffer(coffer_bin, "wrap", "--public-key", pub, "--wrapping-algorithm", "RSAES_PKCS1_V1_5",
                      "--key-file", str(tmp_path / "raw.bin"), "--base64")
    assert proc.returncode != 0 and proc.stdout == b""


# --------------------------------------------------------------------------- import (online)


def test_import_symmetric_raw_key(kms, server, coffer_bin, tmp_path):
    key = external_key(kms)
    material = os.urandom(32)
    (tmp_path / "aes.bin").write_bytes(material)
    proc = run_coffer(coffer_bin, "import", "--key-id", key["KeyId"], "--key-file", str(tmp_path / "aes.bin"),
                      env=aws_env(server))
    result = json.loads(ok(proc))
    assert_no_secret(proc, material)
    assert set(result) == {"KeyId", "KeyMaterialId"}
    assert result["KeyId"] == key["Arn"]
    assert MATERIAL_ID_RE.match(result["KeyMaterialId"])
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "Enabled"
    assert meta["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "ValidTo" not in meta
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"imported with coffer byok import")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"imported with coffer byok import"

    # Reimport of the same material by key ARN, with flags instead of the environment.
    proc = run_coffer(coffer_bin, "import", "--key-id", key["Arn"], "--key-file", str(tmp_path / "aes.bin"),
                      "--import-type", "EXISTING_KEY_MATERIAL", "--key-material-id", result["KeyMaterialId"],
                      "--wrapping-algorithm", "RSAES_OAEP_SHA_1", "--wrapping-key-spec", "RSA_2048",
                      "--endpoint-url", server.endpoint, "--region", DEFAULT_REGION,
                      env={"AWS_ACCESS_KEY_ID": DEV_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": DEV_SECRET_KEY})
    assert json.loads(ok(proc)) == result
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"imported with coffer byok import"


def test_import_hmac_256(kms, server, coffer_bin, tmp_path):
    key = external_key(kms, "HMAC_256", "GENERATE_VERIFY_MAC")
    material = os.urandom(48)
    (tmp_path / "hmac.bin").write_bytes(material)
    # AWS_DEFAULT_REGION and AWS_ENDPOINT_URL are the fallbacks of AWS_REGION and AWS_ENDPOINT_URL_KMS.
    env = {"AWS_ACCESS_KEY_ID": DEV_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": DEV_SECRET_KEY,
           "AWS_DEFAULT_REGION": DEFAULT_REGION, "AWS_ENDPOINT_URL": server.endpoint}
    proc = run_coffer(coffer_bin, "import", "--key-id", key["KeyId"], "--key-file", str(tmp_path / "hmac.bin"),
                      "--wrapping-key-spec", "RSA_2048", env=env)
    result = json.loads(ok(proc))
    assert_no_secret(proc, material)
    assert result["KeyId"] == key["Arn"]
    message = b"authenticated with imported material"
    mac = kms.generate_mac(KeyId=key["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac == hmac.new(material, message, hashlib.sha256).digest()


def test_import_rsa_2048_pem_with_valid_to(kms, server, coffer_bin, tmp_path):
    key = external_key(kms, "RSA_2048", "SIGN_VERIFY")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    (tmp_path / "rsa.pem").write_bytes(pem)
    valid_to = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(hours=1)
    proc = run_coffer(coffer_bin, "import", "--key-id", key["KeyId"], "--key-file", str(tmp_path / "rsa.pem"),
                      "--valid-to", valid_to.strftime("%Y-%m-%dT%H:%M:%SZ"), "--wrapping-key-spec", "RSA_3072",
                      env=aws_env(server))
    result = json.loads(ok(proc))
    assert result["KeyId"] == key["Arn"]
    assert b"PRIVATE KEY" not in proc.stdout + proc.stderr

    local_spki = private.public_key().public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    assert kms.get_public_key(KeyId=key["KeyId"])["PublicKey"] == local_spki
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "Enabled"
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert abs(meta["ValidTo"].timestamp() - valid_to.timestamp()) < 1.5


def test_import_valid_to_as_epoch_seconds(kms, server, coffer_bin, tmp_path):
    key = external_key(kms)
    (tmp_path / "aes.bin").write_bytes(os.urandom(32))
    valid_to = int(time.time()) + 7200
    ok(run_coffer(coffer_bin, "import", "--key-id", key["KeyId"], "--key-file", str(tmp_path / "aes.bin"),
                  "--valid-to", str(valid_to), "--wrapping-key-spec", "RSA_2048", env=aws_env(server)))
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert int(meta["ValidTo"].timestamp()) == valid_to


# --------------------------------------------------------------------------- errors


def test_import_unknown_key_is_not_found(server, coffer_bin, tmp_path):
    (tmp_path / "aes.bin").write_bytes(os.urandom(32))
    missing = str(uuid.uuid4())
    for key_id in (missing, key_arn(missing)):
        proc = run_coffer(coffer_bin, "import", "--key-id", key_id, "--key-file", str(tmp_path / "aes.bin"),
                          env=aws_env(server))
        assert proc.returncode == 1
        assert proc.stdout == b""
        assert proc.stderr.startswith(b"coffer: NotFoundException: ")
        assert proc.stderr.count(b"\n") == 1


def test_import_aws_errors_are_reported(kms, server, coffer_bin, tmp_path):
    # Material of the wrong size: the server's IncorrectKeyMaterialException, verbatim.
    key = external_key(kms)
    (tmp_path / "short.bin").write_bytes(os.urandom(16))
    proc = run_coffer(coffer_bin, "import", "--key-id", key["KeyId"], "--key-file", str(tmp_path / "short.bin"),
                      env=aws_env(server))
    assert proc.returncode == 1 and proc.stderr.startswith(b"coffer: IncorrectKeyMaterialException: ")

    # A key with KMS-made material cannot take imported material.
    own = kms.create_key()["KeyMetadata"]
    proc = run_coffer(coffer_bin, "import", "--key-id", own["KeyId"], "--key-file", str(tmp_path / "short.bin"),
                      env=aws_env(server))
    assert proc.returncode == 1 and proc.stderr.startswith(b"coffer: UnsupportedOperationException: ")

    # A wrong secret: the signature is refused.
    proc = run_coffer(coffer_bin, "import", "--key-id", key["KeyId"], "--key-file", str(tmp_path / "short.bin"),
                      env=aws_env(server, AWS_SECRET_ACCESS_KEY="wrong"))
    assert proc.returncode == 1 and proc.stderr.startswith(b"coffer: ")
    assert b"Signature" in proc.stderr


def test_import_needs_credentials_and_region(server, coffer_bin, tmp_path):
    (tmp_path / "aes.bin").write_bytes(os.urandom(32))
    args = ("import", "--key-id", str(uuid.uuid4()), "--key-file", str(tmp_path / "aes.bin"))
    proc = run_coffer(coffer_bin, *args, env={"AWS_REGION": DEFAULT_REGION, "AWS_ENDPOINT_URL_KMS": server.endpoint})
    assert proc.returncode == 1 and b"AWS_ACCESS_KEY_ID" in proc.stderr
    proc = run_coffer(coffer_bin, *args, env={"AWS_ACCESS_KEY_ID": DEV_ACCESS_KEY,
                                              "AWS_SECRET_ACCESS_KEY": DEV_SECRET_KEY,
                                              "AWS_ENDPOINT_URL_KMS": server.endpoint})
    assert proc.returncode == 1 and b"region" in proc.stderr
    proc = run_coffer(coffer_bin, *args, "--valid-to", "next tuesday", env=aws_env(server))
    assert proc.returncode != 0 and b"--valid-to" in proc.stderr
