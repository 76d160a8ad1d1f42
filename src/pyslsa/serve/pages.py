"""What the proxy answers with: content negotiation as PyPI does it, the simple pages (PEP 503 HTML, PEP 691 JSON)
with every URL pointing back at the proxy, and the operators' status page.

Every string that came from upstream or from a decider (names, yank reasons, requires-python, messages) is escaped
(``html.escape`` with quotes) before it goes into HTML; URLs the proxy builds are percent-quoted. The status page is
plain server-rendered HTML: no script, no external asset, a Content-Security-Policy that forbids both.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from pyslsa.serve.model import VERDICTS, UpstreamFile
from pyslsa.sources.pypi import HTML_V1, INTEGRITY_V1, JSON_V1

TEXT_HTML = "text/html"
#: The simple API's offers in PyPI's order (warehouse/api/simple.py ``_select_content_type``): on equal quality
#: the first wins, and text/html is the default when nothing in Accept matches.
SIMPLE_OFFERS = (TEXT_HTML, HTML_V1, JSON_V1)
INTEGRITY_OFFERS = (INTEGRITY_V1, "application/json")
#: The simple API version these pages declare: 1.1 (PEP 700 size/versions) when every size is known, plus the
#: PEP 740 ``provenance`` key (1.3); 1.0 otherwise.
API_VERSION = "1.3"
_LATEST = {"application/vnd.pypi.simple.latest+json": JSON_V1, "application/vnd.pypi.simple.latest+html": HTML_V1}
#: The status page forbids scripts, external loads and framing: even an escaping bug could not run code.
STATUS_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; " \
             "frame-ancestors 'none'"


def _parse_accept(header: str) -> list[tuple[str, float]]:
    ranges = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        if not media or "/" not in media:
            continue
        q = 1.0
        for p in params:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        ranges.append((_LATEST.get(media, media), q))
    return ranges


def _quality(offer: str, ranges: Sequence[tuple[str, float]]) -> float | None:
    """The q of the most specific range matching ``offer`` (exact > type/* > */*), None if none matches."""
    kind = offer.split("/")[0]
    best: tuple[int, float] | None = None
    for media, q in ranges:
        if media == offer:
            spec = 3
        elif media == f"{kind}/*":
            spec = 2
        elif media == "*/*":
            spec = 1
        else:
            continue
        if best is None or spec > best[0]:
            best = (spec, q)
    return None if best is None else best[1]


def negotiate(accept: str | None, offers: Sequence[str], default: str | None) -> str | None:
    """The offer the Accept header prefers (highest q, then the offers' order); with no Accept header, the first
    offer; ``default`` when the header accepts none of them."""
    if accept is None or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    scored = []
    for i, offer in enumerate(offers):
        q = _quality(offer, ranges)
        if q is not None and q > 0:
            scored.append((-q, i, offer))
    return min(scored)[2] if scored else default


def simple_content_type(accept: str | None, format_param: str | None) -> str:
    """The simple API's content type: ``?format=`` (one exact content type, PEP 691's URL parameter) wins, then
    the Accept header as PyPI reads it; text/html when neither selects anything."""
    if format_param:
        # a '+' typed in a query string arrives as a space (form encoding): read it back as '+'
        wanted = format_param.strip().lower().replace(" ", "+")
        chosen = _LATEST.get(wanted, wanted)
        if chosen in SIMPLE_OFFERS:
            return chosen
    return negotiate(accept, SIMPLE_OFFERS, TEXT_HTML) or TEXT_HTML


def file_href(f: UpstreamFile) -> str:
    """The proxy's URL of a file, relative to a project page (``/simple/<project>/``)."""
    return f"../../files/{quote(f.project, safe='')}/{f.sha256}/{quote(f.filename, safe='')}"


def provenance_href(f: UpstreamFile) -> str:
    """The proxy's integrity endpoint for a file, relative to a project page."""
    return (f"../../integrity/{quote(f.project, safe='')}/{quote(f.version, safe='')}/"
            f"{quote(f.filename, safe='')}/provenance")


def _offers_provenance(f: UpstreamFile) -> bool | None:
    """True: the upstream lists provenance; False: it says there is none; None: it does not say."""
    if f.provenance_url is not None:
        return True
    return False if f.provenance_listed else None


def project_json(project: str, files: Iterable[UpstreamFile], versions: Sequence[str]) -> bytes:
    entries: list[dict[str, Any]] = []
    all_sized = True
    for f in files:
        e: dict[str, Any] = {"filename": f.filename, "url": file_href(f), "hashes": {"sha256": f.sha256}}
        if f.requires_python is not None:
            e["requires-python"] = f.requires_python
        if f.size is not None:
            e["size"] = f.size
        else:
            all_sized = False
        if f.upload_time is not None:
            e["upload-time"] = f.upload_time
        e["yanked"] = f.yanked
        if f.metadata_sha256 is not None:
            meta = {"sha256": f.metadata_sha256}
            e["core-metadata"] = meta
            e["data-dist-info-metadata"] = meta  # PyPI's legacy key (PEP 714)
        else:
            e["core-metadata"] = False
            e["data-dist-info-metadata"] = False
        e["gpg-sig"] = False
        prov = _offers_provenance(f)
        if prov is True:
            e["provenance"] = provenance_href(f)
        elif prov is False:
            e["provenance"] = None
        entries.append(e)
    doc: dict[str, Any] = {"meta": {"api-version": API_VERSION if all_sized else "1.0"}, "name": project,
                           "files": entries}
    if all_sized:
        doc["versions"] = list(versions)
    return json.dumps(doc, separators=(",", ":")).encode()


def project_html(project: str, files: Iterable[UpstreamFile]) -> bytes:
    name = escape(project)
    lines = ["<!DOCTYPE html>", "<html>", "  <head>",
             f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
             f"    <title>Links for {name}</title>", "  </head>", "  <body>", f"    <h1>Links for {name}</h1>"]
    for f in files:
        attrs = [f'href="{escape(file_href(f))}#sha256={f.sha256}"']
        if f.requires_python is not None:
            attrs.append(f'data-requires-python="{escape(f.requires_python)}"')
        if f.yanked is not False:
            attrs.append(f'data-yanked="{escape(f.yanked) if isinstance(f.yanked, str) else ""}"')
        if f.metadata_sha256 is not None:
            attrs.append(f'data-core-metadata="sha256={f.metadata_sha256}"')
            attrs.append(f'data-dist-info-metadata="sha256={f.metadata_sha256}"')
        attrs.append('data-gpg-sig="false"')
        if _offers_provenance(f) is True:
            attrs.append(f'data-provenance="{escape(provenance_href(f))}"')
        lines.append(f"    <a {' '.join(attrs)}>{escape(f.filename)}</a><br />")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines).encode()


def root_json(names: Iterable[str]) -> bytes:
    return json.dumps({"meta": {"api-version": "1.0"}, "projects": [{"name": n} for n in names]},
                      separators=(",", ":")).encode()


def root_html(names: Iterable[str], normalise: Any) -> bytes:
    out = ["<!DOCTYPE html>", "<html>", "  <head>", '    <meta name="pypi:repository-version" content="1.0">',
           "    <title>Simple index</title>", "  </head>", "  <body>"]
    out += [f'    <a href="{quote(normalise(n), safe="")}/">{escape(n)}</a>' for n in names]
    out += ["  </body>", "</html>", ""]
    return "\n".join(out).encode()


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.reason { word-break: break-word; }
td.time { white-space: nowrap; }
.verdict-verified { color: #0a6b0a; } .verdict-allowed { color: #5a5a00; }
.verdict-unattested { color: #8a5a00; } .verdict-failed { color: #a00000; font-weight: bold; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; } dd { margin: 0; word-break: break-all; }
ul.counts { list-style: none; padding: 0; display: flex; gap: 1.5em; }
"""


def status_html(*, upstream: str, mode: str, on_fail: str, policy: str, cache: str, started: float,
                counts: Mapping[str, int], records: Sequence[Mapping[str, Any]], upstream_requests: Mapping[str, int],
                ) -> bytes:
    """The operators' page: what is in force, counts per verdict, the recent decisions (newest first)."""
    e = escape
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           "<title>pyslsa serve</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
           "<h1>pyslsa serve</h1>", "<dl>",
           f"<dt>Upstream</dt><dd id=\"upstream\">{e(upstream)}</dd>",
           f"<dt>Mode</dt><dd id=\"mode\">{e(mode)}</dd>",
           f"<dt>On fail</dt><dd id=\"on-fail\">{e(on_fail)}</dd>",
           f"<dt>Policy</dt><dd id=\"policy\">{e(policy)}</dd>",
           f"<dt>Cache</dt><dd>{e(cache)}</dd>",
           f"<dt>Up since</dt><dd>{e(_when(started))} UTC</dd>",
           "<dt>Upstream requests</dt><dd>"
           + e(", ".join(f"{k} {v}" for k, v in sorted(upstream_requests.items())) or "none") + "</dd>",
           "</dl>", "<h2>Decisions</h2>", '<ul class="counts" id="counts">']
    for v in VERDICTS:
        out.append(f'<li class="verdict-{v}">{v}: <span id="count-{v}">{int(counts.get(v, 0))}</span></li>')
    out += ["</ul>", f"<p>The {len(records)} most recent, newest first. As JSON: "
            '<a href="-/decisions.json">/-/decisions.json</a>.</p>',
            '<table id="decisions">',
            "<thead><tr><th>Time (UTC)</th><th>Project</th><th>Version</th><th>File</th><th>Verdict</th>"
            "<th>Code</th><th>Action</th><th>Reason</th></tr></thead>", "<tbody>"]
    for r in records:
        verdict = str(r.get("verdict", ""))
        cls = f"verdict-{verdict}" if verdict in VERDICTS else ""
        out.append(
            "<tr>"
            f"<td class=\"time\">{e(str(r.get('time', '')))}</td><td>{e(str(r.get('project', '')))}</td>"
            f"<td>{e(str(r.get('version', '')))}</td><td>{e(str(r.get('filename', '')))}</td>"
            f'<td class="{cls}">{e(verdict)}</td><td>{e(str(r.get("code") or ""))}</td>'
            f"<td>{e(str(r.get('action', '')))}</td><td class=\"reason\">{e(str(r.get('message', '')))}</td>"
            "</tr>")
    if not records:
        out.append('<tr><td colspan="8">No decision yet.</td></tr>')
    out += ["</tbody>", "</table>", "</body>", "</html>", ""]
    return "\n".join(out).encode()


__all__ = ["API_VERSION", "INTEGRITY_OFFERS", "SIMPLE_OFFERS", "STATUS_CSP", "TEXT_HTML", "file_href", "negotiate",
           "project_html", "project_json", "provenance_href", "root_html", "root_json", "simple_content_type",
           "status_html"]
