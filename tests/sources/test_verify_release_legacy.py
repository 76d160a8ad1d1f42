"""The seed's case, end to end on in-memory hosts (through the HTTP engine's transport seam): a release whose
GitHub provenance is a legacy ``multiple.intoto.jsonl`` (as Powertools 2.20.0's is), verified through a Rekor
lookup, then upgraded once and verified again with no log at all.

The real v1.7.0 envelope and binary (slsa-github-generator, tag v14) are served as ``example-package==14``; the
test Rekor of ``tests/legacy_rekor.py`` logs the real envelope under a test log key that a copy of the
production trusted root names.
"""


from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyslsa.cli import main
from tests.conftest import EXAMPLE_REPO, GENERIC_LEGACY, vector
from tests.legacy_rekor import ROOT, legacy_rekor
from tests.memory_net import in_memory
from tests.release_servers import Host, add_project, add_release


@pytest.fixture(scope="module")
def rekor() -> Iterator[str]:
    with legacy_rekor() as url:
        yield url


LEGACY = vector(GENERIC_LEGACY / "binary-linux-amd64-push-v14.intoto.jsonl")
BINARY = vector(GENERIC_LEGACY / "binary-linux-amd64")
WHEEL = "example_package-14-py3-none-any.whl"


@pytest.fixture
def release(tmp_path: Path) -> Any:
    root = tmp_path / "root.json"
    root.write_bytes(ROOT)
    with in_memory(Host(), "index") as index, in_memory(Host(), "github") as gh:
        add_project(index, "example-package", {WHEEL: BINARY})
        add_release(gh, "slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": LEGACY})
        yield index, gh, root


def _run(capsys: pytest.CaptureFixture[str], index: Host, gh: Host, root: Path, *args: str) -> tuple[int, Any]:
    code = main(["verify-release", "example-package==14", "--source-uri", EXAMPLE_REPO, "--index-url",
                 f"{index.base}/simple/", "--github-url", gh.base, "--github-api-url", f"{gh.base}/api",
                 "--trusted-root", str(root), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_legacy_release_through_rekor(release: Any, rekor: str, capsys: pytest.CaptureFixture[str]) -> None:
    index, gh, root = release
    code, doc = _run(capsys, index, gh, root, "--rekor-url", rekor)
    assert code == 0, doc
    (ev,) = doc["files"][0]["evidence"]
    assert ev["kind"] == "slsa" and ev["verified"] and ev["log_index"] is not None
    assert ev["signer"].startswith("https://github.com/slsa-framework/slsa-github-generator/")


def test_legacy_release_offline_fails_then_upgrade_verifies_offline(release: Any, rekor: str, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    index, gh, root = release
    code, doc = _run(capsys, index, gh, root, "--offline-tlog")
    assert code == 1 and doc["files"][0]["error"]["code"] == "tlog-entry-not-found"

    legacy = tmp_path / "multiple.intoto.jsonl"
    legacy.write_bytes(LEGACY)
    bundle = tmp_path / "multiple.sigstore.json"
    assert main(["upgrade-provenance", str(legacy), "--output", str(bundle), "--rekor-url", rekor,
                 "--trusted-root", str(root)]) == 0
    capsys.readouterr()
    gh.requests.clear()
    code, doc = _run(capsys, index, gh, root, "--provenance", str(bundle), "--offline-tlog",
                     "--rekor-url", "http://127.0.0.1:9")  # a dead log: it must not be needed
    assert code == 0, doc
    assert doc["files"][0]["evidence"][0]["source"] == str(bundle)
    assert gh.requests == []


def test_legacy_release_wrong_tag(release: Any, rekor: str, capsys: pytest.CaptureFixture[str]) -> None:
    index, gh, root = release
    add_release(gh, "slsa-framework/example-package", "v13", {"multiple.intoto.jsonl": LEGACY})
    code, doc = _run(capsys, index, gh, root, "--rekor-url", rekor, "--release-tag", "v13")
    assert code == 1 and doc["files"][0]["error"]["code"] == "mismatch-tag"


def test_legacy_release_log_down(release: Any, capsys: pytest.CaptureFixture[str]) -> None:
    index, gh, root = release
    code, doc = _run(capsys, index, gh, root, "--rekor-url", "http://127.0.0.1:9")
    assert code == 1 and doc["files"][0]["error"]["code"] == "tlog-unreachable"
