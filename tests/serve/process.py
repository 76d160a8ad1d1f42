"""The real command as a process: ``python -m pyslsa serve ... --port 0`` started in a directory, its banner read
(the URL it really listens on), its stderr drained in a thread (so the proxy never blocks on a full pipe), stopped
with a signal."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

BANNER_END = "  Ctrl-C to stop"


class ServeProcess:
    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> None:
        self.cwd = cwd
        self.proc = subprocess.Popen([sys.executable, "-m", "pyslsa", "serve", "--port", "0", *args], cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[str] = []
        self.out: list[str] = []
        self._banner = threading.Event()
        # both pipes drained by threads (never by communicate(), which would read stderr too)
        self._drains = [threading.Thread(target=self._read, daemon=True),
                        threading.Thread(target=self._read_out, daemon=True)]
        for t in self._drains:
            t.start()
        if not self._banner.wait(timeout) or self.proc.poll() is not None:
            self.kill()
            raise AssertionError(f"pyslsa serve did not start: {''.join(self.lines)}")
        m = re.search(r"^  status page:   (http://127\.0\.0\.1:\d+)/$", self.stderr, re.M)
        assert m, self.stderr
        self.url = m.group(1)
        self.simple = f"{self.url}/simple/"

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if line.rstrip("\n") == BANNER_END:
                self._banner.set()
        self._banner.set()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60) -> tuple[int, str, str]:
        """(exit status, stdout, stderr) after ``sig``."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        finally:
            self.kill()
            for t in self._drains:
                t.join(10)
        return self.proc.returncode, "".join(self.out), self.stderr

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
