"""A world for ``pyslsa audit`` tests: a package index (PEP 691/503 + integrity API) and a GitHub-like host
(release downloads, releases API, the attestation store by digest), serving the real vectors of tests/data, plus
writers for every input kind. The hosts are in memory (through the HTTP engine's transport seam,
``tests/memory_net.py``) unless ``world(tmp, loopback=True)`` puts them on 127.0.0.1: for a real pip, and for what
only a socket plays (a lying Content-Length).

Real evidence served:

* ``pypi-attestations==0.0.19``: its real sdist and the integrity API's real provenance object (production
  instance; Trusted Publisher GitHub ``trailofbits/pypi-attestations``, ``release.yml``).
* ``rfc8785==0.1.2``: its real wheel and its real PEP 740 publish attestation, signed on Sigstore's **staging**
  instance by an e-mail identity, wrapped in a provenance object whose publisher is GitHub
  ``trailofbits/rfc8785.py``: under the staging root the signature and the log verify, and the certificate is
  refused as not the publisher's (``mismatch-identity``).
* ``rules-lint==1.0.0``: a file whose bytes are the bcr vector's ``MODULE.bazel`` (so its digest is the real
  attestation's subject); the store of ``aspect-build/rules_lint`` answers the real GitHub artifact attestation
  (``actions/attest-build-provenance``) for that digest, wrapped in the API's JSON (inline ``bundle``, or a
  snappy ``bundle_url``).
* ``example-package==14``: a file whose bytes are slsa-verifier's ``binary-linux-amd64``; the GitHub release
  ``v14`` of ``slsa-framework/example-package`` has the real ``push-v14`` provenance as ``multiple.intoto.jsonl``.
* ``six==1.0.0``: unattested.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyslsa.api.audit import AuditOptions
from tests.conftest import DATA
from tests.memory_net import in_memory
from tests.release_servers import Host, add_project, add_release, serve

PYPI_ATT = DATA / "pypi-attestations"
BCR = DATA / "slsa-verifier" / "bcr"
GENERIC = DATA / "slsa-verifier" / "gha_generic" / "v2.1.0"
STAGING_ROOT = DATA / "trust-roots" / "staging-trusted_root.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Dist:
    name: str
    version: str
    filename: str
    content: bytes

    @property
    def sha256(self) -> str:
        return sha256(self.content)


PA = Dist("pypi-attestations", "0.0.19", "pypi_attestations-0.0.19.tar.gz",
          (PYPI_ATT / "pypi_attestations-0.0.19.tar.gz").read_bytes())
RFC = Dist("rfc8785", "0.1.2", "rfc8785-0.1.2-py3-none-any.whl",
           (PYPI_ATT / "rfc8785-0.1.2-py3-none-any.whl").read_bytes())
RL = Dist("rules-lint", "1.0.0", "rules_lint-1.0.0.tar.gz", (BCR / "MODULE.bazel").read_bytes())
EX = Dist("example-package", "14", "example_package-14.tar.gz", (GENERIC / "binary-linux-amd64").read_bytes())
SIX = Dist("six", "1.0.0", "six-1.0.0.tar.gz", b"six 1.0.0, not attested\n")

PA_PROVENANCE = (PYPI_ATT / "pypi_attestations-0.0.19.tar.gz.provenance").read_bytes()
BCR_BUNDLE = (BCR / "MODULE.bazel.intoto.jsonl").read_bytes()
BCR_WRONG_SIGNER = (BCR / "MODULE-wrong-signer.bazel.intoto.jsonl").read_bytes()
EX_PROVENANCE = (GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl").read_bytes()


def rfc_provenance(repository: str = "trailofbits/rfc8785.py", workflow: str = "release.yml") -> bytes:
    att = json.loads((PYPI_ATT / "rfc8785-0.1.2-py3-none-any.whl.publish.attestation").read_bytes())
    return json.dumps({"version": 1, "attestation_bundles": [{
        "publisher": {"kind": "GitHub", "repository": repository, "workflow": workflow, "environment": None},
        "attestations": [att]}]}).encode()


def snappy(data: bytes) -> bytes:
    import cramjam

    return bytes(cramjam.snappy.compress_raw(data))


@dataclass
class World:
    index: Host
    gh: Host
    tmp: Path
    dists: dict[str, Dist] = field(default_factory=dict)

    @property
    def index_url(self) -> str:
        return f"{self.index.base}/simple/"

    def options(self, *paths: str | Path, **kw: Any) -> AuditOptions:
        base: dict[str, Any] = {"paths": tuple(str(p) for p in paths), "index_url": self.index_url,
                                "github_url": self.gh.base, "github_api_url": f"{self.gh.base}/api",
                                "cache_dir": str(self.tmp / "cache"), "directory": str(self.tmp), "jobs": 4}
        base.update(kw)
        return AuditOptions(**base)

    # -- the servers' content ---------------------------------------------------------------------------------

    def publish(self, dist: Dist, *, provenance: bytes | None = None, listed_digest: str | None = None) -> None:
        self.dists[dist.name] = dist
        add_project(self.index, dist.name, {dist.filename: dist.content},
                    provenance={dist.filename: provenance} if provenance is not None else None,
                    listed_digests={dist.filename: listed_digest} if listed_digest else None)

    def attest(self, repository: str, digest: str, bundles: list[bytes], *, via_url: bool = False) -> None:
        entries: list[dict[str, Any]] = []
        for i, b in enumerate(bundles):
            if via_url:
                path = f"/blobs/{repository}/{digest}/{i}"
                self.gh.route(path, body=snappy(b), content_type="application/x-snappy")
                entries.append({"bundle": None, "repository_id": 1, "bundle_url": f"{self.gh.base}{path}"})
            else:
                entries.append({"bundle": json.loads(b), "repository_id": 1})
        self.gh.route(f"/api/repos/{repository}/attestations/sha256:{digest}",
                      body=json.dumps({"attestations": entries}).encode(), content_type="application/json")

    def release(self, repository: str, tag: str, assets: dict[str, bytes]) -> None:
        add_release(self.gh, repository, tag, assets)

    def standard(self) -> None:
        """Every vector, as its genuine publisher left it."""
        self.publish(PA, provenance=PA_PROVENANCE)
        self.publish(RFC, provenance=rfc_provenance())
        self.publish(RL)
        self.attest("aspect-build/rules_lint", RL.sha256, [BCR_BUNDLE])
        self.publish(EX)
        self.release("slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": EX_PROVENANCE})
        self.publish(SIX)

    def policy(self, text: str) -> Path:
        path = self.tmp / "pyslsa.toml"
        path.write_text(text)
        return path

    # -- inputs -----------------------------------------------------------------------------------------------

    def requirements(self, dists: list[Dist], *, hashes: bool = True, name: str = "requirements.txt") -> Path:
        lines = [f"{d.name}=={d.version}" + (f" --hash=sha256:{d.sha256}" if hashes else "") for d in dists]
        path = self.tmp / name
        path.write_text("\n".join(lines) + "\n")
        return path

    def pylock(self, dists: list[Dist], name: str = "pylock.toml") -> Path:
        out = ['lock-version = "1.0"', 'created-by = "pyslsa-tests"', ""]
        for d in dists:
            out += ["[[packages]]", f'name = "{d.name}"', f'version = "{d.version}"', f'index = "{self.index_url}"']
            url = f"{self.index.base}/files/{d.filename}"
            entry = f'{{ url = "{url}", size = {len(d.content)}, hashes = {{ sha256 = "{d.sha256}" }} }}'
            out.append(f"wheels = [{entry}]" if d.filename.endswith(".whl") else f"sdist = {entry}")
            out.append("")
        path = self.tmp / name
        path.write_text("\n".join(out))
        return path

    def uv_lock(self, dists: list[Dist]) -> Path:
        out = ["version = 1", "revision = 2", 'requires-python = ">=3.10"', ""]
        for d in dists:
            out += ["[[package]]", f'name = "{d.name}"', f'version = "{d.version}"',
                    f'source = {{ registry = "{self.index_url}" }}']
            entry = (f'{{ url = "{self.index.base}/files/{d.filename}", hash = "sha256:{d.sha256}", '
                     f'size = {len(d.content)} }}')
            out.append(f"wheels = [{entry}]" if d.filename.endswith(".whl") else f"sdist = {entry}")
            out.append("")
        path = self.tmp / "uv.lock"
        path.write_text("\n".join(out))
        return path

    def poetry_lock(self, dists: list[Dist]) -> Path:
        out = ["# written by the pyslsa tests in Poetry 2's layout", ""]
        for d in dists:
            out += ["[[package]]", f'name = "{d.name}"', f'version = "{d.version}"', 'description = ""',
                    "optional = false", 'python-versions = ">=3.8"', 'groups = ["main"]', "files = [",
                    f'    {{file = "{d.filename}", hash = "sha256:{d.sha256}"}},', "]", ""]
        out += ["[metadata]", 'lock-version = "2.1"', 'python-versions = ">=3.10"',
                'content-hash = "' + "0" * 64 + '"', ""]
        path = self.tmp / "poetry.lock"
        path.write_text("\n".join(out))
        return path


@contextmanager
def world(tmp: Path, *, loopback: bool = False) -> Iterator[World]:
    """The world's hosts, in memory (or on loopback sockets)."""
    index, gh = Host(), Host()
    if loopback:
        with serve(index), serve(gh):
            yield World(index, gh, tmp)
    else:
        with in_memory(index, "index"), in_memory(gh, "github"):
            yield World(index, gh, tmp)


# -- evidence the real vectors do not cover, from the throw-away Sigstore of tests/authority.py ----------------------


def github_claims(repository: str, workflow: str = "release.yml", ref: str = "refs/tags/v1.0",
                  runner: str = "github-hosted") -> dict[str, str]:
    """The Fulcio claims of a GitHub Actions run of ``repository``'s ``workflow`` at ``ref``."""
    f = "1.3.6.1.4.1.57264.1."
    uri = f"https://github.com/{repository}"
    return {f + "9": f"{uri}/.github/workflows/{workflow}@{ref}", f + "11": runner, f + "12": uri,
            f + "13": "a" * 40, f + "14": ref, f + "18": f"{uri}/.github/workflows/{workflow}@{ref}",
            f + "19": "a" * 40, f + "20": "push"}


class Signer:
    """An Authority whose trusted root is merged into the production one (so the real vectors still verify)."""

    def __init__(self, tmp: Path) -> None:
        from tests.authority import Authority

        self.auth = Authority()
        prod = json.loads((Path(__file__).parents[1] / "src/pyslsa/data/trusted_root.production.json").read_bytes())
        own = self.auth.trusted_root()
        for key in ("tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"):
            prod[key] = [*prod.get(key, []), *own.get(key, [])]
        self.root_path = tmp / "trusted_root.json"
        self.root_path.write_text(json.dumps(prod))

    def attestation(self, digest: str, name: str, repository: str, **claims: str) -> bytes:
        """A GitHub artifact attestation (SLSA provenance v1) of ``digest`` signed as ``repository``'s workflow."""
        c = github_claims(repository, **claims)
        key, cert = self.auth.leaf(san=c["1.3.6.1.4.1.57264.1.9"], claims=c)
        statement = {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": name,
                                                                              "digest": {"sha256": digest}}],
                     "predicateType": "https://slsa.dev/provenance/v1",
                     "predicate": {"buildDefinition": {"buildType": "https://actions.github.io/buildtypes/"
                                                                    "workflow/v1"}, "runDetails": {}}}
        return json.dumps(self.auth.dsse_bundle(statement, key=key, cert=cert)).encode()
