"""The input interface: kinds from names, one pin record, de-duplication and the entry cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import Location, Pin, collect_pins, input_kind, open_input
from pyslsa.sources.inputs.environment import EnvironmentInput
from pyslsa.sources.inputs.poetry import PoetryLockInput
from pyslsa.sources.inputs.pylock import PylockInput
from pyslsa.sources.inputs.requirements import RequirementsInput
from pyslsa.sources.inputs.uvlock import UvLockInput


@pytest.mark.parametrize(("path", "kind", "cls"), [
    ("requirements.txt", "requirements", RequirementsInput),
    ("deps/requirements-dev.txt", "requirements", RequirementsInput),
    ("constraints.TXT", "requirements", RequirementsInput),
    ("pylock.toml", "pylock", PylockInput),
    ("a/pylock.dev.toml", "pylock", PylockInput),
    ("uv.lock", "uv-lock", UvLockInput),
    ("sub/poetry.lock", "poetry-lock", PoetryLockInput),
])
def test_the_kind_comes_from_the_name(path: str, kind: str, cls: type) -> None:
    assert input_kind(path) == kind
    src = open_input(path)
    assert isinstance(src, cls) and src.kind == kind


@pytest.mark.parametrize("path", ["Pipfile.lock", "pylock.a.b.toml", "pyproject.toml", "uv.lock.bak", "requirements",
                                  "pdm.lock"])
def test_unknown_names_are_input_errors(path: str) -> None:
    with pytest.raises(UsageError, match="cannot tell what kind of input"):
        open_input(path)


def test_a_pin_record() -> None:
    at = Location("requirements.txt", 3)
    assert str(at) == "requirements.txt:3" and str(Location("/env/x.dist-info", 0)) == "/env/x.dist-info"
    pin = Pin("attrs", "25.1.0", None, frozenset({"a" * 64}), at, "requirements")
    assert pin.from_index and pin.origin == "index"
    assert not Pin("x", None, None, frozenset(), at, "requirements", origin="vcs").from_index
    with pytest.raises(AttributeError):
        pin.version = "1"  # type: ignore[misc]


def test_duplicates_are_collected_once_and_the_cap_holds(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("x==1.0\n")
    (tmp_path / "requirements.txt").write_text("-r d.txt\n-r d.txt\ny==2.0\n")
    assert [p.name for p in collect_pins(open_input(str(tmp_path / "requirements.txt")))] == ["x", "y"]
    with pytest.raises(UsageError, match="more than 1 entries"):
        collect_pins(open_input(str(tmp_path / "requirements.txt")), limit=1)


def test_the_environment_is_an_input_of_its_own_kind() -> None:
    assert EnvironmentInput().kind == "environment"
