"""GenerateRandom."""

from __future__ import annotations

import pytest

from kmshelpers import expect_error


@pytest.mark.parametrize("n", [1, 2, 16, 32, 255, 1000, 1024])
def test_generate_random_length(kms, n):
    resp = kms.generate_random(NumberOfBytes=n)
    assert isinstance(resp["Plaintext"], bytes)
    assert len(resp["Plaintext"]) == n
    assert "CiphertextForRecipient" not in resp


def test_generate_random_is_random(kms):
    values = {kms.generate_random(NumberOfBytes=32)["Plaintext"] for _ in range(8)}
    assert len(values) == 8
    big = kms.generate_random(NumberOfBytes=1024)["Plaintext"]
    # 1024 uniform bytes cover far more than 200 distinct values (expected ~252)
    assert len(set(big)) > 200
    assert big.count(0) < 40


def test_generate_random_raw_is_base64(raw):
    import base64
    resp = raw.call("GenerateRandom", {"NumberOfBytes": 48})
    assert resp.status == 200, resp.describe()
    text = resp.json["Plaintext"]
    assert isinstance(text, str)
    assert len(base64.b64decode(text, validate=True)) == 48


@pytest.mark.parametrize("n", [0, -1, 1025, 4096])
def test_generate_random_out_of_range(kms_nv, n):
    resp = expect_error(kms_nv.generate_random, NumberOfBytes=n, code="ValidationException")
    assert "numberOfBytes" in resp["Error"]["Message"]


def test_generate_random_in_other_region(make_client):
    from kmshelpers import unique_region
    assert len(make_client(region=unique_region()).generate_random(NumberOfBytes=10)["Plaintext"]) == 10


def test_generate_random_unknown_custom_key_store(kms):
    expect_error(kms.generate_random, NumberOfBytes=16, CustomKeyStoreId="cks-1234567890abcdef0",
                 code=("CustomKeyStoreNotFoundException", "UnsupportedOperationException"))
