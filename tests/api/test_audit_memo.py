"""One audit run checks certificate chains through one ChainMemo of its own (issue 11: a certificate shared by many
files is checked once per run); a memo never outlives its run."""

from __future__ import annotations

from pathlib import Path

import pytest

import pyslsa.api.audit as api_audit
from pyslsa.api.audit import run_audit
from tests.audit_world import EX, PA, RL, World, world
from tests.conftest import record_chain_memos

POLICY = """
require = "listed"
[packages.rules-lint]
repository = "github.com/aspect-build/rules_lint"
[packages.example-package]
repository = "github.com/slsa-framework/example-package"
[packages.pypi-attestations]
repository = "github.com/trailofbits/pypi-attestations"
"""


def test_audit_checks_chains_through_its_runs_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = record_chain_memos(monkeypatch, api_audit)
    with world(tmp_path) as w:
        assert isinstance(w, World)
        w.standard()
        w.policy(POLICY)
        report = run_audit(w.options(w.requirements([PA, RL, EX])))
    assert report.exit_status == 0, report.to_json()
    (memo,) = made
    assert memo.misses == 3  # the PEP 740, GitHub attestation and release provenance certificates
