"""A made-up artifact, the GitHub claims of a Fulcio certificate for it and its SLSA v0.2 provenance statement
(repository o/r), for tests that sign them with the test authority (tests/authority.py)."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.authority import FULCIO

ARTIFACT = b"the artifact"
DIGEST = "sha256:" + hashlib.sha256(ARTIFACT).hexdigest()

GEN = ("https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml")
SHA = "a" * 40


def gh_claims(ref: str = "refs/tags/v1", trigger: str = "push", sha: str = SHA) -> dict[str, str]:
    return {FULCIO + "2": trigger, FULCIO + "3": sha, FULCIO + "5": "o/r", FULCIO + "6": ref,
            FULCIO + "12": "https://github.com/o/r", FULCIO + "13": sha, FULCIO + "14": ref,
            FULCIO + "20": trigger}


def provenance(ref: str = "refs/tags/v1", sha: str = SHA, builder: str = GEN + "@refs/tags/v2.1.0",
                event: str = "push") -> dict[str, Any]:
    uri = f"git+https://github.com/o/r@{ref}"
    ref_type = "branch" if ref.startswith("refs/heads/") else "tag"
    return {"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://slsa.dev/provenance/v0.2",
            "subject": [{"name": "a", "digest": {"sha256": DIGEST[7:]}}],
            "predicate": {"builder": {"id": builder}, "buildType": "https://github.com/slsa-framework/"
                          "slsa-github-generator/generic@v1",
                          "invocation": {"configSource": {"uri": uri, "digest": {"sha1": sha}},
                                         "environment": {"github_event_name": event, "github_ref": ref,
                                                         "github_ref_type": ref_type, "github_base_ref": "",
                                                         "github_sha1": sha,
                                                         "github_event_payload": {"base_ref": None}}},
                          "materials": [{"uri": uri, "digest": {"sha1": sha}}]}}
