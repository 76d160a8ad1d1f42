"""CLI cold start: pyslsa vs `sigstore verify identity --offline`, each as a fresh process, same bundle.

    python -m pip install -e '.[dev]'        # brings sigstore==4.5.1
    python benchmarks/bench_cli.py [--runs N]

Two vectors:
- bcr/MODULE.bazel (GitHub attestation, in-toto Statement v1): both tools verify it, so this is the ratio
  reported (pyslsa verify-github-attestation vs sigstore verify identity).
- gha_generic v2.1.0 push-v14 (in-toto Statement v0.1): pyslsa verify-artifact passes; sigstore-python rejects
  Statement v0.1 after its checks, so its time there is indicative only.
Wall time per run is measured around subprocess.run; medians of N runs are reported.
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
SV = ROOT / "tests/data/slsa-verifier"
ISSUER = "https://token.actions.githubusercontent.com"


def _median(cmd: list[str], runs: int, expect_ok: bool = True) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
        if expect_ok and proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-800:]}")
    return statistics.median(times)


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    pyslsa, sigstore = _tool("pyslsa"), _tool("sigstore")
    if not Path(sigstore).exists():
        print("sigstore CLI not installed (pip install sigstore==4.5.1): no ratio", file=sys.stderr)
        return 1

    bcr, module = SV / "bcr/MODULE.bazel.intoto.jsonl", SV / "bcr/MODULE.bazel"
    bcr_id = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1"
    t_py = _median([pyslsa, "verify-github-attestation", "--attestation-path", str(bcr), "--source-uri",
                    "github.com/aspect-build/rules_lint", "--builder-id", bcr_id, str(module)], args.runs)
    t_sig = _median([sigstore, "verify", "identity", "--offline", "--bundle", str(bcr), "--cert-identity", bcr_id,
                     "--cert-oidc-issuer", ISSUER, str(module)], args.runs)
    print(f"[bcr, both verify]  pyslsa {t_py * 1e3:7.1f} ms   sigstore {t_sig * 1e3:7.1f} ms   "
          f"ratio {t_py / t_sig:5.3f}x (goal <= 0.65x)")

    gen = SV / "gha_generic/v2.1.0"
    prov, binary = gen / "binary-linux-amd64-push-v14.intoto.jsonl", gen / "binary-linux-amd64"
    gen_id = ("https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
              "generator_generic_slsa3.yml@refs/tags/v2.1.0")
    t_py2 = _median([pyslsa, "verify-artifact", "--provenance-path", str(prov), "--source-uri",
                     "github.com/slsa-framework/example-package", "--source-tag", "v14", str(binary)], args.runs)
    t_sig2 = _median([sigstore, "verify", "identity", "--offline", "--bundle", str(prov), "--cert-identity", gen_id,
                      "--cert-oidc-issuer", ISSUER, str(binary)], args.runs, expect_ok=False)
    print(f"[push-v14]          pyslsa {t_py2 * 1e3:7.1f} ms   sigstore {t_sig2 * 1e3:7.1f} ms   "
          f"ratio {t_py2 / t_sig2:5.3f}x (sigstore-python rejects Statement v0.1: indicative)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
