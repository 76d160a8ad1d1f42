"""In-process verification speed: pyslsa vs sigstore-python and vs the cryptography floor, in one run.

    python -m pip install -e '.[dev]'        # brings sigstore==4.5.1
    python benchmarks/bench_verify.py [--rounds 31] [--number 20] [--files 50]

Pair A: ``pyslsa.verify_artifact(digest, provenance_bytes, source_uri=..., source_tag=...)`` -- the full SLSA
verification (log proof, chain, SCT, signature, entry binding, builder/source/tag policy, digest) of
slsa-verifier's gha_generic v2.1.0 push-v14 bundle -- vs sigstore-python's
``Verifier.production(offline=True).verify_dsse(Bundle.from_json(...), UnsafeNoOp())`` (signature, chain, SCT
and log checks only, no SLSA policy), the bundle parsed inside the timed call by both.

Pair B: ``pyslsa.verify_bundle`` vs ``Verifier.verify_artifact`` with an identity policy, on the production
message-signature bundle ``bundle_v3_github.whl.sigstore``; both hash the (9 kB) artifact inside the timed call.

Floor: the signature checks no verifier can skip, done directly with ``cryptography`` on the same bytes: the
leaf certificate by the Fulcio intermediate (P-384), the embedded SCT, the SET, the checkpoint and the
envelope / message signature (P-256); for pair B also the SHA-256 of the artifact both must hash.

Bulk: a release of ``--files`` files, one PEP 740 attestation each, all signed in one session (one
certificate; made by tests/authority.py, whose CA is P-384 as Fulcio's), decided by ``decide_release`` as
verify-release does, with the run's ``ChainMemo`` (the certificate checked once) and without; per-file cost vs
one file alone.

Every figure is the median over ``--rounds`` rounds of ``--number`` calls, the contenders interleaved within each
round so that the machine's load falls on all alike; the load average is printed. Ratios: lower is better.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import statistics
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VECTOR = ROOT / "tests/data/slsa-verifier/gha_generic/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl"
DIGEST = "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa"
WHL = ROOT / "tests/data/sigstore-python/bundle_v3_github.whl"
WHL_BUNDLE = ROOT / "tests/data/sigstore-python/bundle_v3_github.whl.sigstore"
WHL_IDENTITY = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"

Timed = Callable[[], object]


def race(contenders: dict[str, Timed], rounds: int, number: int) -> dict[str, float]:
    """Median seconds per call of each contender, interleaved round by round."""
    for fn in contenders.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


# -- the floor: the same signature checks, done directly ---------------------------------------------------------


def floor_checks(bundle_bytes: bytes, *, message: bytes | None = None) -> list[tuple[str, Timed]]:
    """The signature verifications of one bundle, each as a closure over bytes prepared beforehand."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    from pyslsa.core.bundle import Bundle, parse_document
    from pyslsa.core.tlog import parse_checkpoint, set_payload
    from pyslsa.core.trust import TrustedRoot

    root = TrustedRoot.production()
    bundle = parse_document(bundle_bytes)
    assert isinstance(bundle, Bundle) and bundle.certificate is not None
    leaf, entry = bundle.certificate, bundle.tlog_entries[0]
    issuer = next(c for ca in root.certificate_authorities for c in ca.chain if c.subject == leaf.issuer)
    issuer_key: Any = issuer.public_key()
    leaf_key: Any = leaf.public_key()
    log_key: Any = root.tlogs_for(entry.log_id)[0].key
    sct = leaf.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps).value[0]
    ct_key: Any = root.ctlogs_for(sct.log_id)[0].key
    spki = issuer.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    tbs = leaf.tbs_precertificate_bytes
    moment = sct.timestamp.replace(tzinfo=dt.timezone.utc)
    ms = (moment - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(milliseconds=1)
    sct_signed = (b"\x00\x00" + struct.pack(">Q", ms) + b"\x00\x01" + hashlib.sha256(spki).digest()
                  + len(tbs).to_bytes(3, "big") + tbs + struct.pack(">H", len(sct.extension_bytes))
                  + sct.extension_bytes)
    leaf_tbs, leaf_sig = leaf.tbs_certificate_bytes, leaf.signature
    p256, p384 = ec.ECDSA(hashes.SHA256()), ec.ECDSA(hashes.SHA384())
    set_signed, set_sig = set_payload(entry), entry.signed_entry_timestamp
    assert entry.inclusion_proof is not None and entry.inclusion_proof.checkpoint is not None
    checkpoint = parse_checkpoint(entry.inclusion_proof.checkpoint.envelope)
    cp_sig = checkpoint.signatures[0][2]
    checks: list[tuple[str, Timed]] = [
        ("P-384 leaf", lambda: issuer_key.verify(leaf_sig, leaf_tbs, p384)),
        ("P-256 SCT", lambda: ct_key.verify(sct.signature, sct_signed, p256)),
        ("P-256 SET", lambda: log_key.verify(set_sig, set_signed, p256)),
        ("P-256 checkpoint", lambda: log_key.verify(cp_sig, checkpoint.body, p256)),
    ]
    if bundle.envelope is not None:
        env = bundle.envelope
        pae, env_sig = env.pae, env.signatures[0].sig
        checks.append(("P-256 DSSE", lambda: leaf_key.verify(env_sig, pae, p256)))
    else:
        assert bundle.message_signature is not None and message is not None
        msg_sig, prehashed = bundle.message_signature.signature, ec.ECDSA(Prehashed(hashes.SHA256()))
        checks.append(("P-256 message + SHA-256 of the artifact",
                       lambda: leaf_key.verify(msg_sig, hashlib.sha256(message).digest(), prehashed)))
    for _, check in checks:
        check()  # each must pass: a floor of failing checks would measure nothing
    return checks


def floor_of(checks: list[tuple[str, Timed]]) -> Timed:
    fns = [fn for _, fn in checks]

    def run() -> None:
        for fn in fns:
            fn()
    return run


# -- bulk: a release of many files signed in one session ---------------------------------------------------------


def bulk_release(files: int) -> tuple[Timed, Timed, Timed, dict[str, Any]]:
    """(with the run's memo, without, one file alone, the whole release's last memo) over ``files`` PEP 740
    attestations that share one certificate."""
    sys.path.insert(0, str(ROOT))
    from tests.authority import FULCIO, GH_ISSUER, Authority

    from pyslsa.core.profile import SLSA_VERIFIER
    from pyslsa.core.release import ReleaseFile, decide_release
    from pyslsa.core.slsa.policy import SlsaPolicy
    from pyslsa.core.trust import TrustedRoot
    from pyslsa.core.x509 import ChainMemo

    auth = Authority()
    root = TrustedRoot.from_json(json.dumps(auth.trusted_root()).encode())
    workflow = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.0.0"
    key, cert = auth.leaf(san=workflow, issuer=GH_ISSUER,
                          claims={FULCIO + "9": workflow, FULCIO + "12": "https://github.com/o/r",
                                  FULCIO + "13": "a" * 40, FULCIO + "14": "refs/tags/v1.0.0", FULCIO + "18": workflow})
    release: list[ReleaseFile] = []
    pep740: dict[str, list[tuple[str, bytes]]] = {}
    for i in range(files):
        name, data = f"pkg-1.0.{i}-py3-none-any.whl", os.urandom(64)
        stmt = {"_type": "https://in-toto.io/Statement/v1",
                "predicateType": "https://docs.pypi.org/attestations/publish/v1",
                "subject": [{"name": name, "digest": {"sha256": hashlib.sha256(data).hexdigest()}}],
                "predicate": {}}
        b = auth.dsse_bundle(stmt, key=key, cert=cert)
        vm, env = b["verificationMaterial"], b["dsseEnvelope"]
        attestation = {"version": 1,
                       "verification_material": {"certificate": vm["certificate"]["rawBytes"],
                                                 "transparency_entries": vm["tlogEntries"]},
                       "envelope": {"statement": env["payload"], "signature": env["signatures"][0]["sig"]}}
        provenance = {"version": 1, "attestation_bundles": [
            {"publisher": {"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"},
             "attestations": [attestation]}]}
        release.append(ReleaseFile(name, hashlib.sha256(data).hexdigest()))
        pep740[name] = [(f"{name}.provenance", json.dumps(provenance).encode())]
    policy = SlsaPolicy("github.com/o/r", source_tag="v1.0.0")
    last: dict[str, Any] = {}

    def decide(selection: list[ReleaseFile], memo: ChainMemo | None) -> None:
        verdicts = decide_release(selection, pep740, [], policy, root, profile=SLSA_VERIFIER, memo=memo)
        assert len(verdicts) == len(selection) and all(v.verified for v in verdicts)
        if memo is not None and len(selection) == files:
            last["memo"] = memo

    return (lambda: decide(release, ChainMemo(root)), lambda: decide(release, None),
            lambda: decide(release[:1], ChainMemo(root)), last)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=31, help="timing rounds; the median is reported")
    ap.add_argument("--number", type=int, default=20, help="calls per round")
    ap.add_argument("--files", type=int, default=50, help="files in the bulk release")
    args = ap.parse_args()

    import pyslsa

    try:
        from sigstore.models import Bundle
        from sigstore.verify import Verifier
        from sigstore.verify.policy import Identity, UnsafeNoOp
    except ImportError:
        print("sigstore-python not installed (pip install sigstore==4.5.1): no ratio", file=sys.stderr)
        return 1
    logging.getLogger("sigstore").setLevel(logging.ERROR)  # UnsafeNoOp warns on every call

    provenance = VECTOR.read_bytes()
    whl, whl_bundle = WHL.read_bytes(), WHL_BUNDLE.read_bytes()
    verifier = Verifier.production(offline=True)
    identity = Identity(identity=WHL_IDENTITY, issuer=GITHUB_ISSUER)
    text, whl_text = provenance.decode(), whl_bundle.decode()
    checks_a, checks_b = floor_checks(provenance), floor_checks(whl_bundle, message=whl)

    def pyslsa_a() -> object:
        return pyslsa.verify_artifact(DIGEST, provenance, source_uri="github.com/slsa-framework/example-package",
                                      source_tag="v14")

    def pyslsa_b() -> object:
        return pyslsa.verify_bundle("sha256:" + hashlib.sha256(whl).hexdigest(), whl_bundle,
                                    identity=WHL_IDENTITY, issuer=GITHUB_ISSUER)

    print(f"bench_verify: medians of {args.rounds} rounds x {args.number} calls, interleaved; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {sys.version.split()[0]}")
    parts = dict(checks_a + checks_b[-1:])
    t = race({"pa": pyslsa_a, "sa": lambda: verifier.verify_dsse(Bundle.from_json(text), UnsafeNoOp()),
              "fa": floor_of(checks_a),
              "pb": pyslsa_b, "sb": lambda: verifier.verify_artifact(whl, Bundle.from_json(whl_text), identity),
              "fb": floor_of(checks_b), **parts}, args.rounds, args.number)
    print()
    print(f"{'':38}{'pyslsa ms':>9} {'sigstore ms':>11} {'ratio':>7} {'floor ms':>9} {'pyslsa/floor':>12}")
    for label, p, s, f in (("verify_artifact vs verify_dsse", "pa", "sa", "fa"),
                           ("verify_bundle vs verify_artifact", "pb", "sb", "fb")):
        print(f"{label:38}{ms(t[p])} {ms(t[s]):>11} {t[p] / t[s]:6.3f}x {ms(t[f])} {t[p] / t[f]:11.2f}x"
              f"   (goal <= 0.75x; sigstore-python/floor {t[s] / t[f]:.2f}x)")
    print("floor, each check: " + ", ".join(f"{name} {t[name] * 1e3:.3f} ms" for name in parts))

    with_memo, without_memo, single, last = bulk_release(args.files)
    rounds = max(3, args.rounds // 4)
    b = race({"memo": with_memo, "plain": without_memo, "single": single}, rounds, 1)
    per_memo, per_plain = b["memo"] / args.files, b["plain"] / args.files
    print()
    print(f"bulk: a release of {args.files} PEP 740 files signed with one certificate, decide_release as "
          f"verify-release runs it (medians of {rounds} runs)")
    print(f"  one file alone                     {ms(b['single'])} ms")
    print(f"  per file, with the run's ChainMemo {ms(per_memo)} ms   ({per_memo / b['single']:.2f}x one file; "
          f"chain checks: {last['memo'].misses} done, {last['memo'].hits} answered by the memo)")
    print(f"  per file, without a memo           {ms(per_plain)} ms   ({per_plain / b['single']:.2f}x one file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
