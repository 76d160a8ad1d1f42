"""In-process verification speed: pyslsa vs sigstore-python, on the same real bundle, in one run.

    python -m pip install -e '.[dev]'        # brings sigstore==4.5.1
    python benchmarks/bench_verify.py [--rounds N]

pyslsa: ``pyslsa.verify_artifact(digest, provenance_bytes, source_uri=..., source_tag=...)``: the full
SLSA verification (log proof, chain, SCT, signature, entry binding, builder/source/tag policy, digest).
sigstore-python: ``Verifier.production(offline=True).verify_dsse(bundle, UnsafeNoOp())``: signature, chain,
SCT and log checks only (no SLSA policy), with the bundle parsed inside the timed loop as pyslsa's is.
Second pair: ``pyslsa.verify_bundle`` vs ``Verifier.verify_artifact`` with an Identity policy on the
production bundle_v3_github.whl message-signature bundle; both hash the 0.5 MB artifact inside the timed call
(sigstore-python is given its bytes, pyslsa hashes them and is given the digest, as the CLI does for a file).
The result is reported as a ratio (pyslsa time / sigstore-python time); lower is better.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTOR = ROOT / "tests/data/slsa-verifier/gha_generic/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl"
DIGEST = "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa"


def _best(fn: object, number: int, repeat: int) -> float:
    times = timeit.repeat(fn, number=number, repeat=repeat)  # type: ignore[arg-type]
    return min(times) / number


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--number", type=int, default=50, help="calls per timing round")
    ap.add_argument("--repeat", type=int, default=7, help="timing rounds (the best is kept)")
    args = ap.parse_args()

    import pyslsa

    provenance = VECTOR.read_bytes()

    def run_pyslsa() -> None:
        pyslsa.verify_artifact(DIGEST, provenance, source_uri="github.com/slsa-framework/example-package",
                               source_tag="v14")

    run_pyslsa()  # warm-up: trusted root parsed once and cached, as in any long-lived process
    t_pyslsa = _best(run_pyslsa, args.number, args.repeat)
    print(f"pyslsa.verify_artifact              {t_pyslsa * 1e3:8.3f} ms/verify")

    try:
        from sigstore.models import Bundle
        from sigstore.verify import Verifier
        from sigstore.verify.policy import UnsafeNoOp
    except ImportError:
        print("sigstore-python not installed (pip install sigstore==4.5.1): no ratio", file=sys.stderr)
        return 1
    verifier = Verifier.production(offline=True)
    text = provenance.decode()

    def run_sigstore() -> None:
        verifier.verify_dsse(Bundle.from_json(text), UnsafeNoOp())

    run_sigstore()
    t_sig = _best(run_sigstore, args.number, args.repeat)
    print(f"sigstore Verifier.verify_dsse       {t_sig * 1e3:8.3f} ms/verify")
    print(f"ratio pyslsa / sigstore-python      {t_pyslsa / t_sig:8.3f}x   (goal <= 0.6x)")

    # verify-bundle: a production message-signature bundle, identity policy, digest given.
    from sigstore.verify.policy import Identity

    whl_bundle = (ROOT / "tests/data/sigstore-python/bundle_v3_github.whl.sigstore").read_text()
    whl = (ROOT / "tests/data/sigstore-python/bundle_v3_github.whl").read_bytes()
    ident = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
    issuer = "https://token.actions.githubusercontent.com"
    import hashlib

    raw = whl_bundle.encode()

    def run_pyslsa_bundle() -> None:
        digest = "sha256:" + hashlib.sha256(whl).hexdigest()
        pyslsa.verify_bundle(digest, raw, identity=ident, issuer=issuer)

    policy = Identity(identity=ident, issuer=issuer)

    def run_sigstore_bundle() -> None:
        verifier.verify_artifact(whl, Bundle.from_json(whl_bundle), policy)

    run_pyslsa_bundle()
    run_sigstore_bundle()
    t_b = _best(run_pyslsa_bundle, args.number, args.repeat)
    t_sb = _best(run_sigstore_bundle, args.number, args.repeat)
    print(f"pyslsa.verify_bundle                {t_b * 1e3:8.3f} ms/verify")
    print(f"sigstore Verifier.verify_artifact   {t_sb * 1e3:8.3f} ms/verify")
    print(f"ratio pyslsa / sigstore-python      {t_b / t_sb:8.3f}x   (goal <= 0.6x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
