"""One verify-release run checks certificate chains through one ChainMemo of its own (issue 11: a certificate
shared by many documents is checked once per run); a memo never outlives its run."""

from __future__ import annotations

import json

import pytest

import pyslsa.api.release as api_release
from pyslsa.cli import main
from tests.conftest import EXAMPLE_REPO, GENERIC, record_chain_memos, vector
from tests.release_servers import Host, add_project, add_release


def test_verify_release_checks_chains_through_its_runs_memo(hosts: tuple[Host, Host],
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    add_project(index, "example-package", {"example_package-14-py3-none-any.whl":
                                           vector(GENERIC / "binary-linux-amd64")})
    add_release(gh, "slsa-framework/example-package", "v14",
                {"multiple.intoto.jsonl": vector(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")})
    made = record_chain_memos(monkeypatch, api_release)
    argv = ["verify-release", "example-package==14", "--source-uri", EXAMPLE_REPO, "--index-url",
            f"{index.base}/simple/", "--github-url", gh.base, "--github-api-url", f"{gh.base}/api", "--format", "json"]
    for run in (1, 2):
        assert main(argv) == 0, capsys.readouterr()
        assert json.loads(capsys.readouterr().out)["verified"] is True
        assert len(made) == run  # a new memo per run, never one kept between runs
        assert (made[-1].misses, made[-1].hits) == (1, 0)  # the one document's chain, checked through the memo
