"""The audit-backed decider of ``pyslsa serve`` (:class:`pyslsa.api.serve.AuditDecider`), in-process against the
audit tests' loopback world (a GitHub-like host serving the real vectors): the verdicts are ``audit``'s, a policy or
pins edit applies to the next decision, GitHub is asked once per question (its raw answers kept in the proxy's cache,
verified on every use, a damaged entry asked again), failures fail closed and are not hammered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pyslsa.api.serve as api_serve
from pyslsa.api.serve import AuditDecider, is_loopback
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import UsageError
from pyslsa.serve import Decider, DecisionRequest, UpstreamFile
from tests.audit_world import BCR_BUNDLE, EX, EX_PROVENANCE, PA, PA_PROVENANCE, RL, SIX, Dist, World, world

PA_POLICY = '[packages.pypi-attestations]\nrepository = "github.com/trailofbits/pypi-attestations"\n'
PINS = ('schema = "pyslsa-pins/1"\n\n[[packages]]\nname = "pypi-attestations"\n\n'
        '[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "{repo}"\nworkflow = "release.yml"\n')


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as wd:
        yield wd


@pytest.fixture
def make(w: World) -> Iterator[Any]:
    made: list[AuditDecider] = []

    def make(**kw: Any) -> AuditDecider:
        kw.setdefault("directory", str(w.tmp))
        kw.setdefault("root", TrustedRoot.production())
        d = AuditDecider(cache_dir=w.tmp / "cache", github_url=w.gh.base, github_api_url=f"{w.gh.base}/api", **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def request(d: Dist, provenance: bytes | None = None, content: bytes | None = None) -> DecisionRequest:
    sha = hashlib.sha256(content if content is not None else d.content).hexdigest()
    url = f"https://index.invalid/integrity/{d.name}/{d.version}/{d.filename}/provenance" if provenance else None
    f = UpstreamFile(project=d.name, filename=d.filename, version=d.version, kind="sdist",
                     url=f"https://index.invalid/files/{d.filename}", sha256=sha)
    return DecisionRequest(project=d.name, version=d.version, filename=d.filename, sha256=sha,
                           provenance=provenance, provenance_url=url, file=f)


def api_hits(w: World, fragment: str) -> int:
    return sum(1 for path, _, _ in w.gh.requests if fragment in path)


def test_the_decider_is_a_decider(make: Any) -> None:
    assert isinstance(make(), Decider)


def test_pep740_verifies_and_the_evidence_is_recorded(w: World, make: Any) -> None:
    policy = w.policy(PA_POLICY)
    d = make().decide(request(PA, PA_PROVENANCE))
    assert (d.verdict, d.code) == ("verified", None)
    assert "trailofbits/pypi-attestations" in d.message
    (pep740,) = d.evidence["evidence"]
    assert pep740["kind"] == "pep740" and pep740["error"] is None
    assert pep740["url"] == f"https://index.invalid/integrity/{PA.name}/{PA.version}/{PA.filename}/provenance"
    assert (pep740["identity"]["repository"], pep740["identity"]["workflow"]) == (
        "trailofbits/pypi-attestations", "release.yml")
    assert d.evidence["policy"].startswith(f"{policy} (sha256:{hashlib.sha256(policy.read_bytes()).hexdigest()[:12]}")
    # the publisher's repository was asked for attestations, and the policy's release for provenance (none: 404)
    assert api_hits(w, "/api/repos/trailofbits/pypi-attestations/attestations/sha256:") == 1
    assert api_hits(w, "/trailofbits/pypi-attestations/releases/download/v0.0.19/") == 1
    json.dumps(d.evidence)  # the log and /-/decisions.json take it as is


def test_tampered_bytes_fail_with_the_attestations_code(w: World, make: Any) -> None:
    w.policy(PA_POLICY)
    tampered = PA.content[:-1] + bytes([PA.content[-1] ^ 1])
    d = make().decide(request(PA, PA_PROVENANCE, content=tampered))
    assert (d.verdict, d.code) == ("failed", "mismatch-hash")
    assert d.refused


def test_a_wrong_publisher_is_refused(w: World, make: Any) -> None:
    w.policy('[packages.pypi-attestations]\nrepository = "github.com/evil/pypi-attestations"\n')
    d = make().decide(request(PA, PA_PROVENANCE))
    assert (d.verdict, d.code) == ("failed", "mismatch-source")
    assert "'github.com/evil/pypi-attestations'" in d.message


def test_unattested_fails_only_where_the_policy_requires_evidence(w: World, make: Any) -> None:
    w.policy(PA_POLICY)
    decider = make()
    required = decider.decide(request(PA))  # listed, no provenance, nothing on GitHub
    assert (required.verdict, required.code) == ("failed", "unattested")
    assert "requires evidence for pypi-attestations (require = listed)" in required.message
    free = decider.decide(request(SIX))  # not listed: nothing required
    assert (free.verdict, free.code, free.refused) == ("unattested", "unattested", False)
    w.policy('require = "all"\n')
    assert (decider.decide(request(SIX)).verdict, decider.decide(request(SIX)).code) == ("failed", "unattested")
    w.policy('require = "all"\n[[exceptions]]\npackage = "six"\nreason = "reviewed"\nowner = "sec@example.com"\n'
             'expires = 2999-01-01\n')
    allowed = decider.decide(request(SIX))
    assert (allowed.verdict, allowed.refused) == ("allowed", False) and "sec@example.com" in allowed.message


def test_a_github_attestation_is_asked_once_kept_raw_and_verified_on_every_use(w: World, make: Any) -> None:
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    w.attest("aspect-build/rules_lint", RL.sha256, [BCR_BUNDLE])
    listing = f"/api/repos/aspect-build/rules_lint/attestations/sha256:{RL.sha256}"
    first = make().decide(request(RL))
    assert (first.verdict, first.code) == ("verified", None), first.message
    assert [e["kind"] for e in first.evidence["evidence"]] == ["github-attestation"]
    assert first.evidence["evidence"][0]["identity"]["repository"] == "aspect-build/rules_lint"
    assert api_hits(w, listing) == 1
    assert make().decide(request(RL)).verdict == "verified"  # another decider, the same cache on disk
    assert api_hits(w, listing) == 1
    # the stored answer is damaged: it is not believed, GitHub is asked again
    refs = list((w.tmp / "cache" / "refs" / "evidence").iterdir())
    manifests = [json.loads((w.tmp / "cache" / "blobs" / r.read_text()[:2] / r.read_text()).read_bytes())
                 for r in refs]
    (piece,) = [p for m in manifests for p in m["pieces"] if m["question"].startswith("github-attestation")]
    blob = w.tmp / "cache" / "blobs" / piece["sha256"][:2] / piece["sha256"]
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes().replace(b'"mediaType"', b'"mediatype"', 1))
    again = make().decide(request(RL))
    assert again.verdict == "verified" and api_hits(w, listing) == 2
    # a bundle that is not the file's is never verified into a pass, cached or not
    other = RL.content + b"\n"
    assert make().decide(request(RL, content=other)).code == "unattested"


def test_release_provenance_is_fetched_once_and_judged_per_file(w: World, make: Any) -> None:
    w.policy('[packages.example-package]\nrepository = "github.com/slsa-framework/example-package"\n')
    w.release("slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": EX_PROVENANCE})
    decider = make()
    d = decider.decide(request(EX))
    assert (d.verdict, d.code) == ("verified", None), d.message
    assert "github-release" in [e["kind"] for e in d.evidence["evidence"]]
    downloads = api_hits(w, "/slsa-framework/example-package/releases/download/v14/")
    assert decider.decide(request(EX)).verdict == "verified"
    assert api_hits(w, "/slsa-framework/example-package/releases/download/v14/") == downloads
    # bytes the release does not name: verify-release's rule, mismatch-hash
    wrong = decider.decide(request(EX, content=b"not the released binary"))
    assert (wrong.verdict, wrong.code) == ("failed", "mismatch-hash")


def test_github_failures_fail_closed_and_are_not_asked_again_at_once(w: World, make: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    listing = f"/api/repos/aspect-build/rules_lint/attestations/sha256:{RL.sha256}"
    w.gh.route(listing, status=500)
    decider = make()
    d = decider.decide(request(RL))
    assert (d.verdict, d.code) == ("failed", "download-failed") and "HTTP 500" in d.message
    hits = api_hits(w, listing)
    assert decider.decide(request(RL)).code == "download-failed"
    assert api_hits(w, listing) == hits  # remembered for FAILURE_TTL seconds
    monkeypatch.setattr(api_serve, "FAILURE_TTL", 0.0)
    w.attest("aspect-build/rules_lint", RL.sha256, [BCR_BUNDLE])
    assert decider.decide(request(RL)).verdict == "verified"


def test_an_empty_answer_is_asked_again_after_its_ttl(w: World, make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    w.policy(PA_POLICY)
    listing = "/api/repos/trailofbits/pypi-attestations/attestations/sha256:"
    decider = make()
    decider.decide(request(PA, PA_PROVENANCE))
    decider.decide(request(PA, PA_PROVENANCE))
    assert api_hits(w, listing) == 1
    monkeypatch.setattr(api_serve, "EMPTY_ANSWER_TTL", -1.0)
    decider.decide(request(PA, PA_PROVENANCE))
    assert api_hits(w, listing) == 2


def test_a_policy_edit_applies_to_the_next_decision_and_a_broken_policy_refuses(w: World, make: Any) -> None:
    policy = w.tmp / "team-policy.toml"
    policy.write_text(PA_POLICY)
    decider = make(policy=str(policy))
    decider.check()
    assert decider.decide(request(PA, PA_PROVENANCE)).verdict == "verified"
    policy.write_text('[packages.pypi-attestations]\nrepository = "github.com/other/repo"\n')
    assert decider.decide(request(PA, PA_PROVENANCE)).code == "mismatch-source"  # no restart, no wait
    policy.write_text("require = \n")
    broken = decider.decide(request(PA, PA_PROVENANCE))
    assert (broken.verdict, broken.code) == ("failed", "decider-error") and "team-policy.toml" in broken.message
    assert decider.decide(request(SIX)).refused  # everything, until it is fixed
    assert "UNUSABLE" in decider.describe()
    policy.write_text(PA_POLICY + "\n")
    assert decider.decide(request(PA, PA_PROVENANCE)).verdict == "verified"
    digest = hashlib.sha256(policy.read_bytes()).hexdigest()[:12]
    assert decider.describe() == (f"{policy} (sha256:{digest}, require = listed, 1 package, 0 exceptions); "
                                  f"pins: none")
    policy.unlink()
    assert decider.decide(request(PA, PA_PROVENANCE)).code == "decider-error"


def test_the_policy_is_found_as_audit_finds_it(w: World, make: Any) -> None:
    decider = make()
    assert decider.describe().startswith("the default policy (require = listed")
    assert decider.decide(request(PA)).verdict == "unattested"
    (w.tmp / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.pyslsa]\nrequire = "all"\n')
    assert decider.decide(request(PA)).code == "unattested" and decider.decide(request(PA)).refused
    assert "pyproject.toml [tool.pyslsa]" in decider.describe()
    w.policy('require = "none"\n')  # pyslsa.toml wins
    assert not decider.decide(request(PA)).refused
    assert decider.describe().startswith(f"{w.tmp / 'pyslsa.toml'} (sha256:")


def test_a_start_up_with_an_unusable_policy_or_pins_is_a_usage_error(w: World, make: Any) -> None:
    with pytest.raises(UsageError, match="policy file not found"):
        make(policy=str(w.tmp / "missing.toml")).check()
    (w.tmp / "bad.pins.toml").write_text('schema = "pyslsa-pins/1"\n[[packages]]\nname = 3\n')
    with pytest.raises(UsageError, match=r"bad\.pins\.toml"):
        make(pins=str(w.tmp / "bad.pins.toml")).check()


def test_pins_a_changed_publisher_is_refused(w: World, make: Any) -> None:
    w.policy(PA_POLICY)
    pins = w.tmp / "pyslsa.pins.toml"  # found in the directory, as audit finds an environment's
    pins.write_text(PINS.format(repo="trailofbits/pypi-attestations"))
    decider = make()
    assert decider.decide(request(PA, PA_PROVENANCE)).verdict == "verified"
    assert "pins: " + str(pins) in decider.describe()
    pins.write_text(PINS.format(repo="trailofbits/pypi-attestations-old"))
    changed = decider.decide(request(PA, PA_PROVENANCE))
    assert (changed.verdict, changed.code) == ("failed", "publisher-changed")
    assert "trailofbits/pypi-attestations-old" in changed.message
    lost = decider.decide(request(PA))  # pinned, and no provenance any more
    assert (lost.verdict, lost.code) == ("failed", "attestation-lost")


def test_pins_from_a_pylock(w: World, make: Any) -> None:
    lock = w.tmp / "pylock.toml"
    lock.write_text('lock-version = "1.0"\ncreated-by = "t"\n\n[[packages]]\nname = "pypi-attestations"\n'
                    'version = "0.0.19"\n\n[[packages.attestation-identities]]\nkind = "GitHub"\n'
                    'repository = "moved/away"\n')
    decider = make(pins=str(lock))
    assert decider.decide(request(PA, PA_PROVENANCE)).code == "publisher-changed"
    lock.write_text(lock.read_text().replace("moved/away", "trailofbits/pypi-attestations"))
    assert decider.decide(request(PA, PA_PROVENANCE)).verdict == "verified"


def test_the_token_goes_to_the_api_host_only(w: World, make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    w.attest("aspect-build/rules_lint", RL.sha256, [BCR_BUNDLE], via_url=True)
    assert make().decide(request(RL)).verdict == "verified"
    auth = {path: headers.get("Authorization") for path, _, headers in w.gh.requests}
    assert auth[f"/api/repos/aspect-build/rules_lint/attestations/sha256:{RL.sha256}"] == "Bearer ghp_secret"
    assert [a for p, a in auth.items() if p.startswith("/blobs/")] == [None]


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1") and not is_loopback("::")
    assert is_loopback("no-such-host.invalid") is None  # not resolvable: no exposure warning, binding says why
