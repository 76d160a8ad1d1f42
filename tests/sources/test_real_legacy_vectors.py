"""The real legacy vectors (gha_generic/v1.7.0, legacy-misc), looked up in a test Rekor (in memory, through the
HTTP engine's transport seam).

Their real Rekor entries are public but not reachable here, so a test log (its own key, put into a copy of the
production trusted root in place of Rekor's) logs an ``intoto`` 0.0.1 entry for each real envelope, at a time
inside its real certificate's validity. Everything else is real: Fulcio chain, SCT, DSSE signature, provenance.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pyslsa
from pyslsa.errors import VerificationError
from tests.conftest import EXAMPLE_REPO, GENERIC_LEGACY, LEGACY_MISC, vector
from tests.legacy_rekor import ROOT, legacy_rekor


@pytest.fixture(scope="module")
def rekor() -> Iterator[str]:
    with legacy_rekor() as url:
        yield url


def check(rekor: str, artifact: Path, prov: Path, expect: str | None, **kw: Any) -> None:
    kw.setdefault("source_uri", EXAMPLE_REPO)
    call = lambda: pyslsa.verify_artifact(str(artifact), prov, trusted_root=ROOT, rekor_url=rekor, **kw)  # noqa: E731
    if expect is None:
        r = call()
        assert r.integrated_time is not None and r.builder_id.startswith("https://github.com/slsa-framework/")
        return
    with pytest.raises(VerificationError) as info:
        call()
    assert info.value.code == expect, info.value.message


BIN = GENERIC_LEGACY / "binary-linux-amd64"


def g(name: str) -> Path:
    return GENERIC_LEGACY / f"binary-linux-amd64-{name}.intoto.jsonl"


@pytest.mark.parametrize(("prov", "expect", "kw"), [
    ("push-v14", None, {"source_tag": "v14"}),
    ("push-v14", "mismatch-tag", {"source_tag": "v13"}),
    ("push-v14", None, {"source_versioned_tag": "v14"}),
    ("push-v14", None, {"source_branch": "main"}),
    ("push-v14", "mismatch-source", {"source_uri": "github.com/other/repo"}),
    ("push-v14", None, {"builder_id": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
                                      "generator_generic_slsa3.yml@v1.7.0"}),
    ("push-v14", "untrusted-builder", {"builder_id": "https://github.com/slsa-framework/slsa-github-generator/"
                                                     ".github/workflows/generator_generic_slsa3.yml@v1.6.0"}),
    ("push-v14.2", None, {"source_versioned_tag": "v14.2"}),
    ("push-v14.2", "mismatch-versioned-tag", {"source_versioned_tag": "v14.3"}),
    ("push-v13.0.30", None, {"source_tag": "v13.0.30"}),
    ("workflow_dispatch", None, {"source_branch": "main"}),
    # a build from branch main has no tag: ErrorInvalidRef (slsa-verifier's "tag no match empty tag
    # workflow_dispatch" rows, run on every gha_generic version from v1.2.2 on, this one included)
    ("workflow_dispatch", "invalid-ref", {"source_tag": "v1.2.3"}),
    ("workflow_dispatch", "invalid-ref", {"source_versioned_tag": "v1"}),
    ("workflow_dispatch", "mismatch-branch", {"source_branch": "master"}),
    ("push-v14", "mismatch-branch", {"source_branch": "master"}),
])
def test_generic_v170(rekor: str, prov: str, expect: str | None, kw: dict[str, Any]) -> None:
    check(rekor, BIN, g(prov), expect, **kw)


def test_generic_v170_changed_artifact(rekor: str, tmp_path: Path) -> None:
    data = bytearray(vector(BIN))
    data[100] ^= 1
    art = tmp_path / "binary"
    art.write_bytes(bytes(data))
    check(rekor, art, g("push-v14"), "mismatch-hash")


def test_annotated_tag_on_no_branch(rekor: str) -> None:
    """slsa-verifier's regression table, row "no branch": the tag's push event has base_ref null, so GetBranch
    returns "" and utils.BranchFromGitRef refuses it: ErrorInvalidRef (not a branch mismatch)."""
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_artifact(str(LEGACY_MISC / "annotated-tag"), LEGACY_MISC / "annotated-tag.intoto.jsonl",
                               source_uri="github.com/asraa/slsa-on-github-test", source_versioned_tag="v1.5.0",
                               source_branch="main", trusted_root=ROOT, rekor_url=rekor)
    assert info.value.code == "invalid-ref"
    assert "'main'" in info.value.message and "'refs/tags/v1.5.0'" in info.value.message
    # the row without --source-branch ("annotated tag") passes
    r = pyslsa.verify_artifact(str(LEGACY_MISC / "annotated-tag"), LEGACY_MISC / "annotated-tag.intoto.jsonl",
                               source_uri="github.com/asraa/slsa-on-github-test", source_versioned_tag="v1.5.0",
                               trusted_root=ROOT, rekor_url=rekor)
    assert r.ref == "refs/tags/v1.5.0"


def test_annotated_tag(rekor: str) -> None:
    src = "github.com/asraa/slsa-on-github-test"
    prov = LEGACY_MISC / "annotated-tag.intoto.jsonl"
    with pytest.raises(VerificationError) as info:  # builder v1.2.2 is a release: the tag checks decide
        pyslsa.verify_artifact(str(LEGACY_MISC / "annotated-tag"), prov, source_uri=src, source_tag="v1.5.1",
                               trusted_root=ROOT, rekor_url=rekor)
    assert info.value.code == "mismatch-tag"
    r = pyslsa.verify_artifact(str(LEGACY_MISC / "annotated-tag"), prov, source_uri=src, source_tag="v1.5.0",
                               trusted_root=ROOT, rekor_url=rekor)
    assert r.ref == "refs/tags/v1.5.0"


@pytest.mark.parametrize(("inputs", "expect"), [
    ({"some_bool": "true"}, None), ({"some_integer": "123", "some_bool": "true"}, None),
    ({"release_version": "(for example, 0.1.0)"}, None),
    ({"some_bool": "false"}, "mismatch-workflow-inputs"), ({"missing": "x"}, "mismatch-workflow-inputs"),
])
def test_workflow_inputs(rekor: str, inputs: dict[str, str], expect: str | None) -> None:
    call = lambda: pyslsa.verify_artifact(  # noqa: E731
        str(LEGACY_MISC / "workflow-inputs"), LEGACY_MISC / "workflow-inputs.intoto.jsonl",
        source_uri="github.com/laurentsimon/slsa-on-github-test", build_workflow_inputs=inputs,
        trusted_root=ROOT, rekor_url=rekor)
    if expect is None:
        assert call().ref == "refs/heads/main"
    else:
        with pytest.raises(VerificationError) as info:
            call()
        assert info.value.code == expect


@pytest.mark.parametrize(("kw", "expect"), [
    ({"source_branch": "main"}, None), ({"source_branch": "dev"}, "mismatch-branch"),
    ({"source_tag": "v0.1.0"}, "invalid-ref"), ({"source_versioned_tag": "v0"}, "invalid-ref"),
    # the branch is checked first, the inputs last (VerifyProvenanceCommonOptions' order)
    ({"source_branch": "dev", "source_tag": "v0.1.0"}, "mismatch-branch"),
    ({"source_tag": "v0.1.0", "build_workflow_inputs": {"some_bool": "false"}}, "invalid-ref"),
])
def test_workflow_inputs_build_is_a_branch_build(rekor: str, kw: dict[str, Any], expect: str | None) -> None:
    """A workflow_dispatch run on main (legacy v0.2 provenance): it has a branch and no tag."""
    check(rekor, LEGACY_MISC / "workflow-inputs", LEGACY_MISC / "workflow-inputs.intoto.jsonl", expect,
          source_uri="github.com/laurentsimon/slsa-on-github-test", **kw)


@pytest.mark.parametrize("which", ["first", "second"])
def test_multi_subject_builder_at_main(rekor: str, which: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Built by the generator at refs/heads/main: refused, except under slsa-verifier's testing switch."""
    art = LEGACY_MISC / f"binary-linux-amd64-multi-subject-{which}"
    prov = LEGACY_MISC / f"binary-linux-amd64-multi-subject-{which}.intoto.jsonl"
    check(rekor, art, prov, "invalid-ref")
    monkeypatch.setenv("SLSA_VERIFIER_TESTING", "1")
    pyslsa.verify_artifact(str(art), prov, source_uri=EXAMPLE_REPO, trusted_root=ROOT, rekor_url=rekor)
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_artifact(str(GENERIC_LEGACY / "binary-linux-amd64"), prov, source_uri=EXAMPLE_REPO,
                               trusted_root=ROOT, rekor_url=rekor)
    assert info.value.code == "mismatch-hash"


@pytest.mark.network
def test_real_public_rekor_lookup() -> None:
    """Against the real public Rekor (run with --run-network): the v1.7.0 vector's real entry verifies."""
    r = pyslsa.verify_artifact(str(BIN), g("push-v14"), source_uri=EXAMPLE_REPO, source_tag="v14",
                               rekor_url="https://rekor.sigstore.dev")
    assert r.integrated_time is not None
