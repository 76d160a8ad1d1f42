"""verify-release end to end against an index and a GitHub-like host serving the real vectors: in memory (the
``hosts`` fixture, through the HTTP engine's transport seam) for most tests, on loopback sockets
(``loopback_hosts``) for a few end to end, for a real ``pyslsa`` process, and for what only a socket plays (delays,
slow drips, lying Content-Length).

Release A: the slsa-github-generator v2.1.0 binary (real provenance, tag v14) served as the one file of
``example-package==14``; the provenance is the GitHub release ``v14``'s asset. Release B: the real
``pypi_attestations-0.0.19.tar.gz`` with its real PEP 740 provenance object. Every run asserts that nothing is
left in the temporary directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pyslsa.cli import main
from tests.conftest import EXAMPLE_REPO, GENERATOR_ID, GENERIC, PYPI_ATT, vector
from tests.release_servers import Host, add_project, add_release, sha256
from tests.sources.release_vectors import (
    BINARY,
    PA_REPO,
    PROV_V14,
    PROVENANCE_740,
    SDIST_740,
    SDIST_740_BYTES,
    WHEEL,
    leftovers,
    slsa_release,
)


def run(capsys: pytest.CaptureFixture[str], index: Host, gh: Host, *args: str, fmt: str = "json"
        ) -> tuple[int, Any, str]:
    argv = ["verify-release", *args, "--index-url", f"{index.base}/simple/", "--github-url", gh.base,
            "--github-api-url", f"{gh.base}/api", "--format", fmt]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if fmt == "json" else out), err


# -- must pass --------------------------------------------------------------------------------------------------


def test_slsa_release_passes(loopback_hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                             tmpdir_env: Path) -> None:
    """End to end on loopback sockets (most tests here use the same hosts in memory)."""
    index, gh = loopback_hosts
    slsa_release(index, gh)
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0, doc
    assert doc["verified"] is True
    (f,) = doc["files"]
    assert f["filename"] == WHEEL and f["sha256"] == sha256(BINARY)
    (ev,) = f["evidence"]
    assert ev["kind"] == "slsa" and ev["verified"] is True
    assert ev["signer"] == f"{GENERATOR_ID}@refs/tags/v2.1.0"
    assert "refs/tags/v14" in ev["detail"]
    # the download went through the 302 to the storage host, with the token only in the redirect
    paths = [p for p, _, _ in gh.requests]
    assert "/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl" in paths
    assert "/storage/slsa-framework/example-package/v14/multiple.intoto.jsonl" in paths
    assert leftovers(tmpdir_env) == []


def test_slsa_release_text_table(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    code, out, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, fmt="text")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["FILE", "SHA256", "EVIDENCE", "BUILDER", "/", "PUBLISHER", "VERDICT"]
    assert lines[2].split() == [WHEEL, sha256(BINARY)[:12], "slsa", f"{GENERATOR_ID}@refs/tags/v2.1.0", "PASSED"]
    assert lines[-1] == "PASSED: example-package==14: 1 of 1 file(s) verified"


def test_pep740_release_passes(loopback_hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                               tmpdir_env: Path) -> None:
    index, gh = loopback_hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES}, provenance={SDIST_740: PROVENANCE_740})
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO)
    assert code == 0, doc
    (f,) = doc["files"]
    (ev,) = f["evidence"]
    assert ev["kind"] == "pep740" and ev["verified"] is True
    assert ev["signer"] == "GitHub trailofbits/pypi-attestations (release.yml)"
    assert ev["detail"] == "https://docs.pypi.org/attestations/publish/v1"
    # no GitHub release: a note, not a failure, because PEP 740 covers the file
    assert any("no SLSA provenance asset" in n for n in doc["notes"])
    assert leftovers(tmpdir_env) == []


def test_pep740_from_integrity_api_when_pages_are_silent(hosts: tuple[Host, Host],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """An index whose pages say nothing about provenance: the integrity API beside /simple/ is asked."""
    index, gh = hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES}, provenance={SDIST_740: PROVENANCE_740},
                provenance_in_pages=False)
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github")
    assert code == 0, doc
    assert any(p.startswith("/integrity/pypi-attestations/0.0.19/") for p, _, _ in index.requests)


def test_html_index_fallback(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """A PEP 503-only index (no JSON): files, digests and data-provenance come from the HTML page."""
    index, gh = hosts
    index.json_api = False
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES}, provenance={SDIST_740: PROVENANCE_740})
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github")
    assert code == 0, doc
    assert doc["files"][0]["evidence"][0]["verified"] is True


def test_keep_keeps_downloads_and_evidence(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path, tmpdir_env: Path) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    keep = tmp_path / "kept"
    code, _doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--keep", str(keep))
    assert code == 0
    assert sorted(p.name for p in keep.iterdir()) == ["example_package-14-py3-none-any.whl",
                                                      "multiple.intoto.jsonl"]
    assert (keep / WHEEL).read_bytes() == BINARY
    assert leftovers(tmpdir_env) == []


def test_local_provenance_file(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    add_project(index, "example-package", {WHEEL: BINARY})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--provenance",
                       str(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"))
    assert code == 0, doc
    assert gh.requests == []  # the GitHub host is not consulted


def test_releases_api_lists_named_provenance_assets(hosts: tuple[Host, Host],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """No multiple.intoto.jsonl: every *.intoto.jsonl asset the releases API lists is fetched."""
    index, gh = hosts
    add_project(index, "example-package", {WHEEL: BINARY})
    add_release(gh, "slsa-framework/example-package", "v14",
                {"binary-linux-amd64.intoto.jsonl": PROV_V14, "notes.txt": b"hello"})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0, doc
    assert doc["files"][0]["evidence"][0]["source"] == "binary-linux-amd64.intoto.jsonl"
    assert not any(p.endswith("notes.txt") for p, _, _ in gh.requests)


# -- must fail, for the right reason --------------------------------------------------------------------------


def test_tampered_file_fails(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str], tmpdir_env: Path) -> None:
    index, gh = hosts
    tampered = bytearray(BINARY)
    tampered[1000] ^= 1
    slsa_release(index, gh, data=bytes(tampered))
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "mismatch-hash"
    assert sha256(bytes(tampered)) in doc["files"][0]["error"]["message"]
    assert leftovers(tmpdir_env) == []


def test_wrong_source_uri_fails(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    add_release(gh, "evil/example-package", "v14", {"multiple.intoto.jsonl": PROV_V14})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", "github.com/evil/example-package")
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "mismatch-source"


def test_wrong_tag_fails(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """The release v13 carries the v14 build's provenance: the tag does not match the release tag."""
    index, gh = hosts
    add_project(index, "example-package", {"example_package-13-py3-none-any.whl": BINARY})
    add_release(gh, "slsa-framework/example-package", "v13", {"multiple.intoto.jsonl": PROV_V14})
    code, doc, _ = run(capsys, index, gh, "example-package==13", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "mismatch-tag"


def test_release_carrying_a_branch_build_fails_as_invalid_ref(hosts: tuple[Host, Host],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The release v14 carries the provenance of a workflow_dispatch run on main: that build has no tag, so it
    cannot vouch for the release tag (slsa-verifier --source-tag on a branch build: ErrorInvalidRef)."""
    index, gh = hosts
    wd = vector(GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl")
    slsa_release(index, gh, provenance=wd)
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "invalid-ref"
    assert "'refs/heads/main'" in doc["files"][0]["error"]["message"]


def test_pep740_wrong_source_uri(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES}, provenance={SDIST_740: PROVENANCE_740})
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", "github.com/evil/fork",
                       "--no-github")
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "mismatch-source"


def _provenance_with_publisher(**changes: Any) -> bytes:
    doc = json.loads(PROVENANCE_740)
    doc["attestation_bundles"][0]["publisher"].update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(("changes", "source_uri", "code"), [
    # the index claims another publisher, and the user expects that one: the certificate disagrees
    ({"repository": "evil/pypi-attestations"}, "github.com/evil/pypi-attestations", "mismatch-source"),
    # the right repository but another workflow than the one that signed
    ({"workflow": "other.yml"}, PA_REPO, "mismatch-identity"),
    # a GitLab publisher object without its workflow_filepath: no publisher pypi-attestations accepts
    ({"kind": "GitLab"}, PA_REPO, "invalid-provenance"),
    # a GitLab publisher of the same path on gitlab.com: the certificate is GitHub Actions'
    ({"kind": "GitLab", "workflow_filepath": "release.yml"}, "gitlab.com/trailofbits/pypi-attestations",
     "mismatch-identity"),
    # ... and it is not the GitHub repository --source-uri names
    ({"kind": "GitLab", "workflow_filepath": "release.yml"}, PA_REPO, "mismatch-source"),
    # a publisher kind pypi-attestations does not verify either
    ({"kind": "ActiveState"}, PA_REPO, "unsupported-format"),
])
def test_wrong_publisher(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str], changes: dict[str, str],
                         source_uri: str, code: str) -> None:
    index, gh = hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES},
                provenance={SDIST_740: _provenance_with_publisher(**changes)})
    status, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", source_uri, "--no-github")
    assert status == 1
    assert doc["files"][0]["error"]["code"] == code


def test_gitlab_publisher_release(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """The real attestation of a GitLab CI/CD release (pypi-attestations' test asset), served by the index with
    the publisher PyPI records for it: verified for its gitlab.com project, refused for the GitHub namesake."""
    index, gh = hosts
    name = "gitlab_oidc_project-0.0.3.tar.gz"
    att = json.loads(vector(PYPI_ATT / f"{name}.publish.attestation"))
    publisher = {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project",
                 "workflow_filepath": ".gitlab-ci.yml", "environment": None}
    obj = json.dumps({"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": [att]}]})
    add_project(index, "gitlab-oidc-project", {name: vector(PYPI_ATT / name)}, provenance={name: obj.encode()})
    code, doc, _ = run(capsys, index, gh, "gitlab-oidc-project==0.0.3", "--source-uri",
                       "https://gitlab.com/facutuesca/gitlab-oidc-project", "--no-github")
    assert code == 0, doc
    (ev,) = doc["files"][0]["evidence"]
    assert ev["verified"] is True and ev["signer"] == "GitLab facutuesca/gitlab-oidc-project (.gitlab-ci.yml)"
    code, doc, _ = run(capsys, index, gh, "gitlab-oidc-project==0.0.3", "--source-uri",
                       "github.com/facutuesca/gitlab-oidc-project", "--no-github")
    assert code == 1 and doc["files"][0]["error"]["code"] == "mismatch-source"


def test_pep740_attestation_for_another_file(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """The sdist's real attestation served for a file with other bytes: subject digest mismatch."""
    index, gh = hosts
    other = SDIST_740_BYTES + b"x"
    add_project(index, "pypi-attestations", {SDIST_740: other}, provenance={SDIST_740: PROVENANCE_740})
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github")
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "mismatch-hash"


def test_pep740_failure_wins_over_slsa_pass(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """A file with one passing and one failing piece of evidence fails: none that claims it may fail."""
    index, gh = hosts
    bad = json.loads(PROVENANCE_740)
    bad["attestation_bundles"][0]["attestations"][0]["envelope"]["signature"] = "AAAA"
    add_project(index, "example-package", {WHEEL: BINARY}, provenance={WHEEL: json.dumps(bad).encode()})
    add_release(gh, "slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": PROV_V14})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    kinds = {e["kind"]: e["verified"] for e in doc["files"][0]["evidence"]}
    assert kinds == {"slsa": True, "pep740": False}


def test_missing_release_asset_is_unattested(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                             tmpdir_env: Path) -> None:
    index, gh = hosts
    add_project(index, "example-package", {WHEEL: BINARY})
    add_release(gh, "slsa-framework/example-package", "v14", {"notes.txt": b"no provenance here"})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "unattested"
    assert leftovers(tmpdir_env) == []


def test_missing_release_is_unattested(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    add_project(index, "example-package", {WHEEL: BINARY})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "unattested"


def test_only_selects_files(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """A release with an unattested wheel passes with --only sdist when the sdist is attested."""
    index, gh = hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES,
                                             "pypi_attestations-0.0.19-py3-none-any.whl": b"PK not attested"},
                provenance={SDIST_740: PROVENANCE_740})
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github")
    assert code == 1
    verdicts = {f["filename"]: (f["error"] or {}).get("code") for f in doc["files"]}
    assert verdicts == {SDIST_740: None, "pypi_attestations-0.0.19-py3-none-any.whl": "unattested"}
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github",
                       "--only", "sdist")
    assert code == 0 and [f["filename"] for f in doc["files"]] == [SDIST_740]


def test_index_digest_mismatch(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str], tmpdir_env: Path) -> None:
    index, gh = hosts
    slsa_release(index, gh, listed_digests={WHEEL: "ab" * 32})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert doc["error"]["code"] == "mismatch-index-digest"
    assert "ab" * 32 in doc["error"]["message"] and sha256(BINARY) in doc["error"]["message"]
    assert leftovers(tmpdir_env) == []


def test_unknown_release(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    code, doc, _ = run(capsys, index, gh, "example-package==15", "--source-uri", EXAMPLE_REPO)
    assert code == 2 and doc["error"]["code"] == "release-not-found"
    code, doc, _ = run(capsys, index, gh, "no-such-project==1", "--source-uri", EXAMPLE_REPO)
    assert code == 2 and doc["error"]["code"] == "release-not-found"


FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("http-500", {"status": 500, "body": b"oops"}),
    ("http-403", {"status": 403, "body": b"rate limited"}),
    ("timeout", {"delay": 3.0}),
    ("slow-drip", {"drip": 0.05}),
    ("oversized", {"declared_length": 2 ** 40}),
    ("garbage", {"body": b"\x00\xff not json", "content_type": "application/vnd.pypi.simple.v1+json"}),
]


@pytest.mark.parametrize(("name", "fault"), FAULTS, ids=[n for n, _ in FAULTS])
@pytest.mark.parametrize("where", ["index-page", "file", "github-download", "github-storage", "pep740"])
def test_host_faults_fail_closed(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str],
                                 tmpdir_env: Path, monkeypatch: pytest.MonkeyPatch, where: str, name: str,
                                 fault: dict[str, Any]) -> None:
    # a delay, a drip or a lying Content-Length needs a real socket: loopback hosts for those, memory for the rest
    socket_only = {"delay", "drip", "declared_length"} & fault.keys()
    index, gh = request.getfixturevalue("loopback_hosts" if socket_only else "hosts")
    # short bounds so the timeout and drip cases are quick
    import functools

    from pyslsa.api import release
    from pyslsa.sources.http import HttpClient

    monkeypatch.setattr(release, "HttpClient",
                        functools.partial(HttpClient, timeout=0.5, deadline=2.0, backoff=0.01))
    slsa_release(index, gh, provenance=PROV_V14)
    if where == "pep740":
        add_project(index, "example-package", {WHEEL: BINARY}, provenance={WHEEL: PROVENANCE_740})
    target = {
        "index-page": "/simple/example-package/#json",
        "file": f"/files/{WHEEL}",
        "github-download": "/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl",
        "github-storage": "/storage/slsa-framework/example-package/v14/multiple.intoto.jsonl",
        "pep740": f"/integrity/example-package/14/{WHEEL}/provenance",
    }[where]
    route = (index if where in ("index-page", "file", "pep740") else gh).routes[target]
    if where == "github-download":  # serve the asset itself (no redirect), then misbehave
        route.body = PROV_V14
    for k, v in fault.items():
        setattr(route, k, v)
    route.redirect = None
    code, doc, err = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1, doc
    assert doc["verified"] is False
    expected = {"download-failed"}
    if name == "garbage":
        # garbage bytes: a file that is not the index's, evidence that does not parse
        expected = {"file": {"mismatch-index-digest"}, "github-storage": {"invalid-provenance"},
                    "github-download": {"invalid-provenance"}, "pep740": {"invalid-provenance"}}.get(where, expected)
    assert doc["error"]["code"] in expected, doc["error"]
    assert "Traceback" not in err
    assert leftovers(tmpdir_env) == []


def test_retries_transient_5xx(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    index.routes[f"/files/{WHEEL}"].fail_first = 2  # two 503s, then the file
    gh.routes["/storage/slsa-framework/example-package/v14/multiple.intoto.jsonl"].fail_first = 1
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0, doc
    assert sum(1 for p, _, _ in index.requests if p == f"/files/{WHEEL}") == 3


@pytest.mark.parametrize("hostile", ["../evil-1.0-py3-none-any.whl", "..%2Fexample_package-14-py3-none-any.whl",
                                     "sub/example_package-14-py3-none-any.whl", "/tmp/example_package-14.tar.gz",
                                     ".example_package-14-py3-none-any.whl", "example_package-14.tar.gz\n"])
def test_hostile_filename_from_index(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                     tmpdir_env: Path, tmp_path: Path, hostile: str) -> None:
    """A listed name that is not a plain distribution name of the project is never downloaded or written."""
    index, gh = hosts
    slsa_release(index, gh, extra_json_files=[{"filename": hostile, "url": f"{index.base}/files/hostile",
                                               "hashes": {"sha256": sha256(BINARY)}}])
    index.route("/files/hostile", body=BINARY)
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code in (0, 1) and "Traceback" not in json.dumps(doc)
    assert [f["filename"] for f in doc["files"]] in ([WHEEL], [])
    assert "/files/hostile" not in [p for p, _, _ in index.requests]
    assert not (tmp_path / "evil-1.0-py3-none-any.whl").exists()
    assert not Path("/tmp/example_package-14.tar.gz").exists()
    assert leftovers(tmpdir_env) == []


@pytest.mark.parametrize("name", ["../x.whl", "a/b.whl", "a\\b.whl", "..", ".", "", ".hidden.whl", "x..y.whl",
                                  "x\x00.whl", "x\n.whl", "a" * 256, "/abs.whl", "C:x.whl"])
def test_safe_filename_refuses(name: str) -> None:
    from pyslsa.errors import DownloadError
    from pyslsa.sources.http import safe_filename

    with pytest.raises(DownloadError):
        safe_filename(name)


@pytest.mark.parametrize("name", ["example_package-14-py3-none-any.whl", "pkg-1.0.tar.gz", "multiple.intoto.jsonl",
                                  "a+b~c!d.zip"])
def test_safe_filename_accepts(name: str) -> None:
    from pyslsa.sources.http import safe_filename

    assert safe_filename(name) == name


def test_hostile_asset_name_from_releases_api(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                              tmpdir_env: Path) -> None:
    index, gh = hosts
    add_project(index, "example-package", {WHEEL: BINARY})
    add_release(gh, "slsa-framework/example-package", "v14", {"../../x.intoto.jsonl": PROV_V14})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert doc["error"]["code"] == "download-failed" and "refusing" in doc["error"]["message"]
    assert leftovers(tmpdir_env) == []


def test_redirect_loop_and_downgrade(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    gh.routes["/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl"].redirect = (
        f"{gh.base}/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl")
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed"
    assert "redirect" in doc["error"]["message"]


def test_github_token_only_sent_to_api(loopback_hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    index, gh = loopback_hosts
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    add_project(index, "example-package", {WHEEL: BINARY})
    add_release(gh, "slsa-framework/example-package", "v14", {"binary-linux-amd64.intoto.jsonl": PROV_V14})
    code, _, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0
    for path, _, headers in gh.requests + index.requests:
        has = any(k.lower() == "authorization" for k in headers)
        assert has == path.startswith("/api/"), path


def test_legacy_provenance_offline_fails_closed(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """Legacy provenance needs the log; with lookups off, the files it names fail (never pass, never ignored)."""
    from tests.conftest import GENERIC_LEGACY

    index, gh = hosts
    legacy = vector(GENERIC_LEGACY / "binary-linux-amd64-push-v14.intoto.jsonl")
    binary = vector(GENERIC_LEGACY / "binary-linux-amd64")
    add_project(index, "example-package", {WHEEL: binary})
    add_release(gh, "slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": legacy})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--offline-tlog")
    assert code == 1
    assert doc["files"][0]["error"]["code"] == "tlog-entry-not-found"


def test_unreadable_provenance_claims_every_file(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES}, provenance={SDIST_740: PROVENANCE_740})
    add_release(gh, "trailofbits/pypi-attestations", "v0.0.19", {"multiple.intoto.jsonl": b"{not json"})
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO)
    assert code == 1
    ev = {e["kind"]: e for e in doc["files"][0]["evidence"]}
    assert ev["pep740"]["verified"] is True
    assert ev["slsa"]["error"]["code"] == "invalid-provenance"


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-release", "requests", "--source-uri", EXAMPLE_REPO]) == 2
    assert "NAME==VERSION" in capsys.readouterr().err
    assert main(["verify-release", "a==1", "--source-uri", "gitlab.com/x/y"]) == 2
    assert "github.com/ORG/REPO" in capsys.readouterr().err
    assert main(["verify-release", "a==1", "--source-uri", EXAMPLE_REPO, "--index-url", "ftp://x/"]) == 2
    capsys.readouterr()


def test_library_api(hosts: tuple[Host, Host]) -> None:
    import pyslsa

    index, gh = hosts
    slsa_release(index, gh)
    result = pyslsa.verify_release("example-package==14", source_uri=EXAMPLE_REPO, index_url=f"{index.base}/simple/",
                                   github_url=gh.base, github_api_url=f"{gh.base}/api")
    assert result.verified and result.files[0].filename == WHEEL
    with pytest.raises(pyslsa.VerificationError) as exc:
        pyslsa.verify_release("example-package==14", source_uri="github.com/evil/example-package",
                              index_url=f"{index.base}/simple/", github_url=gh.base,
                              github_api_url=f"{gh.base}/api")
    assert exc.value.code in ("mismatch-source", "unattested")


@pytest.mark.network
def test_real_powertools_release(tmp_path: Path) -> None:
    """The seed's case against the real PyPI, GitHub and Rekor."""
    code = main(["verify-release", "aws-lambda-powertools==2.20.0", "--source-uri",
                 "github.com/aws-powertools/powertools-lambda-python", "--format", "json"])
    assert code == 0


def test_ctrl_c_mid_download_leaves_nothing(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                            tmpdir_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KeyboardInterrupt after the first bytes were written: exit 130, the part file and the temp dir are gone."""
    from pyslsa.sources import http as http_mod

    index, gh = hosts
    slsa_release(index, gh)
    real = http_mod._bounded
    seen: list[list[str]] = []

    def interrupted(*args: Any, **kw: Any) -> Any:
        for chunk in real(*args, **kw):
            yield chunk
            now = leftovers(tmpdir_env)
            if any(name.endswith(".part") for name in now):  # inside a file download, not an index page
                seen.append(now)
                raise KeyboardInterrupt

    monkeypatch.setattr(http_mod, "_bounded", interrupted)
    code = main(["verify-release", "example-package==14", "--source-uri", EXAMPLE_REPO, "--index-url",
                 f"{index.base}/simple/", "--github-url", gh.base, "--github-api-url", f"{gh.base}/api"])
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    # while downloading, the part file was in a private directory; afterwards, nothing is left
    assert len(seen) == 1 and any(name.endswith(f"{WHEEL}.part") for name in seen[0])
    assert leftovers(tmpdir_env) == []


def test_progress_bar_callbacks(hosts: tuple[Host, Host], tmpdir_env: Path) -> None:
    """With progress on (a terminal), downloads report their progress and still verify."""
    from pyslsa.commands.flags import Ui
    from pyslsa.commands.verify_release import run as run_release
    from pyslsa.options import VerifyReleaseOptions

    index, gh = hosts
    slsa_release(index, gh)
    report = run_release(VerifyReleaseOptions("example-package==14", EXAMPLE_REPO, index_url=f"{index.base}/simple/",
                                              github_url=gh.base, github_api_url=f"{gh.base}/api"),
                         Ui(progress=True))
    assert report.verified
    assert leftovers(tmpdir_env) == []


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_signal_mid_download_in_a_real_process(loopback_hosts: tuple[Host, Host], tmpdir_env: Path,
                                               signame: str) -> None:
    """A real `pyslsa verify-release` process, interrupted while a slow download is under way."""
    import signal
    import subprocess
    import sys
    import time

    index, gh = loopback_hosts
    slsa_release(index, gh)
    index.routes[f"/files/{WHEEL}"].drip = 0.01  # ~8 hours for the whole file: it will be interrupted
    env = {**os.environ, "TMPDIR": str(tmpdir_env)}
    proc = subprocess.Popen([sys.executable, "-m", "pyslsa", "verify-release", "example-package==14", "--source-uri",
                             EXAMPLE_REPO, "--index-url", f"{index.base}/simple/", "--github-url", gh.base,
                             "--github-api-url", f"{gh.base}/api"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        for _ in range(400):
            if any(n.endswith(".part") for n in leftovers(tmpdir_env)):
                break
            time.sleep(0.025)
        else:
            pytest.fail(f"the download never started: {leftovers(tmpdir_env)}")
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert leftovers(tmpdir_env) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.whl", "gopher://127.0.0.1/x"])
def test_index_file_url_must_be_http(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                     tmpdir_env: Path, url: str) -> None:
    """A file URL from the index that is not http(s) is refused as a download failure (exit 1, not 2)."""
    import json as _json

    index, gh = hosts
    slsa_release(index, gh)
    route = index.routes["/simple/example-package/#json"]
    doc = _json.loads(route.body)
    doc["files"][0]["url"] = url
    route.body = _json.dumps(doc).encode()
    code, out, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and out["error"]["code"] == "download-failed", out
    assert leftovers(tmpdir_env) == []


def test_too_many_release_files(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    extra = [{"filename": f"example_package-14-py3-none-linux_{i}.whl", "url": "/x",
              "hashes": {"sha256": "0" * 64}} for i in range(600)]
    slsa_release(index, gh, extra_json_files=extra)
    code, out, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and out["error"]["code"] == "download-failed" and "limit" in out["error"]["message"], out


def test_index_without_digest_is_refused(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    route = index.routes["/simple/example-package/#json"]
    doc = json.loads(route.body)
    doc["files"][0]["hashes"] = {"md5": "0" * 32}
    route.body = json.dumps(doc).encode()
    code, out, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and out["error"]["code"] == "mismatch-index-digest", out
    assert "no sha256" in out["error"]["message"]
    assert f"/files/{WHEEL}" not in [p for p, _, _ in index.requests]


@pytest.mark.network
def test_real_pypi_pep740_release() -> None:
    """A release with PEP 740 attestations on the real PyPI (the sdist whose attestation is in tests/data)."""
    code = main(["verify-release", "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--only", "sdist",
                 "--no-github", "--format", "json"])
    assert code == 0


def test_yanked_file_is_noted(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    route = index.routes["/simple/example-package/#json"]
    doc = json.loads(route.body)
    doc["files"][0]["yanked"] = "broken build"
    route.body = json.dumps(doc).encode()
    code, out, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0
    assert f"yanked on the index: {WHEEL}" in out["notes"]


def test_signed_redirect_query_never_printed(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """Provenance served through a redirect to a signed URL: the token in its query string is never printed."""
    index, gh = hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES}, provenance={SDIST_740: PROVENANCE_740})
    path = f"/integrity/pypi-attestations/0.0.19/{SDIST_740}/provenance"
    index.route("/signed/provenance", body=PROVENANCE_740)
    index.routes[path].redirect = f"{index.base}/signed/provenance?X-Token=s3cr3t"
    for fmt in ("json", "text"):
        code, out, err = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github",
                             fmt=fmt)
        assert code == 0
        assert "s3cr3t" not in json.dumps(out) + err


def test_file_downloads_ask_for_identity_encoding(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    slsa_release(index, gh)
    code, _, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0
    (headers,) = [h for p, _, h in index.requests if p == f"/files/{WHEEL}"]
    assert headers.get("Accept-Encoding") == "identity"


def test_run_time_limit(loopback_hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                        tmpdir_env: Path) -> None:
    """--timeout bounds the whole run: a file that drips slower than the limit fails, and nothing is left."""
    import time

    index, gh = loopback_hosts
    slsa_release(index, gh)
    index.routes[f"/files/{WHEEL}"].drip = 0.01
    start = time.monotonic()
    code, out, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--timeout", "1.5")
    assert code == 1 and out["error"]["code"] == "download-failed", out
    assert time.monotonic() - start < 10
    assert leftovers(tmpdir_env) == []


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_run_time_limit_must_be_positive(capsys: pytest.CaptureFixture[str], value: str) -> None:
    assert main(["verify-release", "a==1", "--source-uri", EXAMPLE_REPO, "--timeout", value]) == 2
    assert "--timeout" in capsys.readouterr().err
