"""What the VSA tests share: slsa-verifier's real VSA vector with the exact flags of its README and regression test
(tests/data/README.md, the ``vsa/gce/v1/`` row), and signing keys written as PEM files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from pyslsa.options import VerifyVsaOptions
from tests.conftest import SV

GCE = SV / "vsa" / "gce" / "v1"
GCE_VSA = GCE / "gke-gce-pre.bcid-vsa.jsonl"
GCE_KEY = GCE / "vsa_signing_public_key.pem"
GCE_KEY_ID = "keystore://76574:prod:vsa_signing_public_key"
GCE_DIGEST = "gce_image_id:8970095005306000053"
GCE_VERIFIER = "https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1"
GCE_RESOURCE = "gce_image://gke-node-images:gke-12615-gke1418000-cos-101-17162-463-29-c-cgpv1-pre"
GCE_LEVELS = ("BCID_L1", "SLSA_BUILD_LEVEL_2")


def gce_options(**kw: Any) -> VerifyVsaOptions:
    """The library options of the vector's flags (``kw`` overrides any)."""
    args: dict[str, Any] = {
        "attestation_path": str(GCE_VSA),
        "subject_digests": (GCE_DIGEST,),
        "verifier_id": GCE_VERIFIER,
        "resource_uri": GCE_RESOURCE,
        "verified_levels": GCE_LEVELS,
        "public_key_path": str(GCE_KEY),
        "public_key_id": GCE_KEY_ID,
        "print_attestation": True,
    }
    args.update(kw)
    return VerifyVsaOptions(**args)


def gce_argv(public_key_id: str | None = GCE_KEY_ID) -> list[str]:
    """``pyslsa verify-vsa`` with the vector's flags, word for word those of slsa-verifier's README."""
    argv = ["verify-vsa", "--subject-digest", GCE_DIGEST, "--attestation-path", str(GCE_VSA),
            "--verifier-id", GCE_VERIFIER, "--resource-uri", GCE_RESOURCE]
    for level in GCE_LEVELS:
        argv += ["--verified-level", level]
    argv += ["--public-key-path", str(GCE_KEY)]
    if public_key_id is not None:
        argv += ["--public-key-id", public_key_id]
    return argv


def write_key(path: Path, key: Any, fmt: serialization.PrivateFormat = serialization.PrivateFormat.PKCS8,
              enc: serialization.KeySerializationEncryption | None = None) -> Path:
    """``key`` as a PEM private key file at ``path``."""
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, fmt, enc or serialization.NoEncryption()))
    return path


def write_pub(path: Path, key: Any) -> Path:
    """The public half of ``key`` as a PEM SubjectPublicKeyInfo file at ``path``."""
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return path
