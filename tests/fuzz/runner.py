"""The fuzz run: start the server, build the corpus, run the planned cases, restart, check, report."""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import cases_auth, cases_json, cases_protocol, cases_slow, cases_tamper
from .base import Case, Env
from .checks import KNOWN_DEVIATIONS, Expect, Recorder, scan_logs
from .client import KmsClient
from .corpus import SetupError, Victims, build_corpus, check_corpus, probe_key
from .model import Builder, Model, init_leaf_types
from .server import CofferProcess, ServerError
from .wire import ExchangeError, Identity

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
WEIGHTS = {"json": 56, "tamper": 16, "auth": 13, "protocol": 15}
HEAL_EVERY = 250
MAX_CRASH_RESTARTS = 5
MAX_CONSECUTIVE_TIMEOUTS = 5
STRICT_ENV = "COFFER_FUZZ_STRICT_HTTP"


def default_binary() -> Path:
    release = REPO_ROOT / ".build" / "release" / "coffer"
    return release if release.exists() else REPO_ROOT / ".build" / "debug" / "coffer"


def identities(seed: int) -> dict[str, Identity]:
    def secret(name: str) -> str:
        return hashlib.sha256(f"coffer-fuzz/{seed}/{name}".encode()).hexdigest()[:40]
    return {
        "main": Identity("AKIAFUZZMAIN0000001", secret("main"), None, "111122223333"),
        "session": Identity("ASIAFUZZSESSION0001", secret("session"), "fuzz-session-token-" + secret("token1"),
                            "444455556666"),
        "other": Identity("ASIAFUZZOTHER000001", secret("other"), "fuzz-other-token-" + secret("token2"),
                          "777788889999"),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/fuzz", description="Black-box fuzzing of the coffer binary "
                                "(tests/fuzz/README.md).")
    p.add_argument("--requests", "-n", type=int, required=True, help="number of fuzz cases (about one request each)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: random, printed); same seed, same cases")
    p.add_argument("--binary", type=Path, default=None,
                   help="coffer binary (default: .build/release/coffer if it exists, else .build/debug/coffer)")
    p.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite",
                   help="postgres: a fresh database on $COFFER_TEST_POSTGRES_URL")
    p.add_argument("--results", type=Path, default=None,
                   help="results JSON (default: .build/fuzz/results-seed<S>-n<N>.json)")
    p.add_argument("--strict-http", nargs="?", const="all", default=os.environ.get(STRICT_ENV, ""),
                   help="make known HTTP deviations findings: 'all' or a comma-separated list of "
                        f"{', '.join(KNOWN_DEVIATIONS)} (also ${STRICT_ENV})")
    p.add_argument("--case", type=int, default=None, help="run only this case of the plan (replay a finding)")
    p.add_argument("--keep", action="store_true", help="keep the server's data dir and logs")
    p.add_argument("--trace", type=Path, default=None,
                   help="write one line per request sent (case, length, hash with server-assigned IDs, blobs, "
                        "ports and dates masked): two runs with the same seed write the same file")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    a = p.parse_args(argv)
    if a.requests < 1:
        p.error("--requests must be at least 1")
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1 << 31)
    strict = {s.strip() for s in (a.strict_http or "").split(",") if s.strip()}
    if "all" in strict:
        strict = set(KNOWN_DEVIATIONS)
    unknown = strict - set(KNOWN_DEVIATIONS)
    if unknown:
        p.error(f"--strict-http: unknown deviation(s) {', '.join(sorted(unknown))}")
    a.strict = strict
    a.binary = (a.binary or default_binary()).resolve()
    if not a.binary.is_file() or not os.access(a.binary, os.X_OK):
        p.error(f"{a.binary} is not an executable file (build it: swift build -c release --product coffer)")
    if a.results is None:
        a.results = REPO_ROOT / ".build" / "fuzz" / f"results-seed{a.seed}-n{a.requests}.json"
    return a


class Run:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.seed = args.seed
        self.n = args.requests
        self.idents = identities(self.seed)
        self.base = Path(tempfile.mkdtemp(prefix="coffer-fuzz-"))
        self.server = CofferProcess(args.binary, self.base, list(self.idents.values()), store=args.store)
        self.model = Model()
        init_leaf_types(self.model)
        self.rec = Recorder(self.seed, self.n, args.strict, [i.secret_key for i in self.idents.values()]
                            + [i.session_token for i in self.idents.values() if i.session_token], [])
        self.plan_hash = hashlib.sha256()
        if args.trace:
            self.rec.trace = []
        self.recent: list[Case] = []
        self.crash_restarts = 0
        self.consecutive_timeouts = 0
        self.aborted: str | None = None
        self.timings: dict[str, float] = {}

    def log(self, msg: str) -> None:
        if not self.args.quiet:
            print(msg, file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ plan
    def plan(self):
        """Yield the cases in order. Everything a case sends is decided by (seed, index), apart from the IDs, blobs
        and signing times the server and the clock contribute."""
        rng = random.Random(f"{self.seed}:plan")
        cats = list(WEIGHTS)
        slow_n = cases_slow.count_for(self.n)
        slow_at = {int(self.n * (k + 1) / (slow_n + 1)) for k in range(slow_n)}
        jp = cases_json.JsonPlan(self.model, self.seed)
        self.json_combos = jp.total_combos()
        for i in range(self.n):
            # case i is the same for every N > i (only the few slow positions depend on N)
            cat = rng.choices(cats, [WEIGHTS[c] for c in cats])[0]
            crng = random.Random(f"{self.seed}:{i}")
            if cat == "json":
                case = jp.next(i, crng)
            elif cat == "tamper":
                case = cases_tamper.plan(i, crng)
            elif cat == "auth":
                case = cases_auth.plan(i, crng)
            else:
                case = cases_protocol.plan(i, crng)
            if i in slow_at:
                case = cases_slow.plan(i, random.Random(f"{self.seed}:{i}"))
            self.plan_hash.update(case.descriptor().encode())
            yield case

    # ------------------------------------------------------------------ run
    def main(self) -> int:
        t0 = time.monotonic()
        a = self.args
        self.log(f"coffer fuzz: seed {self.seed}, {self.n} cases, binary {a.binary}, store {a.store}, "
                 f"work dir {self.base}")
        try:
            self.server.start()
            self.client = KmsClient("127.0.0.1", self.server.port, self.idents["main"], REGION)
            t = time.monotonic()
            self.corpus = build_corpus(self.client, random.Random(f"{self.seed}:corpus"))
            self.victims = Victims(self.idents["main"].account)
            self.victims.create(self.client)
            self.timings["setup_s"] = time.monotonic() - t
            self.rec.set_secrets(self.corpus.secrets)
            self.env = Env(self.seed, self.server, self.client, self.idents, REGION, self.corpus, self.victims,
                           self.model, Builder(self.model, self.victims), self.rec)
            t = time.monotonic()
            self.run_cases()
            self.timings["cases_s"] = time.monotonic() - t
            t = time.monotonic()
            try:
                self.restart_check()
            except (ExchangeError, RuntimeError) as e:
                self.rec.finding("lost-after-restart", None, f"the restart check could not complete: {e}")
            self.timings["restart_check_s"] = time.monotonic() - t
        except (ServerError, SetupError) as e:
            self.aborted = f"{type(e).__name__}: {e}"
            self.log(f"ABORTED: {self.aborted}")
        finally:
            self.server.stop()
            server_cpu = self.server.cpu_seconds
            hits = scan_logs(self.server.log_paths(), [i.secret_key for i in self.idents.values()],
                             getattr(self, "corpus", None).secrets if hasattr(self, "corpus") else [])
            for h in hits:
                self.rec.finding("secret-in-log", None, h)
            self.server.discard()
        self.timings["total_s"] = time.monotonic() - t0
        return self.report(server_cpu)

    def run_cases(self) -> None:
        pool = cf.ThreadPoolExecutor(max_workers=cases_slow.MAX_PARALLEL, thread_name_prefix="slow")
        futures = []
        last_progress = time.monotonic()
        done = 0
        for case in self.plan():
            if self.args.case is not None and case.index != self.args.case:
                continue
            if self.aborted:
                break
            self.rec.cases[case.category] += 1
            self.rec.kinds[case.category][case.kind] += 1
            if case.category == "slow":
                futures.append(pool.submit(self._run_one, case))
                continue
            self._run_one(case)
            done += 1
            self.recent = (self.recent + [case])[-5:]
            self._after_case(case)
            if done % HEAL_EVERY == 0:
                self._heal()
            if time.monotonic() - last_progress > 15:
                last_progress = time.monotonic()
                self.log(f"  {case.index + 1}/{self.n} cases, {self.rec.exchanges} exchanges, "
                         f"{self.rec.total_findings()} findings")
        for f in futures:
            try:
                f.result(timeout=180)
            except cf.TimeoutError:
                self.rec.finding("timeout", None, "a slow-request case did not finish within 180 s")
        pool.shutdown(wait=False, cancel_futures=True)
        if self.server.alive():
            # the server must still answer normally
            probe = Case(-1, "final", "health")
            try:
                req = self.client.build("GenerateRandom", b'{"NumberOfBytes": 16}')
                res = self.client.exchange(req, fresh=True)
            except ExchangeError as e:
                res = e
            self.rec.check(probe, req, res, Expect(control=True))

    def _run_one(self, case: Case) -> None:
        mod = {"json": cases_json, "tamper": cases_tamper, "auth": cases_auth, "protocol": cases_protocol,
               "slow": cases_slow}[case.category]
        before = self.rec.finding_counts["timeout"]
        t = time.monotonic()
        try:
            mod.run(case, self.env)
        except ExchangeError as e:  # a case that did not catch its own exchange error
            self.rec.check(case, None, e, Expect())
        except Exception as e:  # noqa: BLE001 - a harness bug must not hide the rest of the run
            self.rec.note(f"harness error in {case.category}/{case.kind}: {type(e).__name__}: {e}")
            if os.environ.get("COFFER_FUZZ_DEBUG"):
                raise
        self.rec.timed(case, time.monotonic() - t)
        if case.category != "slow":
            self.consecutive_timeouts = self.consecutive_timeouts + 1 \
                if self.rec.finding_counts["timeout"] > before else 0

    def _after_case(self, case: Case) -> None:
        if not self.server.alive():
            rc = self.server.returncode()
            self.rec.finding("crash", case, f"coffer exited with {rc} during or after this case; last cases: "
                             + "; ".join(f"#{c.index} {c.describe()[:200]}" for c in self.recent),
                             stderr_tail=self.server.stderr_tail(3000))
            self.crash_restarts += 1
            if self.crash_restarts > MAX_CRASH_RESTARTS:
                self.aborted = f"server crashed more than {MAX_CRASH_RESTARTS} times"
                return
            self.server.stop()
            self.server.start()
            self.client.retarget(self.server.port)
        if self.consecutive_timeouts >= MAX_CONSECUTIVE_TIMEOUTS:
            self.aborted = f"{MAX_CONSECUTIVE_TIMEOUTS} consecutive cases timed out: the server is unresponsive"

    def _heal(self) -> None:
        try:
            self.victims.heal(self.client)
        except ExchangeError as e:
            self.rec.note(f"heal failed: {e}")

    # ------------------------------------------------------------------ restart check
    def _snapshot(self) -> dict:
        """KeyId -> (metadata, probe outcome) for every key of the main identity in the harness' Region."""
        keys = []
        marker = None
        while True:
            params = {"Limit": 1000}
            if marker:
                params["Marker"] = marker
            j = self.client.ok("ListKeys", params)
            keys += [k["KeyId"] for k in j.get("Keys", [])]
            if not j.get("Truncated"):
                break
            marker = j.get("NextMarker")
        snap = {}
        for kid in keys:
            s, j, _ = self.client.call("DescribeKey", {"KeyId": kid})
            md = (j or {}).get("KeyMetadata") if s == 200 else {"error": (j or {}).get("__type", s)}
            outcome = "-"
            if s == 200 and md.get("KeyState") == "Enabled":
                outcome = probe_key(self.client, kid, md.get("KeySpec", ""), md.get("KeyUsage", ""))
            snap[kid] = (md, outcome)
        return snap

    def restart_check(self) -> None:
        if not self.server.alive():
            return
        self.log("  restart check: snapshot, SIGTERM, start, compare")
        problems = check_corpus(self.client, self.corpus)
        for p in problems:
            self.rec.finding("valid-request-rejected", None, f"before the restart: {p}")
        before = self._snapshot()
        self.client.close()
        rc = self.server.stop()
        if rc != 0:
            self.rec.finding("unclean-shutdown", None, f"coffer exited with {rc} on SIGTERM",
                             stderr_tail=self.server.stderr_tail(3000))
        self.server.start()
        self.client.retarget(self.server.port)
        for p in check_corpus(self.client, self.corpus):
            self.rec.finding("lost-after-restart", None, p)
        after = self._snapshot()
        for kid, (md, outcome) in before.items():
            if kid not in after:
                self.rec.finding("lost-after-restart", None, f"key {kid} is no longer listed")
                continue
            md2, outcome2 = after[kid]
            if md != md2:
                diff = {k: (md.get(k), md2.get(k)) for k in set(md) | set(md2) if md.get(k) != md2.get(k)}
                self.rec.finding("lost-after-restart", None, f"key {kid}: metadata changed {diff}")
            if outcome == "works" and outcome2 != "works":
                self.rec.finding("lost-after-restart", None, f"key {kid} ({md.get('KeySpec')}/{md.get('KeyUsage')}) "
                                 f"worked before the restart, not after: {outcome2}")
        self.restart_summary = {
            "keys_compared": len(before),
            "keys_working": sum(1 for _, o in before.values() if o == "works"),
            "corpus_ciphertexts": len(self.corpus.ciphertexts),
            "corpus_signatures": len(self.corpus.signatures),
            "corpus_macs": len(self.corpus.macs),
            "server_exit_code_on_sigterm": rc,
        }

    # ------------------------------------------------------------------ report
    def report(self, server_cpu) -> int:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        harness_cpu = ru.ru_utime + ru.ru_stime
        extra = {
            "seed": self.seed,
            "requests": self.n,
            "binary": str(self.args.binary),
            "store": self.args.store,
            "replayed_case": self.args.case,
            "plan_digest": self.plan_hash.hexdigest(),
            "aborted": self.aborted,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "harness_cpu_s": round(harness_cpu, 2),
            "server_cpu_s": None if server_cpu is None else round(server_cpu, 2),
            "server_rss_kb_at_each_stop": self.server.rss_kb,
            "http_requests_sent": self.rec.exchanges,
            "stale_keepalive_retries": getattr(getattr(self, "client", None), "stale_retries", 0),
            "crash_restarts": self.crash_restarts,
            "json_member_mutation_pairs_in_model": getattr(self, "json_combos", None),
            "corpus": self.corpus.summary() if hasattr(self, "corpus") else None,
            "restart_check": getattr(self, "restart_summary", None),
            "work_dir": str(self.base),
        }
        data = self.rec.to_json(extra)
        if self.args.trace:
            lines = sorted(self.rec.trace, key=lambda t: t[0])   # stable: a case's exchanges keep their order
            self.args.trace.write_text("".join(line + "\n" for _, line in lines))
        failed = self.rec.total_findings() > 0 or self.aborted is not None
        keep = self.args.keep or failed
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)
            data["work_dir"] = None
        self.args.results.parent.mkdir(parents=True, exist_ok=True)
        self.args.results.write_text(json.dumps(data, indent=2, default=str))
        print(self.summary_text(data))
        return 1 if failed else 0

    def summary_text(self, d: dict) -> str:
        lines = []
        t = d["timings"]
        lines.append(f"coffer fuzz: seed {d['seed']}, {d['requests']} cases, {d['http_requests_sent']} HTTP exchanges "
                     f"checked in {t.get('total_s', 0):.1f} s (cases {t.get('cases_s', 0):.1f} s); "
                     f"CPU: harness {d['harness_cpu_s']} s, server {d['server_cpu_s']} s; server RSS at stops "
                     f"{', '.join(f'{r // 1024} MB' for r in d['server_rss_kb_at_each_stop'] if r)}")
        lines.append(f"  binary {d['binary']}, store {d['store']}, plan digest {d['plan_digest'][:16]}")
        lines.append("  cases: " + ", ".join(f"{k} {v}" for k, v in d["cases"].items()))
        for cat, st in d["statuses"].items():
            lines.append(f"    {cat}: " + ", ".join(f"{k}: {v}" for k, v in sorted(st.items())))
        cov = d["coverage"]
        lines.append(f"  model coverage: {cov['operations']} operations, {cov['members']} members, "
                     f"{cov['member_mutations']} of {d['json_member_mutation_pairs_in_model']} (member|body, mutation) "
                     "pairs")
        if d["corpus"]:
            c = d["corpus"]
            lines.append(f"  corpus: {len(c['keys'])} keys, {c['ciphertexts']} ciphertexts, {c['signatures']} "
                         f"signatures, {c['macs']} MACs, {c['secrets']} secrets watched")
        if d["restart_check"]:
            r = d["restart_check"]
            lines.append(f"  restart: {r['keys_compared']} keys compared ({r['keys_working']} usable), exit code on "
                         f"SIGTERM {r['server_exit_code_on_sigterm']}")
        dev = {k: v["count"] for k, v in d["known_http_deviations"].items() if v["count"]}
        lines.append("  known HTTP deviations (" + ("strict: " + ",".join(d["strict_http"]) if d["strict_http"]
                                                    else "not failing; --strict-http makes them findings") + "): "
                     + (", ".join(f"{k} {v}" for k, v in dev.items()) or "none"))
        if d["expected_drops"]:
            lines.append("  expected drops: " + ", ".join(f"{k} {v}" for k, v in d["expected_drops"].items()))
        lenient = {k: v for k, v in d["notes"].items() if k.startswith("auth/") and ": accepted" in k}
        if lenient:
            lines.append("  observations (either answer allowed; accepted): "
                         + ", ".join(f"{k[5:]} x{v}" for k, v in sorted(lenient.items())))
        harness_errors = {k: v for k, v in d["notes"].items() if k.startswith("harness error")}
        for k, v in harness_errors.items():
            lines.append(f"  HARNESS ERROR x{v}: {k}")
        if d["aborted"]:
            lines.append(f"  ABORTED: {d['aborted']}")
        lines.append(f"  findings: {d['findings_total']}" + (" (" + ", ".join(
            f"{k} {v}" for k, v in d["finding_counts"].items() if v) + ")" if d["findings_total"] else ""))
        for f in d["findings"][:20]:
            lines.append(f"    [{f['category']}] {f.get('description', '')[:160]} -- {f['reason'][:300]}")
            if "replay" in f:
                lines.append(f"      replay: {f['replay']}")
        lines.append(f"  results: {self.args.results}")
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return Run(args).main()
