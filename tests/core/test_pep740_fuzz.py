"""Mutation fuzzing of the real PEP 740 provenance object as verify-release decides on it.

One change at a time to ``pypi_attestations-0.0.19.tar.gz.provenance``: a bit flip in the decoded bytes of a
base64 field, a deleted key, a value of the wrong type, a changed string. The property: the file's verdict is
a failure with a :class:`VerificationError` code (never another exception), unless the field carries no
security meaning (the publisher's environment, which no Fulcio claim records), and then the verdict is the
original pass.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import ReleaseFile, decide_release
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import CODES
from tests.conftest import PYPI_ATT, vector

NAME = "pypi_attestations-0.0.19.tar.gz"
FILE = ReleaseFile(NAME, hashlib.sha256(vector(PYPI_ATT / NAME)).hexdigest())
ORIGINAL = json.loads(vector(PYPI_ATT / f"{NAME}.provenance"))
POLICY = SlsaPolicy("github.com/trailofbits/pypi-attestations", source_tag="v0.0.19")
ROOT = TrustedRoot.production()
#: The publisher's environment: no Fulcio claim records it, so pypi-attestations does not check it either. Every
#: other field must fail when changed -- the workflow included: a GitHub publisher without one is no publisher
#: pypi-attestations accepts (its GitHubPublisher model requires it), so dropping it loosens nothing.
IGNORABLE = {("attestation_bundles", 0, "publisher", "environment")}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


PATHS = _paths(ORIGINAL)


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(doc, path[:-1])[path[-1]] = value


def _delete(doc: Any, path: tuple[Any, ...]) -> None:
    parent = _get(doc, path[:-1])
    del parent[path[-1]]


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True) if len(value) >= 8 else None
    except (binascii.Error, ValueError):
        return None


def verdict(doc: Any) -> tuple[bool, str | None]:
    (v,) = decide_release([FILE], {NAME: [("p", json.dumps(doc).encode())]}, [], POLICY, ROOT,
                          profile=SLSA_VERIFIER)
    return v.verified, v.error.code if v.error is not None else None


def test_original_passes() -> None:
    assert verdict(ORIGINAL) == (True, None)


def _check(doc: Any, path: tuple[Any, ...]) -> None:
    ok, code = verdict(doc)
    if path in IGNORABLE or any(path[:len(i)] == i for i in IGNORABLE):
        assert (ok, code) in ((True, None), (False, code)), (path, code)
        return
    assert not ok, f"mutation at {path} still passes"
    assert code in CODES, (path, code)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), st.sampled_from(["flip", "delete", "type", "text"]), st.integers(0, 10 ** 6))
def test_single_mutation_fails_closed(path: tuple[Any, ...], how: str, seed: int) -> None:
    doc = copy.deepcopy(ORIGINAL)
    value = _get(doc, path)
    if how == "flip":
        raw = _b64(value) if isinstance(value, str) else None
        if raw is None:
            return
        flipped = bytearray(raw)
        bit = seed % (len(flipped) * 8)
        flipped[bit // 8] ^= 1 << (bit % 8)
        _set(doc, path, base64.b64encode(bytes(flipped)).decode())
    elif how == "delete":
        if isinstance(path[-1], int) and len(_get(doc, path[:-1])) == 1:
            _set(doc, path[:-1], [])
        else:
            _delete(doc, path)
    elif how == "type":
        _set(doc, path, [42, None, {"x": 1}, "s", True][seed % 5] if not isinstance(value, list) else {"x": value})
        if _get(doc, path) == value:
            return
    else:
        if not isinstance(value, str):
            return
        changed = value + "x" if seed % 2 else ("X" + value[1:] if value[:1] != "X" else "Y" + value[1:])
        _set(doc, path, changed)
    _check(doc, path)
