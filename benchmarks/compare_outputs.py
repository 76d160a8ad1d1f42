"""Run the README's commands (and the error and usage cases around them) with two pyslsa source trees, and diff.

    python benchmarks/compare_outputs.py --base /work/main/src [--head src] [--only SUBSTRING] [--show]

Every case runs ``python -m pyslsa ...`` (or a library snippet) once with ``PYTHONPATH=BASE`` and once with
``PYTHONPATH=HEAD``; stdout, stderr and the exit status must be byte-identical. What needs a network runs against
loopback servers started here once and shared by both runs: the package index and GitHub-like host of
``tests/release_servers.py`` serving the real vectors (as the README's verify-release examples were made), and a
Rekor-like log (``tests/rekor_server.py``) holding a legacy envelope made by ``tests/authority.py``. Paths that
differ between the two runs (``--keep`` directories, ``--output`` files) are the same path, emptied in between.

Exit status 0 when every case matches; 1 otherwise (each difference is printed as a unified diff).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.authority import Authority, legacy_envelope  # noqa: E402
from tests.core.test_local_authority import DIGEST, GEN, _gh_claims, _provenance  # noqa: E402
from tests.rekor_server import RekorState, rekor_server  # noqa: E402
from tests.release_servers import Host, add_project, add_release, serve  # noqa: E402

DATA = ROOT / "tests/data"
SV = DATA / "slsa-verifier"
GENERIC = SV / "gha_generic/v2.1.0"
LEGACY = SV / "gha_generic/v1.7.0"
DELEGATOR = SV / "gha_delegator/v2.1.0"
CONTAINER = SV / "gha_container-based/v2.1.0"
BCR = SV / "bcr"
SP = DATA / "sigstore-python"
CONF = DATA / "sigstore-conformance"
PA = DATA / "pypi-attestations"
EX = "examples"
REPO = "github.com/slsa-framework/example-package"
BCR_ID = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"
TRW = "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml"
ISSUER = "https://token.actions.githubusercontent.com"
RFC_ID = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]  # after `python`
    scratch: tuple[str, ...] = ()  # paths removed before each run


def cli(name: str, *args: str, scratch: tuple[str, ...] = ()) -> Case:
    return Case(name, ("-m", "pyslsa", *args), scratch)


def snippet(name: str, code: str) -> Case:
    return Case(name, ("-c", code))


def both_formats(name: str, *args: str) -> Iterator[Case]:
    yield cli(f"{name} [text]", *args)
    yield cli(f"{name} [json]", *args, "--format", "json")


def offline_cases() -> Iterator[Case]:
    va = ("verify-artifact", "--provenance-path")
    head = (*va, f"{EX}/binary-linux-amd64-push-v14.intoto.jsonl", "--source-uri", REPO)
    yield from both_formats("readme: verify-artifact v14", *head, "--source-tag", "v14", f"{EX}/binary-linux-amd64")
    yield from both_formats("readme: verify-artifact v13", *head, "--source-tag", "v13", f"{EX}/binary-linux-amd64")
    yield from both_formats("print-provenance", *head, "--print-provenance", f"{EX}/binary-linux-amd64")
    yield from both_formats("print-provenance, failing", *head, "--source-branch", "nope", "--print-provenance",
                            f"{EX}/binary-linux-amd64")
    yield from both_formats("two artifacts, one a digest", *head, f"{EX}/binary-linux-amd64", "sha256:" + "0" * 64)
    yield from both_formats("digest of the binary", *head, "--source-tag", "v14",
                            "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa")
    g = str(GENERIC)
    yield from both_formats("versioned tag v14.2", *va, f"{g}/binary-linux-amd64-push-v14.2.intoto.jsonl",
                            "--source-uri", REPO, "--source-versioned-tag", "v14.2", f"{g}/binary-linux-amd64")
    yield from both_formats("versioned tag mismatch", *va, f"{g}/binary-linux-amd64-push-v13.0.30.intoto.jsonl",
                            "--source-uri", REPO, "--source-versioned-tag", "v14", f"{g}/binary-linux-amd64")
    yield from both_formats("other source", *va, f"{g}/binary-linux-amd64-push-v14.intoto.jsonl", "--source-uri",
                            "github.com/other/repo", f"{g}/binary-linux-amd64")
    yield from both_formats("https source uri", *va, f"{g}/binary-linux-amd64-push-v14.intoto.jsonl",
                            "--source-uri", "https://github.com/slsa-framework/example-package",
                            f"{g}/binary-linux-amd64")
    yield from both_formats("git+https source uri", *va, f"{g}/binary-linux-amd64-push-v14.intoto.jsonl",
                            "--source-uri", "git+https://github.com/slsa-framework/example-package",
                            f"{g}/binary-linux-amd64")
    yield from both_formats("workflow_dispatch, branch and input", *va,
                            f"{g}/binary-linux-amd64-workflow_dispatch.intoto.jsonl", "--source-uri", REPO,
                            "--source-branch", "main", "--build-workflow-input", "test=x", f"{g}/binary-linux-amd64")
    yield from both_formats("builder id given", *va, f"{g}/binary-linux-amd64-push-v14.intoto.jsonl",
                            "--source-uri", REPO, "--builder-id", "https://github.com/x/y/.github/workflows/z.yml",
                            f"{g}/binary-linux-amd64")
    d = str(DELEGATOR)
    yield from both_formats("delegator without builder id", *va, f"{d}/binary-linux-amd64-push-v14.build.slsa",
                            "--source-uri", REPO, f"{d}/binary-linux-amd64")
    yield from both_formats("delegator with builder id", *va, f"{d}/binary-linux-amd64-push-v14.build.slsa",
                            "--source-uri", REPO, "--builder-id", f"{TRW}@refs/tags/v1.0.0",
                            f"{d}/binary-linux-amd64")
    c = str(CONTAINER)
    yield from both_formats("container-based, --debug notes", *va,
                            f"{c}/binary-linux-amd64-push-v14.intoto.build.slsa", "--source-uri", REPO,
                            "--source-tag", "v14", "--debug", f"{c}/binary-linux-amd64-push-v14")
    legacy = (*va, f"{LEGACY}/binary-linux-amd64-push-v14.intoto.jsonl", "--source-uri", REPO,
              f"{LEGACY}/binary-linux-amd64")
    yield from both_formats("legacy offline", *legacy, "--offline")
    yield from both_formats("legacy, rekor unreachable", *legacy, "--rekor-url", "http://127.0.0.1:9")
    yield from both_formats("multi-document provenance, offline", *va,
                            f"{SV}/legacy-misc/binary-linux-amd64-multi-subject-first.intoto.jsonl",
                            "--source-uri", REPO, "--offline",
                            f"{SV}/legacy-misc/binary-linux-amd64-multi-subject-first")
    # github attestations
    ga = ("verify-github-attestation", "--attestation-path")
    yield from both_formats("readme: verify-github-attestation", *ga, f"{BCR}/MODULE.bazel.intoto.jsonl",
                            "--source-uri", "github.com/aspect-build/rules_lint", "--builder-id", BCR_ID,
                            f"{BCR}/MODULE.bazel")
    yield from both_formats("github attestation, wrong signer", *ga, f"{BCR}/MODULE-wrong-signer.bazel.intoto.jsonl",
                            "--source-uri", "github.com/aspect-build/rules_lint", "--builder-id", BCR_ID,
                            f"{BCR}/MODULE-wrong-signer.bazel")
    yield from both_formats("github attestation, no builder id", *ga, f"{BCR}/MODULE.bazel.intoto.jsonl",
                            "--source-uri", "github.com/aspect-build/rules_lint", f"{BCR}/MODULE.bazel")
    yield from both_formats("github attestation, print provenance", *ga, f"{BCR}/MODULE.bazel.intoto.jsonl",
                            "--source-uri", "github.com/aspect-build/rules_lint", "--builder-id", BCR_ID,
                            "--print-provenance", f"{BCR}/MODULE.bazel")
    # bundles
    vb = ("verify-bundle", "--bundle")
    whl = f"{SP}/bundle_v3_github.whl"
    yield from both_formats("readme: verify-bundle", *vb, f"{whl}.sigstore", "--certificate-identity", RFC_ID,
                            "--certificate-oidc-issuer", ISSUER, whl)
    yield from both_formats("verify alias, wrong identity", "verify", "--bundle", f"{whl}.sigstore",
                            "--certificate-identity", RFC_ID + "x", "--certificate-oidc-issuer", ISSUER, whl)
    yield from both_formats("verify-bundle, other artifact", *vb, f"{whl}.sigstore", "--certificate-identity", RFC_ID,
                            "--certificate-oidc-issuer", ISSUER, f"{EX}/binary-linux-amd64")
    for case in ("managed-key-happy-path", "managed-key-wrong-key_fail"):
        yield from both_formats(f"verify-bundle --key {case}", *vb, f"{CONF}/{case}/bundle.sigstore.json", "--key",
                                f"{CONF}/{case}/key.pub", f"{CONF}/a.txt")
    yield from both_formats("bundle with root cert", *vb, f"{CONF}/bundle-with-root-cert_fail/bundle.sigstore.json",
                            "--certificate-identity", "x", "--certificate-oidc-issuer", "y",
                            f"{CONF}/bundle-with-root-cert_fail/artifact")
    staging = str(DATA / "trust-roots/staging-trusted_root.json")
    yield from both_formats("staging bundle v3", *vb, f"{SP}/bundle_v3.txt.sigstore", "--certificate-identity",
                            "x@example.com", "--certificate-oidc-issuer", "https://x", "--trusted-root", staging,
                            f"{SP}/bundle_v3.txt")
    yield from both_formats("rekor v2 bundle", *vb, f"{SP}/staging-rekor-v2.txt.sigstore.json",
                            "--certificate-identity", "x", "--certificate-oidc-issuer", "y", "--trusted-root",
                            str(SP / "trust_config.v1.json"), f"{SP}/staging-rekor-v2.txt")
    yield from both_formats("tsa late timestamp", *vb, f"{SP}/tsa/bundle.txt.late_timestamp.sigstore",
                            "--certificate-identity", "x", "--certificate-oidc-issuer", "y", "--trusted-root",
                            f"{SP}/tsa/trust_config.json", f"{SP}/tsa/bundle.txt")
    yield from both_formats("cve 2022-36056", *vb, f"{SP}/bundle_cve_2022_36056.txt.sigstore",
                            "--certificate-identity", "x", "--certificate-oidc-issuer", "y",
                            f"{SP}/bundle_cve_2022_36056.txt")
    yield from both_formats("bundle is legacy", *vb, f"{LEGACY}/binary-linux-amd64-push-v14.intoto.jsonl",
                            "--certificate-identity", "x", "--certificate-oidc-issuer", "y",
                            f"{LEGACY}/binary-linux-amd64")
    yield from both_formats("key and identity", *vb, f"{whl}.sigstore", "--key", f"{CONF}/a.txt",
                            "--certificate-identity", "x", whl)
    yield from both_formats("neither key nor identity", *vb, f"{whl}.sigstore", whl)
    yield from both_formats("key is not a key", *vb, f"{whl}.sigstore", "--key", f"{CONF}/a.txt", whl)
    # input errors
    yield from both_formats("missing provenance", *va, "/nonexistent.jsonl", "--source-uri", REPO, EX)
    yield from both_formats("provenance is a directory", *va, EX, "--source-uri", REPO, f"{EX}/binary-linux-amd64")
    yield from both_formats("artifact is missing", *head, "/nonexistent")
    yield from both_formats("bad digest", *head, "sha256:abc")
    yield from both_formats("provenance not json", *va, f"{EX}/binary-linux-amd64", "--source-uri", REPO,
                            f"{EX}/binary-linux-amd64")
    yield from both_formats("bad trusted root", *head, "--trusted-root",
                            f"{SP}/trusted_root/trustedroot.badtype.json", f"{EX}/binary-linux-amd64")
    yield from both_formats("trusted root not json", *head, "--trusted-root", f"{EX}/binary-linux-amd64",
                            f"{EX}/binary-linux-amd64")
    yield from both_formats("bad workflow input", *head, "--build-workflow-input", "novalue",
                            f"{EX}/binary-linux-amd64")
    yield from both_formats("upgrade: already a bundle", "upgrade-provenance",
                            f"{GENERIC}/binary-linux-amd64-push-v14.intoto.jsonl", "--output", "/tmp")
    # usage
    yield cli("no command")
    yield cli("--version", "--version")
    yield cli("--help", "--help")
    yield cli("unknown command", "frobnicate")
    yield cli("unknown flag", "verify-artifact", "--nope")
    yield cli("missing required", "verify-artifact", f"{EX}/binary-linux-amd64")
    yield cli("tag and versioned tag", *head, "--source-tag", "v1", "--source-versioned-tag", "v1", "x")
    yield cli("bad format", *head, "--format", "xml", "x")
    yield cli("reproduce, nothing", "reproduce")
    yield cli("reproduce, bad env", "reproduce", "x==1", "--env", "nokey", "--index-url", "http://127.0.0.1:9/simple/")
    yield cli("verify-release bad requirement", "verify-release", "nover", "--source-uri", REPO)
    yield cli("verify-release bad timeout", "verify-release", "x==1", "--source-uri", REPO, "--timeout", "0")
    yield cli("verify-release bad only", "verify-release", "x==1", "--source-uri", REPO, "--only", "egg")
    for command in ("verify-artifact", "verify-github-attestation", "verify-bundle", "verify", "verify-release",
                    "reproduce", "upgrade-provenance"):
        yield cli(f"{command} --help", command, "--help")
    # library
    yield snippet("library: verify_artifact", (
        "import pyslsa\n"
        f"r = pyslsa.verify_artifact('{EX}/binary-linux-amd64', '{EX}/binary-linux-amd64-push-v14.intoto.jsonl',"
        f" source_uri='{REPO}', source_tag='v14')\n"
        "print(r.builder_id, r.source_uri, r.ref, r.commit, r.integrated_time)\n"
        "a = r.artifacts[0]\n"
        "print(a.artifact, a.sha256, a.builder_id, a.source_uri, a.ref, a.commit, len(a.statement), a.integrated_time,"
        " a.log_index, a.notes)\n"
        "try:\n"
        f"    pyslsa.verify_artifact(['{EX}/binary-linux-amd64'], open('{EX}/binary-linux-amd64-push-v14.intoto.jsonl',"
        f" 'rb').read(), source_uri='{REPO}', source_tag='v13')\n"
        "except pyslsa.VerificationError as e:\n"
        "    print(type(e).__name__, e.code, e)\n"
        "try:\n"
        f"    pyslsa.verify_artifact([], b'x', source_uri='{REPO}')\n"
        "except pyslsa.UsageError as e:\n"
        "    print(type(e).__name__, e.code, e)\n"
    ))
    yield snippet("library: verify_bundle and github attestation", (
        "import pyslsa\n"
        f"r = pyslsa.verify_bundle('{whl}', '{whl}.sigstore', identity='{RFC_ID}', issuer='{ISSUER}')\n"
        "a = r.artifacts[0]\n"
        "print(a.artifact, a.sha256, a.builder_id, a.source_uri, a.ref, a.commit, a.integrated_time, a.log_index,"
        " a.notes, sorted(a.statement))\n"
        f"r = pyslsa.verify_bundle('{CONF}/a.txt', '{CONF}/managed-key-happy-path/bundle.sigstore.json',"
        f" key=open('{CONF}/managed-key-happy-path/key.pub', 'rb').read())\n"
        "a = r.artifacts[0]\n"
        "print(a.artifact, a.sha256, repr(a.builder_id), a.source_uri, a.ref, a.commit, a.statement,"
        " a.integrated_time, a.log_index, a.notes)\n"
        f"r = pyslsa.verify_github_attestation('{BCR}/MODULE.bazel', '{BCR}/MODULE.bazel.intoto.jsonl',"
        f" source_uri='github.com/aspect-build/rules_lint', builder_id='{BCR_ID}')\n"
        "print(r.builder_id, r.ref, r.commit, r.integrated_time, r.artifacts[0].log_index)\n"
        "try:\n"
        f"    pyslsa.verify_github_attestation('{BCR}/MODULE.bazel', '{BCR}/MODULE.bazel.intoto.jsonl',"
        " source_uri='x')\n"
        "except pyslsa.VerificationError as e:\n"
        "    print(type(e).__name__, e.code, e)\n"
        f"r = pyslsa.verify_artifact('{CONTAINER}/binary-linux-amd64-push-v14',"
        f" '{CONTAINER}/binary-linux-amd64-push-v14.intoto.build.slsa', source_uri='{REPO}')\n"
        "print(r.artifacts[0].notes)\n"
    ))
    yield snippet("library: errors", (
        "import pyslsa.errors as e\n"
        "print(sorted(set(e.__all__) - {'TrustedRootError'}))\n"
        "print(e.error_for_code('mismatch-tag', 'm').__class__.__name__, e.error_for_code('zzz', 'm').code)\n"
    ))


def network_cases(index: Host, gh: Host, rekor: str, tmp: Path) -> Iterator[Case]:
    urls = ("--index-url", f"{index.base}/simple/", "--github-url", gh.base, "--github-api-url", f"{gh.base}/api")
    vr = "verify-release"
    yield from both_formats("readme: verify-release example-package", vr, "example-package==14", "--source-uri", REPO,
                            *urls)
    yield from both_formats("readme: verify-release pypi-attestations", vr, "pypi-attestations==0.0.19",
                            "--source-uri", "github.com/trailofbits/pypi-attestations", *urls)
    yield from both_formats("verify-release --only sdist", vr, "pypi-attestations==0.0.19", "--source-uri",
                            "github.com/trailofbits/pypi-attestations", "--only", "sdist", *urls)
    yield from both_formats("verify-release --only wheel", vr, "example-package==14", "--source-uri", REPO,
                            "--only", "sdist", *urls)
    yield from both_formats("verify-release wrong tag", vr, "example-package==14", "--source-uri", REPO,
                            "--release-tag", "v13", *urls)
    yield from both_formats("verify-release wrong source", vr, "pypi-attestations==0.0.19", "--source-uri",
                            "github.com/x/y", *urls)
    yield from both_formats("verify-release local provenance", vr, "example-package==14", "--source-uri", REPO,
                            "--provenance", f"{GENERIC}/binary-linux-amd64-push-v13.0.30.intoto.jsonl", *urls)
    yield from both_formats("verify-release no pep740 no github", vr, "pypi-attestations==0.0.19", "--source-uri",
                            "github.com/trailofbits/pypi-attestations", "--no-pep740", "--no-github", *urls)
    yield from both_formats("verify-release unknown", vr, "nothing-here==1.0", "--source-uri", REPO, *urls)
    yield from both_formats("verify-release non-github source", vr, "example-package==14", "--source-uri",
                            "gitlab.com/x/y", *urls)
    yield from both_formats("verify-release legacy offline tlog", vr, "legacy-package==14", "--source-uri", REPO,
                            "--release-tag", "v14-legacy", "--offline-tlog", *urls)
    keep = str(tmp / "keep")
    for fmt in ("text", "json"):
        yield cli(f"verify-release --keep [{fmt}]", vr, "example-package==14", "--source-uri", REPO, "--keep", keep,
                  *urls, "--format", fmt, scratch=(keep,))
        yield cli(f"verify-release --keep pep740 [{fmt}]", vr, "pypi-attestations==0.0.19", "--source-uri",
                  "github.com/trailofbits/pypi-attestations", "--keep", keep, *urls, "--format", fmt,
                  scratch=(keep,))
    yield cli("reproduce unknown release [json]", "reproduce", "nothing-here==1.0", "--index-url",
              f"{index.base}/simple/", "--format", "json")
    yield cli("reproduce unknown release [text]", "reproduce", "nothing-here==1.0", "--index-url",
              f"{index.base}/simple/")
    # upgrade-provenance and legacy lookups against the loopback Rekor
    prov, root, out = str(tmp / "legacy.intoto.jsonl"), str(tmp / "root.json"), str(tmp / "out.sigstore.json")
    for fmt in ("text", "json"):
        yield cli(f"upgrade-provenance [{fmt}]", "upgrade-provenance", prov, "--output", out, "--rekor-url", rekor,
                  "--trusted-root", root, "--format", fmt, scratch=(out,))
        yield cli(f"upgrade-provenance, output is a directory [{fmt}]", "upgrade-provenance", prov, "--output",
                  str(tmp), "--rekor-url", rekor, "--trusted-root", root, "--format", fmt)
        yield cli(f"upgrade-provenance, no directory [{fmt}]", "upgrade-provenance", prov, "--output",
                  str(tmp / "nodir/x.json"), "--rekor-url", rekor, "--trusted-root", root, "--format", fmt)
        yield cli(f"upgrade-provenance, unreachable [{fmt}]", "upgrade-provenance", prov, "--output", out,
                  "--rekor-url", "http://127.0.0.1:9", "--trusted-root", root, "--format", fmt, scratch=(out,))
        yield cli(f"legacy via rekor [{fmt}]", "verify-artifact", "--provenance-path", prov, "--source-uri",
                  "github.com/o/r", "--source-tag", "v1", "--rekor-url", rekor, "--trusted-root", root,
                  "--format", fmt, DIGEST)
        yield cli(f"legacy via rekor, other tag [{fmt}]", "verify-artifact", "--provenance-path", prov,
                  "--source-uri", "github.com/o/r", "--source-tag", "v2", "--rekor-url", rekor, "--trusted-root",
                  root, "--format", fmt, DIGEST)
    yield snippet("library: verify_release", (
        "import pyslsa\n"
        f"r = pyslsa.verify_release('example-package==14', source_uri='{REPO}', index_url='{index.base}/simple/',"
        f" github_url='{gh.base}', github_api_url='{gh.base}/api')\n"
        "print(type(r).__name__, r.verified, r.requirement, r.sources, r.notes)\n"
        "print([(f.filename, f.sha256, f.verified, [(e.kind, e.source, e.signer, e.detail) for e in f.evidence])"
        " for f in r.files])\n"
        "try:\n"
        f"    pyslsa.verify_release('pypi-attestations==0.0.19', source_uri='github.com/trailofbits/pypi-attestations',"
        f" index_url='{index.base}/simple/', github_url='{gh.base}', github_api_url='{gh.base}/api')\n"
        "except pyslsa.VerificationError as e:\n"
        "    print(type(e).__name__, e.code, e)\n"
        f"r = pyslsa.verify_artifact('{DIGEST}', '{prov}', source_uri='github.com/o/r', source_tag='v1',"
        f" trusted_root='{root}', rekor_url='{rekor}')\n"
        "print(r.builder_id, r.ref, r.commit, r.integrated_time, r.artifacts[0].log_index)\n"
    ))


def prepare(index: Host, gh: Host, rekor: RekorState, tmp: Path) -> None:
    binary = (GENERIC / "binary-linux-amd64").read_bytes()
    add_project(index, "example-package", {"example_package-14-py3-none-any.whl": binary})
    add_release(gh, "slsa-framework/example-package", "v14",
                {"multiple.intoto.jsonl": (GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl").read_bytes()})
    sdist = "pypi_attestations-0.0.19.tar.gz"
    add_project(index, "pypi-attestations", {"pypi_attestations-0.0.19-py3-none-any.whl": b"not attested",
                                             sdist: (PA / sdist).read_bytes()},
                provenance={sdist: (PA / f"{sdist}.provenance").read_bytes()})
    legacy_binary = (LEGACY / "binary-linux-amd64").read_bytes()
    add_project(index, "legacy-package", {"legacy_package-14-py3-none-any.whl": legacy_binary})
    add_release(gh, "slsa-framework/example-package", "v14-legacy",
                {"multiple.intoto.jsonl": (LEGACY / "binary-linux-amd64-push-v14.intoto.jsonl").read_bytes()})
    auth = Authority()
    line, answer = legacy_envelope(auth, _provenance(), san=GEN + "@refs/tags/v2.1.0", claims=_gh_claims())
    rekor.add(line, answer)
    (tmp / "legacy.intoto.jsonl").write_bytes(line)
    (tmp / "root.json").write_text(json.dumps(auth.trusted_root()))


def run_case(case: Case, src: Path, env: dict[str, str]) -> tuple[int, bytes, bytes]:
    for path in case.scratch:
        p = Path(path)
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, *case.argv], cwd=ROOT, env={**env, "PYTHONPATH": str(src)},
                          capture_output=True, check=False, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=Path, required=True, help="the src/ directory of the version to compare with")
    ap.add_argument("--head", type=Path, default=ROOT / "src", help="the src/ directory under test (default: ours)")
    ap.add_argument("--only", default="", help="run only the cases whose name contains this")
    ap.add_argument("--show", action="store_true", help="print every case's output")
    args = ap.parse_args()
    different = 0
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pyslsa-compare-")))
        index, gh = stack.enter_context(serve(Host())), stack.enter_context(serve(Host()))
        state = RekorState()
        rekor = stack.enter_context(rekor_server(state))
        prepare(index, gh, state, tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSLSA_", "SLSA_VERIFIER_", "GITHUB_"))}
        env.update({"COLUMNS": "100", "TMPDIR": str(tmp), "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"})
        cases = [*offline_cases(), *network_cases(index, gh, rekor, tmp)]
        for case in cases:
            if args.only not in case.name:
                continue
            base = run_case(case, args.base, env)
            head = run_case(case, args.head, env)
            digest = hashlib.sha256(repr(head).encode()).hexdigest()[:12]
            if base == head:
                print(f"same  {case.name}  (exit {head[0]}, {len(head[1])}+{len(head[2])} bytes, {digest})")
                if args.show:
                    sys.stdout.write(head[1].decode(errors="replace") + head[2].decode(errors="replace"))
                continue
            different += 1
            print(f"DIFF  {case.name}: exit {base[0]} -> {head[0]}")
            for what, a, b in (("stdout", base[1], head[1]), ("stderr", base[2], head[2])):
                if a != b:
                    sys.stdout.writelines(difflib.unified_diff(
                        a.decode(errors="replace").splitlines(keepends=True),
                        b.decode(errors="replace").splitlines(keepends=True), f"base {what}", f"head {what}"))
        print(f"{len(cases) - different} same, {different} different")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
