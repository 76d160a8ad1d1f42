"""Git refs and Go-style semantic versions (golang.org/x/mod/semver), as slsa-verifier uses them."""

from __future__ import annotations

import re

from pyslsa.errors import InvalidRefError, InvalidSemverError, MismatchVersionedTagError

# golang.org/x/mod/semver: "v" MAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]; numbers without leading zeros;
# shorthands v1 and v1.2 are valid (and may not carry a prerelease or build suffix).
_NUM = r"(?:0|[1-9][0-9]*)"
_IDENT = r"(?:[0-9A-Za-z-]+)"
_PRE_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"\Av(?P<major>{_NUM})(?:\.(?P<minor>{_NUM})(?:\.(?P<patch>{_NUM})"
    rf"(?P<pre>-{_PRE_IDENT}(?:\.{_PRE_IDENT})*)?(?P<build>\+{_IDENT}(?:\.{_IDENT})*)?)?)?\Z"
)


def semver_parts(v: str) -> re.Match[str] | None:
    return _SEMVER.match(v)


def is_valid_semver(v: str) -> bool:
    return _SEMVER.match(v) is not None


def tag_from_ref(ref: str) -> str:
    if not ref.startswith("refs/tags/"):
        raise InvalidRefError(f"expected a tag ref refs/tags/..., got {ref!r}")
    return ref[len("refs/tags/"):]


def branch_from_ref(ref: str) -> str:
    if not ref.startswith("refs/heads/"):
        raise InvalidRefError(f"expected a branch ref refs/heads/..., got {ref!r}")
    return ref[len("refs/heads/"):]


def is_release_tag(pin: str) -> bool:
    """vX.Y.Z exactly: no shorthand, no prerelease, no build metadata (trusted builder refs)."""
    m = _SEMVER.match(pin)
    return bool(m and m.group("patch") is not None and not m.group("pre") and not m.group("build"))


def verify_versioned_tag(provenance_tag: str, expected: str) -> None:
    """slsa-verifier's --source-versioned-tag semantics.

    Both must be valid semver. Build metadata is ignored. The major version must be equal; a minor given by the
    user must be equal; a patch given by the user must be equal, prerelease included (``v1.2.3`` does not match
    ``v1.2.3-alpha``).
    """
    got = _SEMVER.match(provenance_tag)
    if got is None:
        raise InvalidSemverError(f"provenance tag is not a semantic version: {provenance_tag!r}")
    want = _SEMVER.match(expected)
    if want is None:
        raise InvalidSemverError(f"expected versioned tag is not a semantic version: {expected!r}")
    if got.group("major") != want.group("major"):
        raise MismatchVersionedTagError(f"major version: expected v{want.group('major')}, got "
                                        f"v{got.group('major')} (tag {provenance_tag})")
    if want.group("minor") is not None:
        got_minor = got.group("minor") or "0"
        if got_minor != want.group("minor"):
            raise MismatchVersionedTagError(f"minor version: expected {want.group('minor')}, got {got_minor} "
                                            f"(tag {provenance_tag})")
    if want.group("patch") is not None:
        got_patch = (got.group("patch") or "0") + (got.group("pre") or "")
        want_patch = want.group("patch") + (want.group("pre") or "")
        if got_patch != want_patch:
            raise MismatchVersionedTagError(f"patch version: expected {want_patch}, got {got_patch} "
                                            f"(tag {provenance_tag})")
