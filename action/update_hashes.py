"""Regenerate action-requirements.txt, the hashes file of the GitHub Action, from pyproject.toml.

    python action/update_hashes.py              # same resolution date as the file has: reproducible
    python action/update_hashes.py --upgrade    # resolve again as of now (newer releases of the dependencies)
    python action/update_hashes.py --check      # exit 1 when the file differs from a fresh resolution

The inputs are pyproject's [project] dependencies and [build-system] requires (the action builds pyslsa from its
own files with --no-build-isolation, so setuptools is pinned too). uv resolves them for every platform and Python
3.10+ (--universal), wheels only, as of the date in the file's header (--exclude-newer), so running this again
with the same pyproject and the same date gives the same file. Needs uv (in the test extra) and the package index.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "action-requirements.txt"
INPUT_NAME = "pyproject-requirements.in"
PYTHON = "3.10"  # pyproject's requires-python lower bound: --universal covers it and every newer Python

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - maintainers' Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]


def inputs(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The requirements the file must satisfy, in pyproject's order, comments and spacing dropped."""
    doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return [*doc["project"]["dependencies"], *doc["build-system"]["requires"]]


def inputs_digest(requirements: list[str]) -> str:
    """sha256 over the requirement list: the header records it, and tests/action check it against pyproject."""
    normalized = "\n".join(re.sub(r"\s+", "", r) for r in requirements) + "\n"
    return hashlib.sha256(normalized.encode()).hexdigest()


def header_field(text: str, name: str) -> str | None:
    found = re.search(rf"^# {re.escape(name)}: (\S+)$", text, re.M)
    return found.group(1) if found else None


def compile_file(exclude_newer: str) -> str:
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("update_hashes: uv is not installed (pip install uv, or the test extra)")
    requirements = inputs()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / INPUT_NAME).write_text("\n".join(requirements) + "\n", encoding="utf-8")
        argv = [uv, "pip", "compile", INPUT_NAME, "--generate-hashes", "--universal", "--python-version", PYTHON,
                "--only-binary", ":all:", "--no-python-downloads", "--exclude-newer", exclude_newer,
                "--no-header", "--quiet"]
        body = subprocess.run(argv, cwd=tmp, check=True, capture_output=True, text=True).stdout
    head = [
        "# Hash-pinned runtime dependencies of pyslsa, and its build backend, for the GitHub Action (action.yml).",
        "# The action installs them with pip install --require-hashes --only-binary :all:, then pyslsa from its",
        "# own files with --no-deps --no-build-isolation --no-index. Do not edit: regenerate with",
        "#   python action/update_hashes.py            (after a change of pyproject's dependencies)",
        "#   python action/update_hashes.py --upgrade  (newer releases of the dependencies)",
        f"# exclude-newer: {exclude_newer}",
        f"# inputs-sha256: {inputs_digest(requirements)}",
    ]
    return "\n".join(head) + "\n" + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--upgrade", action="store_true", help="resolve as of now instead of the file's date")
    mode.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is out of date")
    args = parser.parse_args(argv)
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    date = header_field(current, "exclude-newer")
    if args.upgrade or date is None:
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT00:00:00Z")
    fresh = compile_file(date)
    if args.check:
        if fresh != current:
            print(f"{TARGET.name} is out of date: run python action/update_hashes.py", file=sys.stderr)
            return 1
        print(f"{TARGET.name} is up to date (exclude-newer {date})")
        return 0
    TARGET.write_text(fresh, encoding="utf-8")
    print(f"wrote {TARGET.name} (exclude-newer {date})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
