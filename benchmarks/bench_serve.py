"""pyslsa serve: what the proxy costs an install, and what a burst of downloads of one large file costs the proxy.

    python -m pip install -e '.[test]'
    python benchmarks/bench_serve.py [--runs N] [--packages 30] [--big-mb 50] [--clients 50]

1. ``pip install`` of N small pinned wheels (no dependencies between them) into a fresh ``--target``, with
   ``--no-cache-dir``, from the loopback upstream index (tests/serve/upstream_index.py) directly, and through the
   proxy with a cold cache (a fresh proxy and cache for every run) and a warm cache (the same proxy again).
   Medians of ``--runs`` runs of pip's wall time (the proxy's start-up is not counted). Goals (issue 14): cold
   <= 1.3x, warm <= 1.1x the direct install.
2. ``--clients`` concurrent downloads of one ``--big-mb`` MB file through a fresh proxy: the upstream must see one
   request for it; the proxy's peak RSS (VmHWM) before and after is reported (memory must stay flat: streamed, never
   held). Every client checks the sha256 of what it got.

The proxy is the real command, ``python -m pyslsa serve`` in its own process, deciding every download with the audit
engine (the policy file stat'ed on every decision) under a policy that requires no evidence, so no GitHub is asked
(the wheels are unattested: the engine's checks run, its network does not); the upstream and the clients run in
this process.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class ProxyProcess:
    def __init__(self, upstream: str, cache: Path, policy: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "pyslsa", "serve", "--upstream", upstream, "--cache",
                                      str(cache), "--policy", str(policy), "--port", "0"],
                                     stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        for _ in range(5):
            line = self.proc.stderr.readline()
            m = re.search(r"status page:\s+(http://\S+)/", line)
            if m:
                self.url = m.group(1)
                break
        else:
            raise SystemExit("the proxy did not start")

    def vmhwm_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return -1

    def vmrss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return -1

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.communicate(timeout=60)


def pip_wall(index_url: str, reqs: Path, target: Path) -> float:
    from tests.serve.conftest import clean_env

    cmd = [sys.executable, "-m", "pip", "install", "--isolated", "--no-cache-dir", "--no-input", "--no-deps",
           "--index-url", index_url, "--target", str(target), "-r", str(reqs)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"pip failed: {proc.stderr[-1500:]}")
    return wall


async def burst(url: str, clients: int, want: str) -> list[str]:
    import httpx

    async def one(client: httpx.AsyncClient) -> str:
        h = hashlib.sha256()
        async with client.stream("GET", url) as resp:
            resp.raise_for_status()
            async for chunk in resp.aiter_raw():
                h.update(chunk)
        return h.hexdigest()

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        got = await asyncio.gather(*(one(client) for _ in range(clients)))
    assert all(g == want for g in got), "a client got other bytes"
    return got


def pip_part(args: argparse.Namespace, upstream: str, reqs: Path, tmp: Path, policy: Path) -> None:
    pip_wall(upstream, reqs, tmp / "warmup")  # pip's own first-run costs (bytecode, imports), not measured
    direct = [pip_wall(upstream, reqs, tmp / f"direct{i}") for i in range(args.runs)]
    cold = []
    for i in range(args.runs):
        proxy = ProxyProcess(upstream, tmp / f"cache-cold{i}", policy)
        try:
            cold.append(pip_wall(f"{proxy.url}/simple/", reqs, tmp / f"cold{i}"))
        finally:
            proxy.stop()
    proxy = ProxyProcess(upstream, tmp / "cache-warm", policy)
    try:
        pip_wall(f"{proxy.url}/simple/", reqs, tmp / "fill")
        warm = [pip_wall(f"{proxy.url}/simple/", reqs, tmp / f"warm{i}") for i in range(args.runs)]
    finally:
        proxy.stop()
    d, c, w = statistics.median(direct), statistics.median(cold), statistics.median(warm)
    print(f"pip install of {args.packages} pinned wheels, median of {args.runs} runs:")
    print(f"  direct from the upstream  {d:6.2f} s")
    print(f"  through the proxy, cold   {c:6.2f} s   {c / d:5.2f}x  (goal <= 1.3x)")
    print(f"  through the proxy, warm   {w:6.2f} s   {w / d:5.2f}x  (goal <= 1.1x)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--packages", type=int, default=30)
    ap.add_argument("--big-mb", type=int, default=50)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--skip-pip", action="store_true", help="only the concurrent downloads")
    args = ap.parse_args()

    from tests.serve.dists import make_wheel
    from tests.serve.helpers import file_url
    from tests.serve.upstream_index import Index, serve_index

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    policy = tmp / "pyslsa.toml"
    policy.write_text('require = "none"\n')  # decided by the audit engine; nothing here needs GitHub
    reqs = tmp / "requirements.txt"
    with serve_index(Index()) as index:
        names = [f"pkg{i:03d}" for i in range(args.packages)]
        for name in names:
            index.add(name, make_wheel(name, "1.0"), make_wheel(name, "1.1"))
        reqs.write_text("".join(f"{n}==1.0\n" for n in names))
        upstream = f"{index.base}/simple/"

        if not args.skip_pip:
            pip_part(args, upstream, reqs, tmp, policy)

        big = make_wheel("big", "1.0", payload=os.urandom(args.big_mb * 1024 * 1024))
        index.add("big", big)
        want = hashlib.sha256(big.data).hexdigest()
        proxy = ProxyProcess(upstream, tmp / "cache-big", policy)
        try:
            url = file_url(f"{proxy.url}/simple/", "big", big.filename)
            before = proxy.vmhwm_kb()
            cpu0, t0, own0 = proxy.cpu_seconds(), time.perf_counter(), time.process_time()
            asyncio.run(burst(url, args.clients, want))
            wall = time.perf_counter() - t0
            cpu, own = proxy.cpu_seconds() - cpu0, time.process_time() - own0
            after = proxy.vmhwm_kb()
            fetches = index.hits[f"/files/{big.filename}"]
            print(f"{args.clients} concurrent downloads of one {len(big.data) / 2**20:.0f} MiB file through a fresh "
                  f"proxy: {wall:.2f} s, upstream fetches of the file: {fetches} (goal 1)")
            print(f"  proxy peak RSS: {before / 1024:.0f} MiB after start-up, {after / 1024:.0f} MiB after the "
                  f"burst (+{(after - before) / 1024:.0f} MiB for {args.clients} x {args.big_mb} MiB sent)")
            print(f"  CPU: proxy {cpu:.1f} s, clients + upstream (this process) {own:.1f} s; "
                  f"{os.cpu_count()} CPU(s), shared")
        finally:
            proxy.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
