#!/usr/bin/env python3
"""Benchmark driver for Coffer; run it through bench/run (which installs the tools and builds Coffer).

For each server (Coffer, moto, nginx as the HTTP ceiling) it pre-signs one SigV4 KMS request per operation with
botocore, writes a wrk Lua script that replays it on keep-alive connections, runs a warm-up and then a measured run
per concurrency level, and records requests/s, p50/p99 latency (wrk's histogram, reported by the script's done()),
non-2xx responses, socket errors and the server's CPU time per request (utime+stime of the server's process tree
from /proc, before/after the measured run). It prints one table, writes bench/results/<timestamp>.json (and .md),
and reports the targets as met / not met. It exits non-zero when a server answers non-2xx, drops connections or
dies in a case where it should succeed; the targets are reported, never asserted.

Import cases: ImportKeyMaterial (RSA_2048 / RSA_4096 wrapping keys) is a wrk case like the others (one signed reimport
request replayed); GetParametersForImport is timed with a keep-alive Python client against a dedicated Coffer whose
wrapping-key pool was filled first (and one with an empty pool, for the on-demand cost). Both are shown next to the
bare RSA-OAEP-SHA256 decryption rate (1 and 2 processes) and the disk's fsync rate, measured at the end of the run.
"""
from __future__ import annotations

import argparse
import atexit
import base64
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "test", "test"
CREDS = Credentials(ACCESS_KEY, SECRET_KEY)
HOST = "127.0.0.1"  # everything stays on loopback
NGINX_BODY = '{"KeyId":"arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000"}'

P64 = bytes(range(64))
P4K = bytes(i % 251 for i in range(4096))
MSG = b"benchmark message " * 4

# --------------------------------------------------------------------------------------------------------------
# Operations. Each builds the JSON request body from the per-server fixtures (keys, ciphertext, signature).


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


# A 10-statement key policy with conditions (docs/authorization.md): every Deny is evaluated and none applies, the
# Allow that decides is the last statement. Encrypt under it is compared with Encrypt under the default policy.
BENCH_POLICY_ACCOUNT = "000000000000"


def bench_policy(account: str = BENCH_POLICY_ACCOUNT) -> str:
    root = f"arn:aws:iam::{account}:root"
    deny = lambda sid, action, cond: {"Sid": sid, "Effect": "Deny", "Principal": "*", "Action": action,
                                      "Resource": "*", "Condition": cond}
    allow = lambda sid, action, cond: {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": root}, "Action": action,
                                       "Resource": "*", "Condition": cond}
    statements = [
        deny("NoOtherAccounts", "kms:*", {"StringNotEquals": {"kms:CallerAccount": account}}),
        deny("NoForeignNetworks", "kms:*", {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128", "10.0.0.0/8"]}}),
        deny("NotBefore2020", "kms:*", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
        deny("NoBlockedContext", ["kms:Encrypt", "kms:Decrypt"], {"StringEquals": {"kms:EncryptionContext:blocked": "yes"}}),
        deny("NoForbiddenKeys", "kms:Encrypt", {"ForAnyValue:StringLike": {"kms:EncryptionContextKeys": ["secret*", "pii*"]}}),
        deny("OnlySymmetric", "kms:Encrypt", {"StringNotEquals": {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}}),
        deny("NoUntaggedSessions", "kms:*", {"StringEquals": {"aws:PrincipalTag/quarantined": "true"}}),
        allow("Admins", ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                         "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion",
                         "kms:CancelKeyDeletion", "kms:TagResource", "kms:UntagResource"],
              {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:*"}}),
        allow("ViaAlias", "kms:Decrypt", {"StringEquals": {"kms:RequestAlias": "alias/bench"}}),
        allow("Users", ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
              {"StringEquals": {"kms:CallerAccount": account}, "Bool": {"aws:SecureTransport": "false"},
               "NumericGreaterThan": {"aws:EpochTime": "1577836800"}}),
    ]
    assert len(statements) == 10
    return json.dumps({"Version": "2012-10-17", "Id": "bench-10", "Statement": statements})


@dataclass
class Fixtures:
    sym: str = ""
    sym_policy: str = ""
    ecc: str = ""
    hmac: str = ""
    ciphertext: bytes = b""
    signature: bytes = b""


@dataclass
class Op:
    name: str      # row label
    target: str    # X-Amz-Target operation
    body: Callable[[Fixtures], dict]


OPS = [
    Op("Encrypt64", "Encrypt", lambda f: {"KeyId": f.sym, "Plaintext": b64(P64)}),
    Op("Encrypt64Policy", "Encrypt", lambda f: {"KeyId": f.sym_policy, "Plaintext": b64(P64)}),
    Op("Encrypt4K", "Encrypt", lambda f: {"KeyId": f.sym, "Plaintext": b64(P4K)}),
    Op("Decrypt", "Decrypt", lambda f: {"KeyId": f.sym, "CiphertextBlob": b64(f.ciphertext)}),
    Op("GenerateDataKey", "GenerateDataKey", lambda f: {"KeyId": f.sym, "KeySpec": "AES_256"}),
    Op("DescribeKey", "DescribeKey", lambda f: {"KeyId": f.sym}),
    Op("Sign", "Sign", lambda f: {"KeyId": f.ecc, "Message": b64(MSG), "MessageType": "RAW",
                                  "SigningAlgorithm": "ECDSA_SHA_256"}),
    Op("Verify", "Verify", lambda f: {"KeyId": f.ecc, "Message": b64(MSG), "MessageType": "RAW",
                                      "SigningAlgorithm": "ECDSA_SHA_256", "Signature": b64(f.signature)}),
    Op("GenerateMac", "GenerateMac", lambda f: {"KeyId": f.hmac, "Message": b64(MSG),
                                                "MacAlgorithm": "HMAC_SHA_256"}),
    # Every request creates a new key (KMS has no idempotency token), so one signed request serves the whole run.
    # Kept last so the growing key count does not affect the other operations.
    Op("CreateKey", "CreateKey", lambda f: {"Description": "bench"}),
]
OPS_BY_NAME = {op.name: op for op in OPS}

# Import cases (docs/import.md). They are not in OPS because they need their own fixtures / drivers:
# - ImportKeyMaterial<bits>: one EXTERNAL symmetric key per wrapping key size, one GetParametersForImport
#   (RSAES_OAEP_SHA_256), 32 bytes of material wrapped locally, imported once with boto3; then ONE signed
#   ImportKeyMaterial request (ImportType EXISTING_KEY_MATERIAL, KEY_MATERIAL_DOES_NOT_EXPIRE) is replayed by wrk
#   like every other case: Coffer accepts a token several times within its 24 h validity and the reimport of the
#   same material. Each call is one RSA-OAEP decryption plus one durable SQLite commit.
# - GetParametersForImport<bits>: not a wrk case (each call takes a wrapping key from the server's pre-generated
#   pool). A dedicated Coffer with a big pool (--import-pool, default 32 per size) is started, the harness waits until
#   its CPU is idle (pool full), then times K <= pool size calls with a keep-alive Python client (each request signed
#   fresh, outside the timed section): half sequential, half over 4 concurrent connections. One more Coffer with an
#   empty pool (wrappingKeyPool 0) gives the on-demand generation time for contrast.
IMPORT_IKM = {"ImportKeyMaterial2048": "RSA_2048", "ImportKeyMaterial4096": "RSA_4096"}
IMPORT_GPFI = {"GetParametersForImport2048": "RSA_2048", "GetParametersForImport4096": "RSA_4096"}
IMPORT_OPS = [*IMPORT_IKM, *IMPORT_GPFI]
ALL_OPS = [*(o for o in OPS_BY_NAME if o != "CreateKey"), *IMPORT_OPS, "CreateKey"]  # CreateKey stays last
SMOKE_OPS = ["Encrypt64", "Encrypt64Policy", "Decrypt", "Sign", "ImportKeyMaterial2048", "GetParametersForImport2048", "CreateKey"]
WRAPPING_ALGORITHM = "RSAES_OAEP_SHA_256"

# --------------------------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proc_tree(pid: int) -> list[int]:
    """pid and all its descendants (via /proc/<pid>/task/<tid>/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def cpu_ticks(pid: int) -> int:
    """utime+stime (clock ticks) summed over the process tree; /proc/<pid>/stat covers all threads of a process."""
    total = 0
    for p in proc_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # fields after "pid (comm) "; field 3 is at index 0
        total += int(fields[11]) + int(fields[12])     # fields 14 (utime) and 15 (stime)
    return total


class Server:
    def __init__(self, name: str, argv: list[str], port: int, workdir: Path, env: dict | None = None):
        self.name, self.argv, self.port, self.workdir = name, argv, port, workdir
        self.log_path = workdir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, env=env, cwd=workdir)
        self.endpoint = f"http://{HOST}:{port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu(self) -> int:
        return cpu_ticks(self.proc.pid)

    def wait_port(self, timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} during start-up:\n{self.tail()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 4000) -> str:
        try:
            self.log.flush()
            data = self.log_path.read_bytes()
            return data[-n:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self.log.close()


SERVERS: list[Server] = []


def stop_all() -> None:
    while SERVERS:
        SERVERS.pop().stop()


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def start_coffer(workdir: Path, name: str = "coffer", config: dict | None = None, env: dict | None = None) -> Server:
    """The release binary on a fresh data dir; `config` (e.g. {"wrappingKeyPool": {...}}) goes to --config FILE."""
    binary = os.environ.get("COFFER_BIN") or str(ROOT / ".build/release/coffer")
    data = workdir / f"{name}-data"
    port = free_port()
    argv = [binary, "serve", "--host", HOST, "--port", str(port), "--data-dir", str(data)]
    if config is not None:
        cfg = workdir / f"{name}-config.json"
        cfg.write_text(json.dumps(config))
        argv += ["--config", str(cfg)]
    s = Server(name, argv, port, workdir, env=dict(os.environ, **env) if env else None)
    SERVERS.append(s)
    s.wait_port(60)
    return s


def start_cluster(workdir: Path, store: str, nodes: int, name: str) -> list[Server]:
    """`nodes` Coffer processes on one store: SQLite (one node only) or a fresh PostgreSQL database shared by every
    node, with one root key given to all of them (`rootKey` from the environment), as docs/storage.md describes."""
    if store == "sqlite":
        assert nodes == 1, "several nodes need the postgres store"
        return [start_coffer(workdir, name=name)]
    config = postgres_config(workdir)
    config["rootKey"] = {"env": "COFFER_BENCH_ROOT_KEY"}
    env = {"COFFER_BENCH_ROOT_KEY": base64.b64encode(os.urandom(32)).decode()}
    return [start_coffer(workdir, name=f"{name}-{n}", config=config, env=env) for n in range(nodes)]


def measure_nodes(ctx: Ctx, label: str, nodes: list[Server], op_name: str, target: str, body: dict, conns: int) -> dict | None:
    """Like `measure`, with the connections split evenly over several nodes (one wrk per node, run together; each
    node gets its own signed request, as the Host header differs). Throughput is the sum, latencies the worst
    node's, CPU the sum of every node's process tree."""
    if len(nodes) == 1:
        row = measure(ctx, nodes[0], op_name, target, body, conns, strict_sockets=True)
        if row is not None:
            row["server"] = label
        return row
    split = [conns // len(nodes) + (1 if n < conns % len(nodes) else 0) for n in range(len(nodes))]
    active = [(node, c) for node, c in zip(nodes, split) if c > 0]
    scripts = []
    for node, _ in active:
        script = ctx.workdir / f"{label}-{node.name}-{op_name}-{conns}.lua"
        write_lua(script, *presign(node.port, target, body))
        scripts.append(script)

    def run_all(seconds: int) -> list[dict]:
        with concurrent.futures.ThreadPoolExecutor(len(active)) as pool:
            futures = [pool.submit(run_wrk, script, node.port, c, seconds) for script, (node, c) in zip(scripts, active)]
            return [f.result()[0] for f in futures]

    if ctx.args.warmup > 0:
        run_all(ctx.args.warmup)
    t0 = sum(node.cpu() for node in nodes)
    results = run_all(ctx.args.duration)
    t1 = sum(node.cpu() for node in nodes)
    n = sum(r["requests"] for r in results)
    secs = max(r["duration_us"] for r in results) / 1e6 or ctx.args.duration
    cpu_s = (t1 - t0) / CLK_TCK
    status = sum(r["status"] for r in results)
    sock_errs = sum(r[k] for r in results for k in ("connect", "read", "write", "timeout"))
    row = {
        "server": label, "op": op_name, "target": target, "connections": conns, "requests": n,
        "seconds": round(secs, 3), "rps": round(sum(r["requests"] / (r["duration_us"] / 1e6) for r in results if r["duration_us"]), 1),
        "p50_ms": max(r["p50_us"] for r in results) / 1000, "p99_ms": max(r["p99_us"] for r in results) / 1000,
        "cpu_us_per_req": round(cpu_s * 1e6 / n, 1) if n else None, "server_cpu_cores": round(cpu_s / secs, 2),
        "non_2xx": status, "nodes": len(nodes),
    }
    ctx.rows.append(row)
    print(f"  {label + ' ' + op_name + ' c=' + str(conns):<34} {row['rps']:>10.0f} req/s  p50 {row['p50_ms']:7.2f} ms  "
          f"p99 {row['p99_ms']:7.2f} ms  cpu {row['cpu_us_per_req'] or float('nan'):8.1f} us/req  non2xx {status}  "
          f"sockerr {sock_errs}", flush=True)
    if status:
        ctx.failures.append(f"{label} {op_name} c={conns}: {status} non-2xx responses of {n}")
    if sock_errs:
        ctx.failures.append(f"{label} {op_name} c={conns}: socket errors")
    for node in nodes:
        if not node.alive():
            ctx.failures.append(f"{label}: {node.name} died; log tail:\n{node.tail()}")
    return row


STORE_VARIANTS = {"sqlite": ("sqlite", 1), "postgres": ("postgres", 1), "postgres-2": ("postgres", 2)}


def compare_stores(ctx: Ctx, variants: list[str], ops: list[str], concs: list[int]) -> tuple[str, str]:
    """Encrypt and CreateKey (or `ops`) on each store variant, one after the other, on a quiet machine: SQLite on one
    node, PostgreSQL on one node and on two nodes sharing the database. Returns the table as text and Markdown."""
    for variant in variants:
        store, nodes = STORE_VARIANTS[variant]
        print(f"[bench] store {store}, {nodes} node(s)", flush=True)
        cluster = start_cluster(ctx.workdir, store, nodes, name=f"coffer-{variant}")
        try:
            wait_kms(cluster[0].endpoint, 60)
            for node in cluster[1:]:
                wait_kms(node.endpoint, 60)
            fixtures = make_fixtures(cluster[0].endpoint)
            for node in cluster:
                wait_idle(node, timeout=120)
            for op_name in ops:
                op = OPS_BY_NAME[op_name]
                for c in concs:
                    measure_nodes(ctx, variant, cluster, op_name, op.target, op.body(fixtures), c)
        finally:
            for node in cluster:
                stop_server(node)
    idx = {(r["server"], r["op"], r["connections"]): r for r in ctx.rows}
    head = ["operation", "conns"]
    for v in variants:
        head += [f"{v} rps", "p99 ms", "CPU us/req"] + ([] if v == "sqlite" else ["vs sqlite"])
    body = []
    for op_name in ops:
        for c in concs:
            base = idx.get(("sqlite", op_name, c))
            cols = [op_name, str(c)]
            for v in variants:
                r = idx.get((v, op_name, c))
                cols += [fmt(r and r["rps"], ",.0f"), fmt(r and r["p99_ms"], ".2f"), fmt(r and r["cpu_us_per_req"], ".0f")]
                if v != "sqlite":
                    q = ratio(r and r["rps"], base and base["rps"])
                    cols.append(f"{q * 100:.0f}%" if q else "-")
            body.append(cols)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    text = "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths)))
                     for cols in [head, ["-" * w for w in widths], *body])
    md = "\n".join(["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|",
                    *("| " + " | ".join(b) + " |" for b in body)])
    return text, md


AUDIT_MODES = ["off", "sync", "async"]
# Issue 12's targets: Encrypt (64 B) throughput with the audit log on, as a share of the throughput with it off.
AUDIT_TARGETS = {"sync": 0.75, "async": 0.90}
# Requests besides wrk's that reach a server before the cases: wait_kms's ListKeys and make_fixtures's seven calls.
AUDIT_SETUP_REQUESTS = 8


def audit_files(path: Path) -> list[Path]:
    """The audit file and the files rotated away from it (`<file>.<12 digits>`), oldest first."""
    rotated = sorted(p for p in path.parent.glob(path.name + ".*") if p.name[len(path.name) + 1:].isdigit())
    return rotated + ([path] if path.exists() else [])


def count_lines(paths: list[Path]) -> tuple[int, int]:
    """(lines, bytes) over the files."""
    lines = size = 0
    for p in paths:
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                lines += chunk.count(b"\n")
                size += len(chunk)
    return lines, size


def compare_audit_modes(ctx: Ctx, modes: list[str], concs: list[int], rounds: int) -> tuple[str, str, list[dict], dict]:
    """Encrypt (64 B) on one Coffer per audit mode: `off` (no "audit" member), `sync` and `async` ({"audit": {"file":
    <temp dir>/audit.log, "mode": ...}}). The configurations differ only in "audit"; the wrapping-key pool is 0 in all
    of them so that no background key generation competes with the cases. The three servers run side by side (an idle
    one costs nothing) and are measured in turn, per connection count, for `rounds` rounds, the order rotating each
    round, so that drift of the machine does not favour one mode; throughput and CPU per request are totals over the
    rounds. Then the events are counted (the file and its rotations) and the chain checked with `coffer audit verify`;
    the files are deleted afterwards (a full run writes hundreds of MB). Returns the table as text and Markdown, the
    targets and the per-mode audit details."""
    op = OPS_BY_NAME["Encrypt64"]
    binary = os.environ.get("COFFER_BIN") or str(ROOT / ".build/release/coffer")
    servers: dict[str, Server] = {}
    fixtures: dict[str, Fixtures] = {}
    paths: dict[str, Path] = {}
    sent = {m: 0 for m in modes}
    details: dict = {}
    try:
        for mode in modes:
            config: dict = {"wrappingKeyPool": {"RSA_2048": 0, "RSA_3072": 0, "RSA_4096": 0}}
            if mode != "off":
                (ctx.workdir / f"audit-{mode}").mkdir()
                paths[mode] = ctx.workdir / f"audit-{mode}" / "audit.log"
                config["audit"] = {"file": str(paths[mode]), "mode": mode}
            print(f"[bench] Coffer with audit {mode}" + (f" ({paths[mode]})" if mode in paths else ""), flush=True)
            servers[mode] = s = start_coffer(ctx.workdir, name=f"audit-{mode}", config=config)
            wait_kms(s.endpoint, 60)
            fixtures[mode] = make_fixtures(s.endpoint)
            sent[mode] += AUDIT_SETUP_REQUESTS
        for s in servers.values():
            try:
                wait_idle(s, timeout=60)
            except RuntimeError as e:
                ctx.warnings.append(str(e))
        for rnd in range(rounds):
            order = modes[rnd % len(modes):] + modes[:rnd % len(modes)]
            print(f"[bench] round {rnd + 1}/{rounds}: {', '.join(order)}", flush=True)
            for c in concs:
                for mode in order:
                    row = measure(ctx, servers[mode], "Encrypt64", op.target, op.body(fixtures[mode]), c, strict_sockets=True)
                    if row:
                        row.update(audit_mode=mode, round=rnd + 1)
                        sent[mode] += row["requests"] + row.get("warmup_requests", 0)
    finally:
        for s in servers.values():
            stop_server(s)

    for mode, path in paths.items():
        files = audit_files(path)
        if not files:
            ctx.failures.append(f"audit {mode}: no audit file at {path} (does this coffer support the \"audit\" "
                                f"configuration member?)")
            details[mode] = {"files": 0, "events": 0, "requests_answered": sent[mode]}
            continue
        events, size = count_lines(files)
        d = {"files": len(files), "bytes": size, "events": events, "requests_answered": sent[mode],
             "bytes_per_event": round(size / events) if events else None}
        t0 = time.time()
        try:
            p = subprocess.run([binary, "audit", "verify", *map(str, files)], capture_output=True, text=True, timeout=900)
            d["verify"] = {"exit": p.returncode, "output": (p.stdout + p.stderr).strip()[-500:],
                           "seconds": round(time.time() - t0, 1)}
            if p.returncode != 0:
                ctx.failures.append(f"audit {mode}: coffer audit verify exited {p.returncode}: {d['verify']['output']}")
        except subprocess.TimeoutExpired:
            d["verify"] = {"exit": None, "output": "timed out after 900 s", "seconds": 900}
            ctx.warnings.append(f"audit {mode}: coffer audit verify timed out")
        # wrk counts the responses it read; the server may have answered a few more as wrk stopped. In sync mode every
        # answered request has its event: events >= requests counted. Async mode may drop events (buffer full).
        missing = max(0, sent[mode] - events)
        d["events_missing"] = missing
        if missing and mode == "sync":
            ctx.failures.append(f"audit sync: {events:,} events for at least {sent[mode]:,} answered requests")
        verify_line = (d["verify"]["output"].splitlines() or ["-"])[-1]
        print(f"  audit {mode}: {events:,} events in {len(files)} file(s), {size / 2**20:,.1f} MiB "
              f"({d['bytes_per_event']} B/event); requests answered >= {sent[mode]:,}"
              + (f"; at least {missing:,} events missing" if missing else "")
              + f"; audit verify ({d['verify']['seconds']} s): {verify_line}", flush=True)
        details[mode] = d
        shutil.rmtree(path.parent, ignore_errors=True)

    # Totals over the rounds per (mode, connections): requests / seconds, CPU seconds / requests, worst p99.
    agg: dict[tuple[str, int], dict] = {}
    for r in ctx.rows:
        if not r.get("audit_mode"):
            continue
        a = agg.setdefault((r["audit_mode"], r["connections"]), {"requests": 0, "seconds": 0.0, "cpu_us": 0.0,
                                                                  "p99_ms": 0.0, "rps_rounds": []})
        a["requests"] += r["requests"]
        a["seconds"] += r["seconds"]
        a["cpu_us"] += (r["cpu_us_per_req"] or 0) * r["requests"]
        a["p99_ms"] = max(a["p99_ms"], r["p99_ms"])
        a["rps_rounds"].append(r["rps"])
    for a in agg.values():
        a["rps"] = a["requests"] / a["seconds"] if a["seconds"] else None
        a["cpu_us_per_req"] = a["cpu_us"] / a["requests"] if a["requests"] else None
    details["totals"] = {f"{m} c={c}": {k: v for k, v in a.items() if k != "cpu_us"} for (m, c), a in agg.items()}

    head = ["conns"]
    for m in modes:
        head += [f"{m} rps", "rounds min-max", "p99 ms", "CPU us/req"] + ([f"{m}/off"] if m != "off" else [])
    body = []
    for c in concs:
        base = agg.get(("off", c))
        cols = [str(c)]
        for m in modes:
            a = agg.get((m, c))
            cols += [fmt(a and a["rps"], ",.0f"),
                     f"{min(a['rps_rounds']):,.0f}-{max(a['rps_rounds']):,.0f}" if a else "-",
                     fmt(a and a["p99_ms"], ".2f"), fmt(a and a["cpu_us_per_req"], ".0f")]
            if m != "off":
                q = ratio(a and a["rps"], base and base["rps"])
                cols.append(f"{q * 100:.0f}%" if q else "-")
        body.append(cols)
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    text = "\n".join("  ".join(col.rjust(w) for col, w in zip(cols, widths))
                     for cols in [head, ["-" * w for w in widths], *body])
    md = "\n".join(["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|",
                    *("| " + " | ".join(b) + " |" for b in body)])

    targets = []
    top = max(concs)
    for m, threshold in AUDIT_TARGETS.items():
        if m not in modes:
            continue
        name = f"Encrypt (64 B) throughput with audit {m} >= {threshold:.0%} of audit off (c={top})"
        base, a = agg.get(("off", top)), agg.get((m, top))
        q = ratio(a and a["rps"], base and base["rps"])
        if q is None:
            targets.append({"target": name, "value": None, "threshold": threshold, "met": None,
                            "detail": "not measured (needs the off run and this mode)"})
            continue
        each = ", ".join(f"c={c}: {100 * qc:.0f}%" for c in concs
                         if (qc := ratio(agg.get((m, c)) and agg[(m, c)]["rps"],
                                         agg.get(("off", c)) and agg[("off", c)]["rps"])))
        targets.append({"target": name, "value": round(q, 3), "threshold": threshold, "met": q >= threshold,
                        "detail": f"{a['rps']:,.0f}/s vs {base['rps']:,.0f}/s = {100 * q:.0f}% over {rounds} "
                                  f"round(s) ({each})"})
    return text, md, targets, details


def postgres_config(workdir: Path) -> dict:
    """A fresh database for Coffer's PostgreSQL store (dropped with the work dir's lifetime: left for inspection)."""
    url = os.environ.get("COFFER_BENCH_POSTGRES_URL") or subprocess.run(
        [str(ROOT / "scripts/start-test-postgres")], check=True, capture_output=True, text=True).stdout.strip()
    parts = urllib.parse.urlsplit(url)
    db = f"coffer_bench_{int(time.time())}"
    env = dict(os.environ, PGPASSWORD=parts.password or "")
    subprocess.run(["psql", "-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username,
                    "-d", parts.path.lstrip("/"), "-qc", f"CREATE DATABASE {db}"], check=True, env=env, capture_output=True)
    atexit.register(lambda: subprocess.run(
        ["psql", "-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username, "-d", parts.path.lstrip("/"),
         "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], env=env, capture_output=True))
    print(f"[bench] coffer on PostgreSQL: database {db} at {parts.hostname}:{parts.port or 5432}", flush=True)
    return {"store": {"type": "postgres", "url": urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + db, "", ""))}}


def stop_server(s: Server) -> None:
    s.stop()
    if s in SERVERS:
        SERVERS.remove(s)


def wait_idle(s: Server, timeout: float, window: float = 0.5, below: float = 0.05, windows: int = 3) -> float:
    """Waits until the server's process tree used < `below` cores for `windows` consecutive windows (e.g. its
    wrapping-key pool is full). Returns the seconds waited; raises on timeout."""
    t0, quiet, last = time.time(), 0, s.cpu()
    while time.time() - t0 < timeout:
        if not s.alive():
            raise RuntimeError(f"{s.name} died while waiting for it to go idle:\n{s.tail()}")
        time.sleep(window)
        now = s.cpu()
        quiet = quiet + 1 if (now - last) / CLK_TCK < below * window else 0
        last = now
        if quiet >= windows:
            return time.time() - t0
    raise RuntimeError(f"{s.name} did not go idle within {timeout:.0f}s")


def io_write_bytes(pid: int) -> int:
    """Bytes the process tree caused to be sent to the storage layer (/proc/<pid>/io write_bytes)."""
    total = 0
    for p in proc_tree(pid):
        try:
            with open(f"/proc/{p}/io") as fh:
                for line in fh:
                    if line.startswith("write_bytes:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def start_moto(workdir: Path) -> Server:
    port = free_port()
    # python -m moto.server is what the moto_server console script runs; started directly so the PID is python's.
    s = Server("moto", [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)], port, workdir)
    SERVERS.append(s)
    s.wait_port(60)
    return s


def start_nginx(workdir: Path) -> Server:
    port = free_port()
    d = workdir / "nginx"
    d.mkdir(mode=0o755)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (d / sub).mkdir(mode=0o755)
    conf = d / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
    server {{
        listen {HOST}:{port};
        location = / {{
            default_type application/x-amz-json-1.1;
            return 200 '{NGINX_BODY}';
        }}
    }}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    s = Server("nginx", [nginx, "-p", str(d), "-e", str(d / "error.log"), "-c", str(conf)], port, workdir)
    SERVERS.append(s)
    s.wait_port(30)
    return s


# --------------------------------------------------------------------------------------------------------------
# Requests


def kms_client(endpoint: str):
    return boto3.client("kms", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY,
                        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


def wait_kms(endpoint: str, timeout: float) -> None:
    c, deadline, last = kms_client(endpoint), time.time() + timeout, None
    while time.time() < deadline:
        try:
            c.list_keys(Limit=1)
            return
        except Exception as e:  # noqa: BLE001 - start-up races
            last = e
            time.sleep(0.2)
    raise RuntimeError(f"{endpoint} did not answer ListKeys: {last}")


def make_fixtures(endpoint: str) -> Fixtures:
    c = kms_client(endpoint)
    f = Fixtures()
    f.sym = c.create_key(Description="bench-sym")["KeyMetadata"]["KeyId"]
    f.sym_policy = c.create_key(Description="bench-sym-policy", Policy=bench_policy())["KeyMetadata"]["KeyId"]
    f.ciphertext = c.encrypt(KeyId=f.sym, Plaintext=P64)["CiphertextBlob"]
    f.ecc = c.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    f.signature = c.sign(KeyId=f.ecc, Message=MSG, MessageType="RAW",
                         SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    f.hmac = c.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    return f


def presign(port: int, target: str, body: dict) -> tuple[dict[str, str], bytes]:
    """One SigV4-signed request (valid for 15 minutes); every request of a wrk run replays it."""
    data = json.dumps(body, separators=(",", ":")).encode()
    req = AWSRequest(method="POST", url=f"http://{HOST}:{port}/", data=data,
                     headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"TrentService.{target}"})
    SigV4Auth(CREDS, "kms", REGION).add_auth(req)
    headers = {k: v for k, v in req.headers.items()}
    headers["Host"] = f"{HOST}:{port}"  # what botocore signed
    return headers, data


def send_once(port: int, headers: dict, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def print_targets(targets: list, ctx) -> None:
    """The targets' verdicts, then the run's warnings and failures (every report ends with them)."""
    print("Targets (reported, not asserted):")
    for t in targets:
        verdict = {True: "MET", False: "NOT MET", None: "NOT MEASURED"}[t["met"]]
        print(f"  [{verdict:>12}] {t['target']}: {t['detail']}")
    for w in ctx.warnings:
        print(f"WARNING: {w}")
    for f in ctx.failures:
        print(f"FAILURE: {f}")


def lua_str(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\' or o < 32 or o > 126:
            out.append("\\%03d" % o if o < 256 else ch)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "\nBENCH_JSON {\"requests\":%.0f,\"duration_us\":%.0f,\"bytes\":%.0f,\"connect\":%.0f,\"read\":%.0f," ..
    "\"write\":%.0f,\"status\":%.0f,\"timeout\":%.0f,\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f," ..
    "\"mean_us\":%.1f,\"max_us\":%.0f}\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


def write_lua(path: Path, headers: dict, body: bytes) -> None:
    lines = ['wrk.method = "POST"', f"wrk.body = {lua_str(body.decode())}"]
    for k, v in headers.items():
        lines.append(f"wrk.headers[{lua_str(k)}] = {lua_str(v)}")
    path.write_text("\n".join(lines) + "\n" + LUA_DONE)


def run_wrk(script: Path, port: int, conns: int, seconds: int) -> tuple[dict, float]:
    """Returns wrk's done() JSON and the CPU seconds wrk itself used."""
    threads = max(1, min(conns, os.cpu_count() or 1))
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
            f"http://{HOST}:{port}/"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in p.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):]), wrk_cpu
    raise RuntimeError(f"wrk gave no result (exit {p.returncode}):\n{p.stdout}\n{p.stderr}")


# --------------------------------------------------------------------------------------------------------------
# Benchmark


@dataclass
class Ctx:
    args: argparse.Namespace
    workdir: Path
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    dead: set = field(default_factory=set)


def measure(ctx: Ctx, server: Server, op_name: str, target: str, body: dict, conns: int, strict_sockets: bool) -> dict | None:
    if server.name in ctx.dead:
        return None
    headers, data = presign(server.port, target, body)
    script = ctx.workdir / f"{server.name}-{op_name}-{conns}.lua"
    write_lua(script, headers, data)
    warm = run_wrk(script, server.port, conns, ctx.args.warmup)[0] if ctx.args.warmup > 0 else None
    t0, w0 = server.cpu(), io_write_bytes(server.proc.pid)
    res, wrk_cpu = run_wrk(script, server.port, conns, ctx.args.duration)
    t1, w1 = server.cpu(), io_write_bytes(server.proc.pid)
    n = res["requests"]
    secs = res["duration_us"] / 1e6 if res["duration_us"] else ctx.args.duration
    cpu_s = (t1 - t0) / CLK_TCK
    sock_errs = res["connect"] + res["read"] + res["write"] + res["timeout"]
    row = {
        "server": server.name, "op": op_name, "target": target, "connections": conns, "requests": n,
        "seconds": round(secs, 3), "rps": round(n / secs, 1) if secs else 0.0,
        "p50_ms": res["p50_us"] / 1000, "p90_ms": res["p90_us"] / 1000, "p99_ms": res["p99_us"] / 1000,
        "mean_ms": res["mean_us"] / 1000, "max_ms": res["max_us"] / 1000,
        "cpu_us_per_req": round(cpu_s * 1e6 / n, 1) if n else None,
        "server_cpu_cores": round(cpu_s / secs, 2) if secs else None,
        "wrk_cpu_cores": round(wrk_cpu / secs, 2) if secs else None,
        "write_bytes_per_req": round((w1 - w0) / n) if n else None,
        "non_2xx": res["status"], "socket_errors": {k: res[k] for k in ("connect", "read", "write", "timeout")},
        "warmup_requests": warm["requests"] if warm else 0,
    }
    ctx.rows.append(row)
    tag = f"{server.name} {op_name} c={conns}"
    print(f"  {tag:<34} {row['rps']:>10.0f} req/s  p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  "
          f"cpu {row['cpu_us_per_req'] if n else float('nan'):8.1f} us/req  non2xx {res['status']}  sockerr {sock_errs}",
          flush=True)
    if res["status"]:
        code, sample = send_once(server.port, *presign(server.port, target, body))
        ctx.failures.append(f"{tag}: {res['status']} non-2xx responses of {n} (sample: {code} {sample[:300]!r})")
    if n == 0:
        ctx.failures.append(f"{tag}: no request completed")
    if sock_errs:
        msg = f"{tag}: socket errors {row['socket_errors']}"
        (ctx.failures if strict_sockets else ctx.warnings).append(msg)
    if not server.alive():
        ctx.failures.append(f"{tag}: {server.name} died (exit {server.proc.returncode}); log tail:\n{server.tail()}")
        ctx.dead.add(server.name)
    return row


def preflight(ctx: Ctx, server: Server, fixtures: Fixtures) -> None:
    """One request per operation (all of them, even those not timed) so the request building cannot rot."""
    for op in OPS:
        status, body = send_once(server.port, *presign(server.port, op.target, op.body(fixtures)))
        if status != 200:
            ctx.failures.append(f"{server.name} preflight {op.name}: HTTP {status} {body[:300]!r}")
        else:
            json.loads(body)


def probe_import(endpoint: str) -> tuple[bool, str]:
    """Whether a server answers GetParametersForImport (moto 5.2.1 answers HTTP 500: not implemented)."""
    c = kms_client(endpoint)
    try:
        kid = c.create_key(Origin="EXTERNAL", Description="bench-import-probe")["KeyMetadata"]["KeyId"]
        c.get_parameters_for_import(KeyId=kid, WrappingAlgorithm=WRAPPING_ALGORITHM, WrappingKeySpec="RSA_2048")
        return True, "supported"
    except Exception as e:  # noqa: BLE001
        return False, f"not supported ({type(e).__name__}: {' '.join(str(e).split())[:110]})"


def oaep():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def spec_bits(spec: str) -> int:
    return int(spec.split("_")[1])


def make_import_request(endpoint: str, spec: str) -> dict:
    """An EXTERNAL symmetric key with 32 bytes of material imported once under a `spec` wrapping key; returns the
    ImportKeyMaterial body (a reimport of the same material with the same token) that wrk replays."""
    from cryptography.hazmat.primitives.serialization import load_der_public_key
    c = kms_client(endpoint)
    kid = c.create_key(Origin="EXTERNAL", Description=f"bench-import-{spec}")["KeyMetadata"]["KeyId"]
    p = c.get_parameters_for_import(KeyId=kid, WrappingAlgorithm=WRAPPING_ALGORITHM, WrappingKeySpec=spec)
    pub = load_der_public_key(p["PublicKey"])
    if pub.key_size != spec_bits(spec):
        raise RuntimeError(f"GetParametersForImport {spec} returned a {pub.key_size}-bit wrapping key")
    wrapped = pub.encrypt(os.urandom(32), oaep())
    c.import_key_material(KeyId=kid, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
                          ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    c.encrypt(KeyId=kid, Plaintext=b"x")  # the key is usable
    return {"KeyId": kid, "ImportToken": b64(p["ImportToken"]), "EncryptedKeyMaterial": b64(wrapped),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", "ImportType": "EXISTING_KEY_MATERIAL"}


class KeepAlive:
    """One keep-alive HTTP connection; every request is signed fresh before the clock starts."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def call(self, target: str, body: dict) -> tuple[float, int, bytes]:
        headers, data = presign(self.port, target, body)
        t0 = time.perf_counter()
        self.conn.request("POST", "/", body=data, headers=headers)
        r = self.conn.getresponse()
        out = r.read()
        return time.perf_counter() - t0, r.status, out

    def close(self) -> None:
        self.conn.close()


def pct(xs: list[float], q: float) -> float | None:
    """Nearest-rank percentile (with n < 100 samples, p99 is the maximum)."""
    if not xs:
        return None
    ys = sorted(xs)
    return ys[max(0, min(len(ys) - 1, int(-(-q * len(ys) // 100)) - 1))]


def gpfi_calls(ctx: Ctx, server: Server, key_id: str, spec: str, n: int, conns: int) -> list[float]:
    """n GetParametersForImport calls over `conns` keep-alive connections (1 = sequential); latencies in ms."""
    from concurrent.futures import ThreadPoolExecutor
    from cryptography.hazmat.primitives.serialization import load_der_public_key
    body = {"KeyId": key_id, "WrappingAlgorithm": WRAPPING_ALGORITHM, "WrappingKeySpec": spec}
    per = [n // conns + (1 if i < n % conns else 0) for i in range(conns)]

    def worker(k: int) -> list[float]:
        cl, out = KeepAlive(server.port), []
        try:
            for _ in range(k):
                secs, status, data = cl.call("GetParametersForImport", body)
                if status != 200:
                    ctx.failures.append(f"{server.name} GetParametersForImport {spec}: HTTP {status} {data[:300]!r}")
                    continue
                pub = load_der_public_key(base64.b64decode(json.loads(data)["PublicKey"]))
                if pub.key_size != spec_bits(spec):
                    ctx.failures.append(f"{server.name} GetParametersForImport {spec}: {pub.key_size}-bit key")
                out.append(secs * 1000)
        finally:
            cl.close()
        return out

    with ThreadPoolExecutor(conns) as ex:
        return [x for part in ex.map(worker, [k for k in per if k]) for x in part]


def lat_summary(xs: list[float]) -> dict:
    return {"n": len(xs), "p50_ms": pct(xs, 50), "p99_ms": pct(xs, 99), "max_ms": max(xs) if xs else None,
            "mean_ms": (sum(xs) / len(xs)) if xs else None}


def gpfi_latency(ctx: Ctx, specs: list[str], moto: Server | None, moto_supported: bool) -> dict:
    """GetParametersForImport latency: on-demand (empty pool) and from a full pre-generated pool; moto if supported."""
    a = ctx.args
    out: dict = {"pool_size": a.import_pool, "calls": a.import_calls, "concurrent_connections": a.import_conns,
                 "on_demand": {}, "pooled": {}, "moto": {}}
    # 1. Empty pool: every call generates its key pair on demand.
    s = start_coffer(ctx.workdir, "coffer-ondemand", {"wrappingKeyPool": {"RSA_2048": 0, "RSA_3072": 0, "RSA_4096": 0}})
    try:
        wait_kms(s.endpoint, 60)
        c = kms_client(s.endpoint)
        for spec in specs:
            kid = c.create_key(Origin="EXTERNAL", Description="bench-gpfi")["KeyMetadata"]["KeyId"]
            xs = gpfi_calls(ctx, s, kid, spec, a.import_ondemand, 1)
            out["on_demand"][spec] = {**lat_summary(xs), "samples_ms": [round(x, 2) for x in xs]}
            print(f"  coffer GetParametersForImport {spec} pool EMPTY (on-demand): "
                  + ", ".join(f"{x:.1f}" for x in xs) + " ms", flush=True)
    finally:
        stop_server(s)
    # 2. A pool of `import_pool` keys per measured size; measure once it is full (the server's CPU is idle).
    pool = {"RSA_2048": 0, "RSA_3072": 0, "RSA_4096": 0}
    for spec in specs:
        pool[spec] = a.import_pool
    s = start_coffer(ctx.workdir, "coffer-pool", {"wrappingKeyPool": pool})
    try:
        wait_kms(s.endpoint, 60)
        c = kms_client(s.endpoint)
        keys = {spec: c.create_key(Origin="EXTERNAL", Description="bench-gpfi")["KeyMetadata"]["KeyId"] for spec in specs}
        t0 = time.time()
        waited = wait_idle(s, timeout=600)
        out["pool_fill_s"] = round(waited, 1)
        out["pool_fill_cpu_s"] = round(s.cpu() / CLK_TCK, 1)
        print(f"  coffer-pool: pool {pool} full after {time.time() - t0:.1f} s "
              f"(server CPU {s.cpu() / CLK_TCK:.1f} s)", flush=True)
        for spec in specs:
            wait_idle(s, timeout=600)  # the previous size's refill has finished
            seq_n = a.import_calls // 2
            conc_n = a.import_calls - seq_n  # seq_n + conc_n <= pool size: every call is served from the pool
            seq = gpfi_calls(ctx, s, keys[spec], spec, seq_n, 1)
            conc = gpfi_calls(ctx, s, keys[spec], spec, conc_n, a.import_conns)
            row = {"sequential": lat_summary(seq), "concurrent": lat_summary(conc), "all": lat_summary(seq + conc),
                   "pool_had_keys": a.import_calls <= a.import_pool}
            out["pooled"][spec] = row
            for mode in ("sequential", "concurrent"):
                r = row[mode]
                print(f"  coffer GetParametersForImport {spec} pool had keys, {mode:<10} n={r['n']:<3} "
                      f"p50 {fmt(r['p50_ms'], '.2f')} ms  p99 {fmt(r['p99_ms'], '.2f')} ms  "
                      f"max {fmt(r['max_ms'], '.2f')} ms", flush=True)
    finally:
        if not s.alive():
            ctx.failures.append(f"coffer-pool died (exit {s.proc.returncode}); log tail:\n{s.tail()}")
        stop_server(s)
    # 3. moto (no pool: whatever it does per call).
    if moto is not None and moto_supported:
        c = kms_client(moto.endpoint)
        for spec in specs:
            kid = c.create_key(Origin="EXTERNAL", Description="bench-gpfi")["KeyMetadata"]["KeyId"]
            seq = gpfi_calls(ctx, moto, kid, spec, a.import_calls // 2, 1)
            conc = gpfi_calls(ctx, moto, kid, spec, a.import_calls - a.import_calls // 2, a.import_conns)
            out["moto"][spec] = {"sequential": lat_summary(seq), "concurrent": lat_summary(conc),
                                 "all": lat_summary(seq + conc)}
    return out


def _oaep_worker(args: tuple) -> tuple[int, float]:
    pem, ct, seconds = args
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    key, pad = load_pem_private_key(pem, password=None), oaep()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        key.decrypt(ct, pad)
        n += 1
    return n, time.perf_counter() - t0


def rsa_oaep_baseline(seconds: float, specs: list[str]) -> dict:
    """Bare RSA-OAEP-SHA256 decryptions/s (OpenSSL via pyca/cryptography) on 1 process and on 2 processes at once
    (both cores, as Coffer can use them): the reference for ImportKeyMaterial."""
    import multiprocessing as mp
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    out = {}
    for spec in specs:
        key = rsa.generate_private_key(public_exponent=65537, key_size=spec_bits(spec))
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        ct = key.public_key().encrypt(b"\x00" * 32, oaep())
        rates = {}
        for procs in (1, 2):
            with mp.get_context("fork").Pool(procs) as pool:
                res = pool.map(_oaep_worker, [(pem, ct, seconds)] * procs)
            rates[f"{procs}proc"] = round(sum(n / t for n, t in res), 1)
        out[spec] = rates
    return out


def fsync_rate(directory: Path, seconds: float) -> float:
    """4 KiB pwrite + fsync per iteration, one writer, on the filesystem of Coffer's data directory."""
    fd, path = tempfile.mkstemp(dir=directory)
    try:
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            os.pwrite(fd, b"\x5a" * 4096, (n % 64) * 4096)
            os.fsync(fd)
            n += 1
        return round(n / (time.perf_counter() - t0), 1)
    finally:
        os.close(fd)
        os.unlink(path)


# --------------------------------------------------------------------------------------------------------------
# Report


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def ratio(a, b):
    return (a / b) if (a is not None and b) else None


def build_table(rows: list[dict], ops: list[str], concs: list[int]) -> tuple[list[dict], str, str]:
    idx = {(r["server"], r["op"], r["connections"]): r for r in rows}
    table = []
    for op in ops:
        for c in concs:
            co, mo, ng = idx.get(("coffer", op, c)), idx.get(("moto", op, c)), idx.get(("nginx", "fixed", c))
            table.append({
                "op": op, "connections": c, "coffer": co, "moto": mo, "nginx": ng,
                "coffer_over_moto_rps": ratio(co and co["rps"], mo and mo["rps"]),
                "coffer_over_nginx_rps": ratio(co and co["rps"], ng and ng["rps"]),
                "coffer_over_nginx_cpu": ratio(co and co["cpu_us_per_req"], ng and ng["cpu_us_per_req"]),
            })

    def cells(r):
        if not r:
            return ["-", "-", "-", "-"]
        return [fmt(r["rps"], ",.0f"), fmt(r["p50_ms"], ".2f"), fmt(r["p99_ms"], ".2f"), fmt(r["cpu_us_per_req"], ".0f")]

    head = ["operation", "conns",
            "Coffer rps", "p50 ms", "p99 ms", "CPU us/req",
            "moto rps", "p50 ms", "p99 ms", "CPU us/req",
            "nginx rps", "p50 ms", "p99 ms", "CPU us/req",
            "Coffer/moto rps", "Coffer/nginx CPU"]
    body = []
    for t in table:
        body.append([t["op"], str(t["connections"]), *cells(t["coffer"]), *cells(t["moto"]), *cells(t["nginx"]),
                     fmt(t["coffer_over_moto_rps"], ".1f") + ("x" if t["coffer_over_moto_rps"] else ""),
                     fmt(t["coffer_over_nginx_cpu"], ".1f") + ("x" if t["coffer_over_nginx_cpu"] else "")])
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    def line(cols):
        return "  ".join(c.rjust(w) if i > 0 else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths)))
    text = "\n".join([line(head), "  ".join("-" * w for w in widths), *(line(b) for b in body)])
    md = "\n".join(["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|",
                    *("| " + " | ".join(b) + " |" for b in body)])
    return table, text, md


def evaluate_targets(rows: list[dict], concs: list[int]) -> list[dict]:
    idx = {(r["server"], r["op"], r["connections"]): r for r in rows}
    top = max(concs)
    out = []

    def add(name, value, threshold, met, detail):
        out.append({"target": name, "value": value, "threshold": threshold, "met": met, "detail": detail})

    co, mo = idx.get(("coffer", "Encrypt64", 64)), idx.get(("moto", "Encrypt64", 64))
    if co and mo and mo["rps"]:
        r = co["rps"] / mo["rps"]
        add("Encrypt (64 B) at 64 connections >= 100x moto's throughput", round(r, 1), 100, r >= 100,
            f"Coffer {co['rps']:,.0f}/s vs moto {mo['rps']:,.0f}/s = {r:.1f}x")
    else:
        add("Encrypt (64 B) at 64 connections >= 100x moto's throughput", None, 100, None, "not measured (needs c=64)")

    co, ng = idx.get(("coffer", "Encrypt64", top)), idx.get(("nginx", "fixed", top))
    per_op = []
    for (s, op, c), r in sorted(idx.items()):
        n = idx.get(("nginx", "fixed", c))
        if s == "coffer" and c == top and n and r["cpu_us_per_req"] and n["cpu_us_per_req"]:
            per_op.append(f"{op} {r['cpu_us_per_req'] / n['cpu_us_per_req']:.1f}x")
    if co and ng and co["cpu_us_per_req"] and ng["cpu_us_per_req"]:
        r = co["cpu_us_per_req"] / ng["cpu_us_per_req"]
        add(f"Coffer CPU time per request <= 3x nginx's per fixed response (Encrypt 64 B, c={top})", round(r, 1), 3,
            r <= 3, f"Coffer {co['cpu_us_per_req']:.0f} us vs nginx {ng['cpu_us_per_req']:.0f} us = {r:.1f}x; "
                    f"all ops at c={top}: " + ", ".join(per_op))
    else:
        add("Coffer CPU time per request <= 3x nginx's per fixed response", None, 3, None, "not measured")

    # CPU per request varies by several percent between consecutive runs of one case, more than the effect measured
    # here, so the two cases are compared over every measured connection count (sum of CPU / sum of requests).
    pairs = [(idx[("coffer", "Encrypt64", c)], idx[("coffer", "Encrypt64Policy", c)]) for c in concs
             if ("coffer", "Encrypt64", c) in idx and ("coffer", "Encrypt64Policy", c) in idx
             and idx[("coffer", "Encrypt64", c)]["cpu_us_per_req"] and idx[("coffer", "Encrypt64Policy", c)]["cpu_us_per_req"]]
    name = "Encrypt under a 10-statement key policy with conditions costs <= 10% more CPU than the default policy"
    if pairs:
        base = sum(a["cpu_us_per_req"] for a, _ in pairs) / len(pairs)
        pol = sum(b["cpu_us_per_req"] for _, b in pairs) / len(pairs)
        r = pol / base - 1
        add(name, round(100 * r, 1), 10, r <= 0.10,
            f"mean over c={','.join(str(a['connections']) for a, _ in pairs)}: {pol:.1f} us vs {base:.1f} us per request = "
            f"{100 * r:+.1f}% (" + ", ".join(f"c={a['connections']}: {100 * (b['cpu_us_per_req'] / a['cpu_us_per_req'] - 1):+.1f}%"
                                          for a, b in pairs) + ")")
    else:
        add(name, None, 10, None, "not measured (needs Encrypt64 and Encrypt64Policy)")

    co = idx.get(("coffer", "Encrypt64", 16))
    if co:
        add("p99 of Encrypt (64 B) at 16 connections < 2 ms (issue 13)", co["p99_ms"], 2, co["p99_ms"] < 2,
            f"p99 {co['p99_ms']:.2f} ms (p50 {co['p50_ms']:.2f} ms)")
    else:
        add("p99 of Encrypt (64 B) at 16 connections < 2 ms (issue 13)", None, 2, None, "not measured (needs c=16)")

    cks = [(c, idx[("coffer", "CreateKey", c)]["rps"]) for c in concs if ("coffer", "CreateKey", c) in idx]
    if cks:
        best_c, best = max(cks, key=lambda x: x[1])
        add("CreateKey >= 1,000/s", best, 1000, best >= 1000,
            f"best {best:,.0f}/s at c={best_c}; " + ", ".join(f"c={c}: {v:,.0f}/s" for c, v in cks))
    else:
        add("CreateKey >= 1,000/s", None, 1000, None, "not measured")
    return out


def same_library_import(specs: list[str], count: int) -> dict:
    """CPU per ImportKeyMaterial through Coffer's in-process handler next to the bare RSA-OAEP-SHA256 private operation
    with the libraries Coffer links (OpenSSL 3 as Coffer calls it, and BoringSSL through swift-crypto's _RSA), one
    process, sequential: `coffer-handler-bench import BITS N` (next to the coffer binary, or COFFER_HANDLER_BENCH)."""
    binary = os.environ.get("COFFER_HANDLER_BENCH") or str(Path(os.environ.get("COFFER_BIN") or
                                                                ROOT / ".build/release/coffer").parent / "coffer-handler-bench")
    out = {}
    for spec in specs:
        bits = spec.split("_")[1]
        try:
            run = subprocess.run([binary, "import", bits, str(count)], capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            out[spec] = {"error": f"{type(e).__name__}: {e}"}
            continue
        m = re.search(r"ImportKeyMaterial ([\d.]+) us CPU; bare RSA-OAEP-SHA256 decrypt: OpenSSL 3 ([\d.]+) us, "
                      r"BoringSSL ([\d.]+) us", run.stdout)
        if run.returncode != 0 or not m:
            out[spec] = {"error": (run.stdout + run.stderr).strip()[-300:]}
            continue
        out[spec] = {"import_us": float(m.group(1)), "openssl_us": float(m.group(2)), "boringssl_us": float(m.group(3))}
    return out


def import_report(rows: list[dict], concs: list[int], imp: dict) -> tuple[str, str, list[dict]]:
    """The import section: ImportKeyMaterial next to the bare RSA-OAEP rate, GetParametersForImport latency, and the
    two import targets."""
    idx = {(r["server"], r["op"], r["connections"]): r for r in rows}
    rsa, fs, gp = imp.get("rsa_oaep_decrypt_per_s") or {}, imp.get("fsync_per_s"), imp.get("gpfi")
    text, md, targets = [], [], []

    def table(head, body):
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        t = ["  ".join(c.rjust(w) if i > 0 else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths)))
             for cols in [head, ["-" * w for w in widths], *body]]
        m = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|",
             *("| " + " | ".join(b) + " |" for b in body)]
        return "\n".join(t), "\n".join(m)

    ikm_ops = [o for o in IMPORT_IKM if any(k[1] == o for k in idx)]
    if ikm_ops:
        head = ["ImportKeyMaterial", "conns", "Coffer rps", "p50 ms", "p99 ms", "CPU us/req", "server cores",
                "wall us/req", "KiB written/req", "OAEP 1 proc/s", "OAEP 2 procs/s", "vs 1 proc", "vs 2 procs"]
        body = []
        for op in ikm_ops:
            spec = IMPORT_IKM[op]
            base = rsa.get(spec, {})
            b1, b2 = base.get("1proc"), base.get("2proc")
            for c in concs:
                r = idx.get(("coffer", op, c))
                if not r:
                    continue
                body.append([spec, str(c), fmt(r["rps"], ",.0f"), fmt(r["p50_ms"], ".2f"), fmt(r["p99_ms"], ".2f"),
                             fmt(r["cpu_us_per_req"], ".0f"), fmt(r["server_cpu_cores"], ".2f"),
                             fmt(1e6 / r["rps"] if r["rps"] else None, ".0f"),
                             fmt(r["write_bytes_per_req"] / 1024 if r.get("write_bytes_per_req") is not None else None, ".1f"),
                             fmt(b1, ",.0f"), fmt(b2, ",.0f"),
                             fmt(ratio(r["rps"], b1) and 100 * ratio(r["rps"], b1), ".0f") + "%",
                             fmt(ratio(r["rps"], b2) and 100 * ratio(r["rps"], b2), ".0f") + "%"])
            rs = [(c, idx[("coffer", op, c)]) for c in concs if ("coffer", op, c) in idx]
            name = f"ImportKeyMaterial ({spec}) >= 80% of the bare RSA-OAEP-SHA256 decryption rate (2 processes)"
            if rs and b2:
                bc, br = max(rs, key=lambda x: x[1]["rps"])
                q2, q1 = br["rps"] / b2, br["rps"] / b1 if b1 else None
                bound = ("CPU-bound" if (br["server_cpu_cores"] or 0) + (br["wrk_cpu_cores"] or 0) >= 1.7 else
                         f"not CPU-bound: the server used {br['server_cpu_cores']:.2f} of 2 cores, so it waits on "
                         f"something else (each call is an fsync'ed commit; this disk: {fmt(fs, ',.0f')} fsync/s)")
                targets.append({"target": name, "value": round(q2, 3), "threshold": 0.8, "met": q2 >= 0.8,
                                "detail": f"best {br['rps']:,.0f}/s at c={bc} vs {b2:,.0f}/s on 2 processes = "
                                          f"{100 * q2:.0f}% ({100 * q1:.0f}% of 1 process, {b1:,.0f}/s); "
                                          f"CPU {br['cpu_us_per_req']:.0f} us/req, {bound}"})
            else:
                targets.append({"target": name, "value": None, "threshold": 0.8, "met": None,
                                "detail": "not measured (needs the ImportKeyMaterial case and the RSA baseline)"})
        t, m = table(head, body)
        text.append(t)
        md.append(m)
        if imp.get("moto_ikm"):
            text.append(f"moto ImportKeyMaterial: {imp['moto_ikm']}")
            md.append(f"\nmoto ImportKeyMaterial: {imp['moto_ikm']}")

    if gp:
        head = ["GetParametersForImport", "server", "pool", "calls", "n", "p50 ms", "p99 ms", "max ms"]
        body = []
        for spec in gp["on_demand"]:
            r = gp["on_demand"][spec]
            body.append([spec, "coffer", "empty (on-demand)", "sequential", str(r["n"]), fmt(r["p50_ms"], ".1f"),
                         fmt(r["p99_ms"], ".1f"), fmt(r["max_ms"], ".1f")])
            for mode in ("sequential", "concurrent"):
                r = gp["pooled"].get(spec, {}).get(mode)
                if r:
                    body.append([spec, "coffer", f"had keys ({gp['pool_size']})",
                                 mode if mode == "sequential" else f"{gp['concurrent_connections']} conns",
                                 str(r["n"]), fmt(r["p50_ms"], ".2f"), fmt(r["p99_ms"], ".2f"), fmt(r["max_ms"], ".2f")])
            for mode in ("sequential", "concurrent"):
                r = gp["moto"].get(spec, {}).get(mode)
                if r:
                    body.append([spec, "moto", "-", mode, str(r["n"]), fmt(r["p50_ms"], ".2f"), fmt(r["p99_ms"], ".2f"),
                                 fmt(r["max_ms"], ".2f")])
            if spec not in gp["moto"]:
                body.append([spec, "moto", "-", "n/a", "-", "-", "-", "-"])
            body.append([spec, "nginx", "-", "n/a", "-", "-", "-", "-"])
        t, m = table(head, body)
        note = (f"pool: wrappingKeyPool {gp['pool_size']} per measured size, filled in {gp.get('pool_fill_s')} s "
                f"(server CPU {gp.get('pool_fill_cpu_s')} s) before timing; calls <= pool size, so every pooled "
                "call found a key (the background refill runs during the calls). moto: " + imp.get("moto_status", "-"))
        text += [t, note]
        md += [m, "\n" + note]
    r = (gp or {}).get("pooled", {}).get("RSA_4096")
    name = "GetParametersForImport RSA_4096: p99 < 20 ms while the pre-generated pool has keys"
    if r and r["all"]["n"]:
        v = r["all"]["p99_ms"]
        targets.insert(0, {"target": name, "value": round(v, 2), "threshold": 20, "met": v < 20 and r["pool_had_keys"],
                        "detail": f"pool had keys: p99 {v:.2f} ms over {r['all']['n']} calls (sequential p50 "
                                  f"{r['sequential']['p50_ms']:.2f} / p99 {r['sequential']['p99_ms']:.2f} ms, "
                                  f"{gp['concurrent_connections']} conns p50 {r['concurrent']['p50_ms']:.2f} / p99 "
                                  f"{r['concurrent']['p99_ms']:.2f} ms); empty pool: "
                                  f"{gp['on_demand']['RSA_4096']['p50_ms']:.0f} ms median on demand"})
    else:
        targets.insert(0, {"target": name, "value": None, "threshold": 20, "met": None, "detail": "not measured"})
    for spec, r in (imp.get("same_library") or {}).items():
        name = f"ImportKeyMaterial ({spec}) CPU <= 1.25x the bare RSA-OAEP-SHA256 private operation, same library"
        if "error" in r:
            targets.append({"target": name, "value": None, "threshold": 1.25, "met": None, "detail": r["error"]})
            continue
        faster = "OpenSSL 3" if r["openssl_us"] <= r["boringssl_us"] else "BoringSSL"
        q = r["import_us"] / r["openssl_us"]
        line = (f"same library, in-process, sequential ({spec}): ImportKeyMaterial {r['import_us']:.0f} us CPU; bare "
                f"RSA-OAEP-SHA256 decrypt OpenSSL 3 {r['openssl_us']:.0f} us (what Coffer uses), BoringSSL "
                f"{r['boringssl_us']:.0f} us (faster: {faster}); import / OpenSSL = {q:.2f}")
        text.append(line)
        md.append("\n" + line)
        targets.append({"target": name, "value": round(q, 3), "threshold": 1.25, "met": q <= 1.25,
                        "detail": line})
    if rsa:
        line = "bare RSA-OAEP-SHA256 decryption (pyca/cryptography -> OpenSSL): " + ", ".join(
            f"{k} {v['1proc']:,.0f}/s on 1 process, {v['2proc']:,.0f}/s on 2" for k, v in rsa.items())
        if fs:
            line += f"; disk: {fs:,.0f} fsync/s (4 KiB write + fsync, one writer, Coffer's data-dir filesystem)"
        text.append(line)
        md.append("\n" + line)
    return "\n\n".join(text), "\n".join(md), targets


def git_rev() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        return "unknown"


def tool_version(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except Exception:  # noqa: BLE001
        return "unknown"


# --------------------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", default=os.environ.get("BENCH_SMOKE") == "1",
                    help="CI smoke run: ~2 s per case, concurrency 1 and 16, fewer operations (or BENCH_SMOKE=1)")
    ap.add_argument("--duration", type=int, help="measured seconds per case (default 10; smoke 2)")
    ap.add_argument("--warmup", type=int, help="warm-up seconds per case, not measured (default 3; smoke 1)")
    ap.add_argument("--concurrency", help="comma-separated connection counts (default 1,16,64; smoke 1,16)")
    ap.add_argument("--ops", help="comma-separated operations (default all: " + ",".join(OPS_BY_NAME) + ")")
    ap.add_argument("--servers", default="coffer,moto,nginx", help="subset of coffer,moto,nginx")
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite",
                    help="Coffer's store: sqlite (default) or postgres (a fresh database on the server that "
                         "scripts/start-test-postgres starts, or COFFER_BENCH_POSTGRES_URL)")
    ap.add_argument("--nodes", type=int, choices=[1, 2], default=1,
                    help="Coffer nodes sharing the store (2 needs --store postgres; the connections are split evenly)")
    ap.add_argument("--compare-stores", metavar="VARIANTS", nargs="?", const="sqlite,postgres,postgres-2",
                    help="only compare Coffer on stores, side by side: sqlite, postgres (1 node), postgres-2 (2 nodes on "
                         "one database); default all three, ops Encrypt64,CreateKey unless --ops is given")
    ap.add_argument("--audit-modes", metavar="MODES", nargs="?", const="off,sync,async",
                    help="only Coffer's Encrypt (64 B), each audit mode on its own fresh server, measured in turn: off, "
                         "sync, async (the default, all three; the audit file in a temp dir), with the sync/off and "
                         "async/off throughput ratios")
    ap.add_argument("--audit-rounds", type=int, help="with --audit-modes: rounds over the modes, the order rotating "
                                                     "each round (default 3; smoke 1)")
    ap.add_argument("--rsa-baseline", choices=["auto", "yes", "no"], default="auto",
                    help="measure the bare RSA-OAEP decryption rate, 1 and 2 processes (auto: for the "
                         "ImportKeyMaterial sizes measured; full runs also RSA_2048 and RSA_4096 otherwise)")
    ap.add_argument("--import-pool", type=int, help="wrapping keys per size in the GetParametersForImport Coffer "
                                                    "(default 32; smoke 4; max 64)")
    ap.add_argument("--import-calls", type=int, help="timed GetParametersForImport calls per size, half sequential, "
                                                     "half concurrent; <= --import-pool (default: the pool size)")
    ap.add_argument("--import-conns", type=int, default=4, help="connections of the concurrent half (default 4)")
    ap.add_argument("--import-ondemand", type=int, help="calls with an empty pool per size (default 3; smoke 1)")
    ap.add_argument("--out", default=str(BENCH / "results"), help="results directory (default bench/results)")
    a = ap.parse_args()
    a.duration = a.duration or (2 if a.smoke else 10)
    a.warmup = a.warmup if a.warmup is not None else (1 if a.smoke else 3)
    a.concurrency = [int(x) for x in (a.concurrency or ("1,16" if a.smoke else "1,16,64")).split(",")]
    a.ops = (a.ops.split(",") if a.ops else (SMOKE_OPS if a.smoke else ["Encrypt64", "CreateKey"] if a.compare_stores else list(ALL_OPS)))
    for o in a.ops:
        if o not in ALL_OPS:
            ap.error(f"unknown operation {o}; known: {', '.join(ALL_OPS)}")
    a.ops = [o for o in ALL_OPS if o in a.ops]  # canonical order: import cases before CreateKey
    a.import_pool = a.import_pool if a.import_pool is not None else (4 if a.smoke else 32)
    if not 1 <= a.import_pool <= 64:
        ap.error("--import-pool must be 1 to 64")
    a.import_calls = a.import_calls or a.import_pool
    if a.import_calls > a.import_pool:
        ap.error("--import-calls must not exceed --import-pool (every timed call must find a key in the pool)")
    a.import_ondemand = a.import_ondemand or (1 if a.smoke else 3)
    a.servers = a.servers.split(",")
    if a.nodes > 1 and a.store != "postgres":
        ap.error("--nodes 2 needs --store postgres (SQLite is one node's store)")
    if a.audit_modes:
        if a.compare_stores:
            ap.error("--audit-modes and --compare-stores are separate runs")
        if a.store != "sqlite" or a.nodes != 1:
            ap.error("--audit-modes runs one Coffer node on SQLite")
        a.audit_modes = a.audit_modes.split(",")
        for m in a.audit_modes:
            if m not in AUDIT_MODES:
                ap.error(f"unknown audit mode {m}; known: {', '.join(AUDIT_MODES)}")
        a.audit_modes = [m for m in AUDIT_MODES if m in a.audit_modes]
        a.ops = ["Encrypt64"]
    a.audit_rounds = a.audit_rounds if a.audit_rounds is not None else (1 if a.smoke else 3)
    if a.audit_rounds < 1:
        ap.error("--audit-rounds must be at least 1")
    if a.compare_stores:
        a.compare_stores = a.compare_stores.split(",")
        for v in a.compare_stores:
            if v not in STORE_VARIANTS:
                ap.error(f"unknown store variant {v}; known: {', '.join(STORE_VARIANTS)}")
    return a


def run_store_comparison(ctx: Ctx, started: float, load_before: tuple) -> int:
    """`--compare-stores`: Coffer alone on each store variant; one table, results written like a normal run."""
    args = ctx.args
    text = md = ""
    try:
        text, md = compare_stores(ctx, args.compare_stores, [o for o in args.ops if o in OPS_BY_NAME], args.concurrency)
    except Exception as e:  # noqa: BLE001
        ctx.failures.append(f"aborted: {type(e).__name__}: {e}")
    finally:
        stop_all()
    print()
    print(text)
    for f in ctx.failures:
        print(f"FAILURE: {f}")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{stamp}-stores"
    result = {
        "timestamp": stamp, "mode": "stores", "git": git_rev(), "elapsed_s": round(time.time() - started, 1),
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.concurrency,
                     "ops": args.ops, "variants": args.compare_stores},
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "loadavg_before": load_before,
                    "loadavg_after": os.getloadavg()},
        "rows": ctx.rows, "failures": ctx.failures,
    }
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(md + "\n")
    print(f"\n[bench] wrote {out / (name + '.json')} and .md ({result['elapsed_s']} s)")
    return 1 if ctx.failures else 0


def run_audit_comparison(ctx: Ctx, started: float, load_before: tuple) -> int:
    """`--audit-modes`: Coffer's Encrypt (64 B) with the audit log off, sync and async; one table, the two targets."""
    args = ctx.args
    text = md = ""
    targets: list[dict] = []
    details: dict = {}
    try:
        text, md, targets, details = compare_audit_modes(ctx, args.audit_modes, args.concurrency, args.audit_rounds)
    except Exception as e:  # noqa: BLE001
        ctx.failures.append(f"aborted: {type(e).__name__}: {e}")
    finally:
        stop_all()
    print()
    print(text)
    print()
    print_targets(targets, ctx)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{stamp}-audit"
    result = {
        "timestamp": stamp, "mode": "audit", "git": git_rev(), "elapsed_s": round(time.time() - started, 1),
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.concurrency,
                     "ops": args.ops, "audit_modes": args.audit_modes, "audit_rounds": args.audit_rounds},
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "loadavg_before": load_before,
                    "loadavg_after": os.getloadavg()},
        "rows": ctx.rows, "targets": targets, "audit": details, "warnings": ctx.warnings, "failures": ctx.failures,
    }
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    verdicts = {True: "met", False: "not met", None: "not measured"}
    lines = [md, "", *(f"- {t['target']}: {t['detail']}: **{verdicts[t['met']]}**" for t in targets)]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n")
    print(f"\n[bench] wrote {out / (name + '.json')} and .md ({result['elapsed_s']} s)")
    return 1 if ctx.failures else 0


def main() -> int:
    args = parse_args()
    if not shutil.which("wrk"):
        print("wrk not found: run bench/run (it installs wrk and nginx-light)", file=sys.stderr)
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    atexit.register(stop_all)
    started = time.time()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="coffer-bench-"))
    atexit.register(shutil.rmtree, workdir, True)
    ctx = Ctx(args, workdir)
    mode = "smoke" if args.smoke else "full"
    if load_before[0] > 1.0:
        print(f"[bench] note: load average {load_before[0]:.1f} before start; other work on this 2-core machine "
              "skews the numbers", flush=True)
    print(f"[bench] {mode} run: ops={','.join(args.ops)} connections={args.concurrency} "
          f"warm-up {args.warmup}s + {args.duration}s per case; workdir {workdir}", flush=True)

    if args.compare_stores:
        return run_store_comparison(ctx, started, load_before)
    if args.audit_modes:
        return run_audit_comparison(ctx, started, load_before)

    servers: dict[str, Server] = {}
    coffer_nodes: list[Server] = []
    fixtures: dict[str, Fixtures] = {}
    imp: dict = {"moto_status": "not probed"}
    try:
        if "coffer" in args.servers:
            coffer_nodes = start_cluster(workdir, args.store, args.nodes, name="coffer")
            servers["coffer"] = coffer_nodes[0]
        if "moto" in args.servers:
            servers["moto"] = start_moto(workdir)
        if "nginx" in args.servers:
            servers["nginx"] = start_nginx(workdir)
        for name in ("coffer", "moto"):
            if name in servers:
                wait_kms(servers[name].endpoint, 60)
                fixtures[name] = make_fixtures(servers[name].endpoint)
                preflight(ctx, servers[name], fixtures[name])
        if "nginx" in servers:
            st, body = send_once(servers["nginx"].port, *presign(servers["nginx"].port, "Encrypt",
                                                                    OPS_BY_NAME["Encrypt64"].body(Fixtures(sym="x"))))
            if st != 200 or body.decode() != NGINX_BODY:
                ctx.failures.append(f"nginx preflight: HTTP {st} {body[:200]!r}")
        # Import fixtures (Coffer; moto only if it answers GetParametersForImport): also the import preflight.
        import_bodies: dict[tuple[str, str], dict] = {}
        if "coffer" in servers:
            for op_name, spec in IMPORT_IKM.items():
                import_bodies[("coffer", op_name)] = body = make_import_request(servers["coffer"].endpoint, spec)
                st, out_ = send_once(servers["coffer"].port, *presign(servers["coffer"].port, "ImportKeyMaterial", body))
                if st != 200:
                    ctx.failures.append(f"coffer preflight {op_name}: HTTP {st} {out_[:300]!r}")
        moto_gpfi = False
        if "moto" in servers:
            moto_gpfi, imp["moto_status"] = probe_import(servers["moto"].endpoint)
            imp["moto_status"] = f"GetParametersForImport {imp['moto_status']} (moto {__import__('moto').__version__})"
            imp["moto_ikm"] = "n/a: " + imp["moto_status"]
            if moto_gpfi:
                try:
                    for op_name, spec in IMPORT_IKM.items():
                        import_bodies[("moto", op_name)] = make_import_request(servers["moto"].endpoint, spec)
                    imp["moto_ikm"] = None
                except Exception as e:  # noqa: BLE001
                    imp["moto_ikm"] = f"n/a: ImportKeyMaterial not supported ({type(e).__name__}: {str(e)[:100]})"
            print(f"[bench] moto import: {imp['moto_status']}", flush=True)
        if ctx.failures:
            raise RuntimeError("preflight failed")
        # Coffer's default wrapping-key pool (4 x RSA_2048, 2 x RSA_3072, 2 x RSA_4096, ~5 s of CPU) fills in the
        # background after start-up; let it finish so it does not compete with the first cases (not in smoke runs).
        if "coffer" in servers and not args.smoke:
            try:
                waited = wait_idle(servers["coffer"], timeout=120)
                print(f"[bench] coffer idle after {waited:.1f} s (start-up wrapping-key pool refill)", flush=True)
            except RuntimeError as e:
                ctx.warnings.append(str(e))

        # nginx: the same signed request (Encrypt 64 B), a fixed response; the ceiling for every operation.
        if "nginx" in servers:
            print("[bench] nginx (fixed response; HTTP ceiling)", flush=True)
            for c in args.concurrency:
                measure(ctx, servers["nginx"], "fixed", "Encrypt", OPS_BY_NAME["Encrypt64"].body(Fixtures(sym="x")),
                        c, strict_sockets=True)
        gpfi_done = False
        for op_name in args.ops:
            if op_name in IMPORT_GPFI:
                if not gpfi_done and "coffer" in servers:  # both sizes in one pass (one pool instance)
                    specs = [IMPORT_GPFI[o] for o in args.ops if o in IMPORT_GPFI]
                    print(f"[bench] GetParametersForImport {', '.join(specs)}", flush=True)
                    imp["gpfi"] = gpfi_latency(ctx, specs, servers.get("moto"), moto_gpfi)
                gpfi_done = True
                continue
            print(f"[bench] {op_name}", flush=True)
            for c in args.concurrency:
                for name in ("coffer", "moto"):
                    if name not in servers:
                        continue
                    if op_name in IMPORT_IKM:
                        if (name, op_name) in import_bodies:
                            measure(ctx, servers[name], op_name, "ImportKeyMaterial", import_bodies[(name, op_name)],
                                    c, strict_sockets=(name == "coffer"))
                        continue
                    op = OPS_BY_NAME[op_name]
                    if name == "coffer" and len(coffer_nodes) > 1:
                        measure_nodes(ctx, "coffer", coffer_nodes, op_name, op.target, op.body(fixtures[name]), c)
                        continue
                    # moto's threaded dev server may drop or time out connections under load: warn, don't fail.
                    measure(ctx, servers[name], op_name, op.target, op.body(fixtures[name]), c,
                            strict_sockets=(name == "coffer"))

        stop_all()  # the references below run on a quiet machine
        ikm_specs = [IMPORT_IKM[o] for o in args.ops if o in IMPORT_IKM]
        rsa_specs = (["RSA_2048", "RSA_4096"] if args.rsa_baseline == "yes"
                     or (args.rsa_baseline == "auto" and not args.smoke) else
                     ikm_specs if args.rsa_baseline == "auto" else [])
        if rsa_specs:
            print(f"[bench] bare RSA-OAEP-SHA256 decryption rate: {', '.join(rsa_specs)}, 1 and 2 processes", flush=True)
            imp["rsa_oaep_decrypt_per_s"] = rsa_oaep_baseline(0.5 if args.smoke else 2.0, rsa_specs)
        if ikm_specs:
            imp["fsync_per_s"] = fsync_rate(workdir, 0.5 if args.smoke else 2.0)
            imp["same_library"] = same_library_import(ikm_specs, 50 if args.smoke else 300)
    except Exception as e:  # noqa: BLE001
        ctx.failures.append(f"aborted: {type(e).__name__}: {e}")
        for s in [*servers.values(), *SERVERS]:
            if not s.alive():
                ctx.failures.append(f"{s.name} exited with {s.proc.returncode}; log tail:\n{s.tail()}")
    finally:
        stop_all()

    wrk_ops = [o for o in args.ops if o not in IMPORT_GPFI]
    table, text, md = build_table(ctx.rows, wrk_ops, args.concurrency)
    targets = evaluate_targets(ctx.rows, args.concurrency)
    imp_text, imp_md, imp_targets = import_report(ctx.rows, args.concurrency, imp)
    targets += imp_targets
    print()
    print(text)
    print()
    if imp_text:
        print("Import:")
        print(imp_text)
        print()
    print_targets(targets, ctx)
    if imp_md:
        md += "\n\n" + imp_md

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{stamp}-{mode}"
    result = {
        "timestamp": stamp, "mode": mode, "git": git_rev(), "elapsed_s": round(time.time() - started, 1),
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.concurrency,
                     "ops": args.ops, "servers": args.servers, "region": REGION,
                     "import_pool": args.import_pool, "import_calls": args.import_calls,
                     "import_conns": args.import_conns, "import_ondemand": args.import_ondemand},
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
                    "wrk": tool_version(["wrk", "--version"]), "nginx": tool_version(["nginx", "-v"]),
                    "moto": __import__("moto").__version__, "clk_tck": CLK_TCK,
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "rows": ctx.rows, "table": table, "targets": targets,
        "import": imp,
        "warnings": ctx.warnings, "failures": ctx.failures,
    }
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(md + "\n")
    print(f"\n[bench] wrote {out / (name + '.json')} and .md ({result['elapsed_s']} s)")
    return 1 if ctx.failures else 0


if __name__ == "__main__":
    sys.exit(main())
