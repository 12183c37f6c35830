"""`coffer --version` (issue 12): prints `coffer <version>`."""

from __future__ import annotations

import re

from opshelpers import run_coffer


def test_version(coffer_bin):
    proc = run_coffer(coffer_bin, "--version")
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert re.fullmatch(r"coffer \S+\n?", proc.stdout), repr(proc.stdout)
    version = proc.stdout.split()[1]
    assert re.search(r"\d", version), version
