"""Where the trusted root comes from when none is given: the TUF options every verifying command shares."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["TufOptions"]


@dataclass(frozen=True)
class TufOptions:
    """How :func:`pyslsa.api.trust_root.resolve_trusted_root` chooses the trusted root when no ``trusted_root`` is
    given (see docs/trust-root.md).

    ``url``: a private Sigstore's TUF repository (``--tuf-url``; None: ``$PYSLSA_TUF_URL``, else Sigstore's public
    instance, or its staging one with ``staging``). ``root``: the root.json to bootstrap it from (``--tuf-root``, its
    path or bytes; None: ``$PYSLSA_TUF_ROOT``, else the one bundled with pyslsa or remembered by an earlier update).
    ``refresh``: may the TUF repository be asked when the cache is not fresh (the command line: unless
    ``--offline``; the library: only when asked). ``cache_dir`` / ``data_dir``: instead of ``$PYSLSA_CACHE_DIR`` /
    ``$PYSLSA_DATA_DIR`` and the user directories.
    """

    url: str | None = None
    root: str | os.PathLike[str] | bytes | None = None
    staging: bool = False
    refresh: bool = False
    cache_dir: str | os.PathLike[str] | None = None
    data_dir: str | os.PathLike[str] | None = None
