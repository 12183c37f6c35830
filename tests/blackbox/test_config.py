"""`coffer serve` configuration: the JSON config file and broken inputs at start-up."""

from __future__ import annotations

import json

from kmshelpers import DEV_ACCOUNT, TEST_STORE, expect_error


def test_config_file_alone_supplies_host_port_and_data_dir(server_factory):
    srv = server_factory(name="cfgonly", cli_flags=False, config={"logLevel": "info"}).start()
    md = srv.client().create_key(Description="cfg")["KeyMetadata"]
    assert md["AWSAccountId"] == DEV_ACCOUNT
    assert srv.data_dir.is_dir() and any(srv.data_dir.iterdir()), "dataDir from the config was not used"
    srv.restart()
    assert srv.client().describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Description"] == "cfg"


def test_command_line_flags_with_config_file(server_factory, tmp_path):
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"identities": [
        {"accessKeyId": "AKIACFG0000000000001", "secretAccessKey": "s3cr3t", "accountId": "222233334444",
         "principal": "cfg-user"}]}))
    srv = server_factory(name="cfgcreds", config={"credentialsFile": str(creds), "logLevel": "debug"}).start()
    c = srv.client(access_key="AKIACFG0000000000001", secret_key="s3cr3t")
    assert c.create_key()["KeyMetadata"]["AWSAccountId"] == "222233334444"


def test_credentials_file_replaces_development_identity(server_factory, tmp_path):
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"identities": [
        {"accessKeyId": "AKIAONLY000000000001", "secretAccessKey": "only", "accountId": "555566667777",
         "principal": "only"}]}))
    srv = server_factory(name="nodev", config={"credentialsFile": str(creds)}).start()
    # the built-in test/test identity exists only when no credentials file is configured
    expect_error(srv.client().list_keys, code="UnrecognizedClientException")


def test_malformed_config_file_refuses_to_start(server_factory):
    srv = server_factory(name="badcfg", config="{ this is not json")
    rc, stderr = srv.start_expecting_exit()
    assert rc != 0
    assert stderr.strip(), "no explanation on stderr"


def test_malformed_credentials_file_refuses_to_start(server_factory, tmp_path):
    creds = tmp_path / "creds.json"
    creds.write_text('{"identities": [ {"accessKeyId": ')
    srv = server_factory(name="badcreds", config={"credentialsFile": str(creds)})
    rc, stderr = srv.start_expecting_exit()
    assert rc != 0
    assert stderr.strip(), "no explanation on stderr"


def test_missing_credentials_file_refuses_to_start(server_factory, tmp_path):
    srv = server_factory(name="nocreds", config={"credentialsFile": str(tmp_path / "does-not-exist.json")})
    rc, stderr = srv.start_expecting_exit()
    assert rc != 0
    assert stderr.strip(), "no explanation on stderr"


def test_servers_run_on_the_store_under_test(server_factory):
    # The harness's store selection (COFFER_TEST_STORE, conftest.py) really reaches the server: its start-up log names
    # the store, and only the SQLite pass leaves a coffer.sqlite in the data dir.
    for srv in (server_factory(name="store-flags"), server_factory(name="store-cfg", cli_flags=False),
                server_factory(name="store-text", config='{"logLevel": "info"}')):
        srv.start().client().create_key()
        log, sqlite_file = srv.output_text(), srv.data_dir / "coffer.sqlite"
        if TEST_STORE == "postgres":
            assert srv.database and "coffer.store=postgres://" in log and f"/{srv.database}" in log, log[-2000:]
            assert not sqlite_file.exists()
        else:
            assert srv.database is None and sqlite_file.is_file()
