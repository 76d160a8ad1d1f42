"""``pyslsa serve``'s command layer: the flags of issue 14 into ServeOptions, and every reason it cannot start -- a
bad flag, an unusable policy, pins or trusted root, a cache or log it cannot use, an address it cannot bind, the
extra not installed -- is exit status 2 with one line naming the problem, before anything is served. (The proxy
serving through the real command is tests/serve/test_command.py.)"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyslsa.cli import main
from pyslsa.commands import serve as command
from pyslsa.options import ServeOptions, TufOptions

UPSTREAM = "http://127.0.0.1:9/simple/"  # never contacted: none of these runs gets as far as serving


def parse(*argv: str) -> ServeOptions:
    p = argparse.ArgumentParser()
    command.configure(p)
    return command.options_from(p.parse_args(list(argv)))


def test_defaults_are_loopback_enforce_block() -> None:
    o = parse("--upstream", UPSTREAM)
    assert o == ServeOptions(upstream=UPSTREAM, host="127.0.0.1", port=8080, mode="enforce", on_fail="block",
                             tuf=TufOptions(refresh=True))


def test_every_flag_of_issue_14_reaches_the_options() -> None:
    o = parse("--upstream", UPSTREAM, "--policy", "p.toml", "--pins", "pylock.toml", "--host", "::1", "--port",
              "0", "--mode", "dry-run", "--on-fail", "hide", "--cache", "c", "--log", "d.jsonl", "--github-url",
              "http://127.0.0.1:1", "--github-api-url", "http://127.0.0.1:2/api", "--trusted-root", "root.json")
    assert o == ServeOptions(upstream=UPSTREAM, policy="p.toml", pins="pylock.toml", host="::1", port=0,
                             mode="dry-run", on_fail="hide", cache_dir="c", log_file="d.jsonl",
                             github_url="http://127.0.0.1:1", github_api_url="http://127.0.0.1:2/api",
                             trusted_root="root.json", tuf=TufOptions(refresh=True))


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one stderr line of a run that could not start (exit status 2, nothing on stdout, no traceback)."""
    code = main(["serve", "--upstream", UPSTREAM, "--cache", "cache", *argv])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == "" and "Traceback" not in err
    lines = err.splitlines()
    if len(lines) == 2:  # a failure after the trusted root was chosen: Sigstore's TUF repository is unreachable in
        # the tests, so its warning comes first (the bundled root)
        assert lines[0].startswith("pyslsa serve: warning: could not reach ")
        del lines[0]
    (line,) = lines
    return line


@pytest.mark.parametrize(("argv", "expected"), [
    (["--upstream", "ftp://example.org/simple/"], "FAILED: [usage] --upstream must be an http(s) URL, got "),
    (["--port", "65536"], "FAILED: [usage] --port must be 0..65535, got 65536"),
    (["--github-url", "file:///etc"], "FAILED: [usage] --github-url must be an http(s) URL"),
    (["--github-api-url", "javascript:x"], "FAILED: [usage] --github-api-url must be an http(s) URL"),
    (["--policy", "missing.toml"], "FAILED: [usage] policy file not found: missing.toml"),
    (["--pins", "missing.pins.toml"], "FAILED: [usage] pins file not found: missing.pins.toml"),
    (["--trusted-root", "missing.json"], "FAILED: [usage] trusted root file not found"),
    (["--log", "no/such/dir/d.jsonl"], "FAILED: [usage] cannot open the decision log no/such/dir/d.jsonl"),
])
def test_a_bad_flag_is_exit_2_with_one_line(here: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                            expected: str) -> None:
    assert refused(capsys, *argv).startswith(expected)


def test_argparse_errors_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["serve"], ["serve", "--upstream", UPSTREAM, "--mode", "block"],
                 ["serve", "--upstream", UPSTREAM, "--on-fail", "warn"], ["serve", "--upstream", UPSTREAM, "--port",
                                                                          "http"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "pyslsa: error: " in capsys.readouterr().err


@pytest.mark.parametrize(("text", "expected"), [
    ('require = "sometimes"\n', "'require' must be one of 'all', 'listed', 'none', got 'sometimes'"),
    ("require = [\n", "is not valid TOML"),
    ('[packages.demo]\nrepository = "not a repository"\n', "[packages.demo]"),
])
def test_an_unusable_policy_is_exit_2(here: Path, capsys: pytest.CaptureFixture[str], text: str,
                                      expected: str) -> None:
    (here / "pyslsa.toml").write_text(text)  # found in the current directory, as audit finds it
    line = refused(capsys)
    assert line.startswith("FAILED: [usage] policy ") and expected in line


def test_unusable_pins_are_exit_2(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "pyslsa.pins.toml").write_text('schema = "pyslsa-pins/0"\n')
    assert "pyslsa.pins.toml" in refused(capsys)


def test_a_port_in_use_is_exit_2(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert refused(capsys, "--port", str(port)).startswith(f"FAILED: [usage] cannot listen on 127.0.0.1:{port}")


def test_a_host_that_does_not_resolve_is_exit_2_without_the_exposure_warning(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, "--host", "no-such-host.invalid").startswith(
        "FAILED: [usage] --host 'no-such-host.invalid': ")


@pytest.mark.parametrize("missing", ["starlette", "uvicorn"])
def test_without_the_extra_it_says_how_to_install_it(here: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    hint = f"pyslsa serve needs the extra 'serve': pip install 'pyslsa[serve]' ({missing} is missing)"
    for name in [n for n in sys.modules if n.startswith(f"{missing}.")] + ["pyslsa.serve.runner", "pyslsa.serve.app"]:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, missing, None)  # an import of it fails, as when it is not installed
    with socket.socket() as taken:  # should the extra be found after all, it cannot serve: the port is taken
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        assert refused(capsys, "--port", port) == f"FAILED: [usage] {hint}"
        code = main(["serve", "--upstream", UPSTREAM, "--cache", "cache", "--port", port, "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 2
    assert json.loads(out) == {"command": "serve", "upstream": None, "stopped_by": None,
                               "error": {"code": "usage", "message": hint}, "trusted_root": None}


def test_help_teaches_the_clients_and_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for needle in ("pip install --index-url http://127.0.0.1:8080/simple/", "uv pip install --index-url",
                   "--on-fail hide", "Prefer block", "serve's exit status: 0 after Ctrl-C or SIGTERM; 2 when",
                   "'pyslsa[serve]'", "/-/decisions.json"):
        assert needle in out
