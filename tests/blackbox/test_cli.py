"""The AWS CLI (v1) against Coffer: a handful of `aws kms` commands end to end."""

from __future__ import annotations

import base64
import uuid

import pytest

from kmshelpers import key_arn, unique_alias


@pytest.fixture(scope="module")
def cli_key(aws_cli):
    out = aws_cli("create-key", "--description", "from the cli",
                  "--tags", "TagKey=made-by,TagValue=cli")
    return out["KeyMetadata"]


def test_cli_create_key(cli_key):
    assert cli_key["Description"] == "from the cli"
    assert cli_key["KeyState"] == "Enabled"
    assert cli_key["Arn"] == key_arn(cli_key["KeyId"])
    # the CLI prints timestamps as it parsed them; a number or an ISO string are both fine
    assert cli_key["CreationDate"]


def test_cli_create_asymmetric_key(aws_cli):
    md = aws_cli("create-key", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")["KeyMetadata"]
    assert md["KeySpec"] == "ECC_NIST_P256"
    assert md["SigningAlgorithms"] == ["ECDSA_SHA_256"]


def test_cli_describe_key(aws_cli, cli_key):
    out = aws_cli("describe-key", "--key-id", cli_key["Arn"])
    assert out["KeyMetadata"]["KeyId"] == cli_key["KeyId"]


def test_cli_list_keys(aws_cli, cli_key):
    out = aws_cli("list-keys")  # the CLI paginates on its own
    assert cli_key["KeyId"] in {k["KeyId"] for k in out["Keys"]}


def test_cli_list_keys_small_page_size(aws_cli, cli_key):
    # forces the CLI to follow NextMarker through several pages
    out = aws_cli("list-keys", "--page-size", "2")
    ids = [k["KeyId"] for k in out["Keys"]]
    assert cli_key["KeyId"] in ids
    assert len(ids) == len(set(ids))


def test_cli_aliases(aws_cli, cli_key):
    name = unique_alias("cli")
    res = aws_cli.run("create-alias", "--alias-name", name, "--target-key-id", cli_key["KeyId"], check=True)
    assert res.stdout.strip() == ""
    out = aws_cli("list-aliases", "--key-id", cli_key["KeyId"])
    assert [a["AliasName"] for a in out["Aliases"]] == [name]
    assert aws_cli("describe-key", "--key-id", name)["KeyMetadata"]["KeyId"] == cli_key["KeyId"]
    all_names = {a["AliasName"] for a in aws_cli("list-aliases")["Aliases"]}
    assert name in all_names


def test_cli_tags(aws_cli, cli_key):
    out = aws_cli("list-resource-tags", "--key-id", cli_key["KeyId"])
    assert out["Tags"] == [{"TagKey": "made-by", "TagValue": "cli"}]


@pytest.mark.parametrize("n", [1, 32, 1024])
def test_cli_generate_random_text_output(aws_cli, n):
    res = aws_cli.run("generate-random", "--number-of-bytes", str(n), "--query", "Plaintext",
                      "--output", "text", check=True)
    assert len(base64.b64decode(res.stdout.strip(), validate=True)) == n


def test_cli_get_key_policy_text(aws_cli, cli_key):
    from kmshelpers import default_policy
    res = aws_cli.run("get-key-policy", "--key-id", cli_key["KeyId"], "--policy-name", "default",
                      "--query", "Policy", "--output", "text", check=True)
    assert res.stdout.rstrip("\n") == default_policy()


def test_cli_disable_enable_and_schedule(aws_cli):
    kid = aws_cli("create-key")["KeyMetadata"]["KeyId"]
    aws_cli.run("disable-key", "--key-id", kid, check=True)
    assert aws_cli("describe-key", "--key-id", kid)["KeyMetadata"]["KeyState"] == "Disabled"
    out = aws_cli("schedule-key-deletion", "--key-id", kid, "--pending-window-in-days", "7")
    assert out["KeyState"] == "PendingDeletion" and out["PendingWindowInDays"] == 7
    out = aws_cli("cancel-key-deletion", "--key-id", kid)
    assert out["KeyId"] == key_arn(kid)


def test_cli_error_exit(aws_cli):
    missing = str(uuid.uuid4())
    res = aws_cli.run("describe-key", "--key-id", missing)
    assert res.returncode != 0
    assert "NotFoundException" in res.stderr
    assert f"Key '{key_arn(missing)}' does not exist" in res.stderr
    assert res.stdout.strip() == ""


def test_cli_validation_error_exit(aws_cli):
    res = aws_cli.run("create-key", "--key-spec", "RSA_2048")
    assert res.returncode != 0
    assert "ValidationException" in res.stderr
    assert "You must specify a KeyUsage value" in res.stderr


def test_cli_bad_credentials_exit(server):
    from kmshelpers import AwsCli
    cli = AwsCli(server.endpoint, access_key="AKIANOBODY0000000000", secret_key="nope")
    res = cli.run("list-keys")
    assert res.returncode != 0
    assert "UnrecognizedClientException" in res.stderr
