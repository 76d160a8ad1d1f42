"""pyslsa audit: 200 pinned distributions against a loopback index that adds 50 ms to every request.

    python -m pip install -e '.[test]'          # and, for the comparison: python -m pip install trustcheck
    python benchmarks/bench_audit.py [--runs 3] [--packages 200] [--attested 20] [--latency 0.05] [--jobs 16]

The input is a ``requirements.txt`` with ``--hash`` for every file. Of the ``--packages`` distributions,
``--attested`` carry evidence: the real vectors (pypi-attestations' PEP 740 provenance, the bcr GitHub artifact
attestation by digest, the example-package release provenance) and, for the rest, PEP 740 provenance made by the
throw-away Sigstore of tests/authority.py (its trusted root merged into the production one); the others are
unattested. The loopback server (index, integrity API, GitHub-like API and release host) sleeps ``--latency`` before
every answer, 404s included, and serves requests concurrently, like a distant CDN.

Measured (medians of ``--runs``, wall time of ``run_audit`` with a fresh evidence cache each run):

1. ``pyslsa audit`` with ``--jobs`` workers (default 16). Goal (issue 13): <= 3 s on a 2-core machine.
2. the same, serial (``--jobs 1``).
3. ``trustcheck inspect -f requirements.txt --index-url <loopback>`` (the closest peer), if installed. trustcheck
   reads PEP 740 provenance only from pypi.org's JSON and integrity APIs (its PyPI base URL is fixed); pointed at
   another index it lists the release on the simple API, downloads every file to hash it, and reports no
   provenance. So what is compared is the same input against the same loopback index, each tool doing what it does
   there; the report says what trustcheck verified.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.audit_world import (  # noqa: E402
    BCR_BUNDLE,
    EX,
    EX_PROVENANCE,
    PA,
    PA_PROVENANCE,
    RL,
    Dist,
    Signer,
)

from pyslsa.api.audit import AuditOptions, run_audit  # noqa: E402

GITHUB = "1.3.6.1.4.1.57264.1."


class Server:
    """Every route answers after ``latency`` seconds (404s too); PEP 691 JSON or PEP 503 HTML by Accept."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.count = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stall)

            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                with server.lock:
                    server.count += 1
                time.sleep(server.latency)
                path = urlsplit(self.path).path
                if path.startswith("/simple/") and path.endswith("/"):
                    want_json = "application/vnd.pypi.simple.v1+json" in self.headers.get("Accept", "")
                    path += "#json" if want_json else "#html"
                body, ctype = server.routes.get(path, (b"not found", ""))
                self.send_response(200 if ctype else 404)
                self.send_header("Content-Type", ctype or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Quiet(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client closing its keep-alive connections at the end

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def project(self, dist: Dist, provenance: bytes | None = None) -> None:
        url = f"{self.base}/files/{dist.filename}"
        self.routes[f"/files/{dist.filename}"] = (dist.content, "application/octet-stream")
        entry: dict[str, Any] = {"filename": dist.filename, "url": url, "hashes": {"sha256": dist.sha256},
                                 "size": len(dist.content), "provenance": None}
        attr = ""
        if provenance is not None:
            path = f"/integrity/{dist.name}/{dist.version}/{dist.filename}/provenance"
            self.routes[path] = (provenance, "application/vnd.pypi.integrity.v1+json")
            entry["provenance"] = f"{self.base}{path}"
            attr = f' data-provenance="{self.base}{path}"'
        doc = {"meta": {"api-version": "1.3"}, "name": dist.name, "files": [entry]}
        self.routes[f"/simple/{dist.name}/#json"] = (json.dumps(doc).encode(), "application/vnd.pypi.simple.v1+json")
        html = f'<html><body><a href="{url}#sha256={dist.sha256}"{attr}>{dist.filename}</a></body></html>'
        self.routes[f"/simple/{dist.name}/#html"] = (html.encode(), "text/html")


def pep740(signer: Signer, dist: Dist, repository: str) -> bytes:
    """A PEP 740 provenance object for ``dist`` from the throw-away Sigstore, as PyPI would serve it."""
    auth = signer.auth
    san = f"https://github.com/{repository}/.github/workflows/release.yml@refs/tags/v{dist.version}"
    claims = {GITHUB + "9": san, GITHUB + "11": "github-hosted", GITHUB + "12": f"https://github.com/{repository}",
              GITHUB + "14": f"refs/tags/v{dist.version}", GITHUB + "13": "b" * 40, GITHUB + "20": "push",
              GITHUB + "18": san, GITHUB + "19": "b" * 40}  # Build Config URI / Digest: what PyPI's check reads
    key, cert = auth.leaf(san=san, claims=claims)
    statement = {"_type": "https://in-toto.io/Statement/v1",
                 "subject": [{"name": dist.filename, "digest": {"sha256": dist.sha256}}],
                 "predicateType": "https://docs.pypi.org/attestations/publish/v1", "predicate": None}
    bundle = auth.dsse_bundle(statement, key=key, cert=cert)
    vm = bundle["verificationMaterial"]
    cert_b64 = vm["certificate"]["rawBytes"]
    att = {"version": 1, "verification_material": {"certificate": cert_b64, "transparency_entries": vm["tlogEntries"]},
           "envelope": {"statement": bundle["dsseEnvelope"]["payload"],
                        "signature": bundle["dsseEnvelope"]["signatures"][0]["sig"]}}
    assert base64.b64decode(cert_b64)
    return json.dumps({"version": 1, "attestation_bundles": [{
        "publisher": {"kind": "GitHub", "repository": repository, "workflow": "release.yml", "environment": None},
        "attestations": [att]}]}).encode()


def wheel(module: str, version: str) -> bytes:
    """A real, installable wheel (pip and trustcheck read its metadata)."""
    import io
    import zipfile

    name = module.replace("_", "-")
    files = {f"{module}/__init__.py": b"VALUE = 1\n",
             f"{module}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                                        .encode(),
             f"{module}-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\n"
                                                     b"Tag: py3-none-any\n"}
    record = "".join(f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(c).digest()).rstrip(b'=').decode()},"
                     f"{len(c)}\n" for p, c in files.items()) + f"{module}-{version}.dist-info/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, content in files.items():
            zf.writestr(path, content)
        zf.writestr(f"{module}-{version}.dist-info/RECORD", record)
    return buf.getvalue()


def build(tmp: Path, packages: int, attested: int, latency: float) -> tuple[Server, Path, Path, list[Dist]]:
    server = Server(latency)
    signer = Signer(tmp)
    dists: list[Dist] = []
    server.project(PA, PA_PROVENANCE)
    server.project(RL)
    server.routes[f"/api/repos/aspect-build/rules_lint/attestations/sha256:{RL.sha256}"] = (
        json.dumps({"attestations": [{"bundle": json.loads(BCR_BUNDLE)}]}).encode(), "application/json")
    server.project(EX)
    server.routes["/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl"] = (
        EX_PROVENANCE, "application/octet-stream")
    dists += [PA, RL, EX]
    for i in range(packages - 3):
        d = Dist(f"bench-pkg{i}", "1.0", f"bench_pkg{i}-1.0-py3-none-any.whl", wheel(f"bench_pkg{i}", "1.0"))
        if i < attested - 3:
            server.project(d, pep740(signer, d, f"acme/bench-pkg{i}"))
        else:
            server.project(d)
        dists.append(d)
    req = tmp / "requirements.txt"
    req.write_text("".join(f"{d.name}=={d.version} --hash=sha256:{d.sha256}\n" for d in dists))
    wheels = tmp / "requirements-wheels.txt"  # what pip (so trustcheck) can resolve: the installable wheels
    wheels.write_text("".join(f"{d.name}=={d.version} --hash=sha256:{d.sha256}\n" for d in dists
                              if d.filename.endswith(".whl")))
    (tmp / "pyslsa.toml").write_text('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n'
                                     '[packages.example-package]\n'
                                     'repository = "github.com/slsa-framework/example-package"\n')
    return server, req, signer.root_path, dists


def audit(server: Server, req: Path, root: Path, tmp: Path, jobs: int) -> tuple[float, Any]:
    cache = Path(tempfile.mkdtemp(dir=tmp))
    options = AuditOptions(paths=(str(req),), index_url=f"{server.base}/simple/", github_url=server.base,
                           github_api_url=f"{server.base}/api", trusted_root=str(root), jobs=jobs,
                           cache_dir=str(cache), directory=str(tmp))
    start = time.perf_counter()
    report = run_audit(options)
    elapsed = time.perf_counter() - start
    shutil.rmtree(cache, ignore_errors=True)
    return elapsed, report


def trustcheck(server: Server, req: Path, tmp: Path) -> tuple[float, str] | None:
    exe = shutil.which("trustcheck")
    if exe is None:
        return None
    out = tmp / "trustcheck.json"
    cmd = [exe, "inspect", "-f", str(req), "--index-url", f"{server.base}/simple/", "--format", "json",
           "--output-file", str(out), "--workers", "16", "--sandbox", "off",
           "--cache-dir", str(Path(tempfile.mkdtemp(dir=tmp)))]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, timeout=900, check=False)
    elapsed = time.perf_counter() - start
    summary = f"exit {proc.returncode}"
    try:
        doc = json.loads(out.read_text())
        reports = doc.get("reports", [])
        verified = sum(1 for r in reports if (r.get("coverage") or {}).get("verified_files"))
        summary += f", {len(reports)} packages inspected, {verified} with verified provenance"
    except (OSError, ValueError, AttributeError):
        summary += f", stderr: {proc.stderr.decode(errors='replace').strip()[-300:]}"
    return elapsed, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--packages", type=int, default=200)
    ap.add_argument("--attested", type=int, default=20)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--jobs", type=int, default=16)
    ap.add_argument("--no-serial", action="store_true")
    ap.add_argument("--no-trustcheck", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pyslsa-bench-audit-"))
    try:
        server, req, root, _ = build(tmp, args.packages, args.attested, args.latency)
        print(f"{args.packages} pinned distributions ({args.attested} attested), +{args.latency * 1000:.0f} ms a "
              f"request, {args.runs} runs")
        times = []
        for _ in range(args.runs):
            before = server.count
            t, report = audit(server, req, root, tmp, args.jobs)
            times.append(t)
            s = report.summary
            requests = server.count - before
        assert report.error is None, report.error
        parallel = statistics.median(times)
        print(f"pyslsa audit --jobs {args.jobs}: {parallel:.2f} s median ({', '.join(f'{t:.2f}' for t in times)}); "
              f"{requests} requests; {s['verified']} verified, {s['unattested']} unattested, {s['failed']} failed")
        if not args.no_serial:
            t, _ = audit(server, req, root, tmp, 1)
            print(f"pyslsa audit --jobs 1:  {t:.2f} s ({t / parallel:.1f}x the parallel run)")
        if not args.no_trustcheck:
            wheels = tmp / "requirements-wheels.txt"
            same = statistics.median(audit(server, wheels, root, tmp, args.jobs)[0] for _ in range(args.runs))
            print(f"pyslsa audit --jobs {args.jobs} on the {args.packages - 3} wheels alone (what pip can resolve, "
                  f"so what trustcheck can take): {same:.2f} s")
            parallel = same
            got = trustcheck(server, wheels, tmp)
            if got is None:
                print("trustcheck: not installed (python -m pip install trustcheck)")
            else:
                print(f"trustcheck inspect -f --index-url --workers 16: {got[0]:.2f} s "
                      f"({got[0] / parallel:.1f}x pyslsa); {got[1]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
