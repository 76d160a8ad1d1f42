"""The build runner (:mod:`pyslsa.sources.build`): what it keeps of a build's log."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from pyslsa.sources.build import read_log_tail


def test_build_log_tail_reads_a_bounded_part_of_the_log(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    with log.open("wb") as fh:
        fh.write(b"start\n")
        for _ in range(64):
            fh.write(b"x" * (1 << 20))  # 64 MiB, one line without end
    tracemalloc.start()
    try:
        tail = read_log_tail(log)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20
    assert len(tail) == 1 and len(tail[0]) < 1000
