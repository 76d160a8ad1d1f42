"""Streaming artifact digest: pyslsa's sha256_file vs hashlib.file_digest on a large file, plus peak RSS.

    python benchmarks/bench_hash.py [--size-mb 1024]

Writes a temporary file of pseudo-random blocks (removed afterwards), hashes it with each implementation in a
fresh subprocess (so peak RSS is per implementation), and reports throughput (MB/s), the ratio
pyslsa / hashlib (goal >= 0.85) and pyslsa's peak RSS (goal < 64 MB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import hashlib, resource, sys, time
path, impl = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if impl == "pyslsa":
    from pyslsa.sources.files import sha256_file
    digest = sha256_file(path)
else:
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
elapsed = time.perf_counter() - t0
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{elapsed} {rss_kb} {digest}")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if sys.version_info < (3, 11):
        print("hashlib.file_digest needs Python 3.11+", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "artifact.bin"
        block = os.urandom(1 << 20)
        with path.open("wb") as fh:
            for _ in range(args.size_mb):
                fh.write(block)
        results: dict[str, tuple[float, int, str]] = {}
        for impl in ("hashlib", "pyslsa", "hashlib", "pyslsa") * args.rounds:
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), impl], capture_output=True, text=True,
                                 check=True).stdout.split()
            elapsed, rss, digest = float(out[0]), int(out[1]), out[2]
            best = results.get(impl)
            if best is None or elapsed < best[0]:
                results[impl] = (elapsed, rss, digest)
        assert results["pyslsa"][2] == results["hashlib"][2], "digests differ"
    mb = args.size_mb
    tp_py = mb / results["pyslsa"][0]
    tp_hl = mb / results["hashlib"][0]
    print(f"hashlib.file_digest   {tp_hl:8.1f} MB/s  peak RSS {results['hashlib'][1] / 1024:6.1f} MB")
    print(f"pyslsa sha256_file    {tp_py:8.1f} MB/s  peak RSS {results['pyslsa'][1] / 1024:6.1f} MB")
    print(f"throughput ratio pyslsa / hashlib  {tp_py / tp_hl:6.3f}   (goal >= 0.85; RSS goal < 64 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
