"""Small HTTP helpers for the proxy tests (httpx against the real loopback servers)."""

from __future__ import annotations

from typing import Any

import httpx

JSON_V1 = "application/vnd.pypi.simple.v1+json"
INTEGRITY_V1 = "application/vnd.pypi.integrity.v1+json"


def get(url: str, **kw: Any) -> httpx.Response:
    kw.setdefault("timeout", 60)
    return httpx.get(url, **kw)


def page_json(simple: str, project: str) -> dict[str, Any]:
    resp = get(f"{simple}{project}/", headers={"Accept": JSON_V1})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == JSON_V1
    doc: dict[str, Any] = resp.json()
    return doc


def entry(simple: str, project: str, filename: str) -> dict[str, Any]:
    for f in page_json(simple, project)["files"]:
        if f["filename"] == filename:
            return dict(f)
    raise AssertionError(f"{filename} is not on the proxy's page of {project}")


def file_url(simple: str, project: str, filename: str) -> str:
    """The absolute URL of a file as the proxy's JSON page lists it."""
    return str(httpx.URL(f"{simple}{project}/").join(entry(simple, project, filename)["url"]))
