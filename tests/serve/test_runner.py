"""The runner as a process: ``serve()`` prints the URLs to use (the real port when asked for port 0), answers, and
shuts down cleanly on SIGTERM and on Ctrl-C (SIGINT) -- exit status 0, no traceback, no part file left even with a
download in flight. And the extra stays an extra: the base package never imports starlette or uvicorn."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.serve.dists import make_wheel
from tests.serve.helpers import file_url, get
from tests.serve.upstream_index import Index, Misbehave

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from pyslsa.serve import Limits, ServeConfig, serve
from tests.serve.rules import RulesDecider
config = ServeConfig(upstream={upstream!r}, cache_dir=Path({cache!r}), log_file=Path({log!r}), port=0,
                     limits=Limits(shutdown_grace=1))
reason = serve(config, RulesDecider(Path({rules!r})))
print("serve returned", reason, flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_the_url_and_stops_cleanly(index: Index, tmp_path: Path, sig: signal.Signals) -> None:
    d = make_wheel("big", "1.0", payload=b"q" * 300_000)
    index.add("big", d)
    index.misbehave[f"/files/{d.filename}"] = Misbehave(drip=0.05, drip_bytes=4096)  # ~4 s: still running
    (tmp_path / "rules.json").write_text("{}")
    script = SCRIPT.format(root=str(ROOT), upstream=f"{index.base}/simple/", cache=str(tmp_path / "cache"),
                           log=str(tmp_path / "log.jsonl"), rules=str(tmp_path / "rules.json"))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stderr is not None
        banner = [proc.stderr.readline() for _ in range(5)]
        assert banner[0].startswith(f"pyslsa serve: enforce mode, on-fail block, upstream {index.base}/simple/")
        m = re.fullmatch(r"  install with:  pip install --index-url (http://127\.0\.0\.1:(\d+))/simple/ PACKAGE\n",
                         banner[2])
        assert m and int(m.group(2)) > 0, banner
        url = m.group(1)
        assert banner[1] == f"  status page:   {url}/\n"
        assert banner[3] == f"                 uv pip install --index-url {url}/simple/ PACKAGE\n"
        assert get(f"{url}/-/health").json()["status"] == "ok"
        target = file_url(f"{url}/simple/", "big", d.filename)
        results: list[object] = []

        def client() -> None:
            try:
                results.append(httpx.get(target, timeout=60).status_code)
            except httpx.HTTPError as exc:
                results.append(type(exc).__name__)

        t = threading.Thread(target=client)
        t.start()
        parts = tmp_path / "cache" / "tmp"
        while not any(parts.glob("*.part")) and t.is_alive():
            t.join(0.01)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        t.join(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == f"serve returned {sig.name}\n"
    assert err.endswith(f"pyslsa serve: stopped ({sig.name})\n"), err
    assert "Traceback" not in err
    assert list(parts.iterdir()) == []
    assert results and results[0] != 200


def test_the_base_package_never_imports_the_extra() -> None:
    code = ("import sys, pyslsa, pyslsa.cli, pyslsa.api, pyslsa.serve\n"
            "from pyslsa.serve import ServeConfig, Decision, Decider, Limits\n"
            "ServeConfig(upstream='https://pypi.org/simple/')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "[]\n"
    src = ROOT / "src" / "pyslsa"
    for path in src.rglob("*.py"):
        if "serve" in path.relative_to(src).parts:
            continue
        assert not re.search(r"^\s*(from|import)\s+(starlette|uvicorn)\b", path.read_text(), re.M), path


def test_a_missing_extra_is_named() -> None:
    code = ("import sys\nsys.modules['starlette'] = None\n"
            "import pyslsa.serve\n"
            "try:\n    pyslsa.serve.create_app\nexcept ImportError as exc:\n    print(exc)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "pyslsa serve needs the extra 'serve': pip install 'pyslsa[serve]' (starlette is missing)\n"
