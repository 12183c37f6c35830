"""Shared identities, policies and helpers for the authorization suites (test_authz_*.py).

Two accounts:

  111122223333 (ACCT_A)  admin  root, no policies (the root has an implicit identity allow)
                         alice  user/alice, no identity policy: only what key policies name her for
                         bob    user/bob, IAM policy allowing some crypto ops on the account's keys and aliases bob-*
                         carol  user/carol, IAM kms:* but explicit IAM Deny of Decrypt and GenerateDataKey
                         eve    user/eve, nothing at all (grants only)
                         paula  user/paula, IAM kms:* on * (a key administrator)
                         keymaker user/keymaker, IAM CreateKey only for SYMMETRIC_DEFAULT keys
                         frank  user/frank, IAM Encrypt only with StringEquals kms:EncryptionContext:AppName
                         sess   assumed-role/app/sess-1 (session token), no identity policy
                         legacy accountId + principal, no ARN: the account root (earlier format)
  444455556666 (ACCT_B)  broot  root
                         dave   user/dave, IAM for ACCT_A's keys (the foreign key ARNs)
                         erin   user/erin, no identity policy
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from kmshelpers import CofferServer, make_boto_client

ACCT_A = "111122223333"
ACCT_B = "444455556666"
REGION = "us-east-1"

ROOT_A = f"arn:aws:iam::{ACCT_A}:root"
ROOT_B = f"arn:aws:iam::{ACCT_B}:root"

DECRYPT_DENIED = ("The ciphertext refers to a customer master key that does not exist, does not exist in this "
                  "region, or you are not allowed to access.")
DRY_RUN_MSG = "The request would have succeeded, but the DryRun option is set."
INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."
LOCKOUT_MSG = "The new key policy will not allow you to update the key policy in the future."


def _allow(actions, resources, **cond):
    st = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if cond:
        st["Condition"] = cond
    return st


def _deny(actions, resources):
    return {"Effect": "Deny", "Action": actions, "Resource": resources}


def _iam(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


IDENTITIES: dict[str, dict] = {
    "admin": dict(accessKeyId="AKIAADMINA0000000001", secretAccessKey="admin-a-secret-000000000000000000000",
                  arn=ROOT_A),
    "alice": dict(accessKeyId="AKIAALICE00000000001", secretAccessKey="alice-secret-0000000000000000000000000",
                  arn=f"arn:aws:iam::{ACCT_A}:user/alice", tags={"team": "payments"}),
    "bob": dict(accessKeyId="AKIABOB0000000000001", secretAccessKey="bob-secret-00000000000000000000000000",
                arn=f"arn:aws:iam::{ACCT_A}:user/bob",
                policies=[_iam(
                    _allow(["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey",
                            "kms:ReEncryptFrom", "kms:CreateAlias", "kms:DeleteAlias", "kms:CreateGrant"],
                           f"arn:aws:kms:*:{ACCT_A}:key/*"),
                    _allow(["kms:CreateAlias", "kms:DeleteAlias"], f"arn:aws:kms:*:{ACCT_A}:alias/bob-*"),
                )]),
    "carol": dict(accessKeyId="AKIACAROL00000000001", secretAccessKey="carol-secret-000000000000000000000000",
                  arn=f"arn:aws:iam::{ACCT_A}:user/carol",
                  policies=[_iam(_allow("kms:*", "*"), _deny(["kms:Decrypt", "kms:GenerateDataKey"], "*"))]),
    "eve": dict(accessKeyId="AKIAEVE0000000000001", secretAccessKey="eve-secret-00000000000000000000000000",
                arn=f"arn:aws:iam::{ACCT_A}:user/eve"),
    "paula": dict(accessKeyId="AKIAPAULA00000000001", secretAccessKey="paula-secret-000000000000000000000000",
                  arn=f"arn:aws:iam::{ACCT_A}:user/admins/paula", accountId=ACCT_A,
                  policies=[_iam(_allow("kms:*", "*"))]),
    "keymaker": dict(accessKeyId="AKIAKEYMAKER00000001", secretAccessKey="keymaker-secret-000000000000000000000",
                     arn=f"arn:aws:iam::{ACCT_A}:user/keymaker",
                     policies=[_iam(_allow("kms:CreateKey", "*",
                                           StringEquals={"kms:KeySpec": "SYMMETRIC_DEFAULT"}))]),
    "frank": dict(accessKeyId="AKIAFRANK00000000001", secretAccessKey="frank-secret-000000000000000000000000",
                  arn=f"arn:aws:iam::{ACCT_A}:user/frank",
                  policies=[_iam(_allow("kms:Encrypt", "*",
                                        StringEquals={"kms:EncryptionContext:AppName": "ExampleApp"}))]),
    "sess": dict(accessKeyId="ASIASESS000000000001", secretAccessKey="sess-secret-0000000000000000000000000",
                 sessionToken="sess-token-abcdef-0123456789",
                 arn=f"arn:aws:sts::{ACCT_A}:assumed-role/app/sess-1"),
    "legacy": dict(accessKeyId="AKIALEGACY0000000001", secretAccessKey="legacy-secret-00000000000000000000000",
                   accountId=ACCT_A, principal="legacy"),
    "broot": dict(accessKeyId="AKIAROOTB00000000001", secretAccessKey="root-b-secret-00000000000000000000000",
                  arn=ROOT_B),
    "dave": dict(accessKeyId="AKIADAVE000000000001", secretAccessKey="dave-secret-0000000000000000000000000",
                 arn=f"arn:aws:iam::{ACCT_B}:user/dave",
                 policies=[_iam(
                     _allow(["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey",
                             "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant", "kms:ReEncryptFrom",
                             "kms:ReEncryptTo", "kms:ScheduleKeyDeletion", "kms:EnableKey", "kms:DisableKey",
                             "kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:TagResource"],
                            f"arn:aws:kms:*:{ACCT_A}:key/*"),
                 )]),
    "erin": dict(accessKeyId="AKIAERIN000000000001", secretAccessKey="erin-secret-0000000000000000000000000",
                 arn=f"arn:aws:iam::{ACCT_B}:user/erin"),
}


def arn_of(name: str) -> str:
    ident = IDENTITIES[name]
    return ident.get("arn") or f"arn:aws:iam::{ident['accountId']}:root"


def key_arn(key_id: str, account: str = ACCT_A, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def alias_arn(alias: str, account: str = ACCT_A, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{account}:{alias}"


def denied(who: str, action: str, resource: str, why: str) -> str:
    """The AccessDeniedException message. `who` is an identity name or an ARN; why is one of
    'resource', 'identity', 'explicit-resource', 'explicit-identity'."""
    caller = arn_of(who) if who in IDENTITIES else who
    tail = {
        "resource": f"because no resource-based policy allows the kms:{action} action",
        "identity": f"because no identity-based policy allows the kms:{action} action",
        "explicit-resource": "with an explicit deny in a resource-based policy",
        "explicit-identity": "with an explicit deny in an identity-based policy",
    }[why]
    return f"User: {caller} is not authorized to perform: kms:{action} on resource: {resource} {tail}"


# --------------------------------------------------------------------------- key policies

def stmt(effect, principal, actions, sid=None, **cond):
    s = {"Effect": effect, "Principal": principal, "Action": actions, "Resource": "*"}
    if sid:
        s["Sid"] = sid
    if cond:
        s["Condition"] = cond
    return s


def root_stmt(account: str = ACCT_A, actions="kms:*"):
    return stmt("Allow", {"AWS": f"arn:aws:iam::{account}:root"}, actions, sid="Enable IAM User Permissions")


def key_policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def with_root(*statements) -> str:
    """The default statement (root of ACCT_A, kms:*) plus the given ones."""
    return key_policy(root_stmt(), *statements)


# --------------------------------------------------------------------------- servers / clients

def write_credentials(path: Path, names=None, extra: list[dict] | None = None) -> Path:
    names = list(IDENTITIES) if names is None else names
    idents = [IDENTITIES[n] for n in names] + list(extra or [])
    path.write_text(json.dumps({"identities": idents}, indent=2))
    return path


def make_server(coffer_bin, base: Path, name: str = "authz", mode: str | None = None,
                extra_config: dict | None = None, names=None) -> CofferServer:
    base.mkdir(parents=True, exist_ok=True)
    creds = write_credentials(base / f"{name}-credentials.json", names)
    cfg = {"credentialsFile": str(creds)}
    if mode is not None:
        cfg["authorization"] = mode
    cfg.update(extra_config or {})
    return CofferServer(coffer_bin, base, name=name, config=cfg)


def module_server(directory: str, name: str, **kwargs):
    """A module-scoped fixture: a started server with every test identity (`make_server` arguments)."""

    @pytest.fixture(scope="module")
    def srv(coffer_bin, tmp_path_factory):
        s = make_server(coffer_bin, tmp_path_factory.mktemp(directory), name=name, **kwargs)
        s.start()
        yield s
        s.stop()

    return srv


def module_server_and_clients(directory: str, name: str, **kwargs):
    """The two module-scoped fixtures most authz modules share: `srv` (`module_server`) and `c` (its per-identity
    clients). Use as `srv, c = module_server_and_clients("authz-x", "x")`."""
    srv = module_server(directory, name, **kwargs)

    @pytest.fixture(scope="module")
    def c(srv):
        return Clients(srv)

    return srv, c


class Clients:
    """clients.alice -> boto3 KMS client for that identity (us-east-1), cached."""

    def __init__(self, srv: CofferServer, region: str = REGION):
        self._srv = srv
        self._region = region
        self._cache: dict[str, object] = {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def get(self, name: str, region: str | None = None, **cfg):
        key = (name, region or self._region, tuple(sorted(cfg.items())))
        if key not in self._cache:
            ident = IDENTITIES[name]
            self._cache[key] = make_boto_client(self._srv.endpoint, region or self._region,
                                                ident["accessKeyId"], ident["secretAccessKey"],
                                                ident.get("sessionToken"), **cfg)
        return self._cache[key]


def cli_for(srv: CofferServer, name: str):
    ident = IDENTITIES[name]
    assert "sessionToken" not in ident
    return srv.cli(access_key=ident["accessKeyId"], secret_key=ident["secretAccessKey"])


def create_key(client, policy: str | None = None, bypass: bool = False, **kw) -> dict:
    if policy is not None:
        kw["Policy"] = policy
    if bypass:
        kw["BypassPolicyLockoutSafetyCheck"] = True
    return client.create_key(**kw)["KeyMetadata"]


def tamper_token(token: str) -> str:
    """Flip one bit in the middle of the decoded token and re-encode it the same way."""
    pad = "=" * (-len(token) % 4)
    urlsafe = "-" in token or "_" in token
    raw = bytearray((base64.urlsafe_b64decode if urlsafe else base64.b64decode)(token + pad))
    raw[len(raw) // 2] ^= 0x01
    out = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(bytes(raw)).decode()
    if not token.endswith("="):
        out = out.rstrip("=")
    assert out != token
    return out


def run_explain(coffer_bin, srv: CofferServer, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    argv = [str(coffer_bin), "authz", "explain", "--config", str(srv.config_path),
            "--data-dir", str(srv.data_dir), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=str(srv.base_dir))
