"""Git refs and Go-style semantic versions (golang.org/x/mod/semver), as slsa-verifier uses them."""

from __future__ import annotations

import re

from pyslsa.errors import InvalidRefError, InvalidSemverError, MalformedURIError, MismatchVersionedTagError

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


def parse_git_uri_and_ref(uri: str) -> tuple[str, str]:
    """``git+https://github.com/o/r@refs/tags/v1`` -> (``git+https://github.com/o/r``, ``refs/tags/v1``); the ref
    is ``""`` when the URI has none (slsa-verifier's utils.ParseGitURIAndRef)."""
    if not uri:
        raise MalformedURIError("empty source URI")
    if not uri.startswith("git+"):
        raise MalformedURIError(f"not a git URI: {uri!r}")
    base, _, ref = uri.partition("@")
    return base, ref


def parse_git_ref(ref: str) -> tuple[str, str]:
    """``refs/<type>/<name>`` -> (type, name); anything else -> ("", ref) (slsa-verifier's utils.ParseGitRef)."""
    parts = ref.split("/", 2)
    if len(parts) < 3 or parts[0] != "refs":
        return "", ref
    return parts[1], parts[2]


def _ref_name(kind: str, ref: str) -> str:
    """slsa-verifier's utils.ValidateGitRef: the ref is ``refs/<kind>/<non-empty name>``, else ErrorInvalidRef."""
    typ, name = parse_git_ref(ref)
    if typ != kind or not name:
        raise InvalidRefError(f"expected a ref refs/{kind}/<name>, got {ref!r}")
    return name


def tag_from_ref(ref: str) -> str:
    """slsa-verifier's utils.TagFromGitRef: ``refs/tags/v1`` -> ``v1``; a branch ref or ``""`` is invalid-ref."""
    return _ref_name("tags", ref)


def branch_from_ref(ref: str) -> str:
    """slsa-verifier's utils.BranchFromGitRef: ``refs/heads/main`` -> ``main``; a tag ref or ``""`` is invalid-ref."""
    return _ref_name("heads", ref)


def is_release_tag(pin: str) -> bool:
    """vX.Y.Z exactly: no shorthand, no prerelease, no build metadata (trusted builder refs)."""
    m = _SEMVER.match(pin)
    return bool(m and m.group("patch") is not None and not m.group("pre") and not m.group("build"))


def is_testing_tag(pin: str) -> bool:
    """SLSA_VERIFIER_TESTING: vX.Y.Z with an optional prerelease, no build metadata."""
    m = _SEMVER.match(pin)
    return bool(m and m.group("patch") is not None and not m.group("build"))


def is_jreleaser_tag(pin: str) -> bool:
    """vX.Y.Z-<language> with a known language (only java today), no build metadata."""
    m = _SEMVER.match(pin)
    return bool(m and m.group("patch") is not None and m.group("pre") == "-java" and not m.group("build"))


def canonical(v: str) -> str:
    """golang.org/x/mod/semver.Canonical: vMAJOR.MINOR.PATCH[-PRE], shorthands expanded, build dropped."""
    m = _SEMVER.match(v)
    if m is None:
        return ""
    return f"v{m.group('major')}.{m.group('minor') or '0'}.{m.group('patch') or '0'}{m.group('pre') or ''}"


def _build(v: str) -> str:
    m = _SEMVER.match(v)
    return (m.group("build") or "") if m else ""


def _part(v: str, i: int) -> str | None:
    parts = v.split(".")
    return parts[i] if len(parts) > i else None


def verify_versioned_tag(provenance_tag: str, expected: str) -> None:
    """slsa-verifier's --source-versioned-tag semantics, to the letter.

    The expected version must be valid semver; the provenance tag is canonicalised (shorthands expanded, build
    metadata dropped). The major versions must be equal; if the user gave a minor (the 2nd dot-separated part
    of what they typed), it must equal the tag's; likewise a patch (the 3rd part, build metadata trimmed),
    which carries the prerelease: ``v1.2.3`` does not match a ``v1.2.3-rc1`` tag.
    """
    if not is_valid_semver(expected):
        raise InvalidSemverError(f"expected versioned tag is not a semantic version: {expected!r}")
    sem = canonical(provenance_tag)
    if not sem:
        raise InvalidSemverError(f"provenance tag is not a semantic version: {provenance_tag!r}")
    want_major, got_major = expected.split(".")[0].split("-")[0], sem.split(".")[0]
    if want_major != got_major:
        raise MismatchVersionedTagError(f"major version: expected {want_major!r}, got {got_major!r} "
                                        f"(tag {provenance_tag})")
    want_minor = _part(expected, 1)
    if want_minor is not None and want_minor != _part(sem, 1):
        raise MismatchVersionedTagError(f"minor version: expected {want_minor!r}, got {_part(sem, 1)!r} "
                                        f"(tag {provenance_tag})")
    want_patch = _part(expected, 2)
    if want_patch is not None:
        want_patch = want_patch.removesuffix(_build(expected)) if _build(expected) else want_patch
        got_patch = _part(sem, 2)
        if want_patch != got_patch:
            raise MismatchVersionedTagError(f"patch version: expected {want_patch!r}, got {got_patch!r} "
                                            f"(tag {provenance_tag})")
