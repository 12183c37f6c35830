"""Envelope encryption through the AWS Encryption SDK for Python (aws-encryption-sdk 4.x,
pinned in requirements.txt) with its KMS master key providers pointed at Coffer.

The SDK builds its own KMS clients from a botocore session (`session.client("kms",
region_name=...)`), so the endpoint comes from AWS_ENDPOINT_URL_KMS, which botocore reads
when the client is created."""

from __future__ import annotations

import os

import botocore.session
from cryptography.exceptions import InvalidSignature, InvalidTag
import pytest

aws_encryption_sdk = pytest.importorskip("aws_encryption_sdk")
from aws_encryption_sdk.identifiers import CommitmentPolicy  # noqa: E402
from aws_encryption_sdk.key_providers.kms import (  # noqa: E402
    DiscoveryAwsKmsMasterKeyProvider,
    DiscoveryFilter,
    StrictAwsKmsMasterKeyProvider,
)

from cryptohelpers import new_key  # noqa: E402
from kmshelpers import DEFAULT_REGION, DEV_ACCESS_KEY, DEV_ACCOUNT, DEV_SECRET_KEY  # noqa: E402


@pytest.fixture
def coffer_env(server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", server.endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", DEFAULT_REGION)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


def botocore_session():
    s = botocore.session.Session()
    s.set_credentials(DEV_ACCESS_KEY, DEV_SECRET_KEY)
    s.set_config_variable("region", DEFAULT_REGION)
    return s


def test_esdk_round_trip(kms, coffer_env):
    key = new_key(kms)
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    provider = StrictAwsKmsMasterKeyProvider(key_ids=[key["Arn"]], botocore_session=botocore_session())
    context = {"purpose": "esdk-test", "tenant": "coffer"}
    message = os.urandom(5000) + b"hello, envelope"

    ciphertext, enc_header = client.encrypt(source=message, key_provider=provider, encryption_context=context)
    assert message not in ciphertext
    assert enc_header.encryption_context.items() >= context.items()
    # one encrypted data key, wrapped by our Coffer key
    assert [edk.key_provider.key_info.decode() for edk in enc_header.encrypted_data_keys] == [key["Arn"]]
    edk = next(iter(enc_header.encrypted_data_keys))
    assert edk.key_provider.provider_id == "aws-kms"

    plaintext, dec_header = client.decrypt(source=ciphertext, key_provider=provider)
    assert plaintext == message
    assert dec_header.encryption_context.items() >= context.items()

    # A second, independent provider: the ciphertext names its own key (self-describing).
    discovery = DiscoveryAwsKmsMasterKeyProvider(
        botocore_session=botocore_session(),
        discovery_filter=DiscoveryFilter(account_ids=[DEV_ACCOUNT], partition="aws"))
    plaintext2, header2 = client.decrypt(source=ciphertext, key_provider=discovery)
    assert plaintext2 == message
    assert header2.encryption_context.items() >= context.items()
    strict2 = StrictAwsKmsMasterKeyProvider(key_ids=[key["Arn"]], botocore_session=botocore_session())
    assert client.decrypt(source=ciphertext, key_provider=strict2)[0] == message

    # The wrapped data key is an ordinary Coffer ciphertext bound to the message's context.
    data_key = kms.decrypt(CiphertextBlob=edk.encrypted_data_key, EncryptionContext=enc_header.encryption_context)
    assert data_key["KeyId"] == key["Arn"] and len(data_key["Plaintext"]) == 32


def test_esdk_tampering_and_wrong_key(kms, coffer_env):
    key = new_key(kms)
    other = new_key(kms)
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    provider = StrictAwsKmsMasterKeyProvider(key_ids=[key["Arn"]], botocore_session=botocore_session())
    ciphertext, _ = client.encrypt(source=b"secret", key_provider=provider, encryption_context={"a": "b"})
    wrong = StrictAwsKmsMasterKeyProvider(key_ids=[other["Arn"]], botocore_session=botocore_session())
    with pytest.raises(aws_encryption_sdk.exceptions.AWSEncryptionSDKClientError):
        client.decrypt(source=ciphertext, key_provider=wrong)
    tampered = bytearray(ciphertext)
    tampered[-120] ^= 1  # inside the body or the footer signature: either way decryption must fail
    with pytest.raises((aws_encryption_sdk.exceptions.AWSEncryptionSDKClientError, InvalidSignature, InvalidTag)):
        client.decrypt(source=bytes(tampered), key_provider=provider)
    # with the key disabled, decryption fails (Coffer refuses to unwrap the data key)
    kms.disable_key(KeyId=key["KeyId"])
    fresh = StrictAwsKmsMasterKeyProvider(key_ids=[key["Arn"]], botocore_session=botocore_session())
    with pytest.raises(aws_encryption_sdk.exceptions.AWSEncryptionSDKClientError):
        client.decrypt(source=ciphertext, key_provider=fresh)
