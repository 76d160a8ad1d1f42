"""The status page in a real browser: headless Chromium (Debian's ``chromium``) loads ``/`` from the running proxy,
the rendered DOM's decisions table is checked (including a decider message full of markup that must stay text),
and a screenshot is kept as a test artifact under ``$PYSLSA_TEST_ARTIFACTS`` (default: the test's tmp dir).

Skipped only when no chromium is installed (CI installs it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.serve.browser import CHROMIUM, Dom, chromium
from tests.serve.conftest import StartProxy
from tests.serve.dists import make_wheel
from tests.serve.helpers import file_url, get
from tests.serve.rules import RulesDecider
from tests.serve.upstream_index import Index

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")

HOSTILE = ('<script>document.title="pwned"</script><img src=x onerror="document.body.dataset.pwned=1">'
           '"quoted" \'single\'')


def test_status_page_in_headless_chromium(index: Index, start_proxy: StartProxy, rules: RulesDecider,
                                          tmp_path: Path) -> None:
    ok, bad = make_wheel("demo", "1.0"), make_wheel("demo", "2.0")
    index.add("demo", ok, bad)
    rules.write({"fail": {bad.filename: {"code": "mismatch-source", "message": HOSTILE}},
                 "policy": 'policy <b>"bold"</b>'})
    proxy = start_proxy()
    assert get(file_url(proxy.simple, "demo", ok.filename)).status_code == 200
    assert get(file_url(proxy.simple, "demo", bad.filename)).status_code == 403

    run = chromium(tmp_path / "profile", "--dump-dom", f"{proxy.url}/")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = Dom()
    dom.feed(run.stdout)
    assert dom.title == "pyslsa serve"  # the <script> in the message did not run
    assert not any("data-pwned" in attrs for _, attrs in dom.elements)
    assert not any(tag in ("script", "img") for tag, _ in dom.elements)
    assert dom.ids["mode"] == "enforce" and dom.ids["on-fail"] == "block"
    assert dom.ids["upstream"] == f"{index.base}/simple/"
    assert dom.ids["policy"].startswith('policy <b>"bold"</b> (rules.json')  # shown as text
    assert (dom.ids["count-verified"], dom.ids["count-unattested"], dom.ids["count-allowed"],
            dom.ids["count-failed"]) == ("0", "1", "0", "1")
    (newest, oldest) = dom.rows
    assert newest[1:] == ["demo", "2.0", bad.filename, "failed", "mismatch-source", "refused", HOSTILE]
    assert oldest[1:] == ["demo", "1.0", ok.filename, "unattested", "", "served", "no evidence, none required"]

    artifacts = Path(os.environ.get("PYSLSA_TEST_ARTIFACTS") or tmp_path / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "serve-status-page.png"
    shot.unlink(missing_ok=True)
    run = chromium(tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1200,800", f"{proxy.url}/")
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 1200 and int.from_bytes(data[20:24], "big") == 800
