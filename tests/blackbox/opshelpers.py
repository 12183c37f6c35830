"""Helpers for the operations suites (test_audit.py, test_metrics.py, test_tls.py, test_seed.py, test_version.py).

The interface under test (configuration members of `coffer serve --config FILE`):

    "audit":   {"file": PATH, "mode": "sync"|"async", "maxFileBytes": N, "bufferEvents": N}
    "metrics": {"host": "127.0.0.1", "port": N}          a separate plain-HTTP listener: /metrics, /health/live|ready
    "tls":     {"certificate": PEM chain, "privateKey": PEM key}   the KMS listener then serves HTTPS only
    "seed":    PATH (YAML or JSON)                        keys and aliases applied idempotently at every start

Audit records are CloudTrail records, one JSON object per line, members in AUDIT_MEMBER_ORDER; each line is
`B,"cofferHash":"H"}` with H = sha256_hex(B) and B ending in `"cofferChain":{"sequence":N,"previous":P}` (P = the
previous record's H, 64 zeros for sequence 1). Rotated files are `<file>.<N, 12 digits>` (N = the file's last
sequence). Start-up failures caused by these members exit with 78 and `coffer: ...` on stderr.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Iterable

import boto3
from botocore.config import Config

from kmshelpers import DEV_ACCESS_KEY, DEV_SECRET_KEY, DEFAULT_REGION, CofferServer, free_port

EX_CONFIG = 78
ZERO_HASH = "0" * 64
HASH_SEP = ',"cofferHash":"'
UUID_ANY_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EVENT_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ROTATED_RE = re.compile(r"^(?P<base>.+)\.(?P<seq>\d{12})$")

# The members of an audit record, in the order the interface prescribes. `resources` may be absent (ListKeys, failed
# CreateKey, ...), errorCode/errorMessage appear on failures only, serviceEventDetails on background events only
# (where its position is not prescribed), requestID is absent from background events.
AUDIT_MEMBER_ORDER = [
    "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
    "userAgent", "requestParameters", "responseElements", "requestID", "eventID", "readOnly", "resources",
    "eventType", "managementEvent", "recipientAccountId", "eventCategory", "errorCode", "errorMessage",
    "cofferChain", "cofferHash",
]
AUDIT_OPTIONAL = {"resources", "errorCode", "errorMessage"}
AWS_SERVICE = "kms.amazonaws.com"
# botocore's retries={"max_attempts": 1} means one retry (two attempts); 5xx tests need exactly one attempt
NO_RETRIES = {"total_max_attempts": 1, "mode": "standard"}


# --------------------------------------------------------------------------- coffer subcommands

def run_coffer(binary, *args: str, timeout: float = 120, cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    """`coffer ARGS...` as a subprocess (text mode, output captured)."""
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd=str(cwd) if cwd else None)


def audit_verify(binary, *files: Path | str) -> subprocess.CompletedProcess:
    return run_coffer(binary, "audit", "verify", *files)


def audit_query(binary, *args: str | Path) -> subprocess.CompletedProcess:
    return run_coffer(binary, "audit", "query", *args)


def output_of(proc: subprocess.CompletedProcess) -> str:
    return (proc.stdout or "") + (proc.stderr or "")


def describe_proc(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"


# --------------------------------------------------------------------------- audit servers and files

def audit_server(server_factory, name: str = "audit", audit: dict | None = None, config: dict | None = None,
                 **kwargs: Any) -> tuple[CofferServer, Path]:
    """A server (not started) whose audit log is `<its base dir>/audit/audit.log` (directory made here).
    `audit` adds to / overrides the audit member ({"mode": "async"}, {"maxFileBytes": 4096}, ...)."""
    srv = server_factory(name=name, config=dict(config or {}), **kwargs)
    path = srv.base_dir / "audit" / "audit.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    srv.config["audit"] = {"file": str(path), **(audit or {})}
    return srv, path


def audit_lines(path: Path) -> list[str]:
    """The records of one audit file (lines without their newline; an incomplete last line is left out)."""
    if not Path(path).exists():
        return []
    data = Path(path).read_bytes().decode("utf-8")
    lines = data.split("\n")
    return lines[:-1]  # the text after the last newline is empty, or a record still being written


def audit_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in audit_lines(path)]


def audit_files(path: Path) -> list[Path]:
    """The audit file and its rotated siblings (`<file>.<12 digits>`), in chain order: rotated ones by their number,
    the current file last."""
    path = Path(path)
    rotated = sorted((p for p in path.parent.glob(path.name + ".*") if ROTATED_RE.match(p.name)
                      and ROTATED_RE.match(p.name).group("base") == path.name),
                     key=lambda p: int(ROTATED_RE.match(p.name).group("seq")))
    return rotated + ([path] if path.exists() else [])


def all_audit_lines(path: Path) -> list[str]:
    return [line for f in audit_files(path) for line in audit_lines(f)]


def all_audit_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in all_audit_lines(path)]


def wait_for_lines(path: Path, count: int, timeout: float = 5.0, every_file: bool = False) -> list[str]:
    """Poll until at least `count` records are there (async mode); returns them."""
    deadline = time.monotonic() + timeout
    while True:
        lines = all_audit_lines(path) if every_file else audit_lines(path)
        if len(lines) >= count or time.monotonic() >= deadline:
            return lines
        time.sleep(0.05)


def member_names(line: str) -> list[str]:
    """The top-level member names of a record, in their order in the line."""
    pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
    return [k for k, _ in pairs]


def check_member_order(line: str, *, failure: bool, background: bool = False, optional: Iterable[str] = ()) -> None:
    """optional: members that may be absent here (besides resources)."""
    names = member_names(line)
    assert len(names) == len(set(names)), f"duplicate members: {names}"
    known = [n for n in names if n != "serviceEventDetails"] if background else names
    unknown = [n for n in known if n not in AUDIT_MEMBER_ORDER]
    assert not unknown, f"members not in the interface: {unknown} in {names}"
    expected = [n for n in AUDIT_MEMBER_ORDER if n in known]
    assert known == expected, f"member order\n  got:      {known}\n  expected: {expected}"
    required = set(AUDIT_MEMBER_ORDER) - AUDIT_OPTIONAL - set(optional)
    if background:
        required -= {"requestID"}
        assert "requestID" not in names, names
        assert "serviceEventDetails" in names, names
    if failure:
        required |= {"errorCode", "errorMessage"}
    else:
        assert "errorCode" not in names and "errorMessage" not in names, names
    missing = required - set(names)
    assert not missing, f"missing members {sorted(missing)} in {names}"


def split_record(line: str) -> tuple[str, str]:
    """(B, H) of a record line `B,"cofferHash":"H"}`."""
    i = line.rfind(HASH_SEP)
    assert i > 0, f"no cofferHash member: {line[:200]}"
    body, tail = line[:i], line[i + len(HASH_SEP):]
    assert tail.endswith('"}') and len(tail) == 64 + 2, f"bad record end: {tail!r}"
    return body, tail[:64]


def check_chain(lines: Iterable[str], first_sequence: int | None = 1, previous: str | None = ZERO_HASH) -> list[int]:
    """Checks the hash chain of consecutive records the way the interface defines it, independently of
    `coffer audit verify`. Returns the sequences. first_sequence/previous None: take them from the first record."""
    seqs = []
    for n, line in enumerate(lines, 1):
        body, h = split_record(line)
        assert re.fullmatch(r"[0-9a-f]{64}", h), f"record {n}: hash {h!r} is not lowercase hex SHA-256"
        assert hashlib.sha256(body.encode("utf-8")).hexdigest() == h, f"record {n}: cofferHash is not sha256(B)"
        chain = json.loads(line)["cofferChain"]
        assert set(chain) == {"sequence", "previous"}, chain
        assert body.endswith('"cofferChain":{"sequence":%d,"previous":"%s"}' % (chain["sequence"], chain["previous"])), \
            f"record {n}: B does not end with the cofferChain member: {body[-160:]}"
        if first_sequence is not None:
            assert chain["sequence"] == first_sequence, f"record {n}: sequence {chain['sequence']} != {first_sequence}"
        if previous is not None:
            assert chain["previous"] == previous, f"record {n}: previous {chain['previous']} != {previous}"
        first_sequence, previous = chain["sequence"] + 1, h
        seqs.append(chain["sequence"])
    return seqs


def ok_line(records: int, files: int, first: int, last: int) -> str:
    return f"OK: {records} records in {files} file(s), sequence {first}-{last}"


class AuditTail:
    """The records written after mark() (current file only: use with servers that do not rotate)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.mark()

    def mark(self) -> None:
        self.pos = len(audit_lines(self.path))

    def new_lines(self) -> list[str]:
        lines = audit_lines(self.path)[self.pos:]
        self.pos += len(lines)
        return lines

    def new(self) -> list[dict]:
        return [json.loads(line) for line in self.new_lines()]

    def one(self) -> tuple[dict, str]:
        """The single record written since mark() (asserts there is exactly one); returns (event, line)."""
        lines = self.new_lines()
        assert len(lines) == 1, f"expected exactly 1 audit record, got {len(lines)}:\n" + "\n".join(lines)
        return json.loads(lines[0]), lines[0]


def request_id(resp_or_error: dict) -> str:
    """x-amzn-RequestId of a boto3 response, or of expect_error's error response."""
    rid = resp_or_error["ResponseMetadata"]["RequestId"]
    assert rid, resp_or_error
    return rid


def resource_arns(event: dict) -> list[str]:
    return [r["ARN"] for r in (event.get("resources") or [])]


def events_with_request_id(events: list[dict], rid: str) -> list[dict]:
    return [e for e in events if e.get("requestID") == rid]


# --------------------------------------------------------------------------- secrets

def secret_forms(value: bytes | str) -> set[str]:
    """The ways a secret could show up in a text file: raw (when it is text), base64 (standard and URL-safe, with
    and without padding), hex (both cases)."""
    forms: set[str] = set()
    if isinstance(value, str):
        forms.add(value)
        value = value.encode()
    else:
        try:
            text = value.decode("ascii")
            if text.isprintable():
                forms.add(text)
        except UnicodeDecodeError:
            pass
    b64 = base64.b64encode(value).decode()
    url = base64.urlsafe_b64encode(value).decode()
    forms |= {b64, b64.rstrip("="), url, url.rstrip("="), value.hex(), value.hex().upper()}
    return {f for f in forms if len(f) >= 12}


def json_strings(value: Any) -> Iterable[str]:
    """Every string (member names and values) in a parsed JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)


def find_secrets(text: str, secrets: dict[str, bytes | str]) -> list[str]:
    """Names of the secrets (and the form) found in `text` (an audit file's contents), looking at the raw text, the
    text with JSON's `\\/` undone, and every string of every parsed record."""
    haystacks = [text, text.replace("\\/", "/")]
    parsed = []
    for line in text.splitlines():
        try:
            parsed.extend(json_strings(json.loads(line)))
        except ValueError:
            pass
    haystacks.append("\n".join(parsed))
    found = []
    for name, value in secrets.items():
        for form in secret_forms(value):
            if any(form in h for h in haystacks):
                found.append(f"{name} ({form[:40]}...)")
                break
    return found


# --------------------------------------------------------------------------- metrics and health

def metrics_config(port: int | None = None) -> dict:
    return {"host": "127.0.0.1", "port": port or free_port()}


def http_get(port: int, path: str, timeout: float = 30.0, host: str = "127.0.0.1") -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def wait_for_listener(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            http_get(port, "/health/live", timeout=2)
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


class Scrape:
    """One parsed /metrics response."""

    def __init__(self, text: str):
        from prometheus_client.parser import text_string_to_metric_families
        self.text = text
        self.families = {}
        self.samples: dict[tuple[str, frozenset], float] = {}
        for fam in text_string_to_metric_families(text):
            self.families[fam.name] = fam
            for s in fam.samples:
                self.samples[(s.name, frozenset(s.labels.items()))] = s.value

    def family(self, name: str):
        """The family of a metric name as written in the exposition (counters: with or without `_total`)."""
        for candidate in (name, name[:-len("_total")] if name.endswith("_total") else None):
            if candidate and candidate in self.families:
                return self.families[candidate]
        return None

    def value(self, name: str, **labels: str) -> float:
        """The sample with exactly these labels (0 when absent)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def matching(self, name: str, **labels: str) -> list[tuple[dict, float]]:
        """Samples of `name` whose labels include `labels`."""
        out = []
        for (n, ls), v in self.samples.items():
            d = dict(ls)
            if n == name and all(d.get(k) == v2 for k, v2 in labels.items()):
                out.append((d, v))
        return out


def scrape(port: int) -> Scrape:
    status, headers, body = http_get(port, "/metrics")
    assert status == 200, f"/metrics: HTTP {status} {body[:300]!r}"
    return Scrape(body.decode("utf-8"))


def poll_until(fn: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 5.0,
               interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if until(result) or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def log_lines(srv: CofferServer, needle: str) -> list[str]:
    """Lines of the server's current run (stdout, where its logger writes, and stderr) containing `needle`."""
    return [line for line in srv.output_text().splitlines() if needle in line]


def request_failed_lines(srv: CofferServer, rid: str, timeout: float = 3.0) -> list[str]:
    """The `kms.request.failed` lines that name request `rid` (waiting a little for the log to be written)."""
    return poll_until(lambda: [line for line in log_lines(srv, "kms.request.failed") if rid in line],
                      lambda lines: bool(lines), timeout=timeout)


# --------------------------------------------------------------------------- TLS

def make_pki(directory: Path, hosts: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = ("127.0.0.1",),
             name: str = "coffer-test") -> dict[str, Path]:
    """A CA and a server certificate (EC P-256) for `hosts`/`ips`. Returns the paths of ca, chain (server cert then
    CA cert), cert (server cert alone), key (PKCS#8 PEM)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0] if hosts else ips[0])]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = {"ca": directory / "ca.pem", "chain": directory / "server-chain.pem", "cert": directory / "server.pem",
             "key": directory / "server-key.pem"}
    paths["ca"].write_bytes(ca_cert.public_bytes(pem))
    paths["cert"].write_bytes(cert.public_bytes(pem))
    paths["chain"].write_bytes(cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    paths["key"].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def https_endpoint(srv: CofferServer, host: str = "127.0.0.1") -> str:
    assert srv.port is not None
    return f"https://{host}:{srv.port}"


_TLS_SESSION = boto3.session.Session()


def tls_client(endpoint: str, verify: str | bool, region: str = DEFAULT_REGION, access_key: str = DEV_ACCESS_KEY,
               secret_key: str = DEV_SECRET_KEY, **config_kwargs: Any):
    """A boto3 KMS client for an HTTPS endpoint, checking the server with `verify` (a CA file)."""
    cfg = dict(retries=NO_RETRIES, connect_timeout=5, read_timeout=60)
    cfg.update(config_kwargs)
    return _TLS_SESSION.client("kms", endpoint_url=endpoint, region_name=region, aws_access_key_id=access_key,
                               aws_secret_access_key=secret_key, verify=str(verify) if verify is not True else True,
                               config=Config(**cfg))
