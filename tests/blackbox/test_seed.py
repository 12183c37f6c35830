"""Seed files (issue 12): `"seed": PATH` (YAML or JSON) declares keys and aliases, applied at every start,
idempotently; conflicts and invalid files stop start-up with exit 78 and `coffer: <file>:<line>: ...`, changing
nothing; `coffer seed export [--include-material]` prints a seed file of the current keys and aliases.

Fixtures (tests/blackbox/fixtures/seed/):
  rsa-2048-sign.pem            an RSA-2048 private key (PKCS#8 PEM), the material of the seeded signing key
  payments-ciphertext.b64      Encrypt(PAYMENTS key, FIXTURE_PLAINTEXT, FIXTURE_CONTEXT), made once by a Coffer server
  imported-ciphertext.b64      the same with the seeded EXTERNAL key
A ciphertext depends only on the key material, the key ID, the account and the Region (not on the root key), so a
fresh data dir seeded with the same declarations decrypts them. Regenerate with
`COFFER_BIN=... python3 tests/blackbox/test_seed.py --make-fixtures` (only if the ciphertext format changes).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kmshelpers import DEV_ACCOUNT, expect_error, key_arn
from opshelpers import EX_CONFIG, describe_proc, run_coffer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seed"
RSA_PEM = FIXTURES / "rsa-2048-sign.pem"
FIXTURE_PLAINTEXT = b"coffer seed fixture: decrypts on every fresh seeded data dir"
FIXTURE_CONTEXT = {"fixture": "seed"}

PAYMENTS = "0d5f0c53-1a2b-4c3d-8e9f-001122334455"
IMPORTED = "1e6a1d64-2b3c-4d5e-9fa0-112233445566"
MAC_KEY = "2f7b2e75-3c4d-4e5f-a0b1-223344556677"
RSA_KEY = "3a8c3f86-4d5e-4f60-b1c2-334455667788"
MRK = "mrk-0123456789abcdef0123456789abcdef"
DISABLED = "4b9d4097-5e6f-4071-82d3-445566778899"
NEW_KEY = "5ca05ca0-6f70-4182-93e4-5566778899aa"  # declared only by the broken files: must never appear

PAYMENTS_MATERIAL = bytes(range(32))
IMPORTED_MATERIAL = bytes(range(100, 132))
MAC_MATERIAL = hashlib.sha256(b"coffer seed hmac material").digest()
OTHER_MATERIAL = b"\xff" * 32
VALID_TO = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
EU = "eu-west-1"

DISABLED_POLICY = {
    "Version": "2012-10-17",
    "Id": "seeded-policy",
    "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}],
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def seed_yaml(*, extra_first: str = "", payments_material: bytes = PAYMENTS_MATERIAL,
              replace: dict[str, str] | None = None) -> str:
    """The seed under test. extra_first: YAML entries (indented like the others) put before the first key;
    replace: {old line text: new line text} applied to single lines."""
    policy = "\n".join("      " + line for line in json.dumps(DISABLED_POLICY, indent=2).splitlines())
    text = f"""# Coffer seed file of the black-box suite
keys:
{extra_first}  - keyId: {PAYMENTS}
    keySpec: SYMMETRIC_DEFAULT
    keyUsage: ENCRYPT_DECRYPT
    origin: AWS_KMS
    description: payments key
    material: {b64(payments_material)}
    enabled: true
    tags: {{team: payments, cost-center: "42"}}
  - keyId: {IMPORTED}
    accountId: "{DEV_ACCOUNT}"
    region: us-east-1
    origin: EXTERNAL
    description: imported key
    material: {b64(IMPORTED_MATERIAL)}
    validTo: 2030-01-01T00:00:00Z
  - keyId: {MAC_KEY}
    keySpec: HMAC_256
    keyUsage: GENERATE_VERIFY_MAC
    description: mac key
    material: {b64(MAC_MATERIAL)}
  - keyId: {RSA_KEY}
    keySpec: RSA_2048
    keyUsage: SIGN_VERIFY
    description: signing key
    materialFile: {RSA_PEM}
  - keyId: {MRK}
    region: {EU}
    description: multi-Region key
  - keyId: {DISABLED}
    description: disabled key
    enabled: false
    policy: |
{policy}
aliases:
  - name: alias/payments
    targetKeyId: {PAYMENTS}
  - name: alias/seeded-mac
    targetKeyId: {MAC_KEY}
  - name: alias/eu-multi
    targetKeyId: {MRK}
    region: {EU}
"""
    for old, new in (replace or {}).items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


NEW_KEY_ENTRY = f"""  - keyId: {NEW_KEY}
    description: must not be created
"""


def line_of(text: str, needle: str) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def entry_lines(text: str, needle: str) -> range:
    """The lines of the list entry (`  - ...` up to the next entry or section) that contains `needle`."""
    lines = text.splitlines()
    at = line_of(text, needle) - 1
    start = at
    while not lines[start].startswith("  - "):
        start -= 1
    end = at + 1
    while end < len(lines) and not lines[end].startswith("  - ") and lines[end].startswith("    "):
        end += 1
    return range(start + 1, end + 1)


def assert_located(stderr: str, path: Path, lines: range | int) -> int:
    """stderr has `coffer: <path>:<line>: <what>` with the line in `lines`; returns the line."""
    m = re.search(r"^coffer: " + re.escape(str(path)) + r":(\d+): \S", stderr, re.M)
    assert m, f"no 'coffer: {path}:<line>: ...' in stderr:\n{stderr}"
    line = int(m.group(1))
    allowed = range(lines, lines + 1) if isinstance(lines, int) else lines
    assert line in allowed, f"line {line} not in {list(allowed)}:\n{stderr}"
    return line


def seeded(server_factory, tmp_path, name: str, text: str | None = None, filename: str = "seed.yaml"):
    """A server (not started) whose config names a seed file with `text` (the seed under test by default)."""
    path = tmp_path / name / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(seed_yaml() if text is None else text)
    srv = server_factory(name=name, config={"seed": str(path)})
    return srv, path


def fixture_ciphertext(name: str) -> bytes:
    return base64.b64decode((FIXTURES / name).read_text().strip())


# --------------------------------------------------------------------------- what the seed must produce

def check_seeded_keys(srv, *, fresh: bool = True) -> None:
    """The declared keys, as DescribeKey and the cryptographic operations show them."""
    c, eu = srv.client(), srv.client(region=EU)
    d = {kid: c.describe_key(KeyId=kid)["KeyMetadata"] for kid in (PAYMENTS, IMPORTED, MAC_KEY, RSA_KEY, DISABLED)}
    d[MRK] = eu.describe_key(KeyId=MRK)["KeyMetadata"]
    for kid, md in d.items():
        assert md["KeyId"] == kid
        assert md["Arn"] == key_arn(kid, region=EU if kid == MRK else "us-east-1")
        assert md["AWSAccountId"] == DEV_ACCOUNT
    p = d[PAYMENTS]
    assert (p["KeySpec"], p["KeyUsage"], p["Origin"], p["KeyState"], p["Enabled"]) == \
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS", "Enabled", True)
    assert "ExpirationModel" not in p and p["MultiRegion"] is False
    i = d[IMPORTED]
    assert (i["KeySpec"], i["Origin"], i["KeyState"], i["ExpirationModel"]) == \
        ("SYMMETRIC_DEFAULT", "EXTERNAL", "Enabled", "KEY_MATERIAL_EXPIRES")
    assert i["ValidTo"] == VALID_TO
    m = d[MAC_KEY]
    assert (m["KeySpec"], m["KeyUsage"], m["Origin"], m["KeyState"]) == \
        ("HMAC_256", "GENERATE_VERIFY_MAC", "AWS_KMS", "Enabled")
    r = d[RSA_KEY]
    assert (r["KeySpec"], r["KeyUsage"], r["Origin"], r["KeyState"]) == ("RSA_2048", "SIGN_VERIFY", "AWS_KMS",
                                                                          "Enabled")
    x = d[MRK]
    assert (x["KeySpec"], x["Origin"], x["KeyState"], x["MultiRegion"]) == ("SYMMETRIC_DEFAULT", "AWS_KMS", "Enabled",
                                                                             True)
    if fresh:
        assert (p["Description"], i["Description"], m["Description"], r["Description"], x["Description"]) == \
            ("payments key", "imported key", "mac key", "signing key", "multi-Region key")
        z = d[DISABLED]
        assert (z["KeyState"], z["Enabled"], z["Description"]) == ("Disabled", False, "disabled key")

    # the declared material is the key's material
    for name, kid in (("payments-ciphertext.b64", PAYMENTS), ("imported-ciphertext.b64", IMPORTED)):
        out = c.decrypt(CiphertextBlob=fixture_ciphertext(name), EncryptionContext=FIXTURE_CONTEXT)
        assert (out["Plaintext"], out["KeyId"]) == (FIXTURE_PLAINTEXT, key_arn(kid)), name
    mac = c.generate_mac(KeyId=MAC_KEY, Message=b"seeded", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac == hmac.new(MAC_MATERIAL, b"seeded", hashlib.sha256).digest()
    private = serialization.load_pem_private_key(RSA_PEM.read_bytes(), password=None)
    spki = private.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    assert c.get_public_key(KeyId=RSA_KEY)["PublicKey"] == spki
    sig = c.sign(KeyId=RSA_KEY, Message=b"seeded", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    private.public_key().verify(sig, b"seeded", padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                            salt_length=32), hashes.SHA256())
    # aliases
    assert c.describe_key(KeyId="alias/payments")["KeyMetadata"]["KeyId"] == PAYMENTS
    assert c.describe_key(KeyId="alias/seeded-mac")["KeyMetadata"]["KeyId"] == MAC_KEY
    assert eu.describe_key(KeyId="alias/eu-multi")["KeyMetadata"]["KeyId"] == MRK
    expect_error(c.describe_key, KeyId="alias/eu-multi", code="NotFoundException")  # another Region


@pytest.fixture(scope="module")
def seed_srv(coffer_bin, tmp_path_factory):
    """A server started on a fresh data dir with the seed under test."""
    from kmshelpers import CofferServer
    base = tmp_path_factory.mktemp("seed-main")
    path = base / "seed.yaml"
    path.write_text(seed_yaml())
    srv = CofferServer(coffer_bin, base, name="seed", config={"seed": str(path)})
    srv.start()
    yield srv
    srv.discard()


# =========================================================================== applying a seed


def test_seeded_keys_and_aliases(seed_srv):
    check_seeded_keys(seed_srv)


def test_seeded_tags_and_policy(seed_srv):
    c = seed_srv.client()
    tags = sorted(c.list_resource_tags(KeyId=PAYMENTS)["Tags"], key=lambda t: t["TagKey"])
    assert tags == [{"TagKey": "cost-center", "TagValue": "42"}, {"TagKey": "team", "TagValue": "payments"}]
    assert json.loads(c.get_key_policy(KeyId=DISABLED, PolicyName="default")["Policy"]) == DISABLED_POLICY


def test_seeded_keys_are_listed(seed_srv):
    ids = {k["KeyId"] for k in seed_srv.client().list_keys(Limit=1000)["Keys"]}
    assert {PAYMENTS, IMPORTED, MAC_KEY, RSA_KEY, DISABLED} <= ids
    assert MRK not in ids  # it lives in eu-west-1
    assert NEW_KEY not in ids
    assert MRK in {k["KeyId"] for k in seed_srv.client(region=EU).list_keys(Limit=1000)["Keys"]}


def test_restart_with_the_same_seed_is_idempotent(server_factory, tmp_path):
    srv, _ = seeded(server_factory, tmp_path, "idem")
    srv.start()
    c, eu = srv.client(), srv.client(region=EU)
    before = {kid: c.describe_key(KeyId=kid)["KeyMetadata"] for kid in (PAYMENTS, IMPORTED, MAC_KEY, RSA_KEY)}
    # the generated material of the multi-Region key is kept in the store
    ct = eu.encrypt(KeyId=MRK, Plaintext=b"random material")["CiphertextBlob"]
    # description, enabled, tags, policy are applied only when a key is created
    c.update_key_description(KeyId=PAYMENTS, Description="changed after seeding")
    c.untag_resource(KeyId=PAYMENTS, TagKeys=["team"])
    c.enable_key(KeyId=DISABLED)
    c.disable_key(KeyId=MAC_KEY)
    c.enable_key(KeyId=MAC_KEY)
    srv.restart()
    srv.restart(kill=True)
    c, eu = srv.client(), srv.client(region=EU)
    check_seeded_keys(srv, fresh=False)
    for kid, md in before.items():
        now = c.describe_key(KeyId=kid)["KeyMetadata"]
        assert now["CreationDate"] == md["CreationDate"], kid
        assert now.get("CurrentKeyMaterialId") == md.get("CurrentKeyMaterialId"), kid
    assert c.describe_key(KeyId=PAYMENTS)["KeyMetadata"]["Description"] == "changed after seeding"
    assert c.list_resource_tags(KeyId=PAYMENTS)["Tags"] == [{"TagKey": "cost-center", "TagValue": "42"}]
    assert c.describe_key(KeyId=DISABLED)["KeyMetadata"]["KeyState"] == "Enabled"
    assert eu.decrypt(CiphertextBlob=ct)["Plaintext"] == b"random material"
    assert len(c.list_aliases(KeyId=PAYMENTS)["Aliases"]) == 1


def test_a_key_created_through_the_api_survives_a_seeded_restart(server_factory, tmp_path):
    srv, _ = seeded(server_factory, tmp_path, "api-key")
    srv.start()
    md = srv.client().create_key(Description="not in the seed")["KeyMetadata"]
    srv.restart()
    assert srv.client().describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Description"] == "not in the seed"


# =========================================================================== conflicts and invalid files

CONFLICTS = {
    # name: (replace {line: new line}, the needle locating the conflicting entry)
    "other-material": ({f"    material: {b64(PAYMENTS_MATERIAL)}": f"    material: {b64(OTHER_MATERIAL)}"},
                       f"keyId: {PAYMENTS}"),
    "other-usage": ({"    keyUsage: SIGN_VERIFY": "    keyUsage: ENCRYPT_DECRYPT"}, f"keyId: {RSA_KEY}"),
    "other-spec": ({"    keySpec: HMAC_256": "    keySpec: HMAC_384"}, f"keyId: {MAC_KEY}"),
    "other-origin": ({"    origin: EXTERNAL": "    origin: AWS_KMS",
                      "    validTo: 2030-01-01T00:00:00Z\n": ""}, f"keyId: {IMPORTED}"),
    "alias-elsewhere": ({f"  - name: alias/payments\n    targetKeyId: {PAYMENTS}":
                         f"  - name: alias/payments\n    targetKeyId: {MAC_KEY}"}, "name: alias/payments"),
}


@pytest.mark.parametrize("case", list(CONFLICTS))
def test_conflicting_declaration_stops_startup_and_changes_nothing(server_factory, tmp_path, case):
    srv, path = seeded(server_factory, tmp_path, f"conflict-{case}")
    srv.start()
    srv.stop()
    replace, needle = CONFLICTS[case]
    bad = seed_yaml(extra_first=NEW_KEY_ENTRY, replace=replace)
    bad_path = path.parent / "conflicting.yaml"
    bad_path.write_text(bad)
    srv.config["seed"] = str(bad_path)
    rc, stderr = srv.start_expecting_exit()
    assert rc == EX_CONFIG, (rc, stderr)
    assert_located(stderr, bad_path, entry_lines(bad, needle))
    # nothing changed: the new key declared before the conflict was not created, the old declarations still hold
    srv.config["seed"] = str(path)
    srv.start()
    c = srv.client()
    expect_error(c.describe_key, KeyId=NEW_KEY, code="NotFoundException")
    check_seeded_keys(srv)


INVALID = {
    # name: (file text, the line (int) or the entry needle the error must point at)
    "bad-yaml": (seed_yaml(replace={"    description: payments key": "    description: payments key: oops"}),
                 "description: payments key: oops"),
    "unknown-key-spec": (seed_yaml(extra_first=NEW_KEY_ENTRY + "  - keyId: 6db16db1-7081-4293-a4f5-66778899aabb\n"
                                                               "    keySpec: SYMMETRIC_FANCY\n"),
                         "entry:keySpec: SYMMETRIC_FANCY"),
    "bad-key-id": (seed_yaml(extra_first=NEW_KEY_ENTRY + "  - keyId: not-a-key-id\n    description: bad id\n"),
                   "entry:keyId: not-a-key-id"),
    "bad-mrk-id": (seed_yaml(extra_first=NEW_KEY_ENTRY + "  - keyId: mrk-not-hex\n    region: eu-west-1\n"),
                   "entry:keyId: mrk-not-hex"),
    "bad-material": (seed_yaml(extra_first=NEW_KEY_ENTRY + "  - keyId: 7ec27ec2-8192-43a4-b506-778899aabbcc\n"
                                                           "    material: '%%% not base64 %%%'\n"),
                     "entry:material: '%%% not base64 %%%'"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_seed_stops_startup_and_changes_nothing(server_factory, tmp_path, case):
    srv, path = seeded(server_factory, tmp_path, f"invalid-{case}")
    srv.start()
    srv.stop()
    text, where = INVALID[case]
    bad_path = path.parent / "invalid.yaml"
    bad_path.write_text(text)
    srv.config["seed"] = str(bad_path)
    rc, stderr = srv.start_expecting_exit()
    assert rc == EX_CONFIG, (rc, stderr)
    lines = entry_lines(text, where[len("entry:"):]) if where.startswith("entry:") else line_of(text, where)
    assert_located(stderr, bad_path, lines)
    srv.config["seed"] = str(path)
    srv.start()
    expect_error(srv.client().describe_key, KeyId=NEW_KEY, code="NotFoundException")
    check_seeded_keys(srv)


def test_invalid_seed_on_a_fresh_data_dir(server_factory, tmp_path):
    text = INVALID["unknown-key-spec"][0]
    srv, path = seeded(server_factory, tmp_path, "invalid-fresh", text)
    rc, stderr = srv.start_expecting_exit()
    assert rc == EX_CONFIG, (rc, stderr)
    assert_located(stderr, path, entry_lines(text, "keySpec: SYMMETRIC_FANCY"))
    srv.config.pop("seed")
    srv.start()
    c = srv.client()
    for kid in (NEW_KEY, PAYMENTS):
        expect_error(c.describe_key, KeyId=kid, code="NotFoundException")


def test_missing_seed_file_stops_startup(server_factory, tmp_path):
    srv = server_factory(name="noseed", config={"seed": str(tmp_path / "nope.yaml")})
    rc, stderr = srv.start_expecting_exit()
    assert rc == EX_CONFIG, (rc, stderr)
    assert re.search(r"^coffer: .*nope\.yaml", stderr, re.M), stderr


# =========================================================================== JSON


def seed_json_text(key_spec: str = "SYMMETRIC_DEFAULT") -> str:
    """A JSON seed, one member per line (so that lines can be named)."""
    return f"""{{
  "keys": [
    {{
      "keyId": "{PAYMENTS}",
      "keySpec": "{key_spec}",
      "description": "payments key",
      "material": "{b64(PAYMENTS_MATERIAL)}"
    }},
    {{
      "keyId": "{MAC_KEY}",
      "keySpec": "HMAC_256",
      "keyUsage": "GENERATE_VERIFY_MAC",
      "material": "{b64(MAC_MATERIAL)}",
      "tags": {{"team": "json"}}
    }}
  ],
  "aliases": [
    {{"name": "alias/payments", "targetKeyId": "{PAYMENTS}"}}
  ]
}}
"""


def test_json_seed_file(server_factory, tmp_path):
    srv, _ = seeded(server_factory, tmp_path, "json", seed_json_text(), filename="seed.json")
    srv.start()
    c = srv.client()
    md = c.describe_key(KeyId="alias/payments")["KeyMetadata"]
    assert (md["KeyId"], md["Description"], md["Origin"]) == (PAYMENTS, "payments key", "AWS_KMS")
    out = c.decrypt(CiphertextBlob=fixture_ciphertext("payments-ciphertext.b64"), EncryptionContext=FIXTURE_CONTEXT)
    assert out["Plaintext"] == FIXTURE_PLAINTEXT
    mac = c.generate_mac(KeyId=MAC_KEY, Message=b"json", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac == hmac.new(MAC_MATERIAL, b"json", hashlib.sha256).digest()
    assert c.list_resource_tags(KeyId=MAC_KEY)["Tags"] == [{"TagKey": "team", "TagValue": "json"}]
    srv.restart()
    assert srv.client().describe_key(KeyId=PAYMENTS)["KeyMetadata"]["KeyState"] == "Enabled"


def test_invalid_json_seed_names_the_line(server_factory, tmp_path):
    text = seed_json_text(key_spec="NOT_A_SPEC")
    srv, path = seeded(server_factory, tmp_path, "json-invalid", text, filename="seed.json")
    rc, stderr = srv.start_expecting_exit()
    assert rc == EX_CONFIG, (rc, stderr)
    # the line of the bad value, or of the object that holds it
    bad = line_of(text, '"NOT_A_SPEC"')
    assert_located(stderr, path, range(bad - 2, bad + 4))


# =========================================================================== coffer seed export


def export(coffer_bin, srv, *flags: str):
    return run_coffer(coffer_bin, "seed", "export", "--config", srv.config_path, "--data-dir", srv.data_dir, *flags)


def test_seed_export_with_material_reproduces_the_keys(seed_srv, coffer_bin, server_factory, tmp_path):
    eu = seed_srv.client(region=EU)
    ct_mrk = eu.encrypt(KeyId=MRK, Plaintext=b"generated material")["CiphertextBlob"]
    proc = export(coffer_bin, seed_srv, "--include-material")
    assert proc.returncode == 0, describe_proc(proc)
    assert proc.stderr.strip(), "no warning on stderr about the exported material"
    doc = yaml.safe_load(proc.stdout)
    assert isinstance(doc, dict) and isinstance(doc.get("keys"), list), proc.stdout[:2000]
    exported = {k["keyId"]: k for k in doc["keys"]}
    assert {PAYMENTS, IMPORTED, MAC_KEY, RSA_KEY, MRK, DISABLED} <= set(exported), sorted(exported)
    for kid, k in exported.items():
        assert "material" in k or "materialFile" in k, k
    names = {a["name"] for a in doc.get("aliases") or []}
    assert {"alias/payments", "alias/seeded-mac", "alias/eu-multi"} <= names

    # the export as the seed of a fresh data dir
    srv, _ = seeded(server_factory, tmp_path, "from-export", proc.stdout)
    srv.start()
    check_seeded_keys(srv)
    assert srv.client(region=EU).decrypt(CiphertextBlob=ct_mrk)["Plaintext"] == b"generated material"
    c = srv.client()
    tags = sorted(c.list_resource_tags(KeyId=PAYMENTS)["Tags"], key=lambda t: t["TagKey"])
    assert tags == [{"TagKey": "cost-center", "TagValue": "42"}, {"TagKey": "team", "TagValue": "payments"}]
    assert json.loads(c.get_key_policy(KeyId=DISABLED, PolicyName="default")["Policy"]) == DISABLED_POLICY
    # and it is idempotent against the data dir it came from
    seed_path = tmp_path / "from-export" / "seed.yaml"
    seed_srv.stop()
    original = seed_srv.config["seed"]
    seed_srv.config["seed"] = str(seed_path)
    try:
        seed_srv.start()
    finally:
        seed_srv.stop()
        seed_srv.config["seed"] = original
        seed_srv.start()


def test_seed_export_without_material(seed_srv, coffer_bin):
    proc = export(coffer_bin, seed_srv)
    assert proc.returncode == 0, describe_proc(proc)
    doc = yaml.safe_load(proc.stdout)
    exported = {k["keyId"]: k for k in doc["keys"]}
    assert {PAYMENTS, IMPORTED, MAC_KEY, RSA_KEY, MRK, DISABLED} <= set(exported)
    for k in exported.values():
        assert "material" not in k and "materialFile" not in k, k
    for secret in (PAYMENTS_MATERIAL, IMPORTED_MATERIAL, MAC_MATERIAL):
        assert b64(secret) not in proc.stdout and secret.hex() not in proc.stdout
    assert exported[PAYMENTS].get("keySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    assert exported[RSA_KEY]["keySpec"] == "RSA_2048" and exported[RSA_KEY]["keyUsage"] == "SIGN_VERIFY"
    assert exported[IMPORTED]["origin"] == "EXTERNAL"
    assert exported[MRK].get("region") == EU


# =========================================================================== making the fixtures (once)


def _make_fixtures() -> None:  # pragma: no cover - run by hand
    import os
    import tempfile

    from kmshelpers import CofferServer
    base = Path(tempfile.mkdtemp(prefix="coffer-seed-fixtures-"))
    (base / "seed.yaml").write_text(seed_yaml())
    srv = CofferServer(os.environ["COFFER_BIN"], base, name="fixtures", config={"seed": str(base / "seed.yaml")})
    srv.start()
    try:
        c = srv.client()
        for name, kid in (("payments-ciphertext.b64", PAYMENTS), ("imported-ciphertext.b64", IMPORTED)):
            ct = c.encrypt(KeyId=kid, Plaintext=FIXTURE_PLAINTEXT, EncryptionContext=FIXTURE_CONTEXT)["CiphertextBlob"]
            (FIXTURES / name).write_text(b64(ct) + "\n")
    finally:
        srv.discard()


if __name__ == "__main__":
    if sys.argv[1:] == ["--make-fixtures"]:
        _make_fixtures()
