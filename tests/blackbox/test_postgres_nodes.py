"""Several stateless Coffer nodes on one PostgreSQL database (docs/storage.md): a key made on one node is used on the
other, a state change acknowledged by one node is enforced by the other at once, import parameters travel, and
concurrent changes of one key or one alias name on both nodes neither lose an update nor let two writers win.

PostgreSQL-specific, so it runs in the COFFER_TEST_STORE=postgres pass only (which needs COFFER_TEST_POSTGRES_URL;
`.ci/run` starts PostgreSQL and sets it, and in CI its absence is a failure: conftest.py).
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

import importhelpers as imp
from kmshelpers import (PG_URL, TEST_STORE, CofferServer, create_database, database_url, drop_database, expect_error,
                        unique_alias)

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def cluster(coffer_bin, tmp_path_factory):
    """Two nodes (A, B) on a fresh database, sharing one root key from the environment."""
    db = create_database("coffer_nodes_")
    root_key = base64.b64encode(os.urandom(32)).decode()
    config = {"store": {"type": "postgres", "url": database_url(db)}, "rootKey": {"env": "COFFER_ROOT_KEY"}}
    base = tmp_path_factory.mktemp("pg-nodes")
    nodes = [CofferServer(coffer_bin, base / n, name=n, config=config, env={"COFFER_ROOT_KEY": root_key}) for n in ("a", "b")]
    for node in nodes:
        node.start()
    yield {"a": nodes[0], "b": nodes[1], "db": db, "config": config, "root_key": root_key, "base": base}
    for node in nodes:
        node.stop()
    drop_database(db)


@pytest.fixture(scope="module")
def a(cluster):
    return cluster["a"].client()


@pytest.fixture(scope="module")
def b(cluster):
    return cluster["b"].client()


def test_a_key_made_on_one_node_is_used_on_the_other(a, b):
    kid = a.create_key(Description="made on A")["KeyMetadata"]["KeyId"]
    assert b.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == "made on A"
    blob = a.encrypt(KeyId=kid, Plaintext=b"across nodes", EncryptionContext={"n": "a"})["CiphertextBlob"]
    assert b.decrypt(CiphertextBlob=blob, EncryptionContext={"n": "a"})["Plaintext"] == b"across nodes"
    alias = unique_alias("pg")
    b.create_alias(AliasName=alias, TargetKeyId=kid)
    assert a.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == kid
    assert kid in {k["KeyId"] for k in b.list_keys(Limit=1000)["Keys"]}


def test_a_state_change_on_one_node_is_enforced_by_the_other_at_once(a, b):
    kid = a.create_key()["KeyMetadata"]["KeyId"]
    b.encrypt(KeyId=kid, Plaintext=b"x")  # B has read the key while it was enabled
    a.disable_key(KeyId=kid)
    expect_error(b.encrypt, KeyId=kid, Plaintext=b"x", code="DisabledException")
    a.enable_key(KeyId=kid)
    b.encrypt(KeyId=kid, Plaintext=b"x")
    b.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    expect_error(a.encrypt, KeyId=kid, Plaintext=b"x", code="KMSInvalidStateException")


def test_key_policies_and_grants_are_shared(a, b):
    kid = a.create_key()["KeyMetadata"]["KeyId"]
    grant = a.create_grant(KeyId=kid, GranteePrincipal="arn:aws:iam::000000000000:user/g", Operations=["Encrypt"])
    assert [g["GrantId"] for g in b.list_grants(KeyId=kid)["Grants"]] == [grant["GrantId"]]
    b.retire_grant(GrantToken=grant["GrantToken"])
    assert a.list_grants(KeyId=kid)["Grants"] == []


def test_import_parameters_from_one_node_import_on_the_other(a, b):
    md = imp.create_external(a)
    p = imp.params(a, md["KeyId"])
    material = imp.random_symmetric()
    wrapped = imp.wrap(material, p["PublicKey"], "RSAES_OAEP_SHA_256")
    b.import_key_material(KeyId=md["KeyId"], ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
                          ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert a.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    blob = b.encrypt(KeyId=md["KeyId"], Plaintext=b"imported")["CiphertextBlob"]
    assert a.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"


def test_concurrent_rotations_on_both_nodes_lose_none(a, b):
    kid = a.create_key()["KeyMetadata"]["KeyId"]
    clients = [a, b] * 15  # 30 attempts; AWS allows 25 on-demand rotations per key

    def rotate(client):
        try:
            client.rotate_key_on_demand(KeyId=kid)
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(rotate, clients))
    assert results.count("ok") == 25, results
    assert set(results) <= {"ok", "LimitExceededException"}, results
    for client in (a, b):
        listed = client.list_key_rotations(KeyId=kid, Limit=1000)["Rotations"]
        assert len(listed) == 25
        assert len({r["KeyMaterialId"] for r in listed}) == 25


def test_concurrent_tag_changes_on_both_nodes_lose_none(a, b):
    kid = a.create_key()["KeyMetadata"]["KeyId"]

    def tag(i):
        (a if i % 2 else b).tag_resource(KeyId=kid, Tags=[{"TagKey": f"t{i}", "TagValue": str(i)}])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(tag, range(40)))
    tags = {t["TagKey"] for t in a.list_resource_tags(KeyId=kid, Limit=50)["Tags"]}
    assert tags == {f"t{i}" for i in range(40)}


def test_the_same_alias_created_on_both_nodes_at_once_has_one_winner(a, b):
    for _ in range(5):
        alias = unique_alias("race")
        ka, kb = a.create_key()["KeyMetadata"]["KeyId"], b.create_key()["KeyMetadata"]["KeyId"]
        barrier = threading.Barrier(2)

        def create(client, kid):
            barrier.wait()
            try:
                client.create_alias(AliasName=alias, TargetKeyId=kid)
                return kid
            except ClientError as e:
                assert e.response["Error"]["Code"] == "AlreadyExistsException", e.response
                return None

        with ThreadPoolExecutor(max_workers=2) as pool:
            winners = [w for w in pool.map(lambda args: create(*args), [(a, ka), (b, kb)]) if w]
        assert len(winners) == 1
        assert a.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == winners[0]
        assert b.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == winners[0]


def test_the_alias_limit_holds_across_nodes(a, b):
    kid = a.create_key()["KeyMetadata"]["KeyId"]
    prefix = unique_alias("lim")

    def create(i):
        try:
            (a if i % 2 else b).create_alias(AliasName=f"{prefix}-{i}", TargetKeyId=kid)
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create, range(60)))
    assert results.count("ok") == 50, results
    assert len(a.list_aliases(KeyId=kid, Limit=100)["Aliases"]) == 50


def test_killing_one_node_during_a_create_burst_loses_no_acknowledged_key(cluster, coffer_bin):
    # A third node, killed with SIGKILL in the middle of a CreateKey burst; B must know every key A acknowledged.
    c = CofferServer(coffer_bin, cluster["base"] / "c", name="c", config=cluster["config"],
                     env={"COFFER_ROOT_KEY": cluster["root_key"]})
    c.start()
    client, b = c.client(), cluster["b"].client()
    acknowledged: list[str] = []
    stop = threading.Event()

    def burst():
        while not stop.is_set():
            try:
                acknowledged.append(client.create_key(Description="burst")["KeyMetadata"]["KeyId"])
            except Exception:  # the node died mid-request: not acknowledged
                return

    worker = threading.Thread(target=burst)
    worker.start()
    while len(acknowledged) < 20:
        threading.Event().wait(0.02)
    c.kill9()
    stop.set()
    worker.join(timeout=30)
    assert acknowledged
    for kid in acknowledged:
        assert b.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Enabled"
        b.encrypt(KeyId=kid, Plaintext=b"still here")


def test_a_node_with_another_root_key_refuses_to_start(cluster, coffer_bin):
    other = base64.b64encode(os.urandom(32)).decode()
    node = CofferServer(coffer_bin, cluster["base"] / "wrong", name="wrong", config=cluster["config"],
                        env={"COFFER_ROOT_KEY": other})
    rc, err = node.start_expecting_exit()
    assert rc == 78, err
    assert "root key" in err


def _cluster() -> tuple[str, str] | None:
    if PG_URL is None:
        return None
    try:
        out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=30).stdout
    except FileNotFoundError:
        return None
    port = str(urlsplit(PG_URL).port or 5432)
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == port:
            return fields[0], fields[1]
    return None


@pytest.mark.skipif(TEST_STORE == "postgres" and (os.geteuid() != 0 or _cluster() is None),
                    reason="restarting PostgreSQL needs root and a local pg_ctlcluster cluster (as in CI)")
def test_a_database_restart_fails_requests_with_5xx_and_recovers(a, b):
    version, name = _cluster()
    kid = a.create_key(Description="before the restart")["KeyMetadata"]["KeyId"]
    subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True, timeout=60)
    try:
        for client in (a, b):
            with pytest.raises(ClientError) as ei:
                client.encrypt(KeyId=kid, Plaintext=b"x")
            err = ei.value.response
            assert err["Error"]["Code"] in ("DependencyTimeoutException", "KMSInternalException"), err
            assert err["ResponseMetadata"]["HTTPStatusCode"] >= 500
    finally:
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True, timeout=60)
    deadline = time.monotonic() + 30
    while True:
        try:
            blob = b.encrypt(KeyId=kid, Plaintext=b"after")["CiphertextBlob"]
            break
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert a.decrypt(CiphertextBlob=blob)["Plaintext"] == b"after"
    assert a.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == "before the restart"
