"""The work each verification now does once, and the shortcuts that make it so, checked to mean the same thing as
the long way: the SET payload, the base64 spellings of a log entry's body, the one-pass reading of a signing
certificate."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from pyslsa.core import jsonutil as j
from pyslsa.core.bundle import Bundle, parse_bundle, parse_document
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.sigstore import verify_dsse_bundle
from pyslsa.core.tlog import set_payload
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import SigningCertificate
from pyslsa.errors import VerificationError
from tests.authority import FULCIO, GH_ISSUER, Authority
from tests.conftest import SV, vector

WF = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.0.0"
CLAIMS = {FULCIO + "12": "https://github.com/o/r", FULCIO + "9": WF}


V14 = SV / "gha_generic/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl"


def test_set_payload_is_the_canonical_json() -> None:
    b = parse_document(vector(V14))
    assert isinstance(b, Bundle)
    entry = b.tlog_entries[0]
    assert entry.canonicalized_body_b64  # the real bundle's encoding is the canonical one: used as is
    assert set_payload(entry) == j.canonical({
        "body": base64.b64encode(entry.canonicalized_body).decode(), "integratedTime": entry.integrated_time,
        "logID": entry.log_id.hex(), "logIndex": entry.log_index})


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _pad_bits_set(raw: bytes) -> str:
    """The standard encoding with the unused low bits of the last character set (decodes to the same bytes)."""
    text = base64.b64encode(raw).decode()
    unused = {1: 0b1111, 2: 0b11}[len(raw) % 3]  # this body's length is not a multiple of 3
    last = text.rstrip("=")
    return last[:-1] + _ALPHABET[_ALPHABET.index(last[-1]) | unused] + text[len(last):]


@pytest.mark.parametrize("encode", [
    lambda raw: base64.urlsafe_b64encode(raw).decode(),
    lambda raw: base64.b64encode(raw).decode().rstrip("="),
    lambda raw: "\n".join(base64.b64encode(raw).decode()[i:i + 76] for i in range(0, 4 * len(raw) // 3 + 4, 76)),
    _pad_bits_set,
])
def test_body_in_another_base64_spelling_still_proves_the_entry(encode: Any) -> None:
    """The SET signs the standard encoding; a bundle spelling the body otherwise is re-encoded, not trusted."""
    doc = json.loads(vector(V14))
    entry = doc["verificationMaterial"]["tlogEntries"][0]
    raw = base64.b64decode(entry["canonicalizedBody"])
    entry["canonicalizedBody"] = encode(raw)
    parsed = parse_bundle(doc)
    assert parsed.tlog_entries[0].canonicalized_body == raw
    standard = base64.b64encode(raw).decode()
    assert parsed.tlog_entries[0].canonicalized_body_b64 == ("" if entry["canonicalizedBody"] != standard
                                                             else standard)
    assert verify_dsse_bundle(parsed, TrustedRoot.production(), profile=SLSA_VERIFIER).log_index == entry_index(doc)


def entry_index(doc: dict[str, Any]) -> int:
    return int(doc["verificationMaterial"]["tlogEntries"][0]["logIndex"])


@pytest.mark.parametrize(("text", "data", "canonical"), [
    ("QQ==", b"A", True),
    ("QR==", b"A", False),  # non-zero pad bits: decodes to the same byte, is not what was signed
    ("QUI=", b"AB", True),
    ("QUJ=", b"AB", False),
    ("QUJD", b"ABC", True),
    ("QQ", b"A", False),
    ("-_-_", b"\xfb\xff\xbf", False),
    ("Q\nQ=", b"A", False),
])
def test_is_canonical_b64(text: str, data: bytes, canonical: bool) -> None:
    assert j.b64decode(text, "x") == data
    assert j.is_canonical_b64(text, data) is canonical


def test_signing_certificate_reads_like_each_check() -> None:
    """One pass over the extensions gives what the separate readers gave: claims, profile, SCTs."""
    auth = Authority()
    _, cert = auth.leaf(san=WF, issuer=GH_ISSUER, claims=CLAIMS)
    leaf = SigningCertificate(cert)
    leaf.check_profile()
    assert leaf.claims().san == WF and leaf.claims().issuer == GH_ISSUER
    assert leaf.claims().extensions[FULCIO + "12"] == "https://github.com/o/r"
    assert len(list(leaf.scts())) == 1
    _, bad = auth.leaf(san=WF, issuer=GH_ISSUER, claims={FULCIO + "12": "x"}, code_signing=False, sct=False)
    bad_leaf = SigningCertificate(bad)
    with pytest.raises(VerificationError, match="codeSigning"):
        bad_leaf.check_profile()
    with pytest.raises(VerificationError, match="no embedded SCT"):
        bad_leaf.scts()


def _pem_layouts(der: bytes) -> dict[str, bytes]:
    body = base64.b64encode(der)
    def pem(width: int, nl: bytes, final: bytes) -> bytes:
        lines = nl.join(body[i:i + width] for i in range(0, len(body), width))
        return b"-----BEGIN CERTIFICATE-----" + nl + lines + nl + b"-----END CERTIFICATE-----" + final
    return {"usual": pem(64, b"\n", b"\n"), "crlf": pem(64, b"\r\n", b"\r\n"), "76 columns": pem(76, b"\n", b"\n"),
            "no final newline": pem(64, b"\n", b"")}


@pytest.mark.parametrize("layout", ["usual", "crlf", "76 columns", "no final newline"])
def test_log_entry_verifier_in_any_pem_layout_binds(layout: str) -> None:
    """The entry names the certificate as base64 PEM: the usual layout is compared without decoding, the others
    are decoded; both accept this certificate and refuse another."""
    import dataclasses

    from pyslsa.core.tlog import bind_entry
    from pyslsa.errors import InvalidTlogEntryError

    b = parse_document(vector(V14))
    assert isinstance(b, Bundle) and b.envelope is not None and b.signing_certificate is not None
    entry, der = b.tlog_entries[0], b.signing_certificate.der
    body = json.loads(entry.canonicalized_body)

    def with_verifier(cert_der: bytes) -> Any:
        body["spec"]["signatures"][0]["verifier"] = base64.b64encode(_pem_layouts(cert_der)[layout]).decode()
        return dataclasses.replace(entry, canonicalized_body=json.dumps(body).encode())

    bind_entry(with_verifier(der), b.envelope, der)
    other = der[:-1] + bytes([der[-1] ^ 1])
    with pytest.raises(InvalidTlogEntryError, match="another signature or signing certificate"):
        bind_entry(with_verifier(other), b.envelope, der)


def test_b64decode_each_matches_one_by_one() -> None:
    values = [base64.b64encode(bytes([i]) * 32).decode() for i in range(5)]
    assert j.b64decode_each(values, "p") == tuple(bytes([i]) * 32 for i in range(5))
    values[2] = base64.urlsafe_b64encode(b"\xff" * 32).decode().rstrip("=")  # another accepted spelling
    assert j.b64decode_each(values, "p")[2] == b"\xff" * 32
    for bad, why in (("!!!!", "p[3]: is not valid base64"), ("", "p[3]: must not be empty"),
                     (7, "p[3]: expected a base64 string, got number")):
        with pytest.raises(VerificationError, match=re.escape(why)):
            j.b64decode_each([*values[:3], bad, values[4]], "p")


def test_split_documents_reads_the_first_line_once_and_keeps_the_layout_rule(monkeypatch: pytest.MonkeyPatch
                                                                              ) -> None:
    """JSON Lines are told from one pretty-printed document by reading the first line; that reading is handed on
    (parse_document does not read those bytes again), and the layout decided is the one plain JSON would give."""
    from pyslsa.core import bundle as bundle_module
    from pyslsa.core.verify import split_documents, split_evidence, verify_documents

    line = vector(V14).strip()
    data = line + b"\n" + line + b"\n"
    parts = split_documents(data)
    assert [raw for raw, _ in parts] == split_evidence(data) == [line, line]
    assert parts[0][1] == json.loads(line) and parts[1][1] is None
    reads: list[int] = []
    real = j.loads

    def counting(raw: bytes | str, *args: Any, **kwargs: Any) -> Any:
        reads.append(len(raw))
        return real(raw, *args, **kwargs)

    monkeypatch.setattr(bundle_module.j, "loads", counting)
    docs = verify_documents(data, TrustedRoot.production(), [], None)
    assert all(d.error is None for d in docs) and len(docs) == 2
    assert reads.count(len(line)) == 2  # one reading per line, the first one in split_documents
    monkeypatch.undo()
    dup = b'{"a": 1, "a": 2}'
    assert split_documents(dup + b"\n" + line) == [(dup, None), (line, None)]  # a line still; refused as a document
    with pytest.raises(VerificationError, match="duplicate key"):
        parse_document(dup)
    broken = b'{"a": [{}\n{}]}'
    assert split_documents(broken) == [(broken, None)]
