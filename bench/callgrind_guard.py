"""Counts instructions per in-process Encrypt with callgrind and compares them with bench/baseline.

Two runs, N1 and N2 requests; (I(N2) - I(N1)) / (N2 - N1) cancels start-up (process, runtime, key creation) and
leaves the cost of one request. Debian's valgrind 3.19 cannot read the DWARF 5 debug info Swift emits (it gives up
with "unhandled dwarf2 abbrev form"), so the binary is first copied without it (`strip -g`): instruction counts are
unaffected.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

BASELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baseline")
KEY = "encrypt64_instructions_per_request"
TOLERANCE = 0.15
HEADER = """\
# Instructions per signed Encrypt (64 B) through the in-process protocol handler, counted by callgrind
# (bench/callgrind-guard; CI fails above this value + 15 %). Change it on purpose, in its own commit:
#   bench/callgrind-guard --update
"""


def count(binary, requests):
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary, str(requests)],
        capture_output=True, text=True, timeout=900,
    )
    if out.returncode != 0:
        sys.exit(f"[callgrind-guard] {binary} {requests} failed ({out.returncode}):\n{out.stdout}\n{out.stderr[-4000:]}")
    if f"{requests} of {requests} Encrypt requests answered 200" not in out.stdout:
        sys.exit(f"[callgrind-guard] unexpected output: {out.stdout!r}")
    match = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if not match:
        sys.exit(f"[callgrind-guard] no instruction count in valgrind's output:\n{out.stderr[-4000:]}")
    return int(match.group(1).replace(",", ""))


def read_baseline():
    with open(BASELINE) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0] == KEY:
                return int(parts[1])
    sys.exit(f"[callgrind-guard] {BASELINE} has no {KEY} line")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--update", action="store_true", help="write the measured count into bench/baseline")
    parser.add_argument("--n1", type=int, default=200)
    parser.add_argument("--n2", type=int, default=1200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "coffer-handler-bench")
        subprocess.run(["strip", "-g", "-o", binary, args.binary], check=True)
        i1, i2 = count(binary, args.n1), count(binary, args.n2)
    per_request = round((i2 - i1) / (args.n2 - args.n1))
    print(f"[callgrind-guard] {args.n1} requests: {i1:,} instructions; {args.n2}: {i2:,}; per request: {per_request:,}")

    if args.update:
        with open(BASELINE, "w") as f:
            f.write(HEADER + f"{KEY} {per_request}\n")
        print(f"[callgrind-guard] wrote {per_request} to {BASELINE}; commit it on its own")
        return 0
    baseline = read_baseline()
    ratio = per_request / baseline
    limit = round(baseline * (1 + TOLERANCE))
    print(f"[callgrind-guard] baseline {baseline:,}; ratio {ratio:.3f}; limit {limit:,} (+{TOLERANCE:.0%})")
    if per_request > limit:
        print("[callgrind-guard] FAIL: the request path costs more instructions than the baseline allows. If that is "
              "intended, run bench/callgrind-guard --update and commit bench/baseline on its own.")
        return 1
    if ratio < 1 - TOLERANCE:
        print("[callgrind-guard] note: well below the baseline; consider lowering it (bench/callgrind-guard --update).")
    print("[callgrind-guard] ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
