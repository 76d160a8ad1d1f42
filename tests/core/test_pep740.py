"""PEP 740 attestations (real PyPI vectors): verification, subject, Trusted Publisher."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from pyslsa.core.pep740 import Publisher, parse_provenance_object, verify_attestation
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import VerificationError
from tests.conftest import DATA, PYPI_ATT, vector, vector_json

SDIST = "pypi_attestations-0.0.19.tar.gz"
SDIST_SHA = hashlib.sha256(vector(PYPI_ATT / SDIST)).hexdigest()
PUB = Publisher("GitHub", "trailofbits/pypi-attestations", "release.yml")
PROD = TrustedRoot.production()


@pytest.mark.parametrize("kind", ["publish", "slsa"])
def test_real_attestations_verify(kind: str) -> None:
    att = vector_json(PYPI_ATT / f"{SDIST}.{kind}.attestation")
    v = verify_attestation(att, SDIST, SDIST_SHA, PROD, PUB, profile=SLSA_VERIFIER)
    assert v.statement.subjects[0].name == SDIST


def test_provenance_object() -> None:
    (publisher, attestations), = parse_provenance_object(vector(PYPI_ATT / f"{SDIST}.provenance"))
    assert publisher.repository == "trailofbits/pypi-attestations" and publisher.workflow == "release.yml"
    for att in attestations:
        verify_attestation(att, SDIST, SDIST_SHA, PROD, publisher, profile=SLSA_VERIFIER)


def test_staging_attestation_needs_the_staging_root() -> None:
    att = vector_json(PYPI_ATT / "rfc8785-0.1.2-py3-none-any.whl.publish.attestation")
    whl = "rfc8785-0.1.2-py3-none-any.whl"
    sha = hashlib.sha256(vector(PYPI_ATT / whl)).hexdigest()
    staging = TrustedRoot.from_json(vector(DATA / "trust-roots" / "staging-trusted_root.json"))
    assert verify_attestation(att, whl, sha, staging, profile=SLSA_VERIFIER).signature.claims is not None
    with pytest.raises(VerificationError):
        verify_attestation(att, whl, sha, PROD, profile=SLSA_VERIFIER)


@pytest.mark.parametrize(("publisher", "code"), [
    (Publisher("GitHub", "trailofbits/other", "release.yml"), "mismatch-source"),
    (Publisher("GitHub", "trailofbits/pypi-attestations", "other.yml"), "mismatch-identity"),
    (Publisher("GitHub", "trailofbits/pypi-attestations", ".github/workflows/release.yml"), "mismatch-identity"),
    (Publisher("GitLab", "trailofbits/pypi-attestations", "release.yml"), "mismatch-identity"),  # the issuer
    (Publisher("ActiveState", "trailofbits/pypi-attestations"), "unsupported-format"),
])
def test_wrong_publisher(publisher: Publisher, code: str) -> None:
    att = vector_json(PYPI_ATT / f"{SDIST}.publish.attestation")
    with pytest.raises(VerificationError) as info:
        verify_attestation(att, SDIST, SDIST_SHA, PROD, publisher, profile=SLSA_VERIFIER)
    assert info.value.code == code


def test_wrong_file() -> None:
    att = vector_json(PYPI_ATT / f"{SDIST}.publish.attestation")
    for name, sha in ((SDIST, "0" * 64), ("other-0.0.19.tar.gz", SDIST_SHA)):
        with pytest.raises(VerificationError) as info:
            verify_attestation(att, name, sha, PROD, PUB, profile=SLSA_VERIFIER)
        assert info.value.code == "mismatch-hash"


def _edit(path: tuple[Any, ...], value: Any) -> Any:
    att = copy.deepcopy(vector_json(PYPI_ATT / f"{SDIST}.publish.attestation"))
    target = att
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return att


@pytest.mark.parametrize(("path", "value"), [
    (("version",), 2), (("version",), True), (("envelope", "signature"), "MEUCIQ=="),
    (("envelope", "statement"), "e30="), (("verification_material", "certificate"), "AAAA"),
    (("verification_material", "transparency_entries"), []), (("envelope",), None),
])
def test_tampered_attestation(path: tuple[Any, ...], value: Any) -> None:
    with pytest.raises(VerificationError):
        verify_attestation(json.loads(json.dumps(_edit(path, value))), SDIST, SDIST_SHA, PROD, PUB,
                           profile=SLSA_VERIFIER)


# -- the subject: pypi-attestations compares parsed distribution file names -------------------------------------------

SPT3G = "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
SPT3G_SHA = "d2772f9a5199f05ed1be8d9aa78b879e51772e3ead9d73fe8057257b1aec7cf8"  # the statement's (no wheel copied)
STAGING = TrustedRoot.from_json(vector(DATA / "trust-roots" / "staging-trusted_root.json"))


@pytest.mark.parametrize(("filename", "code"), [
    (SPT3G, None),
    # the same wheel with its compressed platform tags in the other order: pypi-attestations' regression test
    ("spt3g-1.0-cp310-cp310-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", None),
    ("SPT3G-1.0.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", None),  # name and version spelling
    ("spt3g-1.0-cp310-cp310-manylinux2014_x86_64.whl", "mismatch-hash"),  # another tag set
    ("spt3g-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "mismatch-hash"),
    ("spt3g-1.0-1-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "mismatch-hash"),  # a build tag
    ("spt3g-1.1-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "mismatch-hash"),
    ("spt3g-1.0.tar.gz", "mismatch-hash"),
    ("spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.egg", "unsupported-format"),
    ("spt3g.whl", "unsupported-format"),
])
def test_subject_is_the_file_once_parsed(filename: str, code: str | None) -> None:
    att = vector_json(PYPI_ATT / f"{SPT3G}.publish.attestation")
    try:
        verify_attestation(att, filename, SPT3G_SHA, STAGING, profile=SLSA_VERIFIER)
        got = None
    except VerificationError as exc:
        got = exc.code
    assert got == code
