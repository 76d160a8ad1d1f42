"""Checkpoint origins as sigstore-go checks them (pkg/verify/tlog.go ``VerifyTlogEntry`` / ``hasRekorV1STH``).

A Rekor v1 origin is ``<hostname> - <tree id>`` where the hostname is Rekor's own setting, not the URL it is
served from: only the log key's signature counts. Any other checkpoint (Rekor v2: the bare host) must name
``Hostname(baseUrl)``. The same function serves verify-bundle, verify-artifact and the legacy Rekor lookup.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import pyslsa
from pyslsa.core.bundle import LegacyEnvelope, parse_document
from pyslsa.core.tlog import go_url_hostname, rekor_v1_origin_name
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import VerificationError
from pyslsa.sources.rekor import RekorClient, lookup_and_verify
from tests.authority import GH_ISSUER, Authority, Log, b64, legacy_envelope, rekor_v2_log
from tests.local_provenance import DIGEST, GEN
from tests.local_provenance import gh_claims as _gh_claims
from tests.local_provenance import provenance as _provenance
from tests.memory_net import rekor_in_memory
from tests.rekor_server import RekorState

SAN = GEN + "@refs/tags/v2.1.0"
TREE_ID = 1241883296394779264  # the shape of a real Rekor v1 tree id


def private_rekor(origin: str = "other-host.internal", url: str = "https://rekor.example.test") -> Authority:
    """An authority whose Rekor v1 log is served from ``url`` but names itself ``origin`` in its checkpoints."""
    return Authority(log=Log(origin_name=origin, base_url=url, tree_id=TREE_ID))


def signed_at(auth: Authority) -> dt.datetime:
    return auth.now + dt.timedelta(seconds=30)


def trusted(auth: Authority) -> bytes:
    return json.dumps(auth.trusted_root()).encode()


def slsa_bundle(auth: Authority, **kw: Any) -> dict[str, Any]:
    key, cert = auth.leaf(san=SAN, issuer=GH_ISSUER, claims=_gh_claims())
    return auth.dsse_bundle(_provenance(), key=key, cert=cert, **kw)


def checkpoint(b: dict[str, Any]) -> str:
    text: str = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"]
    return text


def set_checkpoint(b: dict[str, Any], text: str) -> None:
    b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] = text


def verify_artifact(b: dict[str, Any], root: bytes) -> Any:
    return pyslsa.verify_artifact(DIGEST, json.dumps(b).encode(), source_uri="github.com/o/r", source_tag="v1",
                                  trusted_root=root)


def verify_bundle(b: dict[str, Any], root: bytes) -> Any:
    return pyslsa.verify_bundle(DIGEST, json.dumps(b).encode(), identity=SAN, issuer=GH_ISSUER, trusted_root=root)


def failure(fn: Any, *args: Any) -> VerificationError:
    with pytest.raises(VerificationError) as info:
        fn(*args)
    return info.value


def resign(log: Log, text: str, *, name: str | None = None, key: ec.EllipticCurvePrivateKey | None = None,
           hint: bytes | None = None) -> str:
    """The checkpoint's note signed again: by ``key`` (default the log's), under ``name`` (default the one the
    log signs with), with key hint ``hint`` (default the signing key's)."""
    note = text[: text.index("\n\n") + 1]
    signer = key or log.key
    sig = signer.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
    if hint is None:
        hint = Log(key=signer).log_id[:4]
    return note + "\n" + f"\u2014 {name or log.origin_name} {b64(hint + sig)}\n"


# -- the rule itself ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "name"), [
    ("rekor.sigstore.dev - 1193050959916656506", "rekor.sigstore.dev"),
    ("localhost:8000 - 1241883296394779264", "localhost:8000"),
    ("a - 1 - 2", "a - 1"),
    (" - 5", ""),
    ("rekor.test", None), ("rekor.test - ", None), ("rekor.test - 12a", None), ("rekor.test -1", None),
    ("rekor.test - 1\r", None), ("rekor.test - \u0661", None),
])
def test_rekor_v1_shape(first: str, name: str | None) -> None:
    assert rekor_v1_origin_name(f"{first}\n10\nAAAA\n\n\u2014 x AAAA\n") == name


def test_rekor_v1_shape_needs_four_lines() -> None:
    assert rekor_v1_origin_name("rekor.test - 1\n10\nAAAA") is None
    assert rekor_v1_origin_name("rekor.test - 1\n10\nAAAA\n") == "rekor.test"


@pytest.mark.parametrize(("url", "host"), [
    ("https://rekor.example.test", "rekor.example.test"), ("http://localhost:8000", "localhost"),
    ("https://Log2025-1.Rekor.Example:443/api", "Log2025-1.Rekor.Example"), ("http://[::1]:8000/", "::1"),
    ("https://user@rekor.test:8443", "rekor.test"),
])
def test_go_url_hostname(url: str, host: str) -> None:
    assert go_url_hostname(url) == host


# -- Rekor v1 origins that are not the URL's host verify, on every path ---------------------------------------------


def test_private_rekor_whose_origin_is_another_name_verifies() -> None:
    auth = private_rekor()
    b = slsa_bundle(auth)
    assert checkpoint(b).startswith(f"other-host.internal - {TREE_ID}\n")
    assert auth.trusted_root()["tlogs"][0]["baseUrl"] == "https://rekor.example.test"
    assert verify_artifact(b, trusted(auth)).builder_id == SAN
    assert verify_bundle(b, trusted(auth)).builder_id == SAN


def test_custom_root_on_localhost_with_port_in_the_origin_verifies() -> None:
    auth = private_rekor(origin="localhost:8000", url="http://localhost:8000")
    b = slsa_bundle(auth)
    assert checkpoint(b).startswith(f"localhost:8000 - {TREE_ID}\n")
    assert checkpoint(b).split("\n\n")[1].startswith("\u2014 localhost:8000 ")
    assert verify_artifact(b, trusted(auth)).builder_id == SAN
    assert verify_bundle(b, trusted(auth)).builder_id == SAN


def test_legacy_lookup_accepts_the_private_rekor_origin(tmp_path: Path) -> None:
    auth = private_rekor()
    line, answer = legacy_envelope(auth, _provenance(), san=SAN, claims=_gh_claims())
    ((_, entry),) = answer.items()
    assert entry["verification"]["inclusionProof"]["checkpoint"].startswith("other-host.internal - ")
    prov = tmp_path / "legacy.intoto.jsonl"
    prov.write_bytes(line)
    state = RekorState()
    state.add(line, answer)
    with rekor_in_memory(state) as url:
        r = pyslsa.verify_artifact(DIGEST, prov, source_uri="github.com/o/r", source_tag="v1",
                                   trusted_root=trusted(auth), rekor_url=url)
        assert r.builder_id == SAN
        # the same lookup with a forged checkpoint signature fails in the same function
        bad = json.loads(json.dumps(answer))
        ((_, e),) = bad.items()
        e["verification"]["inclusionProof"]["checkpoint"] = resign(
            auth.log, e["verification"]["inclusionProof"]["checkpoint"], key=ec.generate_private_key(ec.SECP256R1()),
            hint=auth.log.log_id[:4])
        forged = RekorState()
        forged.add(line, bad)
    legacy = parse_document(line.strip())
    assert isinstance(legacy, LegacyEnvelope)
    with rekor_in_memory(forged) as url, pytest.raises(VerificationError) as info:
        lookup_and_verify(legacy, [DIGEST[7:]], TrustedRoot.from_json(trusted(auth)),
                          RekorClient(url=url, backoff=0.01))
    assert info.value.code == "invalid-tlog-entry" and "checkpoint signature" in info.value.message


# -- what still fails --------------------------------------------------------------------------------------------


def test_a_rekor_v2_checkpoint_must_name_the_logs_host() -> None:
    auth = Authority()
    b = slsa_bundle(auth, rekor="v2", timestamps=(signed_at(auth),))
    assert checkpoint(b).startswith("log2025.rekor.test\n")
    assert verify_bundle(b, trusted(auth)).builder_id == SAN  # the control
    root = auth.trusted_root()
    (v2,) = [t for t in root["tlogs"] if t["baseUrl"] == auth.log2.base_url]
    v2["baseUrl"] = "https://log2025.elsewhere.test"
    err = failure(verify_bundle, b, json.dumps(root).encode())
    assert err.code == "invalid-tlog-entry"
    assert "expected 'log2025.elsewhere.test', got 'log2025.rekor.test'" in err.message
    v2["baseUrl"] = ""
    err = failure(verify_bundle, b, json.dumps(root).encode())
    assert err.code == "invalid-tlog-entry" and "no baseUrl" in err.message


def test_a_v2_checkpoint_naming_another_host_fails() -> None:
    auth = Authority(log2=rekor_v2_log())
    b = slsa_bundle(auth, rekor="v2", timestamps=(signed_at(auth),))
    set_checkpoint(b, checkpoint(b).replace("log2025.rekor.test", "log2025.other.test"))  # origin and name
    err = failure(verify_bundle, b, trusted(auth))
    assert err.code == "invalid-tlog-entry" and "origin does not name the log" in err.message


@pytest.mark.parametrize("fn", [verify_artifact, verify_bundle])
def test_forged_or_foreign_signatures_on_a_v1_checkpoint_still_fail(fn: Any) -> None:
    auth = private_rekor()
    root = trusted(auth)
    stranger = ec.generate_private_key(ec.SECP256R1())
    cases = {
        # the signature bytes tampered
        "flipped": lambda t: t[:-6] + ("A" if t[-6] != "A" else "B") + t[-5:],
        # signed by another key, which announces itself
        "other key": lambda t: resign(auth.log, t, key=stranger),
        # signed by another key claiming the log's key hint
        "forged hint": lambda t: resign(auth.log, t, key=stranger, hint=auth.log.log_id[:4]),
        # signed by the log's key, but the signature line names another signer than the origin
        "name mismatch": lambda t: resign(auth.log, t, name="rekor.example.test"),
    }
    messages = {"flipped": "does not verify", "other key": "not signed by the log",
                "forged hint": "does not verify", "name mismatch": "not signed by the log"}
    for what, edit in cases.items():
        b = slsa_bundle(auth)
        set_checkpoint(b, edit(checkpoint(b)))
        err = failure(fn, b, root)
        assert err.code == "invalid-tlog-entry", what
        assert messages[what] in err.message, (what, err.message)
    # the control: the log's own key re-signing under the origin's name passes
    b = slsa_bundle(auth)
    set_checkpoint(b, resign(auth.log, checkpoint(b)))
    assert fn(b, root).builder_id == SAN


def test_a_v1_origin_is_signed_only_not_compared() -> None:
    """Renaming the origin (and its signature line) after signing breaks the signature."""
    auth = private_rekor()
    b = slsa_bundle(auth)
    set_checkpoint(b, checkpoint(b).replace("other-host.internal", "rekor.example.test"))
    err = failure(verify_artifact, b, trusted(auth))
    assert err.code == "invalid-tlog-entry" and "does not verify" in err.message
