"""The pre-commit hook (.pre-commit-hooks.yaml) with the real pre-commit: ``pre-commit try-repo <this repository>
pyslsa-audit`` in a temporary git repository, the hook's environment built by pre-commit itself (pip installs
this repository from the package index the machine is configured with), the audit pointed at a loopback index and
a loopback GitHub-like API through PYSLSA_INDEX_URL, PYSLSA_GITHUB_URL and PYSLSA_GITHUB_API_URL (try-repo takes no
hook arguments)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

from tests.conftest import BCR, PYPI_ATT, vector
from tests.release_servers import Host, add_project, serve, sha256

ROOT = Path(__file__).resolve().parents[2]
SDIST_740 = "pypi_attestations-0.0.19.tar.gz"
PA_REPO = "github.com/trailofbits/pypi-attestations"


def hook() -> dict[str, object]:
    (only,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return only  # type: ignore[no-any-return]


@pytest.mark.parametrize(("path", "matches"), [
    ("requirements.txt", True), ("requirements-dev.txt", True), ("sub/dir/requirements.in.txt", True),
    ("pylock.toml", True), ("pylock.dev.toml", True), ("uv.lock", True), ("svc/poetry.lock", True),
    ("README.md", False), ("requirements.txt.orig", False), ("myrequirements.txt", False), ("mypylock.toml", False),
    ("uv.lock.bak", False), ("pyproject.toml", False), ("requirements/prod.txt", False),
])
def test_files_pattern(path: str, matches: bool) -> None:
    h = hook()
    assert (h["id"], h["entry"], h["language"], h["pass_filenames"]) == ("pyslsa-audit", "pyslsa audit", "python",
                                                                          True)
    assert bool(re.search(str(h["files"]), path)) is matches


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's home for these tests, away from the user's (try-repo builds the hook's environment in a
    temporary store of its own on every call: each call pip-installs this repository afresh)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def index() -> Iterator[Host]:
    with serve(Host()) as host:
        yield host


@pytest.fixture
def gh() -> Iterator[Host]:
    with serve(Host()) as host:
        yield host


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    return repo


def try_repo(repo: Path, home: Path, index: Host, *args: str,
             gh: Host | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSLSA_", "GITHUB_", "PRE_COMMIT"))}
    github = gh.base if gh is not None else "http://127.0.0.1:9"  # a closed port: no GitHub unless given
    env.update({"PRE_COMMIT_HOME": str(home), "PYSLSA_INDEX_URL": f"{index.base}/simple/", "NO_COLOR": "1",
                "PYSLSA_GITHUB_URL": github, "PYSLSA_GITHUB_API_URL": f"{github}/api",
                "PYSLSA_CACHE_DIR": str(repo.parent / "cache"),
                "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.invalid"})
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "pyslsa-audit", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900, check=False)


def attested_and_unattested(index: Host, *, with_unattested: bool) -> dict[str, str]:
    """A requirements file pinning the real attested sdist (and, optionally, a package with no attestation)
    served by the loopback index, under a policy requiring evidence for every package."""
    sdist = vector(PYPI_ATT / SDIST_740)
    add_project(index, "pypi-attestations", {SDIST_740: sdist},
                provenance={SDIST_740: vector(PYPI_ATT / f"{SDIST_740}.provenance")})
    lines = [f"pypi-attestations==0.0.19 --hash=sha256:{sha256(sdist)}"]
    if with_unattested:
        plain = b"no attestation for these bytes"
        add_project(index, "plain-package", {"plain_package-1.0.tar.gz": plain})
        lines.append(f"plain-package==1.0 --hash=sha256:{sha256(plain)}")
    policy = f'require = "all"\n[packages.pypi-attestations]\nrepository = "{PA_REPO}"\nevidence = ["pep740"]\n'
    return {"requirements.txt": "\n".join(lines) + "\n", "pyslsa.toml": policy, "README.md": "a project\n"}


def test_hook_skips_a_change_without_lockfiles(tmp_path: Path, pre_commit_home: Path, index: Host) -> None:
    repo = project(tmp_path, attested_and_unattested(index, with_unattested=True))
    proc = try_repo(repo, pre_commit_home, index, "--files", "README.md", "pyslsa.toml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"pyslsa audit \(provenance of locked dependencies\)\.+\(no files to check\)Skipped",
                     proc.stdout), proc.stdout
    assert index.requests == []


def test_hook_runs_pyslsa_audit_on_the_lockfile(tmp_path: Path, pre_commit_home: Path, index: Host, gh: Host) -> None:
    """The hook's environment has this repository's pyslsa, and the hook calls ``pyslsa audit`` with the
    lockfile: a package verified by PEP 740 (the index, PYSLSA_INDEX_URL) and one by its GitHub artifact attestation
    (the GitHub API, PYSLSA_GITHUB_API_URL: the hook takes no flags) pass."""
    files = attested_and_unattested(index, with_unattested=False)
    module = vector(BCR / "MODULE.bazel")
    add_project(index, "rules-lint", {"rules_lint-1.0.0.tar.gz": module})
    attestation = {"attestations": [{"bundle": json.loads(vector(BCR / "MODULE.bazel.intoto.jsonl")),
                                     "repository_id": 1}]}
    store = f"/api/repos/aspect-build/rules_lint/attestations/sha256:{sha256(module)}"
    gh.route(store, body=json.dumps(attestation).encode(), content_type="application/json")
    files["requirements.txt"] += f"rules-lint==1.0.0 --hash=sha256:{sha256(module)}\n"
    files["pyslsa.toml"] += ('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n'
                             'evidence = ["github-attestation"]\n')
    repo = project(tmp_path, files)
    proc = try_repo(repo, pre_commit_home, index, "--all-files", gh=gh)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"pyslsa audit \(provenance of locked dependencies\)\.+Passed", out), out
    assert any(p.startswith("/simple/pypi-attestations/") for p, _, _ in index.requests)
    assert any(p.startswith(store) for p, _, _ in gh.requests)


def test_unattested_required_package_is_refused(tmp_path: Path, pre_commit_home: Path, index: Host) -> None:
    repo = project(tmp_path, attested_and_unattested(index, with_unattested=True))
    proc = try_repo(repo, pre_commit_home, index, "--all-files")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"pyslsa audit \(provenance of locked dependencies\)\.+Failed", out), out
    assert "- exit code: 1" in out
    assert "plain-package" in out and "unattested" in out, out


def test_policy_mismatch_is_refused(tmp_path: Path, pre_commit_home: Path, index: Host) -> None:
    files = attested_and_unattested(index, with_unattested=False)
    files["pyslsa.toml"] = files["pyslsa.toml"].replace(PA_REPO, "github.com/someone-else/pypi-attestations")
    proc = try_repo(project(tmp_path, files), pre_commit_home, index, "--all-files")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "pypi-attestations" in out and "mismatch-source" in out, out
