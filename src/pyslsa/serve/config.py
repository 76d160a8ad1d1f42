"""How the proxy runs: :class:`ServeConfig` (what the command line sets) and :class:`Limits` (every bound in one
place). Plain data: no starlette, uvicorn or httpx here, so a CLI can build and check a config before the extra is
even imported."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pyslsa.errors import UsageError
from pyslsa.sources.http import check_flag_url

Mode = Literal["enforce", "warn", "dry-run"]
OnFail = Literal["block", "hide"]
MODES: tuple[Mode, ...] = ("enforce", "warn", "dry-run")
ON_FAIL: tuple[OnFail, ...] = ("block", "hide")

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class Limits:
    """Every limit of the proxy. An upstream answer over a size cap is cut there (502); a fetch over its deadline is
    abandoned (504); nothing of either is cached."""

    #: One upstream project page (``/simple/<project>/``), decoded bytes.
    max_page_bytes: int = 32 * MiB
    #: The upstream project list (``/simple/``): PyPI's is tens of MB; it is parsed and re-rendered.
    max_root_bytes: int = 128 * MiB
    #: Files on one project page (PyPI's largest projects list tens of thousands).
    max_page_files: int = 100_000
    #: One distribution file (also capped by the size the index lists for it).
    max_file_bytes: int = 1024 * MiB
    #: One PEP 658 core metadata file.
    max_metadata_bytes: int = 16 * MiB
    #: One PEP 740 provenance object.
    max_provenance_bytes: int = 16 * MiB
    #: Connecting to the upstream, and the longest wait for the next bytes of an answer.
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: Whole-fetch deadlines (all attempts and redirects included): a page or a document, and a file.
    page_deadline: float = 60.0
    file_deadline: float = 600.0
    #: Attempts per upstream GET (a connection error or a 5xx before the body is retried; a timeout is not).
    upstream_attempts: int = 2
    retry_backoff: float = 0.2
    #: Redirects followed per fetch (each to an allowed host only; never https -> http).
    max_redirects: int = 3
    #: Concurrent connections to the upstream hosts.
    max_upstream_connections: int = 32
    #: How long one decision may take before it counts as failed (``decider-error``).
    decide_timeout: float = 60.0
    #: Provenance fetches and decisions in flight while building a page with ``on_fail="hide"``.
    hide_concurrency: int = 8
    #: How long a project page's file list is reused to find the upstream URL of a download (it is refetched on a
    #: miss, so a file published since is found).
    file_lookup_ttl: float = 600.0
    #: Project pages remembered for that lookup.
    file_lookup_projects: int = 2048
    #: Decisions kept for the status page and ``/-/decisions.json`` (the JSONL log keeps all).
    recent_decisions: int = 500
    #: Bytes read and sent per step when serving a cached file.
    chunk_bytes: int = 256 * KiB
    #: Worker threads that read cache files (re-hashing before serving, sending): a few are enough for the disk,
    #: and each costs memory (its buffers, and the allocator's per-thread arena).
    io_threads: int = 8
    #: Bytes buffered from the upstream before a write to the cache's part file.
    write_buffer_bytes: int = 1 * MiB
    #: Seconds the runner waits for open connections on Ctrl-C / SIGTERM before closing them.
    shutdown_grace: float = 5.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise UsageError(f"limit {name} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class ServeConfig:
    """What ``pyslsa serve`` is told.

    ``upstream`` is the simple index to proxy (``https://pypi.org/simple/``). ``mode``: ``enforce`` refuses failing
    files, ``warn`` serves them and logs a warning, ``dry-run`` serves them and only records what it would have
    refused. ``on_fail``: ``block`` lists failing files and answers their download with 403; ``hide`` leaves them off
    the project pages (enforce mode only) -- a resolver then silently falls back to an older version, which may be
    one with a known vulnerability: prefer ``block``.

    ``file_hosts``: hosts, besides the upstream's own, that the upstream's file, metadata and provenance URLs (and
    any redirect) may lead to; every other host is refused (``host`` for ports 80/443, or ``host:port``).
    ``cache_dir`` None means the user cache directory (platformdirs) + ``pyslsa/serve``.
    """

    upstream: str = "https://pypi.org/simple/"
    mode: Mode = "enforce"
    on_fail: OnFail = "block"
    cache_dir: Path | None = None
    log_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    file_hosts: tuple[str, ...] = ("files.pythonhosted.org",)
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        check_flag_url("--upstream", self.upstream)
        if not self.upstream.endswith("/"):
            object.__setattr__(self, "upstream", self.upstream + "/")
        if self.mode not in MODES:
            raise UsageError(f"--mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.on_fail not in ON_FAIL:
            raise UsageError(f"--on-fail must be one of {', '.join(ON_FAIL)}, got {self.on_fail!r}")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise UsageError(f"--port must be 0..65535, got {self.port!r}")
        for h in self.file_hosts:
            name, _, port = h.partition(":")
            if not name or "/" in h or (port and not port.isdigit()):
                raise UsageError(f"a file host is a host name or host:port, got {h!r}")

    @property
    def hides(self) -> bool:
        """Failing files are left off the pages (``on_fail="hide"`` in ``enforce`` mode)."""
        return self.mode == "enforce" and self.on_fail == "hide"


__all__ = ["MODES", "ON_FAIL", "Limits", "Mode", "OnFail", "ServeConfig"]
