"""The tests' decider: a JSON rules file read on **every** call (so an edit applies to the next request, without a
restart: the seam the audit engine's policy file uses), with real PEP 740 verification by pyslsa's core for the
projects it names.

Rules (every key optional)::

    {"require": "all" | "none",                   # all: a file without verified evidence fails [unattested]
     "pep740": {"project": "github.com/ORG/REPO"}, # verify the upstream provenance, publisher repository must match
     "fail": {"<filename> | <project> | <project>==<version>": {"code": ..., "message": ...}},
     "allow": ["project", ...],                    # an exception: allowed
     "raise": ["<filename>", ...],                 # the decider raises (a broken decider must fail closed)
     "policy": "text for the status page"}
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import ReleaseFile, pep740_evidence
from pyslsa.core.trust import TrustedRoot
from pyslsa.serve import Decision, DecisionRequest


class RulesDecider:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0
        self.requests: list[DecisionRequest] = []
        self._lock = threading.Lock()

    def _rules(self) -> dict[str, Any]:
        rules = json.loads(self.path.read_text("utf-8"))
        assert isinstance(rules, dict)
        return rules

    def write(self, rules: dict[str, Any]) -> None:
        self.path.write_text(json.dumps(rules), "utf-8")

    def describe(self) -> str:
        data = self.path.read_bytes()
        text = json.loads(data).get("policy") or "rules"
        return f"{text} ({self.path.name}, sha256 {hashlib.sha256(data).hexdigest()[:12]})"

    def decide(self, request: DecisionRequest) -> Decision:
        with self._lock:
            self.calls += 1
            self.requests.append(request)
        r = self._rules()
        if request.filename in r.get("raise", []):
            raise RuntimeError(f"rules say raise for {request.filename}")
        fail = r.get("fail", {})
        for key in (request.filename, request.project, f"{request.project}=={request.version}"):
            if key in fail:
                rule = fail[key]
                return Decision("failed", rule.get("code", "mismatch-source"),
                                rule.get("message", f"{key} fails by rule"), {"rule": key})
        repo = r.get("pep740", {}).get(request.project)
        if repo:
            if request.provenance is None:
                return Decision("failed", "unattested", f"{request.filename}: no PEP 740 provenance, the rules "
                                                        f"require one from {repo}")
            evidence = pep740_evidence(ReleaseFile(request.filename, request.sha256), request.provenance_url or "",
                                       request.provenance, TrustedRoot.production(), repo,
                                       profile=SLSA_VERIFIER)
            record = [{"kind": "pep740", "url": e.source, "signer": e.signer, "verified": e.verified,
                       "error": e.error.code if e.error else None} for e in evidence]
            failed = [e for e in evidence if e.error is not None]
            if failed:
                err = failed[0].error
                assert err is not None
                return Decision("failed", err.code, err.message, {"evidence": record})
            if any(e.verified for e in evidence):
                return Decision("verified", None, f"PEP 740: {evidence[0].signer}", {"evidence": record})
        if request.project in r.get("allow", []):
            return Decision("allowed", None, "an exception in the rules file", {"rule": "allow"})
        if r.get("require") == "all":
            return Decision("failed", "unattested", f"{request.filename}: no verified evidence and the rules "
                                                    f"require it for every package")
        return Decision("unattested", None, "no evidence, none required")
