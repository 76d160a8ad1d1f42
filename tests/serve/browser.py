"""Headless Chromium for the status page tests: run it (``chromium``), and read the DOM it dumps (``Dom``: the
rows of ``table#decisions``, the counts and every element's attributes)."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


class Dom(HTMLParser):
    """The rows of table#decisions, the counts, the title, and every element's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.rows: list[list[str]] = []
        self.ids: dict[str, str] = {}
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._in_table = False
        self._in_body = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._id: str | None = None
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.elements.append((tag, a))
        self._tag = tag
        if tag == "table" and a.get("id") == "decisions":
            self._in_table = True
        elif tag == "tbody" and self._in_table:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []
        if a.get("id"):
            self._id = a["id"]
            self.ids[self._id or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        self._tag = ""
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._in_table = self._in_body = False
        self._id = None

    def handle_data(self, data: str) -> None:
        if self._tag == "title":
            self.title += data
        if self._cell is not None:
            self._cell.append(data)
        if self._id is not None:
            self.ids[self._id] += data
