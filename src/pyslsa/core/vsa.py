"""Verification Summary Attestations (https://slsa.dev/spec/v1.0/verification_summary): build one from a
verified result, and verify one with slsa-verifier's ``verify-vsa`` semantics.

A VSA is an in-toto Statement v1 whose predicate (``https://slsa.dev/verification_summary/v1``) says that a
verifier checked the subjects against a policy, when, with which attestations, and at which levels. Building one
is pure: the caller hands in the time (the core has no clock), the policy and input-attestation digests, and the
per-subject evidence; :mod:`pyslsa.core.keys` signs it.

Verifying follows slsa-verifier ``verifiers/internal/vsa/verifier.go`` step for step (slsa.dev's "how to verify"):
the signature (a key, or here also a Sigstore bundle), the statement and predicate type, then the expected
subject digests, verifier id, resource URI, ``verificationResult == PASSED`` and verified levels. No other field
is checked, but every field that is present must have its JSON type, as Go's ``json.Unmarshal`` into
``vsa10.VSA`` requires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from pyslsa.core import jsonutil as j
from pyslsa.core.bundle import Bundle, parse_bundle
from pyslsa.core.dsse import INTOTO_PAYLOAD_TYPE, STATEMENT_TYPES, STATEMENT_V1, Envelope, Signature
from pyslsa.core.keys import verify_envelope_with_key
from pyslsa.core.profile import Profile
from pyslsa.core.sigstore import VerifiedSignature, check_identity, verify_dsse_bundle
from pyslsa.core.slsa.builders import CONTAINER_BASED_BUILDER, CONTAINER_GENERATOR, GENERIC_GENERATOR, GO_BUILDER
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import (
    InvalidProvenanceError,
    InvalidVerificationResultError,
    InvalidVsaError,
    MismatchHashError,
    MismatchResourceURIError,
    MismatchVerifiedLevelsError,
    MismatchVerifierIDError,
    UnsignedVsaError,
    UsageError,
    VerificationError,
)

PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
SLSA_VERSION = "1.0"
PASSED, FAILED = "PASSED", "FAILED"

#: pyslsa's ``verifier.id``. It names the software, not a release (the release goes in ``verifier.version``) and
#: not a command (the command is in ``policy``), so that a consumer's ``--verifier-id`` keeps matching across
#: upgrades. It is a name, not a download location. Whoever signs the VSA is the trust base: consumers accept the
#: (signer, verifier) pair, e.g. ``--public-key-path`` + this id, or a certificate identity + this id. An
#: organisation that runs pyslsa as its own verification service may pass its own id instead.
VERIFIER_ID = "https://github.com/pyslsa/pyslsa"

#: Scheme of the ``policy.uri`` of a command whose policy is its flags (``pyslsa:verify-artifact``).
POLICY_URI_SCHEME = "pyslsa"

#: A custom ``verifiedLevels`` value (the spec allows values not starting with ``SLSA_``): every subject has a
#: verified PEP 740 attestation from the expected Trusted Publisher. It proves who uploaded the file, not how it
#: was built.
TRUSTED_PUBLISHER_LEVEL = "PYSLSA_TRUSTED_PUBLISHER"

#: slsa-github-generator's builders that slsa-verifier trusts by default (its defaultArtifactTrustedReusableWorkflows
#: and defaultContainerTrustedReusableWorkflows), all made for SLSA Build L3. The BYOB delegators are not here: the
#: builder they report is a third-party workflow the user named, about which pyslsa knows nothing.
BUILD_L3_BUILDERS = frozenset({GENERIC_GENERATOR, GO_BUILDER, CONTAINER_BASED_BUILDER, CONTAINER_GENERATOR})

_SLSA_LEVEL_INT = re.compile(r"\A[+-]?[0-9]+\Z")  # what Go's strconv.Atoi accepts
_RFC3339 = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


# -- Building ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Descriptor:
    """An in-toto ResourceDescriptor with a ``uri`` and a SHA-256 ``digest`` (``policy``, ``inputAttestations``)."""

    uri: str
    sha256: str
    annotations: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uri": self.uri, "digest": {"sha256": self.sha256}}
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


def descriptor(uri: str, content: bytes) -> Descriptor:
    """The descriptor of a document: where it came from and the SHA-256 of its bytes."""
    return Descriptor(uri, hashlib.sha256(content).hexdigest())


def canonical_command_line(command: str, flags: Sequence[tuple[str, str | None]]) -> str:
    """``pyslsa COMMAND --flag value ...`` with the flags sorted (flag, then value) and shell-quoted: the same
    policy gives the same text whatever order the flags were typed in. A flag without a value is ``(flag, None)``."""
    words = ["pyslsa", command]
    for flag, value in sorted(flags, key=lambda fv: (fv[0], fv[1] or "")):
        words.append(flag)
        if value is not None:
            words.append(value)
    return shlex.join(words)


def command_policy(command: str, flags: Sequence[tuple[str, str | None]]) -> Descriptor:
    """The policy of a command whose policy is its flags (``verify-artifact``, ``verify-release``): uri
    ``pyslsa:COMMAND``, digest the SHA-256 of :func:`canonical_command_line`, which is kept in
    ``annotations.commandLine`` so a consumer can read and recompute it. Pass only the flags that decide the
    verdict (source, tag, branch, builder, inputs, trusted root), not the paths of the artifacts or evidence."""
    line = canonical_command_line(command, flags)
    return Descriptor(f"{POLICY_URI_SCHEME}:{command}", hashlib.sha256(line.encode()).hexdigest(),
                      {"commandLine": line})


def file_policy(uri: str, content: bytes, pins: tuple[str, bytes] | None = None) -> Descriptor:
    """The policy of a command driven by a policy file (``audit``): the file's URI and SHA-256; the pins file, if
    any, in ``annotations.pins`` as a descriptor of its own (both are signed with the VSA)."""
    annotations = {"pins": descriptor(*pins).to_json()} if pins is not None else None
    return Descriptor(uri, hashlib.sha256(content).hexdigest(), annotations)


def pypi_resource_uri(name: str, version: str) -> str:
    """``pkg:pypi/NAME@VERSION`` (package-url: the name lower-cased with ``_`` as ``-``; the version escaped)."""
    purl_name = quote(name.strip().lower().replace("_", "-"), safe=".-")
    return f"pkg:pypi/{purl_name}@{quote(version.strip(), safe='.-_~')}"


def slsa_build_level(builder_id: str) -> int:
    """The SLSA Build level that *verified* SLSA provenance from ``builder_id`` (``name@ref``, as a verify command
    reports it) proves: 3 for one of :data:`BUILD_L3_BUILDERS` at a release tag, else 1 (provenance exists and
    verified, but pyslsa cannot vouch for how hardened or isolated the build platform was)."""
    name, _, version = builder_id.partition("@")
    return 3 if name in BUILD_L3_BUILDERS and version.startswith("refs/tags/") else 1


@dataclass(frozen=True)
class SubjectResult:
    """One verified subject and what its evidence proved: ``build_level`` from verified SLSA provenance (0: none;
    see :func:`slsa_build_level`), ``trusted_publisher`` from a verified PEP 740 attestation."""

    name: str
    sha256: str
    build_level: int = 0
    trusted_publisher: bool = False


def verified_levels(subjects: Sequence[SubjectResult], passed: bool) -> list[str]:
    """``verifiedLevels``: ``["FAILED"]`` for a failed verification; otherwise the Build level every subject
    reached (the lowest of theirs: one VSA speaks for all its subjects), and :data:`TRUSTED_PUBLISHER_LEVEL` when
    every subject's publisher was verified. A publish attestation alone gives ``SLSA_BUILD_LEVEL_0``."""
    if not passed:
        return [FAILED]
    if not subjects:
        raise UsageError("a VSA needs at least one subject")
    levels = [f"SLSA_BUILD_LEVEL_{max(0, min(3, min(s.build_level for s in subjects)))}"]
    if all(s.trusted_publisher for s in subjects):
        levels.append(TRUSTED_PUBLISHER_LEVEL)
    return levels


def rfc3339(moment: dt.datetime) -> str:
    """UTC, ``Z``, microseconds only when there are some (what Go's RFC3339Nano writes, trailing zeros trimmed)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UsageError("timeVerified must be an aware datetime (UTC)")
    utc = moment.astimezone(dt.timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


@dataclass(frozen=True)
class Summary:
    """Everything a VSA states. ``verifier_version`` is pyslsa's version (the core does not import the package)."""

    subjects: tuple[SubjectResult, ...]
    resource_uri: str
    policy: Descriptor
    input_attestations: tuple[Descriptor, ...]
    passed: bool
    time_verified: dt.datetime
    verifier_version: str
    verifier_id: str = VERIFIER_ID
    extra_versions: Mapping[str, str] = field(default_factory=dict)


def build_statement(summary: Summary) -> dict[str, Any]:
    """The VSA as an in-toto Statement v1 (a JSON object)."""
    if not summary.subjects:
        raise UsageError("a VSA needs at least one subject")
    for what, value in (("verifier id", summary.verifier_id), ("resource URI", summary.resource_uri),
                        ("policy URI", summary.policy.uri)):
        if not value:
            raise UsageError(f"a VSA needs a {what}")
    subjects = []
    for s in summary.subjects:
        if not re.fullmatch(r"[0-9a-f]{64}", s.sha256):
            raise UsageError(f"subject {s.name!r}: expected a lower-case hex SHA-256, got {s.sha256[:80]!r}")
        subjects.append({"name": s.name, "digest": {"sha256": s.sha256}})
    return {
        "_type": STATEMENT_V1,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": summary.verifier_id,
                         "version": {"pyslsa": summary.verifier_version, **summary.extra_versions}},
            "timeVerified": rfc3339(summary.time_verified),
            "resourceUri": summary.resource_uri,
            "policy": summary.policy.to_json(),
            "inputAttestations": [d.to_json() for d in summary.input_attestations],
            "verificationResult": PASSED if summary.passed else FAILED,
            "verifiedLevels": verified_levels(summary.subjects, summary.passed),
            "slsaVersion": SLSA_VERSION,
        },
    }


def statement_bytes(statement: Mapping[str, Any]) -> bytes:
    """Compact JSON, the DSSE payload (and, unsigned, the file's content)."""
    return json.dumps(statement, separators=(",", ":"), ensure_ascii=False).encode()


# -- Parsing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vsa:
    """A parsed VSA: the fields verify-vsa checks, and the whole statement."""

    subjects: tuple[tuple[str, dict[str, str]], ...]
    verifier_id: str
    resource_uri: str
    verification_result: str
    verified_levels: tuple[str, ...]
    time_verified: str | None
    statement: dict[str, Any]


def _fail(path: str, what: str) -> InvalidVsaError:
    return InvalidVsaError(f"{path}: {what}")


def _opt(o: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: str, what: str) -> Any:
    """``o[key]`` if present and not null, type-checked as Go's json.Unmarshal would (None when absent/null)."""
    value = o.get(key)
    if value is None:
        return None
    if not isinstance(value, kind):
        raise _fail(f"{path}.{key}", f"expected {what}, got {j.type_name(value)}")
    return value


def _string_map(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, f"expected an object, got {j.type_name(value)}")
    for k, v in value.items():
        if v is not None and not isinstance(v, str):
            raise _fail(f"{path}.{k}", f"expected a string, got {j.type_name(v)}")
    return {k: v or "" for k, v in value.items()}


def _descriptor_ok(value: Any, path: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise _fail(path, f"expected an object, got {j.type_name(value)}")
    _opt(value, "uri", str, path, "a string")
    _string_map(value.get("digest"), f"{path}.digest")


def _time_ok(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(path, f"expected an RFC 3339 timestamp string, got {j.type_name(value)}")
    m = _RFC3339.match(value)
    try:
        if m is None:
            raise ValueError
        y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
        dt.datetime(y, mo, d, h, mi, sec, tzinfo=dt.timezone.utc)  # a range check only
    except ValueError:
        raise _fail(path, f"expected an RFC 3339 timestamp, got {value[:60]!r}") from None
    return value


def parse_vsa(payload: bytes) -> Vsa:
    """The statement of a (signature-verified) envelope, as a VSA; InvalidVsaError when it is not one."""
    if not payload:
        raise InvalidVsaError("DSSE payload is empty")
    try:
        doc = j.loads(payload, "VSA statement", InvalidVsaError)
    except VerificationError as exc:
        raise InvalidVsaError(str(exc)) from None
    if not isinstance(doc, dict):
        raise _fail("statement", f"expected a JSON object, got {j.type_name(doc)}")
    st_type = _opt(doc, "_type", str, "statement", "a string")
    if st_type not in STATEMENT_TYPES:
        raise _fail("statement._type", f"expected one of {sorted(STATEMENT_TYPES)}, got {st_type!r}")
    predicate_type = _opt(doc, "predicateType", str, "statement", "a string")
    if predicate_type != PREDICATE_TYPE:
        raise _fail("statement.predicateType", f"expected {PREDICATE_TYPE!r}, got {predicate_type!r}")
    subjects = []
    for i, s in enumerate(_opt(doc, "subject", list, "statement", "an array") or []):
        sp = f"statement.subject[{i}]"
        if s is None:
            continue
        if not isinstance(s, dict):
            raise _fail(sp, f"expected an object, got {j.type_name(s)}")
        subjects.append((_opt(s, "name", str, sp, "a string") or "", _string_map(s.get("digest"), f"{sp}.digest")))
    pp = "statement.predicate"
    pred = _opt(doc, "predicate", dict, "statement", "an object") or {}
    verifier = _opt(pred, "verifier", dict, pp, "an object") or {}
    verifier_id = _opt(verifier, "id", str, f"{pp}.verifier", "a string") or ""
    _string_map(verifier.get("version"), f"{pp}.verifier.version")
    time_verified = _time_ok(pred.get("timeVerified"), f"{pp}.timeVerified")
    resource_uri = _opt(pred, "resourceUri", str, pp, "a string") or ""
    _descriptor_ok(pred.get("policy"), f"{pp}.policy")
    for i, d in enumerate(_opt(pred, "inputAttestations", list, pp, "an array") or []):
        _descriptor_ok(d, f"{pp}.inputAttestations[{i}]")
    result = _opt(pred, "verificationResult", str, pp, "a string") or ""
    levels = _opt(pred, "verifiedLevels", list, pp, "an array") or []
    for i, level in enumerate(levels):
        if level is not None and not isinstance(level, str):
            raise _fail(f"{pp}.verifiedLevels[{i}]", f"expected a string, got {j.type_name(level)}")
    for k, v in (_opt(pred, "dependencyLevels", dict, pp, "an object") or {}).items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise _fail(f"{pp}.dependencyLevels.{k}", f"expected an integer, got {j.type_name(v)}")
    _opt(pred, "slsaVersion", str, pp, "a string")
    return Vsa(tuple(subjects), verifier_id, resource_uri, result,
               tuple(level or "" for level in levels), time_verified, doc)


# -- Checking against expectations (slsa-verifier matchExpectedValues) --------------------------------------------


def parse_slsa_level(level: str) -> tuple[str, int] | None:
    """``SLSA_<TRACK>_LEVEL_<n>`` -> (track, n); None for a level not starting with ``SLSA_`` (a custom one);
    ValueError for a malformed ``SLSA_`` level (slsa-verifier extractSLSALevels: SplitN on ``_`` into 4)."""
    if not level.startswith("SLSA_"):
        return None
    parts = level.split("_", 3)
    if len(parts) != 4 or parts[2] != "LEVEL" or not _SLSA_LEVEL_INT.match(parts[3]):
        raise ValueError(f"invalid SLSA level: {level!r}")
    return parts[1], int(parts[3])


def _track_levels(levels: Sequence[str]) -> dict[str, int]:
    """The highest level per SLSA track."""
    out: dict[str, int] = {}
    for level in levels:
        parsed = parse_slsa_level(level)
        if parsed is not None:
            track, n = parsed
            out[track] = max(out.get(track, n), n)
    return out


@dataclass(frozen=True)
class Expectations:
    """What the consumer requires (slsa-verifier's VSAOpts): every subject digest ``TYPE:VALUE`` among the VSA's
    subjects, this verifier id and resource URI, and each verified level (an ``SLSA_<TRACK>_LEVEL_<n>`` is met by
    any level >= n on that track; any other value must be present exactly)."""

    subject_digests: tuple[tuple[str, str], ...]
    verifier_id: str
    resource_uri: str
    verified_levels: tuple[str, ...] = ()

    @classmethod
    def parse(cls, subject_digests: Sequence[str], verifier_id: str, resource_uri: str,
              verified_levels: Sequence[str] = ()) -> Expectations:
        """From the command line's strings; malformed ones are UsageErrors (exit 2)."""
        if not subject_digests:
            raise UsageError("give at least one --subject-digest TYPE:VALUE")
        digests = []
        for d in subject_digests:
            kind, sep, value = d.partition(":")
            if not sep or not kind or not value:
                raise UsageError(f"--subject-digest must be <digest type>:<digest value>, got {d[:80]!r}")
            digests.append((kind, value))
        if not verifier_id:
            raise UsageError("give --verifier-id")
        if not resource_uri:
            raise UsageError("give --resource-uri")
        for level in verified_levels:
            try:
                parse_slsa_level(level)
            except ValueError as exc:
                raise UsageError(f"--verified-level: {exc}") from None
        return cls(tuple(digests), verifier_id, resource_uri, tuple(verified_levels))


def _show_digests(vsa: Vsa) -> str:
    shown = [f"{k}:{v}" for _, digest in vsa.subjects for k, v in sorted(digest.items())]
    more = f" (+{len(shown) - 4} more)" if len(shown) > 4 else ""
    return ", ".join(shown[:4]) + more


def check_expectations(vsa: Vsa, expected: Expectations) -> None:
    """slsa-verifier's checks 2, 4-7, in its order, each with its own error code."""
    available: dict[str, set[str]] = {}
    for _, digest in vsa.subjects:
        for kind, value in digest.items():
            available.setdefault(kind, set()).add(value)
    if not available:
        raise InvalidVsaError("statement.subject: no subject digests in the VSA")
    for kind, value in expected.subject_digests:
        if value not in available.get(kind, ()):
            raise MismatchHashError(f"VSA subject digest: expected {kind}:{value} among the subjects, got "
                                    f"{_show_digests(vsa)}")
    if not vsa.verifier_id:
        raise InvalidVsaError("statement.predicate.verifier.id: missing or empty")
    if vsa.verifier_id != expected.verifier_id:
        raise MismatchVerifierIDError(f"VSA verifier id: expected {expected.verifier_id!r}, got {vsa.verifier_id!r}")
    if not vsa.resource_uri:
        raise InvalidVsaError("statement.predicate.resourceUri: missing or empty")
    if vsa.resource_uri != expected.resource_uri:
        raise MismatchResourceURIError(f"VSA resource URI: expected {expected.resource_uri!r}, got "
                                       f"{vsa.resource_uri!r}")
    if vsa.verification_result != PASSED:
        raise InvalidVerificationResultError(f"VSA verificationResult: expected {PASSED!r}, got "
                                             f"{vsa.verification_result!r}")
    try:
        wanted = _track_levels(expected.verified_levels)
        got = _track_levels(vsa.verified_levels)
    except ValueError as exc:
        raise InvalidVsaError(f"statement.predicate.verifiedLevels: {exc}") from None
    for track, minimum in wanted.items():
        if track not in got:
            raise MismatchVerifiedLevelsError(f"VSA verified levels: expected SLSA_{track}_LEVEL_{minimum} or "
                                              f"higher, got no {track} level in {list(vsa.verified_levels)}")
        if got[track] < minimum:
            raise MismatchVerifiedLevelsError(f"VSA verified levels: expected SLSA_{track}_LEVEL_{minimum} or "
                                              f"higher, got SLSA_{track}_LEVEL_{got[track]}")
    custom = {level for level in vsa.verified_levels if not level.startswith("SLSA_")}
    for level in expected.verified_levels:
        if not level.startswith("SLSA_") and level not in custom:
            raise MismatchVerifiedLevelsError(f"VSA verified levels: expected {level!r}, got "
                                              f"{list(vsa.verified_levels)}")


# -- Verifying a VSA document ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedVsa:
    """A VSA that passed: its fields, its payload (what ``--print-attestation`` prints), and who signed it (the
    key id of the signature that verified, or the Sigstore certificate / key of the bundle)."""

    vsa: Vsa
    payload: bytes
    keyid: str | None = None
    signature: VerifiedSignature | None = None

    @property
    def signer(self) -> str:
        if self.signature is not None and self.signature.claims is not None:
            return self.signature.claims.san
        return f"key {self.keyid}" if self.keyid else "key"


def _envelope(o: Mapping[str, Any]) -> Envelope:
    """A DSSE envelope with any number (>= 1) of signatures, as go-securesystemslib accepts it."""
    path = "envelope"
    payload_type = o.get("payloadType")
    if payload_type != INTOTO_PAYLOAD_TYPE:
        shown = payload_type if isinstance(payload_type, str) else j.type_name(payload_type)
        raise _fail(f"{path}.payloadType", f"expected {INTOTO_PAYLOAD_TYPE!r}, got {shown!r}")
    try:
        payload = j.get_b64(o, "payload", path)
        raw_sigs = j.opt_list(o, "signatures", path)
        sigs = []
        for i, s in enumerate(raw_sigs):
            sp = f"{path}.signatures[{i}]"
            s = j.obj(s, sp)
            sigs.append((j.get_b64(s, "sig", sp), j.opt_str(s, "keyid", sp) or ""))
    except InvalidProvenanceError as exc:
        raise InvalidVsaError(str(exc)) from None
    if not sigs:
        raise UnsignedVsaError("the DSSE envelope has no signatures: a VSA must be signed")
    return Envelope(payload_type, payload, tuple(Signature(sig, kid) for sig, kid in sigs))


def _check(payload: bytes, expected: Expectations) -> Vsa:
    vsa = parse_vsa(payload)
    check_expectations(vsa, expected)
    return vsa


def verify_vsa_envelope(o: Mapping[str, Any], expected: Expectations, key: PublicKeyTypes, public_key_id: str | None
                        ) -> VerifiedVsa:
    """A DSSE envelope signed with ``key`` (slsa-verifier verify-vsa)."""
    env = _envelope(o)
    sig = verify_envelope_with_key(env, key, public_key_id)
    return VerifiedVsa(_check(env.payload, expected), env.payload, keyid=sig.keyid)


def verify_vsa_bundle(bundle: Bundle, expected: Expectations, root: TrustedRoot, *, profile: Profile,
                      identity: str | None = None, issuer: str | None = None, key: PublicKeyTypes | None = None,
                      key_der: bytes | None = None) -> VerifiedVsa:
    """A VSA in a Sigstore bundle: verified as ``verify-bundle`` does (log entry, certificate chain, SCT,
    signature), the certificate's identity and issuer matched exactly (or the bundle signed by ``key``); where
    the references differ, by the command's ``profile`` (:mod:`pyslsa.core.profile`)."""
    if bundle.envelope is None:
        raise InvalidVsaError("bundle holds a message signature, expected a DSSE envelope with a VSA")
    if bundle.envelope.payload_type != INTOTO_PAYLOAD_TYPE:
        raise _fail("bundle.dsseEnvelope.payloadType",
                    f"expected {INTOTO_PAYLOAD_TYPE!r}, got {bundle.envelope.payload_type!r}")
    sig = verify_dsse_bundle(bundle, root, profile=profile, key=key, key_der=key_der)
    if key is None:
        if not (identity and issuer):
            raise UsageError("give the certificate identity and OIDC issuer that must have signed the VSA")
        check_identity(sig, identity, issuer)
    payload = bundle.envelope.payload
    return VerifiedVsa(_check(payload, expected), payload, signature=sig)


def verify_vsa_document(data: bytes, expected: Expectations, *, profile: Profile, key: PublicKeyTypes | None = None,
                        key_der: bytes | None = None, public_key_id: str | None = None,
                        root: TrustedRoot | Callable[[], TrustedRoot] | None = None, identity: str | None = None,
                        issuer: str | None = None) -> VerifiedVsa:
    """One VSA file: a DSSE envelope (needs ``key``), a Sigstore bundle (needs ``identity`` + ``issuer``, or
    ``key``, and ``root``: a trusted root, or a function that loads it, called only for a bundle; verified by
    the command's ``profile``), or a bare statement (refused: ``unsigned-vsa``)."""
    try:
        doc = j.loads(data, "VSA file", InvalidVsaError)
    except VerificationError as exc:
        raise InvalidVsaError(str(exc)) from None
    if not isinstance(doc, dict):
        raise InvalidVsaError(f"VSA file: expected a JSON object, got {j.type_name(doc)}")
    if key is not None and (identity or issuer):
        raise UsageError("give a public key, or a certificate identity and OIDC issuer, not both")
    if "mediaType" in doc:
        try:
            bundle = parse_bundle(doc)
        except InvalidProvenanceError as exc:
            raise InvalidVsaError(str(exc)) from None
        if root is None:
            raise UsageError("a VSA in a Sigstore bundle needs a trusted root")
        if key is None and not (identity and issuer):
            raise UsageError("the VSA is a Sigstore bundle: give --certificate-identity and "
                             "--certificate-oidc-issuer (or --public-key-path for a key-signed bundle)")
        trusted = root if isinstance(root, TrustedRoot) else root()
        return verify_vsa_bundle(bundle, expected, trusted, profile=profile, identity=identity, issuer=issuer,
                                 key=key, key_der=key_der)
    if "payload" not in doc and "signatures" not in doc and ("_type" in doc or "predicateType" in doc):
        raise UnsignedVsaError("the VSA is a bare in-toto Statement, not a signed DSSE envelope or Sigstore bundle: "
                               "nothing vouches for it")
    if key is None:
        raise UsageError("the VSA is a DSSE envelope signed with a key: give --public-key-path")
    return verify_vsa_envelope(doc, expected, key, public_key_id)
