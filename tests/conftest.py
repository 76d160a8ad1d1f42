"""Shared fixtures: the real vectors under tests/data (copied from ../shared/testdata; never skipped)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
SV = DATA / "slsa-verifier"
GENERIC = SV / "gha_generic" / "v2.1.0"
GENERIC_LEGACY = SV / "gha_generic" / "v1.7.0"
DELEGATOR = SV / "gha_delegator" / "v2.1.0"
GO = SV / "gha_go" / "v2.1.0"
MAVEN = SV / "gha_maven" / "v2.1.0"
GRADLE = SV / "gha_gradle" / "v2.1.0"
CONTAINER_BASED = SV / "gha_container-based" / "v2.1.0"
BCR = SV / "bcr"
LEGACY_MISC = SV / "legacy-misc"
SIGSTORE_PY = DATA / "sigstore-python"
PYPI_ATT = DATA / "pypi-attestations"
PYPI_ATT_031 = DATA / "pypi-attestations-0.0.31"  # Google and CircleCI publishers (the 0.0.31 sdist)
EXAMPLE_REPO = "github.com/slsa-framework/example-package"
GENERATOR_ID = ("https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
                "generator_generic_slsa3.yml")
TRW_BUILDER = "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml"


def vector(path: Path) -> bytes:
    """Read a vector; a missing one is a test failure, never a skip."""
    if not path.is_file():
        pytest.fail(f"test vector missing: {path} (copy it from ../shared/testdata)")
    return path.read_bytes()


def vector_json(path: Path) -> Any:
    return json.loads(vector(path))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-network", action="store_true", default=False,
                     help="run tests marked 'network' (they reach the real PyPI / GitHub / Rekor)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-network"):
        return
    skip = pytest.mark.skip(reason="touches the public internet; run with --run-network")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


#: Where the default suite's "public" hosts point: a closed loopback port. A test that forgot to name its loopback
#: server fails fast here instead of reaching the real Rekor, PyPI or Sigstore's TUF repository.
DEAD_LOOPBACK = "http://127.0.0.1:9"


#: What a verifying command that may refresh its trusted root prints on stderr in the default suite (Sigstore's TUF
#: repository is DEAD_LOOPBACK): it verifies with the bundled root, and says so.
TUF_UNREACHABLE_WARNING = (
    f"pyslsa: warning: could not reach {DEAD_LOOPBACK}: {DEAD_LOOPBACK}/16.root.json unreachable: ConnectError: "
    f"[Errno 111] Connection refused; verifying with the trusted root bundled with pyslsa 0.1.0 (2025-09-23); "
    f"run `pyslsa trust-root update` to fail instead when the repository is unreachable\n")
#: The same with --offline: no refresh is attempted.
TUF_OFFLINE_WARNING = (
    f"pyslsa: warning: no TUF cache of {DEAD_LOOPBACK} yet; verifying with the trusted root bundled with pyslsa "
    f"0.1.0 (2025-09-23); `pyslsa trust-root update` refreshes it\n")


@pytest.fixture(autouse=True)
def _no_public_hosts(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "network" in request.keywords:
        return
    monkeypatch.setenv("PYSLSA_REKOR_URL", DEAD_LOOPBACK)
    monkeypatch.setenv("PYSLSA_INDEX_URL", f"{DEAD_LOOPBACK}/simple/")
    monkeypatch.setenv("PYSLSA_GITHUB_URL", DEAD_LOOPBACK)
    monkeypatch.setenv("PYSLSA_GITHUB_API_URL", f"{DEAD_LOOPBACK}/api")
    # Sigstore's TUF repositories (production and staging) are unreachable: a verifying command that may refresh
    # its trusted root falls back to the bundled one, with its warning on stderr.
    monkeypatch.setenv("PYSLSA_TUF_MIRROR", f"{DEAD_LOOPBACK}/")
    monkeypatch.setenv("PYSLSA_TUF_STAGING_MIRROR", f"{DEAD_LOOPBACK}/")


@pytest.fixture(autouse=True)
def _user_dirs_of_the_test(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads or writes the real user cache (the TUF cache, audit's evidence) or data directory (remembered
    TUF roots), nor another test's, nor takes a private Sigstore from the environment of the person running the
    tests. (A directory of its own, not under tmp_path: a test may expect its tmp_path to hold only its files.)"""
    user_dirs = tmp_path_factory.mktemp("user-dirs")
    monkeypatch.setenv("PYSLSA_CACHE_DIR", str(user_dirs / "cache"))
    monkeypatch.setenv("PYSLSA_DATA_DIR", str(user_dirs / "data"))
    for name in ("PYSLSA_TUF_URL", "PYSLSA_TUF_ROOT"):
        monkeypatch.delenv(name, raising=False)


def record_chain_memos(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[Any]:
    """Every ChainMemo ``module`` makes from now on, in order (its ``ChainMemo`` replaced by a recording one)."""
    from pyslsa.core.x509 import ChainMemo

    made: list[ChainMemo] = []

    class Recorded(ChainMemo):
        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            made.append(self)

    monkeypatch.setattr(module, "ChainMemo", Recorded)
    return made


def record_hash(data: bytes) -> str:
    """A wheel RECORD's hash of ``data`` (``sha256=`` and unpadded URL-safe base64, as PEP 376/427 write it)."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def validate_sarif(doc: dict[str, Any]) -> None:
    """``doc`` is valid against the official SARIF 2.1.0 JSON schema (tests/data/sarif)."""
    import jsonschema

    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_bytes())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(doc)


def write_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    """A gzipped PAX tar at ``path`` holding ``members`` as given (hostile ones included): an sdist for the tests."""
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    return path


def tar_file(name: str, data: bytes, mtime: float = 1_600_000_000, pax: dict[str, str] | None = None
             ) -> tuple[tarfile.TarInfo, bytes]:
    """A regular file member of :func:`write_tar`."""
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = mtime  # type: ignore[assignment]
    ti.mode = 0o644
    if pax:
        ti.pax_headers = pax
    return ti, data
