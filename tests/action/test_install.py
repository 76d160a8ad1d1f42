"""The action's install step for real: a virtual environment, pip --require-hashes against a loopback index.

The action under test is a copy of action.yml and action/ with a stand-in pyslsa (an in-tree backend, one
dependency ``tinydep``) and its own hashes files, so every pip outcome can be provoked offline: the dependency's
bytes tampered, a dependency the file does not pin, a release from the index by pyslsa-version, a release that
breaks ``pip check``. The real hashes file with the real pyslsa is installed by the network-marked test at the end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.action.runner import Result, run_action
from tests.action.wheels import BACKEND, fake_main, wheel
from tests.release_servers import Host, add_project, serve, sha256

ROOT = Path(__file__).resolve().parents[2]
TINYDEP = wheel("tinydep", "1.0", {"tinydep/__init__.py": b"VERSION = '1.0'\n"})
OTHERDEP = wheel("otherdep", "2.0", {"otherdep/__init__.py": b""})


def pinned(name: str, version: str, data: bytes) -> str:
    return f"{name}=={version} \\\n    --hash=sha256:{sha256(data)}\n"


def fake_action(tmp: Path, *, requirements: str, releases: str = "") -> Path:
    action = tmp / "action-copy"
    (action / "action").mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", action / "action.yml")
    shutil.copy(ROOT / "action" / "pyslsa_action.py", action / "action" / "pyslsa_action.py")
    (action / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "fake_backend"\nbackend-path = ["src"]\n\n'
        '[project]\nname = "pyslsa"\nversion = "0.1.0"\ndependencies = ["tinydep"]\n')
    (action / "README.md").write_text("stand-in\n")
    (action / "LICENSE").write_text("stand-in\n")
    (action / "src" / "pyslsa").mkdir(parents=True)
    (action / "src" / "fake_backend.py").write_text(BACKEND)
    (action / "src" / "METADATA").write_text("Metadata-Version: 2.1\nName: pyslsa\nVersion: 0.1.0\n"
                                             "Requires-Dist: tinydep\n")
    (action / "src" / "pyslsa" / "__init__.py").write_text("")
    (action / "src" / "pyslsa" / "__main__.py").write_bytes(fake_main("0.1.0"))
    (action / "action-requirements.txt").write_text(requirements)
    (action / "action-releases.txt").write_text(releases)
    return action


@pytest.fixture
def index() -> Iterator[Host]:
    with serve(Host()) as host:
        yield host


@pytest.fixture
def pip_env(clean_env: dict[str, str], index: Host) -> dict[str, str]:
    """pip sees the loopback index and nothing else: no config file, find-links, extra index or cache."""
    env = {k: v for k, v in clean_env.items() if not k.startswith("PIP_")}
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": f"{index.base}/simple/", "PIP_NO_CACHE_DIR": "1",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


def run(tmp_path: Path, env: dict[str, str], action: Path, **inputs: str) -> Result:
    return run_action(inputs={"command": "verify-artifact", "args": "fake-artifact", "python-version": "",
                              **inputs}, work=tmp_path / "work", action_dir=action, env=env)


def test_installs_dependencies_by_hash_and_pyslsa_from_the_action(tmp_path: Path, index: Host,
                                                                   pip_env: dict[str, str]) -> None:
    add_project(index, "tinydep", {TINYDEP[0]: TINYDEP[1]})
    action = fake_action(tmp_path, requirements=pinned("tinydep", "1.0", TINYDEP[1]))
    result = run(tmp_path, pip_env, action)
    assert result.status == 0, result.log
    assert result.skipped == ["Set up Python (if: false)"]  # python-version '': the runner's python3
    assert result.ran == ["install", "run", "comment", "Exit with the command's status"]
    python = Path(result.steps["install"]["python"])
    assert python.is_file() and python.is_relative_to(tmp_path / "work" / "temp")
    assert result.steps["install"]["version"] == "0.1.0"
    assert "--require-hashes --only-binary :all:" in result.log
    assert "pyslsa 0.1.0 installed (the action, dependencies from action-requirements.txt)" in result.log
    assert result.outputs["verified"] == "true" and "`fake-artifact`" in result.summary
    # pyslsa came from the action's files, never from the index; the action's directory got no build output
    assert not [p for p, _, _ in index.requests if "pyslsa" in p]
    assert sorted(p.name for p in action.iterdir()) == sorted(
        ["action", "action.yml", "pyproject.toml", "README.md", "LICENSE", "src", "action-requirements.txt",
         "action-releases.txt"])
    assert sorted(p.name for p in (action / "src").iterdir()) == ["METADATA", "fake_backend.py", "pyslsa"]


def test_tampered_dependency_is_refused(tmp_path: Path, index: Host, pip_env: dict[str, str]) -> None:
    evil = wheel("tinydep", "1.0", {"tinydep/__init__.py": b"import os  # not the reviewed bytes\n"})
    add_project(index, "tinydep", {evil[0]: evil[1]})
    action = fake_action(tmp_path, requirements=pinned("tinydep", "1.0", TINYDEP[1]))
    result = run(tmp_path, pip_env, action)
    assert result.status == 1
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.log
    assert "::error title=pyslsa::install: pip exited with status 1" in result.log
    assert result.ran == ["install"]  # nothing ran with what was not installed


def test_dependency_the_file_does_not_pin_is_refused(tmp_path: Path, index: Host, pip_env: dict[str, str]) -> None:
    needy = wheel("tinydep", "1.0", {"tinydep/__init__.py": b""}, requires=("otherdep",))
    add_project(index, "tinydep", {needy[0]: needy[1]})
    add_project(index, "otherdep", {OTHERDEP[0]: OTHERDEP[1]})
    action = fake_action(tmp_path, requirements=pinned("tinydep", "1.0", needy[1]))
    result = run(tmp_path, pip_env, action)
    assert result.status == 1
    assert "--require-hashes mode" in result.log and "otherdep" in result.log
    assert result.ran == ["install"]


def release(version: str, requires: tuple[str, ...] = ("tinydep",)) -> tuple[str, bytes]:
    return wheel("pyslsa", version, {"pyslsa/__init__.py": b"", "pyslsa/__main__.py": fake_main(version)},
                 requires=requires)


def test_release_named_by_pyslsa_version(tmp_path: Path, index: Host, pip_env: dict[str, str]) -> None:
    """A release from the index, by the hash action-releases.txt holds (tampered bytes fail as in the test of a
    tampered dependency above: the same pip --require-hashes)."""
    rel = release("9.9.9")
    add_project(index, "tinydep", {TINYDEP[0]: TINYDEP[1]})
    add_project(index, "pyslsa", {rel[0]: rel[1]})
    action = fake_action(tmp_path, requirements=pinned("tinydep", "1.0", TINYDEP[1]),
                         releases="# releases\n" + pinned("pyslsa", "9.9.9", rel[1]))
    result = run(tmp_path, pip_env, action, **{"pyslsa-version": "9.9.9"})
    assert result.status == 0, result.log
    assert result.steps["install"]["version"] == "9.9.9"
    assert "pyslsa 9.9.9 installed (action-releases.txt" in result.log


def test_release_whose_dependencies_are_not_installed_fails_pip_check(tmp_path: Path, index: Host,
                                                                     pip_env: dict[str, str]) -> None:
    rel = release("9.9.9", requires=("tinydep", "otherdep>=2"))
    add_project(index, "tinydep", {TINYDEP[0]: TINYDEP[1]})
    add_project(index, "pyslsa", {rel[0]: rel[1]})
    action = fake_action(tmp_path, requirements=pinned("tinydep", "1.0", TINYDEP[1]),
                         releases=pinned("pyslsa", "9.9.9", rel[1]))
    result = run(tmp_path, pip_env, action, **{"pyslsa-version": "9.9.9"})
    assert result.status == 1
    assert "pyslsa 9.9.9 requires otherdep, which is not installed" in result.log
    assert "::error title=pyslsa::install: pip exited with status 1: check" in result.log


@pytest.mark.parametrize(("version", "message"), [
    ("9.9.8", "pyslsa-version 9.9.8: action-releases.txt of this action holds no hashes for it (its own version is "
              "0.1.0; releases it can install: 9.9.9)"),
    ("1.0; rm -rf ~", "pyslsa-version must be a version such as 0.1.0, got '1.0; rm -rf ~'"),
])
def test_pyslsa_version_not_installable(tmp_path: Path, index: Host, pip_env: dict[str, str], version: str,
                                        message: str) -> None:
    action = fake_action(tmp_path, requirements=pinned("tinydep", "1.0", TINYDEP[1]),
                         releases=pinned("pyslsa", "9.9.9", release("9.9.9")[1]))
    result = run(tmp_path, pip_env, action, **{"pyslsa-version": version})
    assert result.status == 2
    assert f"::error title=pyslsa::{message}" in result.log
    assert index.requests == []  # refused before pip asked the index anything


@pytest.mark.network
def test_real_hashes_file_installs_real_pyslsa(tmp_path: Path, clean_env: dict[str, str]) -> None:
    """The real action: every pin of action-requirements.txt from the real index, pyslsa built from this checkout,
    then the README's verify-artifact example through the action."""
    workspace = tmp_path / "work" / "workspace"
    workspace.mkdir(parents=True)
    for name in ("binary-linux-amd64", "binary-linux-amd64-push-v14.intoto.jsonl"):
        shutil.copy(ROOT / "examples" / name, workspace / name)
    args = ("--provenance-path binary-linux-amd64-push-v14.intoto.jsonl --source-uri "
            "github.com/slsa-framework/example-package --source-tag v14 binary-linux-amd64")
    result = run_action(inputs={"command": "verify-artifact", "args": args, "python-version": ""},
                        work=tmp_path / "work", env=clean_env)
    assert result.status == 0, result.log
    assert "pyslsa 0.1.0 installed (the action" in result.log
    assert result.outputs["verified"] == "true"
