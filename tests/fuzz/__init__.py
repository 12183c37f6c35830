"""Black-box fuzz harness for Coffer: run with `scripts/fuzz --requests N` (README.md)."""
