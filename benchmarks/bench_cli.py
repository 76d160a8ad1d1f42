"""CLI cold start: `pyslsa verify-artifact` vs `sigstore verify identity --offline` on the same bundle.

    python -m pip install -e '.[dev]'
    python benchmarks/bench_cli.py [--runs N]

Each command runs as a fresh process (what a user or CI step pays). Both verify the same real bundle
(gha_generic v2.1.0 push-v14) offline; sigstore-python gets the certificate identity and issuer it needs.
Wall time per run is measured around subprocess.run; the median of N runs is reported, with the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests/data/slsa-verifier/gha_generic/v2.1.0"
BUNDLE = DATA / "binary-linux-amd64-push-v14.intoto.jsonl"
ARTIFACT = DATA / "binary-linux-amd64"
IDENTITY = ("https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
            "generator_generic_slsa3.yml@refs/tags/v2.1.0")


def _median(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    pyslsa = shutil.which("pyslsa") or str(Path(sys.executable).with_name("pyslsa"))
    sigstore = shutil.which("sigstore") or str(Path(sys.executable).with_name("sigstore"))
    t_py = _median([pyslsa, "verify-artifact", "--provenance-path", str(BUNDLE), "--source-uri",
                    "github.com/slsa-framework/example-package", "--source-tag", "v14", str(ARTIFACT)], args.runs)
    print(f"pyslsa verify-artifact               {t_py * 1e3:8.1f} ms (median of {args.runs})")
    if not Path(sigstore).exists():
        print("sigstore CLI not installed (pip install sigstore==4.5.1): no ratio", file=sys.stderr)
        return 1
    t_sig = _median([sigstore, "verify", "identity", "--offline", "--bundle", str(BUNDLE),
                     "--cert-identity", IDENTITY, "--cert-oidc-issuer",
                     "https://token.actions.githubusercontent.com", str(ARTIFACT)], args.runs)
    print(f"sigstore verify identity --offline   {t_sig * 1e3:8.1f} ms (median of {args.runs})")
    print(f"ratio pyslsa / sigstore-python       {t_py / t_sig:8.3f}x   (goal <= 0.65x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
