"""Git refs and Go-semver rules as slsa-verifier applies them (builder refs, --source-versioned-tag)."""

from __future__ import annotations

import pytest

from pyslsa.core.slsa import refs
from pyslsa.errors import VerificationError


@pytest.mark.parametrize(("v", "valid"), [
    ("v1", True), ("v1.2", True), ("v1.2.3", True), ("v1.2.3-alpha", True), ("v1.2.3-alpha.1", True),
    ("v1.2.3+build.5", True), ("v1.2.3-rc.1+b", True), ("v0.0.0", True),
    ("1.2.3", False), ("v1.2.3.4", False), ("v01.2.3", False), ("v1.02.3", False), ("v1.2-alpha", False),
    ("v1+b", False), ("v1.2.3-", False), ("v1.2.3-01", False), ("v1.2.3+", False), ("", False), ("v", False),
    ("vv1", False), ("v1.2.3 ", False),
])
def test_go_semver_validity(v: str, valid: bool) -> None:
    assert refs.is_valid_semver(v) is valid


@pytest.mark.parametrize(("v", "canon"), [
    ("v1", "v1.0.0"), ("v1.2", "v1.2.0"), ("v1.2.3+meta", "v1.2.3"), ("v1.2.3-rc.1+m", "v1.2.3-rc.1"), ("x", ""),
])
def test_canonical(v: str, canon: str) -> None:
    assert refs.canonical(v) == canon


@pytest.mark.parametrize(("tag", "ok"), [
    ("v1.2.3", True), ("v2.1.0", True), ("v1.2", False), ("v1", False), ("v1.2.3-rc.1", False),
    ("v1.2.3+b", False), ("1.2.3", False),
])
def test_builder_release_tag(tag: str, ok: bool) -> None:
    assert refs.is_release_tag(tag) is ok


@pytest.mark.parametrize(("tag", "expected", "code"), [
    ("v1.2.3", "v1", None), ("v1.2.3", "v1.2", None), ("v1.2.3", "v1.2.3", None),
    ("v1.2.3", "v2", "mismatch-versioned-tag"), ("v1.2.3", "v1.3", "mismatch-versioned-tag"),
    ("v1.2.3", "v1.2.4", "mismatch-versioned-tag"),
    ("v1.2", "v1.2.0", None), ("v1", "v1.0", None), ("v1", "v1.0.0", None),
    ("v1.2.3+123", "v1.2.3", None), ("v1.2.3", "v1.2.3+456", None),
    ("v1.2.3-alpha", "v1.2.3", "mismatch-versioned-tag"), ("v1.2.3-alpha", "v1.2.3-alpha", None),
    ("v1.2.3-alpha", "v1.2", None), ("v1.2.3-alpha+123", "v1.2.3-alpha", None),
    ("v10.0.1", "v1", "mismatch-versioned-tag"), ("v10.0.1", "v10", None),
    ("slsa1", "v1", "invalid-semver"), ("v1.2.3", "1.2.3", "invalid-semver"), ("v1.2.3", "v1.2-rc", "invalid-semver"),
])
def test_versioned_tag(tag: str, expected: str, code: str | None) -> None:
    if code is None:
        refs.verify_versioned_tag(tag, expected)
        return
    with pytest.raises(VerificationError) as info:
        refs.verify_versioned_tag(tag, expected)
    assert info.value.code == code


@pytest.mark.parametrize(("ref", "fn", "out"), [
    ("refs/tags/v1", refs.tag_from_ref, "v1"), ("refs/heads/main", refs.branch_from_ref, "main"),
    ("refs/heads/feat/x", refs.branch_from_ref, "feat/x"),
])
def test_ref_parsing(ref: str, fn: object, out: str) -> None:
    assert fn(ref) == out  # type: ignore[operator]


@pytest.mark.parametrize(("ref", "fn"), [
    ("refs/heads/main", refs.tag_from_ref), ("refs/tags/v1", refs.branch_from_ref), ("", refs.tag_from_ref),
    ("main", refs.branch_from_ref), ("refs/pull/1/merge", refs.branch_from_ref),
])
def test_ref_parsing_rejects(ref: str, fn: object) -> None:
    with pytest.raises(VerificationError) as info:
        fn(ref)  # type: ignore[operator]
    assert info.value.code == "invalid-ref"
