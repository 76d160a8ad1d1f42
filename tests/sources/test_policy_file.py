"""Finding the policy: --policy FILE, else pyslsa.toml, else [tool.pyslsa] of pyproject.toml, else the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyslsa.core.audit.policy import DEFAULT_POLICY
from pyslsa.errors import UsageError
from pyslsa.sources.policy_file import MAX_POLICY_BYTES, find_policy, load_policy


def test_the_search_order(tmp_path: Path) -> None:
    assert find_policy(tmp_path) is None and load_policy(directory=tmp_path) is DEFAULT_POLICY
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_policy(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.pyslsa]\nrequire = "all"\n')
    found = find_policy(tmp_path)
    assert found is not None and found[0] == str(tmp_path / "pyproject.toml") and found[1].require == "all"
    (tmp_path / "pyslsa.toml").write_text('require = "none"\n')
    found = find_policy(tmp_path)
    assert found is not None and found[0] == str(tmp_path / "pyslsa.toml") and found[1].require == "none"
    assert load_policy(directory=tmp_path).require == "none"


def test_an_explicit_policy(tmp_path: Path) -> None:
    (tmp_path / "audit.toml").write_text('require = "all"\n')
    assert load_policy(str(tmp_path / "audit.toml")).source == str(tmp_path / "audit.toml")
    (tmp_path / "pyproject.toml").write_text('[tool.pyslsa]\nrequire = "none"\n')
    assert load_policy(str(tmp_path / "pyproject.toml")).require == "none"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(UsageError, match=r"no \[tool.pyslsa\] table"):
        load_policy(str(tmp_path / "pyproject.toml"))
    with pytest.raises(UsageError, match="not found"):
        load_policy(str(tmp_path / "missing.toml"))


def test_a_bad_or_huge_policy_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "pyslsa.toml").write_text("[packages.x]\nrepo = 1\n")
    with pytest.raises(UsageError, match=r"pyslsa.toml: \[packages.x\]: unknown key 'repo'"):
        find_policy(tmp_path)
    with (tmp_path / "big.toml").open("wb") as fh:
        fh.truncate(MAX_POLICY_BYTES + 1)
    with pytest.raises(UsageError, match="over the limit"):
        load_policy(str(tmp_path / "big.toml"))
