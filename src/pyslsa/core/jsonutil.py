"""Strict, fail-closed readers for the JSON documents pyslsa verifies.

Every accessor raises a :class:`~pyslsa.errors.VerificationError` subclass (by default
:class:`~pyslsa.errors.InvalidProvenanceError`) naming the JSON path that was wrong, so no ``KeyError``,
``TypeError`` or ``binascii.Error`` ever escapes a parser.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

from pyslsa.errors import InvalidProvenanceError, VerificationError

JSONObject = dict[str, Any]

_B64_STD = re.compile(rb"\A[A-Za-z0-9+/]*={0,2}\Z")
_B64_URL = re.compile(rb"\A[A-Za-z0-9_-]*={0,2}\Z")
_DECIMAL = re.compile(r"\A(?:0|[1-9][0-9]{0,18})\Z")


def fail(path: str, what: str, cls: type[VerificationError] = InvalidProvenanceError) -> NoReturn:
    raise cls(f"{path}: {what}")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {name}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> JSONObject:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {dup!r}")
    return obj


#: One decoder for every document (building one per call would cost as much as parsing a small document).
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def loads(data: bytes | str, what: str = "document",
          cls: type[VerificationError] = InvalidProvenanceError) -> Any:
    """Parse RFC 8259 JSON strictly: no NaN/Infinity, no duplicate keys, bounded nesting."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray, memoryview)) else data
        if text.startswith("\ufeff"):
            text = text[1:]
        return _DECODER.decode(text)
    except UnicodeDecodeError as exc:
        raise cls(f"{what} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except RecursionError:
        raise cls(f"{what} is nested too deeply to be a valid document") from None
    except ValueError as exc:  # JSONDecodeError is a ValueError; so are int-size and duplicate-key errors
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise cls(f"{what} is not valid JSON: {msg}") from None


def obj(value: Any, path: str) -> JSONObject:
    if not isinstance(value, dict):
        fail(path, f"expected a JSON object, got {type_name(value)}")
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def get(o: Mapping[str, Any], key: str, path: str) -> Any:
    try:
        return o[key]
    except KeyError:
        fail(path, f"missing required field {key!r}")


def get_obj(o: Mapping[str, Any], key: str, path: str) -> JSONObject:
    value = get(o, key, path)
    if not isinstance(value, dict):  # (the path is only spelled out on failure)
        fail(f"{path}.{key}", f"expected a JSON object, got {type_name(value)}")
    return value


def opt_obj(o: Mapping[str, Any], key: str, path: str) -> JSONObject | None:
    value = o.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        fail(f"{path}.{key}", f"expected a JSON object, got {type_name(value)}")
    return value


def get_list(o: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = get(o, key, path)
    if not isinstance(value, list):
        fail(f"{path}.{key}", f"expected an array, got {type_name(value)}")
    return value


def opt_list(o: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = o.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        fail(f"{path}.{key}", f"expected an array, got {type_name(value)}")
    return value


def get_str(o: Mapping[str, Any], key: str, path: str, *, allow_empty: bool = False) -> str:
    value = get(o, key, path)
    if not isinstance(value, str):
        fail(f"{path}.{key}", f"expected a string, got {type_name(value)}")
    if not allow_empty and not value:
        fail(f"{path}.{key}", "must not be empty")
    return value


def opt_str(o: Mapping[str, Any], key: str, path: str) -> str | None:
    value = o.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        fail(f"{path}.{key}", f"expected a string, got {type_name(value)}")
    return value


def get_int(o: Mapping[str, Any], key: str, path: str) -> int:
    """A non-negative int64 as protobuf JSON writes it: a JSON number or a decimal string."""
    value = get(o, key, path)
    return as_int(value, f"{path}.{key}")


def as_int(value: Any, path: str) -> int:
    if isinstance(value, bool):
        fail(path, "expected an integer, got boolean")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and _DECIMAL.match(value):
        result = int(value)
    else:
        fail(path, f"expected a non-negative integer, got {type_name(value)} {str(value)[:40]!r}")
    if not 0 <= result < 2**63:
        fail(path, f"integer out of range: {result}")
    return result


if sys.version_info >= (3, 11):

    def _strict_b64(raw: bytes | str) -> bytes | None:
        try:
            return binascii.a2b_base64(raw, strict_mode=True)
        except (binascii.Error, ValueError):  # ValueError: a str that is not ASCII
            return None

else:  # pragma: no cover - Python 3.10 has no strict mode: take the regex path

    def _strict_b64(raw: bytes | str) -> bytes | None:
        return None


def b64decode(value: Any, path: str, *, allow_empty: bool = False) -> bytes:
    """Decode protobuf-JSON ``bytes``: standard or URL-safe alphabet, padding optional, nothing else."""
    if not isinstance(value, str):
        fail(path, f"expected a base64 string, got {type_name(value)}")
    if not len(value) % 4:
        # Fast path (the usual case): canonical, padded, standard alphabet, decoded straight from the str.
        out = _strict_b64(value)
        if out is not None:
            if not out and not allow_empty:
                fail(path, "must not be empty")
            return out
    raw = value.encode("ascii", "replace")
    if b"\n" in raw or b"\r" in raw:  # line breaks are ignored, as Go's decoder does; nothing else is
        raw = raw.replace(b"\r", b"").replace(b"\n", b"")
    if len(raw) % 4 == 0:
        out = _strict_b64(raw)
        if out is not None:
            if not out and not allow_empty:
                fail(path, "must not be empty")
            return out
    if _B64_STD.match(raw):
        alt = None
    elif _B64_URL.match(raw):
        alt = b"-_"
    else:
        fail(path, "is not valid base64")
    stripped = raw.rstrip(b"=")
    if len(stripped) % 4 == 1:
        fail(path, "is not valid base64 (bad length)")
    padded = stripped + b"=" * (-len(stripped) % 4)
    try:
        out = base64.b64decode(padded, altchars=alt, validate=True)
    except (binascii.Error, ValueError):
        fail(path, "is not valid base64")
    if not out and not allow_empty:
        fail(path, "must not be empty")
    return out


def is_canonical_b64(text: str, data: bytes) -> bool:
    """Whether ``text`` is exactly the standard, padded base64 of ``data`` (the one encoding a signer would
    have signed), given that ``text`` decodes to ``data``: right length, standard alphabet, zero pad bits."""
    if len(text) != 4 * ((len(data) + 2) // 3):
        return False
    if "-" in text or "_" in text or "\n" in text or "\r" in text:
        return False  # (the URL-safe alphabet and line breaks are the only other things b64decode takes)
    tail = len(data) % 3
    return not tail or binascii.b2a_base64(data[-tail:], newline=False).decode("ascii") == text[-4:]


def b64decode_each(values: list[Any], path: str) -> tuple[bytes, ...]:
    """:func:`b64decode` of each value (``path[i]`` naming it in errors): one tight loop when every value is in
    the usual canonical spelling (a proof's dozens of hashes), else value by value with the full checks."""
    out = []
    for value in values:
        if type(value) is not str or len(value) % 4:
            break
        data = _strict_b64(value)
        if not data:
            break
        out.append(data)
    else:
        return tuple(out)
    return tuple(b64decode(v, f"{path}[{i}]") for i, v in enumerate(values))


def get_b64(o: Mapping[str, Any], key: str, path: str, *, allow_empty: bool = False) -> bytes:
    return b64decode(get(o, key, path), f"{path}.{key}", allow_empty=allow_empty)


def canonical(value: Any) -> bytes:
    """Compact JSON with sorted keys (RFC 8785 for the ASCII/integer documents Rekor signs)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
