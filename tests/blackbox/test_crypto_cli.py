"""Cryptographic operations through the AWS CLI (v1), the way users script them."""

from __future__ import annotations

import base64
import os
import subprocess

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cryptohelpers import shared_key


def test_cli_encrypt_decrypt_files(kms, aws_cli, tmp_path):
    key = shared_key(kms)
    data = os.urandom(300) + b"\x00\n\r end"
    (tmp_path / "in.bin").write_bytes(data)
    enc = aws_cli.run("encrypt", "--key-id", key["KeyId"], "--plaintext", f"fileb://{tmp_path / 'in.bin'}",
                      "--encryption-context", "app=cli,stage=test",
                      "--query", "CiphertextBlob", "--output", "text", check=True)
    (tmp_path / "ct.bin").write_bytes(base64.b64decode(enc.stdout.strip()))
    dec = aws_cli.run("decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'ct.bin'}",
                      "--encryption-context", "stage=test,app=cli",
                      "--query", "Plaintext", "--output", "text", check=True)
    # ... | base64 -d
    out = subprocess.run(["base64", "-d"], input=dec.stdout.encode(), capture_output=True, check=True).stdout
    assert out == data
    # the wrong context fails with the exception name on stderr
    bad = aws_cli.run("decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'ct.bin'}",
                      "--encryption-context", "app=other")
    assert bad.returncode != 0 and "InvalidCiphertextException" in bad.stderr


def test_cli_sign_verify(kms, aws_cli, tmp_path):
    key = shared_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    msg = b"signed by the CLI\n"
    (tmp_path / "msg.bin").write_bytes(msg)
    sig_b64 = aws_cli.run("sign", "--key-id", key["KeyId"], "--message", f"fileb://{tmp_path / 'msg.bin'}",
                          "--message-type", "RAW", "--signing-algorithm", "ECDSA_SHA_256",
                          "--query", "Signature", "--output", "text", check=True).stdout.strip()
    sig = base64.b64decode(sig_b64)
    (tmp_path / "sig.bin").write_bytes(sig)
    pub = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    pub.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
    out = aws_cli("verify", "--key-id", key["KeyId"], "--message", f"fileb://{tmp_path / 'msg.bin'}",
                  "--message-type", "RAW", "--signing-algorithm", "ECDSA_SHA_256",
                  "--signature", f"fileb://{tmp_path / 'sig.bin'}")
    assert out["SignatureValid"] is True and out["KeyId"] == key["Arn"]
    (tmp_path / "other.bin").write_bytes(msg + b"x")
    bad = aws_cli.run("verify", "--key-id", key["KeyId"], "--message", f"fileb://{tmp_path / 'other.bin'}",
                      "--message-type", "RAW", "--signing-algorithm", "ECDSA_SHA_256",
                      "--signature", f"fileb://{tmp_path / 'sig.bin'}")
    assert bad.returncode != 0 and "KMSInvalidSignatureException" in bad.stderr
