"""``pyslsa serve``: a verifying package index proxy that pip and uv install through (installed with the extra
``pyslsa[serve]``: starlette + uvicorn).

The verification itself is injected: :func:`create_app` / :func:`serve` take a :class:`Decider`, called on every
request that needs a verdict, with the file's index digest and its raw upstream PEP 740 provenance.

>>> from pyslsa.serve import ServeConfig, Decision, serve
>>> class AllowAll:
...     def decide(self, request): return Decision("unattested")
...     def describe(self): return "allow everything"
>>> serve(ServeConfig(upstream="https://pypi.org/simple/"), AllowAll())  # doctest: +SKIP

The config and the decider interface import without the extra; :func:`create_app`, :func:`serve` and
:func:`running` need it (an ImportError naming the extra otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyslsa.serve.config import MODES, ON_FAIL, Limits, Mode, OnFail, ServeConfig
from pyslsa.serve.model import VERDICTS, Decider, Decision, DecisionRequest, UpstreamFile, Verdict

if TYPE_CHECKING:
    from pyslsa.serve.app import create_app
    from pyslsa.serve.runner import running, serve

__all__ = ["MODES", "ON_FAIL", "VERDICTS", "Decider", "Decision", "DecisionRequest", "Limits", "Mode", "OnFail",
           "ServeConfig", "UpstreamFile", "Verdict", "create_app", "running", "serve"]

_LAZY = {"create_app": "pyslsa.serve.app", "serve": "pyslsa.serve.runner", "running": "pyslsa.serve.runner"}
EXTRA_HINT = "pyslsa serve needs the extra 'serve': pip install 'pyslsa[serve]'"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pyslsa.serve' has no attribute {name!r}")
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in ("starlette", "uvicorn", "platformdirs", "anyio"):
            raise ImportError(f"{EXTRA_HINT} ({missing} is missing)", name=missing) from None
        raise
