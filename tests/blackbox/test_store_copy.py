"""`coffer store copy`: SQLite → PostgreSQL → SQLite, with every key, material, alias, tag, policy, grant and import
parameter, idempotent with --merge, and every ciphertext made before the copy decrypting after it.

PostgreSQL-specific, so it runs in the COFFER_TEST_STORE=postgres pass only (which needs COFFER_TEST_POSTGRES_URL;
`.ci/run` starts PostgreSQL and sets it). Its SQLite servers name `"store": {"type": "sqlite"}` in their config, so
that pass does not move them to PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import importhelpers as imp
from kmshelpers import CofferServer, create_database, database_url, drop_database, unique_alias

pytestmark = pytest.mark.postgres_only

SQLITE = {"store": {"type": "sqlite"}}  # explicit: the postgres pass would otherwise put these servers on PostgreSQL


def _copy(coffer_bin, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(coffer_bin), "store", "copy", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def database():
    db = create_database("coffer_copy_")
    yield database_url(db)
    drop_database(db)


def _populate(kms) -> dict:
    sym = kms.create_key(Description="copied", Tags=[{"TagKey": "team", "TagValue": "blue"}])["KeyMetadata"]
    alias = unique_alias("copy")
    kms.create_alias(AliasName=alias, TargetKeyId=sym["KeyId"])
    kms.rotate_key_on_demand(KeyId=sym["KeyId"])
    blob = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"before the copy", EncryptionContext={"a": "b"})["CiphertextBlob"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "kms:*", "Resource": "*"}]})
    kms.put_key_policy(KeyId=sym["KeyId"], Policy=policy)
    grant = kms.create_grant(KeyId=sym["KeyId"], GranteePrincipal="arn:aws:iam::000000000000:user/g",
                             Operations=["Decrypt"], Name="copied-grant")
    ecc = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    signature = kms.sign(KeyId=ecc["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    ext = imp.create_external(kms)
    material = imp.random_symmetric()
    imp.import_material(kms, ext["KeyId"], material)
    ext_blob = kms.encrypt(KeyId=ext["KeyId"], Plaintext=b"imported")["CiphertextBlob"]
    pending = imp.create_external(kms)
    params = imp.params(kms, pending["KeyId"])  # used after the copy, on the other store
    return {"sym": sym, "alias": alias, "blob": blob, "policy": policy, "grant": grant, "ecc": ecc,
            "signature": signature, "ext": ext, "ext_blob": ext_blob, "pending": pending, "params": params}


def _check(kms, facts: dict) -> None:
    sym = facts["sym"]["KeyId"]
    assert kms.decrypt(CiphertextBlob=facts["blob"], EncryptionContext={"a": "b"})["Plaintext"] == b"before the copy"
    assert kms.describe_key(KeyId=facts["alias"])["KeyMetadata"]["KeyId"] == sym
    assert kms.list_resource_tags(KeyId=sym)["Tags"] == [{"TagKey": "team", "TagValue": "blue"}]
    assert kms.get_key_policy(KeyId=sym, PolicyName="default")["Policy"] == facts["policy"]
    assert [g["GrantId"] for g in kms.list_grants(KeyId=sym)["Grants"]] == [facts["grant"]["GrantId"]]
    assert len(kms.list_key_rotations(KeyId=sym)["Rotations"]) == 1
    assert kms.verify(KeyId=facts["ecc"]["KeyId"], Message=b"m", Signature=facts["signature"],
                      SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
    assert kms.decrypt(CiphertextBlob=facts["ext_blob"])["Plaintext"] == b"imported"


def test_round_trip_sqlite_postgres_sqlite(coffer_bin, tmp_path, database):
    source = CofferServer(coffer_bin, tmp_path / "sqlite", name="sqlite", config=SQLITE)
    source.start()
    facts = _populate(source.client())
    source.stop()
    sqlite_file = source.data_dir / "coffer.sqlite"

    first = _copy(coffer_bin, "--from", str(sqlite_file), "--to", database)
    assert first.returncode == 0, first.stderr
    # 4 keys: symmetric (2 materials after a rotation), ECC, imported, waiting for import; 2 sets of import parameters.
    assert "Copied 4 keys (4 materials), 1 aliases, 1 grants, 2 import parameters" in first.stdout, first.stdout
    assert "every material opens" in first.stdout

    # Not again into a non-empty target; with --merge, idempotent.
    again = _copy(coffer_bin, "--from", str(sqlite_file), "--to", database)
    assert again.returncode == 2 and "not empty" in again.stderr, again.stderr
    merged = _copy(coffer_bin, "--from", str(sqlite_file), "--to", database, "--merge")
    assert merged.returncode == 0, merged.stderr
    assert "Copied 0 keys (0 materials), 0 aliases, 0 grants, 0 import parameters" in merged.stdout, merged.stdout

    # A PostgreSQL-backed server with the same root key serves everything, and takes the import prepared before.
    root_key = str(source.root_key_path)
    pg = CofferServer(coffer_bin, tmp_path / "pg", name="pg",
                      config={"store": {"type": "postgres", "url": database}, "rootKey": {"file": root_key}})
    pg.start()
    kms = pg.client()
    _check(kms, facts)
    wrapped = imp.wrap(imp.random_symmetric(), facts["params"]["PublicKey"], "RSAES_OAEP_SHA_256")
    kms.import_key_material(KeyId=facts["pending"]["KeyId"], ImportToken=facts["params"]["ImportToken"],
                            EncryptedKeyMaterial=wrapped, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    later = kms.encrypt(KeyId=facts["sym"]["KeyId"], Plaintext=b"made on postgres")["CiphertextBlob"]
    pg.stop()

    # And back, for a backup: PostgreSQL → a new SQLite file.
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    shutil.copy(root_key, backup_dir / "root.key")
    os.chmod(backup_dir / "root.key", 0o600)
    back = _copy(coffer_bin, "--from", database, "--to", str(backup_dir / "coffer.sqlite"),
                 "--config", str(_write(tmp_path / "copy.json", {"rootKey": {"file": root_key}})))
    assert back.returncode == 0, back.stderr
    restored = CofferServer(coffer_bin, tmp_path / "restored", name="restored", data_dir=backup_dir, config=SQLITE)
    restored.start()
    kms = restored.client()
    _check(kms, facts)
    assert kms.decrypt(CiphertextBlob=later)["Plaintext"] == b"made on postgres"
    assert kms.describe_key(KeyId=facts["pending"]["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    restored.stop()


def _write(path: Path, value: dict) -> Path:
    path.write_text(json.dumps(value))
    return path


def test_copy_refuses_another_root_key(coffer_bin, tmp_path, database):
    source = CofferServer(coffer_bin, tmp_path / "sqlite", name="sqlite", config=SQLITE)
    source.start()
    source.client().create_key()
    source.stop()
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(os.urandom(32))
    p = _copy(coffer_bin, "--from", str(source.data_dir / "coffer.sqlite"), "--to", database,
              "--config", str(_write(tmp_path / "wrong.json", {"rootKey": {"file": str(wrong)}})))
    assert p.returncode == 2 and "root key" in p.stderr, p.stderr
    missing = _copy(coffer_bin, "--from", str(tmp_path / "nothing.sqlite"), "--to", database)
    assert missing.returncode == 2, missing.stderr
