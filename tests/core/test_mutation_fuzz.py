"""Mutation fuzzing of real bundles: every single-point change is rejected with a VerificationError.

Mutations: a bit flip in the decoded bytes of any base64 field, an integer edit, a character change in the
checkpoint, a deleted key, a value of the wrong type, and a value swapped in from another valid bundle at the
same place. The property: the change is rejected with :class:`VerificationError` (zero other exceptions), or
the field is one that carries no meaning (an unauthenticated hint) and the verdict is exactly the original one.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyslsa
from pyslsa.errors import VerificationError
from tests.conftest import DELEGATOR, EXAMPLE_REPO, GENERIC, TRW_BUILDER, vector_json

CASES = {
    "generic-v0.3-dsse": (GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl",
                          GENERIC / "binary-linux-amd64-push-v14.2.intoto.jsonl",
                          "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa",
                          {"source_tag": "v14"}),
    "delegator-v0.2-intoto": (DELEGATOR / "binary-linux-amd64-push-v14.build.slsa",
                              DELEGATOR / "binary-linux-amd64-push-v14.2.build.slsa",
                              "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
                              {"source_tag": "v14", "builder_id": TRW_BUILDER}),
}

# Fields that are hints with no security meaning: removing or changing them may leave the verdict unchanged.
IGNORABLE = {
    ("dsseEnvelope", "signatures", 0, "keyid"),
    ("verificationMaterial", "timestampVerificationData"),
    ("verificationMaterial", "timestampVerificationData", "rfc3161Timestamps"),
}

Path_ = tuple[Any, ...]


def _paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    out: list[Path_] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out.extend(_paths(v, (*prefix, i)))
    return out


def _get(doc: Any, path: Path_) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _set(doc: Any, path: Path_, value: Any) -> None:
    _get(doc, path[:-1])[path[-1]] = value


def _delete(doc: Any, path: Path_) -> None:
    parent = _get(doc, path[:-1])
    del parent[path[-1]]


def _decode(value: Any) -> bytes | None:
    if not isinstance(value, str) or len(value) < 4 or value.isdigit():
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _verdict(doc: Any, digest: str, kw: dict[str, Any]) -> tuple[Any, ...]:
    r = pyslsa.verify_artifact(digest, json.dumps(doc).encode(), source_uri=EXAMPLE_REPO, **kw)
    return (json.dumps(r.statement, sort_keys=True), r.builder_id, r.ref, r.commit, r.integrated_time)


@pytest.mark.parametrize("case", sorted(CASES))
# PYSLSA_FUZZ_EXAMPLES=5000 for a longer local run.
@settings(max_examples=int(os.environ.get("PYSLSA_FUZZ_EXAMPLES", "600")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_single_point_mutations_are_rejected(case: str, data: st.DataObject) -> None:
    path_file, other_file, digest, kw = CASES[case]
    original = vector_json(path_file)
    other = vector_json(other_file)
    baseline = _verdict(original, digest, kw)
    doc = copy.deepcopy(original)
    paths = _paths(doc)
    path = data.draw(st.sampled_from(paths), label="path")
    value = _get(doc, path)
    kinds = ["delete", "wrong-type"]
    raw = _decode(value)
    if raw:
        kinds.append("bitflip")
    if (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit()):
        kinds.append("int")
    if isinstance(value, str) and "\n" in value:
        kinds.append("text")
    try:
        swapped = _get(other, path)
        if swapped != value:
            kinds.append("swap")
    except (KeyError, IndexError, TypeError):
        swapped = None
    kind = data.draw(st.sampled_from(kinds), label="kind")
    if kind == "delete":
        _delete(doc, path)
    elif kind == "wrong-type":
        _set(doc, path, data.draw(st.sampled_from([None, 0, -1, "", [], {}, True, "x", 1.5]), label="value"))
    elif kind == "bitflip":
        assert raw is not None
        pos = data.draw(st.integers(0, len(raw) * 8 - 1), label="bit")
        flipped = bytearray(raw)
        flipped[pos // 8] ^= 1 << (pos % 8)
        _set(doc, path, base64.b64encode(bytes(flipped)).decode())
    elif kind == "int":
        delta = data.draw(st.sampled_from([-1, 1, 2, -1000, 10**6, 2**40]), label="delta")
        new = int(value) + delta
        _set(doc, path, str(new) if isinstance(value, str) else new)
    elif kind == "text":
        pos = data.draw(st.integers(0, len(value) - 1), label="pos")
        ch = value[pos]
        _set(doc, path, value[:pos] + ("A" if ch != "A" else "B") + value[pos + 1:])
    else:
        _set(doc, path, copy.deepcopy(swapped))
    if doc == original:
        return
    try:
        mutated = _verdict(doc, digest, kw)
    except VerificationError:
        return  # rejected: the property holds
    # Accepted: only a meaningless hint may have changed, and the verdict must be the original one.
    assert path in IGNORABLE or (kind == "delete" and path[:2] == ("verificationMaterial",
                                                                     "timestampVerificationData")), (
        f"ACCEPTED a {kind} mutation at {path!r}")
    assert mutated == baseline


def test_fuzz_vectors_verify_unmodified() -> None:
    for path_file, _, digest, kw in CASES.values():
        assert _verdict(vector_json(Path(path_file)), digest, kw)
