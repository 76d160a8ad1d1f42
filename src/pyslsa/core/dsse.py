"""DSSE envelopes (https://github.com/secure-systems-lab/dsse) and in-toto statements."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pyslsa.core import jsonutil as j
from pyslsa.errors import InvalidProvenanceError, MismatchHashError, UnsupportedFormatError

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_V01 = "https://in-toto.io/Statement/v0.1"
STATEMENT_V1 = "https://in-toto.io/Statement/v1"
STATEMENT_TYPES = frozenset({STATEMENT_V01, STATEMENT_V1})


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    sig: bytes
    keyid: str


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    @property
    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)

    @property
    def payload_sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()

    @classmethod
    def from_json_obj(cls, o: Any, path: str) -> Envelope:
        o = j.obj(o, path)
        payload_type = j.get_str(o, "payloadType", path)
        payload = j.get_b64(o, "payload", path)
        sigs = []
        for i, s in enumerate(j.get_list(o, "signatures", path)):
            sp = f"{path}.signatures[{i}]"
            s = j.obj(s, sp)
            keyid = j.opt_str(s, "keyid", sp) or ""
            sigs.append(Signature(j.get_b64(s, "sig", sp), keyid))
        if len(sigs) != 1:
            raise InvalidProvenanceError(f"{path}.signatures: expected exactly 1 signature, got {len(sigs)}")
        return cls(payload_type, payload, tuple(sigs))


@dataclass(frozen=True)
class Subject:
    name: str
    digest: dict[str, str]


@dataclass(frozen=True)
class Statement:
    """A parsed in-toto Statement (v0.1 or v1); ``raw`` keeps the whole verified JSON object."""

    type: str
    predicate_type: str
    subjects: tuple[Subject, ...]
    predicate: dict[str, Any]
    raw: dict[str, Any]

    @classmethod
    def from_envelope(cls, env: Envelope) -> Statement:
        if env.payload_type != INTOTO_PAYLOAD_TYPE:
            raise UnsupportedFormatError(
                f"DSSE payloadType: expected {INTOTO_PAYLOAD_TYPE!r}, got {env.payload_type!r}")
        return cls.from_bytes(env.payload)

    @classmethod
    def from_bytes(cls, payload: bytes) -> Statement:
        doc = j.obj(j.loads(payload, "in-toto statement"), "statement")
        st_type = j.get_str(doc, "_type", "statement")
        if st_type not in STATEMENT_TYPES:
            raise UnsupportedFormatError(f"statement _type: expected one of {sorted(STATEMENT_TYPES)}, "
                                         f"got {st_type!r}")
        predicate_type = j.get_str(doc, "predicateType", "statement")
        subjects = []
        raw_subjects = j.get_list(doc, "subject", "statement")
        if not raw_subjects:
            raise InvalidProvenanceError("statement.subject: no subjects")
        for i, s in enumerate(raw_subjects):
            sp = f"statement.subject[{i}]"
            s = j.obj(s, sp)
            name = j.opt_str(s, "name", sp) or ""
            digest_obj = j.get_obj(s, "digest", sp)
            digest: dict[str, str] = {}
            for alg, value in digest_obj.items():
                if not isinstance(value, str):
                    raise InvalidProvenanceError(f"{sp}.digest.{alg}: expected a string")
                digest[alg.lower()] = value.lower()
            subjects.append(Subject(name, digest))
        predicate = doc.get("predicate")
        if predicate is None:
            predicate = {}
        predicate = j.obj(predicate, "statement.predicate")
        return cls(st_type, predicate_type, tuple(subjects), predicate, doc)

    def matching_subjects(self, sha256_hex: str) -> list[Subject]:
        return [s for s in self.subjects if s.digest.get("sha256") == sha256_hex.lower()]

    def require_subject(self, sha256_hex: str) -> Subject:
        found = self.matching_subjects(sha256_hex)
        if not found:
            got = ", ".join(s.digest.get("sha256", "<no sha256>") for s in self.subjects[:4])
            more = f" (+{len(self.subjects) - 4} more)" if len(self.subjects) > 4 else ""
            raise MismatchHashError(f"artifact digest not among the statement's subjects: expected "
                                    f"sha256:{sha256_hex}, got {got}{more}")
        return found[0]
