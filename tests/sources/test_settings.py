"""sources/settings: the URL environment variables (PYSLSA_INDEX_URL, PYSLSA_GITHUB_URL, PYSLSA_GITHUB_API_URL) stand
for the flags not given; a flag wins; an invalid value is a usage error naming the variable, for verify-release as
for audit (tests/commands/test_audit.py)."""

from __future__ import annotations

import pytest

from pyslsa.cli import main
from pyslsa.errors import UsageError
from pyslsa.sources import settings

CASES = [("PYSLSA_INDEX_URL", settings.index_url, "https://pypi.org/simple/"),
         ("PYSLSA_GITHUB_URL", settings.github_url, "https://github.com"),
         ("PYSLSA_GITHUB_API_URL", settings.github_api_url, "https://api.github.com")]


@pytest.mark.parametrize(("variable", "read", "default"), CASES)
def test_flag_then_variable_then_default(monkeypatch: pytest.MonkeyPatch, variable: str, read: object,
                                         default: str) -> None:
    assert callable(read)
    monkeypatch.setenv(variable, "http://127.0.0.1:8080/x")
    assert read("http://127.0.0.1:1/flag") == "http://127.0.0.1:1/flag"
    assert read(None) == "http://127.0.0.1:8080/x"
    monkeypatch.setenv(variable, "  ")
    assert read(None) == default
    monkeypatch.delenv(variable)
    assert read(None) == default


@pytest.mark.parametrize(("variable", "read", "default"), CASES)
@pytest.mark.parametrize("value", ["ftp://example.org/", "example.org", "http://"])
def test_invalid_variable_names_itself(monkeypatch: pytest.MonkeyPatch, variable: str, read: object, default: str,
                                       value: str) -> None:
    assert callable(read)
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError, match=variable):
        read(None)


@pytest.mark.parametrize("variable", ["PYSLSA_GITHUB_URL", "PYSLSA_GITHUB_API_URL"])
def test_verify_release_names_the_variable(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                           variable: str) -> None:
    monkeypatch.setenv(variable, "ftp://example.org/")
    code = main(["verify-release", "pypi-attestations==0.0.19", "--source-uri",
                 "github.com/trailofbits/pypi-attestations"])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert variable in out + err and "Traceback" not in out + err
