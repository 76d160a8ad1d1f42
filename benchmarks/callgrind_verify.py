"""Instructions per call (valgrind's callgrind), for the pairs of bench_verify.py: a figure the machine's load
does not move, to compare two trees (or pyslsa with sigstore-python) on a shared machine.

    apt-get install valgrind
    python benchmarks/callgrind_verify.py [--calls 5] [--src SRC_DIR] [pa sa pb sb]

``pa``: ``pyslsa.verify_artifact`` on slsa-verifier's gha_generic v2.1.0 push-v14 bundle (digest, source and tag
policy); ``sa``: sigstore-python's ``Verifier.verify_dsse(Bundle.from_json(...), UnsafeNoOp())`` on the same bytes;
``pb`` / ``sb``: ``pyslsa.verify_bundle`` / ``Verifier.verify_artifact`` on ``bundle_v3_github.whl.sigstore``, as in
bench_verify.py. Each figure is (instructions of a run with ``--calls`` calls - those of a run with none) / calls,
after two warm-up calls in both runs, so imports and one-time preparation (the trusted root) cancel out.
``--src`` runs another pyslsa tree (e.g. ``git archive BASE src | tar -x -C /tmp/base``, then ``--src
/tmp/base/src``). Instruction counts are not time: cryptography's P-384 runs generic C code under valgrind, and
Python code runs at a lower rate of instructions per cycle than the hand-written crypto; compare like with like.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable

from bench_verify import DIGEST, GITHUB_ISSUER, VECTOR, WHL, WHL_BUNDLE, WHL_IDENTITY  # the same pairs

PAIRS = ("pa", "sa", "pb", "sb")


def contender(which: str) -> Callable[[], object]:
    provenance, whl, whl_bundle = VECTOR.read_bytes(), WHL.read_bytes(), WHL_BUNDLE.read_bytes()
    if which in ("pa", "pb"):
        import pyslsa

        if which == "pa":
            return lambda: pyslsa.verify_artifact(DIGEST, provenance,
                                                  source_uri="github.com/slsa-framework/example-package",
                                                  source_tag="v14")
        return lambda: pyslsa.verify_bundle("sha256:" + hashlib.sha256(whl).hexdigest(), whl_bundle,
                                            identity=WHL_IDENTITY, issuer=GITHUB_ISSUER)
    from sigstore.models import Bundle
    from sigstore.verify import Verifier
    from sigstore.verify.policy import Identity, UnsafeNoOp

    logging.getLogger("sigstore").setLevel(logging.ERROR)
    verifier = Verifier.production(offline=True)
    if which == "sa":
        text = provenance.decode()
        return lambda: verifier.verify_dsse(Bundle.from_json(text), UnsafeNoOp())
    identity, whl_text = Identity(identity=WHL_IDENTITY, issuer=GITHUB_ISSUER), whl_bundle.decode()
    return lambda: verifier.verify_artifact(whl, Bundle.from_json(whl_text), identity)


def instructions(which: str, calls: int, src: str | None) -> int:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
                              sys.executable, __file__, "--child", which, str(calls)],
                             env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise SystemExit(f"callgrind gave no count: {out.stderr[-500:]}")
    return int(found.group(1))


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        fn = contender(sys.argv[2])
        for _ in range(2 + int(sys.argv[3])):
            fn()
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=5, help="calls measured (after two warm-up calls)")
    ap.add_argument("--src", help="the pyslsa source tree to run (default: the installed one)")
    ap.add_argument("pairs", nargs="*", default=list(PAIRS), choices=PAIRS)
    args = ap.parse_args()
    for which in args.pairs:
        per_call = (instructions(which, args.calls, args.src) - instructions(which, 0, args.src)) // args.calls
        print(f"{which}: {per_call:,} instructions per call", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
