"""``pyslsa reproduce`` on real releases from the real PyPI (run with --run-network)."""

from __future__ import annotations

import json
import time

import pytest

from pyslsa.cli import main


def _reproduce(capsys: pytest.CaptureFixture[str], requirement: str) -> tuple[int, dict[str, object], float]:
    start = time.monotonic()
    code = main(["reproduce", requirement, "--index-url", "https://pypi.org/simple/", "--format", "json"])
    seconds = time.monotonic() - start
    out, _ = capsys.readouterr()
    return code, json.loads(out), seconds


@pytest.mark.network
@pytest.mark.parametrize(("requirement", "setting"), [
    ("idna==3.10", "flit-core==3.9.0"),
    ("attrs==25.3.0", "SOURCE_DATE_EPOCH="),
    ("aws-lambda-powertools==2.20.0", "poetry-core==1.6.0"),
    ("packaging==24.2", "TZ=<+0530>-05:30"),
])
def test_real_release_reproducible(capsys: pytest.CaptureFixture[str], requirement: str, setting: str) -> None:
    code, doc, seconds = _reproduce(capsys, requirement)
    assert code == 0, doc
    assert doc["verdict"] == "reproducible"
    wheels = doc["wheels"]
    assert isinstance(wheels, list)
    (best,) = [a for a in wheels[0]["attempts"] if a["verdict"] == "reproducible"]
    assert setting in best["explanation"]
    print(f"{requirement}: reproducible in {seconds:.1f} s end to end")


@pytest.mark.network
def test_six_is_content_identical(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _reproduce(capsys, "six==1.17.0")
    assert code == 1 and doc["verdict"] == "content-identical"
