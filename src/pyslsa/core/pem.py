"""PEM read the way Go's ``encoding/pem`` reads it, since the reference tools are Go programs.

Where Go reads PEM in slsa-verifier, sigstore-go and cosign, pyslsa reads it with this module:

* a public key given to verify a bundle (``verify-bundle --key``): sigstore ``cryptoutils.UnmarshalPEMToPublicKey``
  (used by sigstore-go's conformance client and cosign): the first block, of type ``PUBLIC KEY`` (PKIX) or
  ``RSA PUBLIC KEY`` (PKCS #1) -> :func:`public_key_der`;
* the certificate of a legacy DSSE envelope (``signatures[0].cert``): slsa-verifier
  (verifiers/internal/gha/rekor.go) ``cryptoutils.UnmarshalCertificatesFromPEM`` and exactly one certificate
  -> :func:`certificate_ders`;
* the verifier recorded in a Rekor v1 entry body (``dsse``, ``intoto``, ``hashedrekord``): sigstore-go
  (pkg/tlog/entry.go ``PublicKey``) takes the first block's bytes; rekor (pkg/pki/x509 ``NewPublicKey``)
  accepted a ``CERTIFICATE``, a ``PUBLIC KEY`` or a chain of certificates -> :func:`decode`.

Go's rules, from encoding/pem ``Decode`` and encoding/base64 ``StdEncoding.Decode``:

* a block starts at ``-----BEGIN TYPE-----`` at the start of the input or of a line; lines may end in ``\\n``
  or ``\\r\\n``, with trailing spaces and tabs ignored; ``Key: Value`` header lines may follow the BEGIN line;
  the block ends at ``-----END TYPE-----`` (the same type) with only spaces or tabs after it on its line; a
  block that breaks any of this is skipped and the search goes on after it;
* the body's spaces and tabs are removed, and the base64 decoder skips ``\\r`` and ``\\n``; what remains must be
  standard base64 with its padding, and nothing else. The decoder is not ``Strict``: the unused bits of the
  last character need not be zero. (cryptography's PEM reader insists they are, and so refused keys that Go,
  cosign and sigstore-go accept; the key bytes are the same either way.)

Pure: bytes in, bytes or :class:`PemError` out.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

_BEGIN = b"-----BEGIN "
_END = b"-----END "
_DASHES = b"-----"
# StdEncoding with padding: whole quanta, then one padded quantum at most (after \r, \n were skipped).
_STD_B64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
#: bytes.TrimSpace's ASCII white space (Go also trims U+0085 and U+00A0 in UTF-8; no PEM has them).
_SPACE = b" \t\n\v\f\r"
#: Certificates read from one PEM text at most (rekor's UnmarshalCertificatesFromPEMLimited takes 10).
MAX_BLOCKS = 10


class PemError(ValueError):
    """Not PEM as Go reads it (callers turn this into their own error code)."""


@dataclass(frozen=True)
class PemBlock:
    type: str
    headers: tuple[tuple[str, str], ...]
    der: bytes


def go_std_b64decode(data: bytes) -> bytes | None:
    """Go's ``base64.StdEncoding.Decode``: None when Go would refuse ``data``."""
    data = data.replace(b"\r", b"").replace(b"\n", b"")
    if not _STD_B64.fullmatch(data):
        return None
    try:
        return base64.b64decode(data)  # ignores the unused low bits of the last character, as Go does
    except (binascii.Error, ValueError):  # pragma: no cover - the pattern admits only valid base64
        return None


def _line(data: bytes) -> tuple[bytes, bytes]:
    """Go pem's ``getLine``: the first line (without its ``\\n`` or ``\\r\\n`` and trailing spaces and tabs), and
    everything after it."""
    i = data.find(b"\n")
    if i < 0:
        line, rest = data, b""
    else:
        line, rest = data[:i], data[i + 1:]
        if line.endswith(b"\r"):
            line = line[:-1]
    return line.rstrip(b" \t"), rest


def decode(data: bytes) -> tuple[PemBlock | None, bytes]:
    """Go's ``pem.Decode``: the first well-formed block and the input after it, or ``(None, data)``."""
    rest = data
    while True:
        if rest.startswith(_BEGIN):
            rest = rest[len(_BEGIN):]
        else:
            i = rest.find(b"\n" + _BEGIN)
            if i < 0:
                return None, data
            rest = rest[i + 1 + len(_BEGIN):]
        type_line, rest = _line(rest)
        if not type_line.endswith(_DASHES):
            continue
        block_type = type_line[:-len(_DASHES)]
        headers: list[tuple[str, str]] = []
        while True:
            if not rest:
                return None, data
            line, after = _line(rest)
            key, colon, value = line.partition(b":")
            if not colon:
                break
            headers.append((key.strip(_SPACE).decode("utf-8", "replace"), value.strip(_SPACE).decode("utf-8",
                                                                                                     "replace")))
            rest = after
        if not headers and rest.startswith(_END):
            end, trailer_at = 0, len(_END)
        else:
            end = rest.find(b"\n" + _END)
            trailer_at = end + 1 + len(_END)
        if end < 0:
            continue
        trailer = rest[trailer_at:]
        want = block_type + _DASHES
        if trailer[:len(want)] != want:
            continue
        if _line(trailer[len(want):])[0]:
            continue
        der = go_std_b64decode(rest[:end].replace(b" ", b"").replace(b"\t", b""))
        if der is None:
            continue
        _, after_end = _line(rest[trailer_at:])
        return PemBlock(block_type.decode("utf-8", "replace"), tuple(headers), der), after_end


def public_key_der(data: bytes) -> tuple[str, bytes]:
    """sigstore ``cryptoutils.UnmarshalPEMToPublicKey``: the first block, ``PUBLIC KEY`` (PKIX
    SubjectPublicKeyInfo) or ``RSA PUBLIC KEY`` (PKCS #1); returns its type and DER."""
    block, _ = decode(data)
    if block is None:
        raise PemError("no PEM block (as Go reads PEM: BEGIN and END lines, standard padded base64)")
    if block.type not in ("PUBLIC KEY", "RSA PUBLIC KEY"):
        raise PemError(f"PEM block of type {block.type!r}: expected 'PUBLIC KEY' or 'RSA PUBLIC KEY'")
    return block.type, block.der


def certificate_ders(data: bytes) -> list[bytes]:
    """sigstore ``cryptoutils.UnmarshalCertificatesFromPEM``: the input, trimmed of white space, is PEM blocks
    and nothing else (their type is not checked: the DER must parse as a certificate, which the caller does)."""
    rest = data.strip(_SPACE)
    out: list[bytes] = []
    while rest:
        if len(out) == MAX_BLOCKS:
            raise PemError(f"more than {MAX_BLOCKS} PEM blocks")
        block, rest = decode(rest)
        if block is None:
            raise PemError("not PEM (as Go reads PEM: BEGIN and END lines, standard padded base64)")
        out.append(block.der)
    return out


__all__ = ["MAX_BLOCKS", "PemBlock", "PemError", "certificate_ders", "decode", "go_std_b64decode",
           "public_key_der"]
