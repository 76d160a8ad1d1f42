"""action-requirements.txt, the hashes file the action installs with pip --require-hashes, is in sync with
pyproject.toml: its header records the digest of pyproject's dependencies (and build requirements) it was made
from, every one of them is pinned with == and sha256 hashes for every Python and platform the project supports,
and regenerating it with the same resolution date gives the same bytes (network-marked: it asks the index)."""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "action" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


update_hashes = module("update_hashes")


def pins(text: str) -> list[tuple[str, Version, Marker | None, list[str]]]:
    """(name, version, marker, hashes) of each entry of a pip requirements file in hash-checking form."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out: list[tuple[str, Version, Marker | None, list[str]]] = []
    for line in joined.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        hashes = re.findall(r"--hash=sha256:(\S+)", line)
        req = Requirement(re.sub(r"\s*--hash=\S+", "", line))
        (spec,) = req.specifier
        assert spec.operator == "==", line
        out.append((canonicalize_name(req.name), Version(spec.version), req.marker, hashes))
    return out


def environments() -> list[dict[str, str]]:
    envs: list[dict[str, str]] = []
    platforms = [("linux", "Linux", "posix"), ("darwin", "Darwin", "posix"), ("win32", "Windows", "nt")]
    for minor, (sys_platform, system, os_name) in itertools.product(range(10, 15), platforms):
        env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
        env.update({"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0",
                    "sys_platform": sys_platform, "platform_system": system, "os_name": os_name,
                    "implementation_name": "cpython", "platform_python_implementation": "CPython"})
        envs.append(env)
    return envs


TEXT = (ROOT / "action-requirements.txt").read_text(encoding="utf-8")
PINS = pins(TEXT)


def test_header_matches_pyproject() -> None:
    requirements = update_hashes.inputs()
    assert any(r.startswith("cryptography") for r in requirements)
    assert any(r.startswith("setuptools") for r in requirements)  # the build backend, for --no-build-isolation
    recorded = update_hashes.header_field(TEXT, "inputs-sha256")
    assert recorded == update_hashes.inputs_digest(requirements), (
        "pyproject's dependencies changed: run python action/update_hashes.py")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", update_hashes.header_field(TEXT, "exclude-newer") or "")


def test_digest_notices_a_changed_dependency() -> None:
    requirements = update_hashes.inputs()
    changed = [r.replace("cryptography>=45", "cryptography>=46") for r in requirements]
    assert update_hashes.inputs_digest(changed) != update_hashes.inputs_digest(requirements)
    assert update_hashes.inputs_digest([r.replace(" ", "") for r in requirements]) == \
        update_hashes.inputs_digest(requirements)  # spacing is not a change


def test_every_pin_has_hashes() -> None:
    assert len(PINS) >= 20
    for name, _, _, hashes in PINS:
        assert hashes, name
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name
    assert "pyslsa" not in {name for name, *_ in PINS}  # pyslsa itself comes from the action's own files


@pytest.mark.parametrize("env", environments(), ids=lambda e: f"py{e['python_version']}-{e['sys_platform']}")
def test_every_requirement_is_pinned_for_every_environment(env: dict[str, str]) -> None:
    for text in update_hashes.inputs():
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = canonicalize_name(req.name)
        chosen = [v for n, v, m, _ in PINS if n == name and (m is None or m.evaluate(env))]
        assert len(chosen) == 1, f"{name}: {chosen} pinned for {env['python_version']} {env['sys_platform']}"
        assert req.specifier.contains(chosen[0], prereleases=True), f"{name}=={chosen[0]} is not {req.specifier}"


def test_pins_parser_reads_continuations_and_markers() -> None:
    sample = ("a==1.0 ; python_full_version < '3.11' \\\n    --hash=sha256:" + "0" * 64 + " \\\n"
              "    --hash=sha256:" + "1" * 64 + "\n    # via b\nb==2\n")
    ((n1, v1, m1, h1), (n2, v2, m2, h2)) = pins(sample)
    assert (n1, str(v1), str(m1), len(h1)) == ("a", "1.0", 'python_full_version < "3.11"', 2)
    assert (n2, str(v2), m2, h2) == ("b", "2", None, [])


def test_releases_file_holds_only_hash_pinned_pyslsa() -> None:
    action = module("pyslsa_action")
    releases = ROOT / "action-releases.txt"
    entries = pins(releases.read_text(encoding="utf-8"))
    assert all(name == "pyslsa" and hashes for name, _, _, hashes in entries)
    assert action.recorded_releases(releases) == [str(v) for _, v, _, _ in entries]


@pytest.mark.network
def test_regenerating_gives_the_same_file() -> None:
    """uv resolves again as of the recorded date: the same bytes (needs the package index)."""
    assert update_hashes.main(["--check"]) == 0
