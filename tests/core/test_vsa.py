"""Verification Summary Attestations in the core: slsa-verifier's real VSA vector, what pyslsa builds and signs,
every field tampered, the levels policy, and VSAs in Sigstore bundles made by the throw-away authority."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from pyslsa.core.dsse import INTOTO_PAYLOAD_TYPE, pae
from pyslsa.core.keys import (
    default_keyid,
    ecdsa_signature_der,
    envelope_json,
    load_private_key_pem,
    sign_envelope,
    ssh_fingerprint_keyid,
)
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.slsa.builders import GENERIC_DELEGATOR, GENERIC_GENERATOR, GO_BUILDER
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.vsa import (
    PREDICATE_TYPE,
    TRUSTED_PUBLISHER_LEVEL,
    VERIFIER_ID,
    Descriptor,
    Expectations,
    SubjectResult,
    Summary,
    build_statement,
    canonical_command_line,
    command_policy,
    descriptor,
    file_policy,
    parse_slsa_level,
    pypi_resource_uri,
    rfc3339,
    slsa_build_level,
    statement_bytes,
    verified_levels,
)
from pyslsa.core.vsa import verify_vsa_document as core_verify_vsa_document
from pyslsa.errors import UsageError, VerificationError
from tests.authority import GH_ISSUER, Authority
from tests.conftest import SV, vector

GCE = SV / "vsa" / "gce" / "v1"


def verify_vsa_document(data: bytes, expected: Expectations, **kw: Any) -> Any:
    """The core's verify_vsa_document as verify-vsa calls it (the slsa-verifier profile)."""
    return core_verify_vsa_document(data, expected, profile=SLSA_VERIFIER, **kw)

GCE_VSA = GCE / "gke-gce-pre.bcid-vsa.jsonl"
GCE_KEY = GCE / "vsa_signing_public_key.pem"
GCE_KEY_ID = "keystore://76574:prod:vsa_signing_public_key"
GCE_DIGEST = "gce_image_id:8970095005306000053"
GCE_VERIFIER = "https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1"
GCE_RESOURCE = "gce_image://gke-node-images:gke-12615-gke1418000-cos-101-17162-463-29-c-cgpv1-pre"

WHEEL, WHEEL_SHA = "demo-1.0-py3-none-any.whl", hashlib.sha256(b"wheel bytes").hexdigest()
SDIST, SDIST_SHA = "demo-1.0.tar.gz", hashlib.sha256(b"sdist bytes").hexdigest()
RESOURCE = "pkg:pypi/demo@1.0"
WHEN = dt.datetime(2025, 6, 1, 12, 0, 5, tzinfo=dt.timezone.utc)
WF = "https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1.0.0"


def gce_key() -> tuple[object, bytes]:
    key = serialization.load_pem_public_key(vector(GCE_KEY))
    return key, key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def gce_expect(**kw: Any) -> Expectations:
    args: dict[str, Any] = {"subject_digests": [GCE_DIGEST], "verifier_id": GCE_VERIFIER,
                            "resource_uri": GCE_RESOURCE, "verified_levels": ["BCID_L1", "SLSA_BUILD_LEVEL_2"]}
    args.update(kw)
    return Expectations.parse(**args)


def verify_gce(expected: Expectations | None = None, key_id: str | None = GCE_KEY_ID, data: bytes | None = None
               ) -> Any:
    key, der = gce_key()
    return verify_vsa_document(vector(GCE_VSA) if data is None else data, expected or gce_expect(), key=key,
                               key_der=der, public_key_id=key_id)


def code_of(fn: Callable[[], Any]) -> str:
    with pytest.raises(VerificationError) as info:
        fn()
    assert "\n" not in info.value.message
    return info.value.code


# -- slsa-verifier's real vector (cli/slsa-verifier/main_regression_test.go Test_runVerifyVSA) --------------------


def test_real_vector_passes_with_the_documented_flags() -> None:
    verified = verify_gce()
    assert verified.keyid == GCE_KEY_ID
    assert verified.vsa.verifier_id == GCE_VERIFIER and verified.vsa.resource_uri == GCE_RESOURCE
    assert verified.vsa.verified_levels == ("BCID_L1", "SLSA_BUILD_LEVEL_2")
    assert json.loads(verified.payload)["predicateType"] == PREDICATE_TYPE  # what --print-attestation prints


def test_real_vector_is_p1363_signed() -> None:
    """Its ECDSA signature is r || s (64 bytes), not DER: accepted as sigstore's ECDSAVerifier accepts it."""
    sig = base64.b64decode(json.loads(vector(GCE_VSA))["signatures"][0]["sig"])
    assert len(sig) == 64 and sig[0] != 0x30
    r, s = decode_dss_signature(ecdsa_signature_der(sig))
    assert r == int.from_bytes(sig[:32], "big") and s == int.from_bytes(sig[32:], "big")


def test_ecdsa_signature_forms() -> None:
    """DER stays DER; what Go's asn1.Unmarshal reads as ASN.1 (DER with trailing bytes) stays on the DER path,
    where the strict check refuses it, rather than being reinterpreted as r || s; odd lengths are neither."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    assert ecdsa_signature_der(der) == der
    assert ecdsa_signature_der(der + b"\x00\x00") == der + b"\x00\x00"
    with pytest.raises(VerificationError):
        ecdsa_signature_der(b"\x01" * 63)
    with pytest.raises(VerificationError):
        ecdsa_signature_der(b"\x01" * 134)


@pytest.mark.parametrize("key_id", ["", None, "my_key_id"])
def test_real_vector_wrong_or_empty_key_id_fails(key_id: str | None) -> None:
    with pytest.raises(VerificationError) as info:
        verify_gce(key_id=key_id)
    assert info.value.code == "invalid-signature"
    assert "no valid signature" in info.value.message and GCE_KEY_ID in info.value.message


def test_real_vector_default_key_id_is_the_ssh_fingerprint() -> None:
    """With an empty --public-key-id, go-securesystemslib expects its SHA256KeyID (the OpenSSH fingerprint)."""
    key, _ = gce_key()
    assert ssh_fingerprint_keyid(key) == "SHA256:Zphi7kubaI7RnOrkqPgkRdVhF5a2JOFB4gor/Zajiiw"  # ssh-keygen -l
    with pytest.raises(VerificationError) as info:
        verify_gce(key_id="")
    assert "SHA256:Zphi7kubaI7RnOrkqPgkRdVhF5a2JOFB4gor/Zajiiw" in info.value.message


def test_real_vector_with_another_key_fails() -> None:
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = other.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(VerificationError) as info:
        verify_vsa_document(vector(GCE_VSA), gce_expect(), key=other, key_der=der, public_key_id=GCE_KEY_ID)
    assert info.value.code == "invalid-signature"


@pytest.mark.parametrize(("kw", "code"), [
    ({"subject_digests": ["gce_image_id:8970095005306000054"]}, "mismatch-hash"),
    ({"subject_digests": [GCE_DIGEST, "sha256:" + "0" * 64]}, "mismatch-hash"),  # every one must be there
    ({"subject_digests": ["GCE_IMAGE_ID:8970095005306000053"]}, "mismatch-hash"),  # exact type, as Go's map
    ({"verifier_id": GCE_VERIFIER + "/"}, "mismatch-verifier-id"),
    ({"resource_uri": GCE_RESOURCE.upper()}, "mismatch-resource-uri"),
    ({"verified_levels": ["SLSA_BUILD_LEVEL_3"]}, "mismatch-verified-levels"),  # L2 does not meet L3
    ({"verified_levels": ["BCID_L2"]}, "mismatch-verified-levels"),  # custom levels: exact
    ({"verified_levels": ["SLSA_SOURCE_LEVEL_1"]}, "mismatch-verified-levels"),  # no such track
])
def test_real_vector_rejects_other_expectations(kw: dict[str, Any], code: str) -> None:
    assert code_of(lambda: verify_gce(gce_expect(**kw))) == code


@pytest.mark.parametrize("levels", [[], ["SLSA_BUILD_LEVEL_1"], ["SLSA_BUILD_LEVEL_2"], ["BCID_L1"],
                                    ["SLSA_BUILD_LEVEL_0", "BCID_L1"], ["SLSA_BUILD_LEVEL_02"]])
def test_real_vector_levels_met(levels: list[str]) -> None:
    """A track level is met by any level >= it (SLSA_BUILD_LEVEL_2 implies 1 and 0); Atoi reads '02' as 2."""
    assert verify_gce(gce_expect(verified_levels=levels)).vsa.verifier_id == GCE_VERIFIER


@pytest.mark.parametrize(("kw", "needle"), [
    ({"subject_digests": []}, "--subject-digest"),
    ({"subject_digests": ["8970095005306000053"]}, "<digest type>:<digest value>"),
    ({"subject_digests": ["sha256:"]}, "<digest type>:<digest value>"),
    ({"verifier_id": ""}, "--verifier-id"),
    ({"resource_uri": ""}, "--resource-uri"),
    ({"verified_levels": ["SLSA_BUILD_3"]}, "invalid SLSA level"),
    ({"verified_levels": ["SLSA_BUILD_LEVEL_three"]}, "invalid SLSA level"),
])
def test_bad_expectations_are_usage_errors(kw: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError) as info:
        gce_expect(**kw)
    assert needle in info.value.message and info.value.exit_status == 2


def resign_gce(edit: Callable[[dict[str, Any]], None]) -> tuple[bytes, Any, bytes]:
    """The vector's statement edited and signed again by a key of our own (the vector's key is not ours)."""
    statement = json.loads(base64.b64decode(json.loads(vector(GCE_VSA))["payload"]))
    edit(statement)
    key = ec.generate_private_key(ec.SECP256R1())
    env = sign_envelope(INTOTO_PAYLOAD_TYPE, json.dumps(statement).encode(), key, GCE_KEY_ID)
    pub = key.public_key()
    return envelope_json(env), pub, pub.public_bytes(serialization.Encoding.DER,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize(("edit", "code"), [
    (lambda s: s["subject"][0]["digest"].update(gce_image_id="1"), "mismatch-hash"),
    (lambda s: s.update(subject=[]), "invalid-vsa"),  # no digests at all
    (lambda s: s["predicate"]["verifier"].update(id="https://evil.example"), "mismatch-verifier-id"),
    (lambda s: s["predicate"]["verifier"].pop("id"), "invalid-vsa"),
    (lambda s: s["predicate"].update(resourceUri="gce_image://other"), "mismatch-resource-uri"),
    (lambda s: s["predicate"].pop("resourceUri"), "invalid-vsa"),
    (lambda s: s["predicate"].update(verificationResult="FAILED"), "invalid-verification-result"),
    (lambda s: s["predicate"].update(verifiedLevels=["BCID_L1", "SLSA_BUILD_LEVEL_1"]), "mismatch-verified-levels"),
    (lambda s: s["predicate"].update(verifiedLevels=["SLSA_BUILD_LEVEL_2"]), "mismatch-verified-levels"),
    (lambda s: s["predicate"]["verifiedLevels"].append("SLSA_BUILD_LEVEL_X"), "invalid-vsa"),
    (lambda s: s["predicate"].update(verifiedLevels="SLSA_BUILD_LEVEL_2"), "invalid-vsa"),
    (lambda s: s["predicate"].update(timeVerified="yesterday"), "invalid-vsa"),
    (lambda s: s["predicate"].update(dependencyLevels={"SLSA_BUILD_LEVEL_3": 1.5}), "invalid-vsa"),
    (lambda s: s["predicate"]["policy"].update(digest=["sha256"]), "invalid-vsa"),
    (lambda s: s.update(predicateType="https://slsa.dev/provenance/v1"), "invalid-vsa"),
    (lambda s: s.update(_type="https://in-toto.io/Statement/v2"), "invalid-vsa"),
])
def test_resigned_tampered_statement_fails_on_the_field(edit: Callable[[dict[str, Any]], None], code: str) -> None:
    data, key, der = resign_gce(edit)
    assert code_of(lambda: verify_vsa_document(data, gce_expect(), key=key, key_der=der,
                                               public_key_id=GCE_KEY_ID)) == code


def test_resigned_untampered_statement_passes_and_higher_levels_meet_lower() -> None:
    """The control for the test above, and SLSA_BUILD_LEVEL_3 in a VSA meets an expected level 2."""
    data, key, der = resign_gce(lambda s: s["predicate"].update(verifiedLevels=["SLSA_BUILD_LEVEL_3", "BCID_L1"]))
    assert verify_vsa_document(data, gce_expect(), key=key, key_der=der, public_key_id=GCE_KEY_ID).keyid == GCE_KEY_ID


def edit_envelope(edit: Callable[[dict[str, Any]], None]) -> bytes:
    env = json.loads(vector(GCE_VSA))
    edit(env)
    return json.dumps(env).encode()


def _payload_edit(env: dict[str, Any]) -> None:
    statement = json.loads(base64.b64decode(env["payload"]))
    statement["predicate"]["verifiedLevels"] = ["BCID_L1", "SLSA_BUILD_LEVEL_3"]
    env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()


def _flip_sig(env: dict[str, Any]) -> None:
    sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
    sig[10] ^= 1
    env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()


@pytest.mark.parametrize(("edit", "code"), [
    (_payload_edit, "invalid-signature"),  # a raised level without the key
    (_flip_sig, "invalid-signature"),
    (lambda e: e["signatures"][0].update(keyid="other"), "invalid-signature"),
    (lambda e: e["signatures"][0].update(sig=base64.b64encode(b"\x01" * 63).decode()), "invalid-signature"),
    (lambda e: e.update(payloadType="application/json"), "invalid-vsa"),
    (lambda e: e.update(payload="%%%"), "invalid-vsa"),
    (lambda e: e.update(signatures=[]), "unsigned-vsa"),
    (lambda e: e.pop("signatures"), "unsigned-vsa"),
])
def test_tampered_envelope_fails(edit: Callable[[dict[str, Any]], None], code: str) -> None:
    assert code_of(lambda: verify_gce(data=edit_envelope(edit))) == code


def test_envelope_with_a_keyless_or_a_second_signature_passes() -> None:
    """go-securesystemslib tries a signature without keyid, skips those of other keys, and needs one to verify."""
    keyless = edit_envelope(lambda e: e["signatures"][0].update(keyid=""))
    assert verify_gce(data=keyless, key_id="anything").keyid == ""
    extra = edit_envelope(lambda e: e["signatures"].insert(0, {"sig": "AAAA", "keyid": "another-key"}))
    assert verify_gce(data=extra).keyid == GCE_KEY_ID


@pytest.mark.parametrize("data", [b"", b"[]", b"not json", b'{"payloadType": "application/vnd.in-toto+json"}'])
def test_malformed_files_are_invalid_vsa(data: bytes) -> None:
    assert code_of(lambda: verify_gce(data=data)) == "invalid-vsa"


def test_unsigned_statement_is_refused() -> None:
    statement = base64.b64decode(json.loads(vector(GCE_VSA))["payload"])
    with pytest.raises(VerificationError) as info:
        verify_gce(data=statement)
    assert info.value.code == "unsigned-vsa" and "bare in-toto Statement" in info.value.message


# -- What pyslsa builds ---------------------------------------------------------------------------------------------


def summary(**kw: Any) -> Summary:
    args: dict[str, Any] = {
        "subjects": (SubjectResult(WHEEL, WHEEL_SHA, 3, True), SubjectResult(SDIST, SDIST_SHA, 3, True)),
        "resource_uri": RESOURCE,
        "policy": command_policy("verify-release", [("--source-uri", "github.com/o/r")]),
        "input_attestations": (descriptor("https://pypi.test/integrity/demo/1.0/x/provenance", b"{}"),),
        "passed": True, "time_verified": WHEN, "verifier_version": "0.1.0"}
    args.update(kw)
    return Summary(**args)


def test_statement_shape() -> None:
    st = build_statement(summary())
    assert st["_type"] == "https://in-toto.io/Statement/v1" and st["predicateType"] == PREDICATE_TYPE
    assert st["subject"] == [{"name": WHEEL, "digest": {"sha256": WHEEL_SHA}},
                             {"name": SDIST, "digest": {"sha256": SDIST_SHA}}]
    p = st["predicate"]
    assert p["verifier"] == {"id": VERIFIER_ID, "version": {"pyslsa": "0.1.0"}}
    assert p["timeVerified"] == "2025-06-01T12:00:05Z"
    assert p["resourceUri"] == RESOURCE
    assert p["policy"]["uri"] == "pyslsa:verify-release"
    assert p["policy"]["digest"]["sha256"] == hashlib.sha256(
        p["policy"]["annotations"]["commandLine"].encode()).hexdigest()
    assert p["inputAttestations"] == [{"uri": "https://pypi.test/integrity/demo/1.0/x/provenance",
                                       "digest": {"sha256": hashlib.sha256(b"{}").hexdigest()}}]
    assert p["verificationResult"] == "PASSED"
    assert p["verifiedLevels"] == ["SLSA_BUILD_LEVEL_3", TRUSTED_PUBLISHER_LEVEL]
    assert p["slsaVersion"] == "1.0"
    assert json.loads(statement_bytes(st)) == st


def test_failed_summary_says_failed() -> None:
    p = build_statement(summary(passed=False))["predicate"]
    assert p["verificationResult"] == "FAILED" and p["verifiedLevels"] == ["FAILED"]


@pytest.mark.parametrize(("kw", "needle"), [
    ({"subjects": ()}, "at least one subject"),
    ({"resource_uri": ""}, "resource URI"),
    ({"verifier_id": ""}, "verifier id"),
    ({"subjects": (SubjectResult(WHEEL, "ABC"),)}, "hex SHA-256"),
    ({"time_verified": dt.datetime(2025, 6, 1)}, "aware datetime"),  # naive: refused
])
def test_build_refuses_incomplete_summaries(kw: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError) as info:
        build_statement(summary(**kw))
    assert needle in info.value.message


def test_levels_policy() -> None:
    """Conservative: the lowest subject's Build level; a publish attestation proves a publisher, no build level."""
    assert verified_levels([SubjectResult("a", WHEEL_SHA, 3)], True) == ["SLSA_BUILD_LEVEL_3"]
    assert verified_levels([SubjectResult("a", WHEEL_SHA, 3), SubjectResult("b", SDIST_SHA, 1)],
                           True) == ["SLSA_BUILD_LEVEL_1"]
    assert verified_levels([SubjectResult("a", WHEEL_SHA, 0, True)], True) == ["SLSA_BUILD_LEVEL_0",
                                                                               TRUSTED_PUBLISHER_LEVEL]
    assert verified_levels([SubjectResult("a", WHEEL_SHA, 3, True), SubjectResult("b", SDIST_SHA, 3)],
                           True) == ["SLSA_BUILD_LEVEL_3"]  # not every subject's publisher was verified
    assert verified_levels([SubjectResult("a", WHEEL_SHA, 3, True)], False) == ["FAILED"]


@pytest.mark.parametrize(("builder", "level"), [
    (GENERIC_GENERATOR + "@refs/tags/v2.1.0", 3),
    (GO_BUILDER + "@refs/tags/v1.9.0", 3),
    (GENERIC_GENERATOR + "@refs/heads/main", 1),  # not a release of the builder (slsa-verifier's test mode)
    (GENERIC_GENERATOR, 1),
    (GENERIC_DELEGATOR + "@refs/tags/v2.1.0", 1),  # BYOB: the builder is a third party's workflow
    ("https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml@refs/tags/v1",
     1),
    ("https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.4", 1),
    ("https://github.com/evil/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2", 1),
])
def test_slsa_build_level_only_l3_for_slsa_verifiers_own_builders(builder: str, level: int) -> None:
    assert slsa_build_level(builder) == level


def test_policy_helpers() -> None:
    a = canonical_command_line("verify-artifact", [("--source-uri", "github.com/o/r"), ("--source-tag", "v1 x")])
    b = canonical_command_line("verify-artifact", [("--source-tag", "v1 x"), ("--source-uri", "github.com/o/r")])
    assert a == b == "pyslsa verify-artifact --source-tag 'v1 x' --source-uri github.com/o/r"
    assert command_policy("verify-artifact", [("--source-tag", "v1")]).sha256 != command_policy(
        "verify-artifact", [("--source-tag", "v2")]).sha256
    pol = file_policy("pyslsa.toml", b"require = 'all'\n", ("pyslsa.pins.toml", b"[pins]\n"))
    policy_sha, pins_sha = hashlib.sha256(b"require = 'all'\n").hexdigest(), hashlib.sha256(b"[pins]\n").hexdigest()
    assert pol.to_json() == {"uri": "pyslsa.toml", "digest": {"sha256": policy_sha},
                             "annotations": {"pins": {"uri": "pyslsa.pins.toml", "digest": {"sha256": pins_sha}}}}
    assert Descriptor("u", "0" * 64).to_json() == {"uri": "u", "digest": {"sha256": "0" * 64}}


@pytest.mark.parametrize(("name", "version", "purl"), [
    ("aws-lambda-powertools", "3.4.0", "pkg:pypi/aws-lambda-powertools@3.4.0"),
    ("Django_Rest", "1.0rc1", "pkg:pypi/django-rest@1.0rc1"),
    ("zope.interface", "1.0+local.1", "pkg:pypi/zope.interface@1.0%2Blocal.1"),
])
def test_pypi_resource_uri(name: str, version: str, purl: str) -> None:
    assert pypi_resource_uri(name, version) == purl


def test_rfc3339_and_levels_parsing() -> None:
    assert rfc3339(dt.datetime(2024, 6, 12, 7, 24, 34, 351608, tzinfo=dt.timezone.utc)) == "2024-06-12T07:24:34.351608Z"
    assert rfc3339(dt.datetime(2024, 6, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == "2024-06-12T07:00:00Z"
    assert parse_slsa_level("SLSA_BUILD_LEVEL_3") == ("BUILD", 3)
    assert parse_slsa_level("BCID_L1") is None
    with pytest.raises(ValueError, match="invalid SLSA level"):
        parse_slsa_level("SLSA_BUILD_TRACK_LEVEL_3")


# -- Signing: every key type round-trips; what the emitter writes verifies ------------------------------------------


def own_expect(**kw: Any) -> Expectations:
    args: dict[str, Any] = {"subject_digests": [f"sha256:{WHEEL_SHA}", f"sha256:{SDIST_SHA}"],
                            "verifier_id": VERIFIER_ID, "resource_uri": RESOURCE,
                            "verified_levels": ["SLSA_BUILD_LEVEL_3", TRUSTED_PUBLISHER_LEVEL]}
    args.update(kw)
    return Expectations.parse(**args)


KEYS: dict[str, Callable[[], Any]] = {
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
}


def signed(key: Any, keyid: str | None = None, **kw: Any) -> bytes:
    env = sign_envelope(INTOTO_PAYLOAD_TYPE, statement_bytes(build_statement(summary(**kw))), key, keyid)
    return envelope_json(env)


def pub(key: Any) -> tuple[Any, bytes]:
    p = key.public_key()
    return p, p.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_round_trip_each_key_type(kind: str) -> None:
    key = KEYS[kind]()
    p, der = pub(key)
    data = signed(key)
    assert b"\n" not in data
    env = json.loads(data)
    assert list(env) == ["payload", "payloadType", "signatures"]
    assert env["signatures"][0]["keyid"] == hashlib.sha256(der).hexdigest() == default_keyid(p)
    # the default key id verifies with no --public-key-id, and with itself
    assert verify_vsa_document(data, own_expect(), key=p, key_der=der, public_key_id="").keyid == default_keyid(p)
    assert verify_vsa_document(data, own_expect(), key=p, key_der=der, public_key_id=default_keyid(p))
    assert code_of(lambda: verify_vsa_document(data, own_expect(), key=p, key_der=der,
                                               public_key_id="my_key_id")) == "invalid-signature"
    other, other_der = pub(KEYS[kind]())
    assert code_of(lambda: verify_vsa_document(data, own_expect(), key=other, key_der=other_der,
                                               public_key_id=default_keyid(p))) == "invalid-signature"


def test_ecdsa_signatures_are_der_with_the_curves_hash() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    env = json.loads(signed(key, "k"))
    sig = base64.b64decode(env["signatures"][0]["sig"])
    decode_dss_signature(sig)  # DER, as Go's ecdsa.SignASN1
    payload = base64.b64decode(env["payload"])
    key.public_key().verify(sig, pae(INTOTO_PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA384()))


def test_ssh_fingerprint_key_id_verifies_with_no_public_key_id() -> None:
    """A VSA signed with slsa-verifier's default key id (the OpenSSH fingerprint) verifies without --public-key-id."""
    key = ed25519.Ed25519PrivateKey.generate()
    p, der = pub(key)
    fingerprint = ssh_fingerprint_keyid(p)
    assert fingerprint is not None and fingerprint.startswith("SHA256:")
    data = signed(key, fingerprint)
    assert verify_vsa_document(data, own_expect(), key=p, key_der=der, public_key_id=None).keyid == fingerprint


def test_own_vsa_checks() -> None:
    key = KEYS["p256"]()
    p, der = pub(key)

    def run(data: bytes, **kw: Any) -> str:
        return code_of(lambda: verify_vsa_document(data, own_expect(**kw), key=p, key_der=der, public_key_id="k"))

    data = signed(key, "k")
    assert run(data, subject_digests=[f"sha256:{'1' * 64}"]) == "mismatch-hash"
    assert run(data, subject_digests=[f"sha256:{WHEEL_SHA.upper()}"]) == "mismatch-hash"  # exact, as slsa-verifier
    assert run(data, verifier_id="https://other.example") == "mismatch-verifier-id"
    assert run(data, resource_uri="pkg:pypi/demo@1.1") == "mismatch-resource-uri"
    assert run(signed(key, "k", subjects=(SubjectResult(WHEEL, WHEEL_SHA, 1, True),
                                          SubjectResult(SDIST, SDIST_SHA, 1, True)))) == "mismatch-verified-levels"
    assert run(signed(key, "k", subjects=(SubjectResult(WHEEL, WHEEL_SHA, 3, False),
                                          SubjectResult(SDIST, SDIST_SHA, 3, True)))) == "mismatch-verified-levels"
    assert run(signed(key, "k", passed=False)) == "invalid-verification-result"
    assert run(signed(key, "k", verifier_id="https://github.com/someone/else")) == "mismatch-verifier-id"
    assert run(signed(key, "k", resource_uri="pkg:pypi/other@1.0")) == "mismatch-resource-uri"


@pytest.mark.parametrize(("make", "password", "needle"), [
    (lambda k: k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"pw")), None, "encrypted"),
    (lambda k: k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"pw")), b"nope", "password"),
    (lambda k: b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", None, "not a PEM private key"),
    (lambda k: ec.generate_private_key(ec.SECP521R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), None,
     "P-256 or P-384"),
])
def test_signing_key_refusals(make: Callable[[Any], bytes], password: bytes | None, needle: str) -> None:
    with pytest.raises(UsageError) as info:
        load_private_key_pem(make(ec.generate_private_key(ec.SECP256R1())), password)
    assert needle in info.value.message


@pytest.mark.parametrize("fmt", [serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8])
def test_a_wrong_password_is_named_even_when_the_garbage_decrypts(fmt: serialization.PrivateFormat) -> None:
    """A wrong password yields valid padding about once in 256 tries, and the cryptography library then complains
    about the key's encoding instead: the message still says wrong password (the test looks for such a password)."""
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(serialization.Encoding.PEM, fmt,
                                                                serialization.BestAvailableEncryption(b"s3cret"))
    for i in range(20_000):
        try:
            serialization.load_pem_private_key(pem, password=b"wrong-%d" % i)
        except ValueError as exc:
            if "password" not in str(exc).lower():
                break
    else:
        pytest.fail("no wrong password decrypted to garbage with valid padding")
    with pytest.raises(UsageError) as info:
        load_private_key_pem(pem, b"wrong-%d" % i, "VSA signing key k.pem")
    assert info.value.message.startswith("VSA signing key k.pem: wrong password, or a damaged key (")


def test_signing_key_formats() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sec1 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())
    assert b"BEGIN EC PRIVATE KEY" in sec1
    enc = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"pw"))
    for pem, password in ((sec1, None), (sec1, b"ignored: not encrypted"), (enc, b"pw")):
        loaded = load_private_key_pem(pem, password)
        assert default_keyid(loaded.public_key()) == default_keyid(key.public_key())


# -- A VSA in a Sigstore bundle (keyless, e.g. actions/attest) ------------------------------------------------------


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


def bundle_vsa(auth: Authority, edit: Callable[[dict[str, Any]], None] | None = None) -> bytes:
    st = copy.deepcopy(build_statement(summary()))
    if edit is not None:
        edit(st)
    return json.dumps(auth.dsse_bundle(st)).encode()


def run_bundle(auth: Authority, data: bytes, **kw: Any) -> Any:
    kw.setdefault("identity", WF)
    kw.setdefault("issuer", GH_ISSUER)
    root = TrustedRoot.from_json(json.dumps(auth.trusted_root()).encode())
    return verify_vsa_document(data, kw.pop("expected", own_expect()), root=lambda: root, **kw)


def test_bundle_vsa_verifies_with_the_right_identity(auth: Authority) -> None:
    verified = run_bundle(auth, bundle_vsa(auth))
    assert verified.signer == WF and verified.signature is not None and verified.signature.log_index is not None


@pytest.mark.parametrize("kw", [{"identity": WF.replace("v1.0.0", "v1.0.1")}, {"issuer": "https://accounts.google.com"}])
def test_bundle_vsa_fails_with_another_identity(auth: Authority, kw: dict[str, Any]) -> None:
    assert code_of(lambda: run_bundle(auth, bundle_vsa(auth), **kw)) == "mismatch-identity"


def test_bundle_vsa_checks_the_vsa(auth: Authority) -> None:
    data = bundle_vsa(auth, lambda s: s["predicate"].update(verifiedLevels=["SLSA_BUILD_LEVEL_1"]))
    assert code_of(lambda: run_bundle(auth, data)) == "mismatch-verified-levels"
    assert code_of(lambda: run_bundle(auth, bundle_vsa(auth), expected=own_expect(
        resource_uri="pkg:pypi/x@1"))) == "mismatch-resource-uri"


def test_bundle_vsa_tampered_payload_fails(auth: Authority) -> None:
    doc = json.loads(bundle_vsa(auth))
    st = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
    st["predicate"]["resourceUri"] = "pkg:pypi/evil@1.0"
    doc["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
    assert code_of(lambda: run_bundle(auth, json.dumps(doc).encode(),
                                      expected=own_expect(resource_uri="pkg:pypi/evil@1.0"))) == "invalid-signature"


def test_bundle_vsa_under_another_root_fails(auth: Authority) -> None:
    other = Authority()
    root = TrustedRoot.from_json(json.dumps(other.trusted_root()).encode())
    assert code_of(lambda: verify_vsa_document(bundle_vsa(auth), own_expect(), root=root, identity=WF,
                                               issuer=GH_ISSUER)) in {"invalid-tlog-entry", "invalid-certificate"}


def test_bundle_vsa_needs_an_identity(auth: Authority) -> None:
    with pytest.raises(UsageError, match="certificate-identity"):
        run_bundle(auth, bundle_vsa(auth), identity=None, issuer=None)


def test_envelope_needs_a_key() -> None:
    with pytest.raises(UsageError, match="public-key-path"):
        verify_vsa_document(vector(GCE_VSA), gce_expect(), identity=WF, issuer=GH_ISSUER,
                            root=TrustedRoot.production())
