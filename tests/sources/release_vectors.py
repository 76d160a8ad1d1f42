"""The releases the verify-release tests serve: the real slsa-github-generator v2.1.0 binary with its release
provenance (release A) and the real pypi-attestations sdist with its PEP 740 provenance (release B)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import GENERIC, PYPI_ATT, vector
from tests.release_servers import Host, add_project, add_release

BINARY = vector(GENERIC / "binary-linux-amd64")
PROV_V14 = vector(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")
PROV_V13 = vector(GENERIC / "binary-linux-amd64-push-v13.0.30.intoto.jsonl")
WHEEL = "example_package-14-py3-none-any.whl"
SDIST_740 = "pypi_attestations-0.0.19.tar.gz"
SDIST_740_BYTES = vector(PYPI_ATT / SDIST_740)
PROVENANCE_740 = vector(PYPI_ATT / f"{SDIST_740}.provenance")
PA_REPO = "github.com/trailofbits/pypi-attestations"


def leftovers(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))


def slsa_release(index: Host, gh: Host, *, data: bytes = BINARY, provenance: bytes = PROV_V14,
                 tag: str = "v14", **kw: Any) -> None:
    add_project(index, "example-package", {WHEEL: data}, **kw)
    add_release(gh, "slsa-framework/example-package", tag, {"multiple.intoto.jsonl": provenance})
