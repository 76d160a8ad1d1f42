"""Legacy envelopes verified against a Rekor API entry (the pure core of the online lookup)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from pyslsa.core.bundle import LegacyEnvelope, parse_document
from pyslsa.core.legacy import parse_log_entries, verify_legacy_with_entry
from pyslsa.core.slsa.policy import SlsaPolicy, verify_slsa
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import VerificationError
from tests.authority import Authority, legacy_envelope
from tests.local_provenance import DIGEST, GEN
from tests.local_provenance import gh_claims as _gh_claims
from tests.local_provenance import provenance as _provenance


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


def _root(auth: Authority) -> TrustedRoot:
    return TrustedRoot.from_json(json.dumps(auth.trusted_root()))


def _verify(line: bytes, answer: Any, auth: Authority) -> Any:
    legacy = parse_document(line.strip())
    assert isinstance(legacy, LegacyEnvelope)
    (_, entry), = parse_log_entries(json.dumps(answer).encode())
    return verify_legacy_with_entry(legacy, entry, _root(auth))


@pytest.mark.parametrize("kind", ["intoto", "dsse"])
def test_legacy_envelope_with_its_entry_verifies_and_passes_policy(auth: Authority, kind: str) -> None:
    line, answer = legacy_envelope(auth, _provenance(), san=GEN + "@refs/tags/v2.1.0", claims=_gh_claims(), kind=kind)
    sig = _verify(line, answer, auth)
    verdict = verify_slsa(sig, DIGEST[7:], SlsaPolicy("github.com/o/r", source_tag="v1"))
    assert verdict.commit == "a" * 40


def _tamper(answer: dict[str, Any], edit: Any) -> dict[str, Any]:
    answer = copy.deepcopy(answer)
    edit(next(iter(answer.values())))
    return answer


@pytest.mark.parametrize(("name", "edit"), [
    ("integrated time", lambda e: e.update(integratedTime=e["integratedTime"] + 1)),
    ("SET missing", lambda e: e["verification"].pop("signedEntryTimestamp")),
    ("proof hash", lambda e: e["verification"]["inclusionProof"]["hashes"].__setitem__(0, "00" * 32)),
    ("log id", lambda e: e.update(logID="00" * 32)),
])
def test_tampered_entry(auth: Authority, name: str, edit: Any) -> None:
    line, answer = legacy_envelope(auth, _provenance(), san=GEN + "@refs/tags/v2.1.0", claims=_gh_claims())
    with pytest.raises(VerificationError) as info:
        _verify(line, _tamper(answer, edit), auth)
    assert info.value.code == "invalid-tlog-entry", name


def test_entry_for_another_envelope(auth: Authority) -> None:
    line, _ = legacy_envelope(auth, _provenance(), san=GEN + "@refs/tags/v2.1.0", claims=_gh_claims())
    _, other = legacy_envelope(auth, _provenance(sha="b" * 40), san=GEN + "@refs/tags/v2.1.0",
                               claims=_gh_claims(sha="b" * 40))
    with pytest.raises(VerificationError) as info:
        _verify(line, other, auth)
    assert info.value.code in {"invalid-tlog-entry", "invalid-certificate"}


def test_certificate_expired_at_integration(auth: Authority) -> None:
    import datetime as dt

    line, answer = legacy_envelope(auth, _provenance(), san=GEN + "@refs/tags/v2.1.0", claims=_gh_claims(),
                                   integrated_time=auth.now + dt.timedelta(hours=1))
    with pytest.raises(VerificationError) as info:
        _verify(line, answer, auth)
    assert info.value.code == "invalid-certificate"


@pytest.mark.parametrize("data", [b"", b"garbage", b"[]", b"{}", b'{"u": 1}', b'{"u": {"body": "x"}}',
                                  b"[" * 10000])
def test_malformed_answers(data: bytes) -> None:
    with pytest.raises(VerificationError) as info:
        entries = parse_log_entries(data)
        if not entries:
            raise VerificationError("no entries", code="tlog-entry-not-found")
    assert info.value.code in {"invalid-tlog-entry", "tlog-entry-not-found"}
