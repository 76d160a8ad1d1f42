"""What pyslsa reads from the process environment (other than a command's flags), in one place.

* ``SLSA_VERIFIER_TESTING``: slsa-verifier's test switch (:func:`testing_enabled`);
* ``PYSLSA_INDEX_URL``: the package index when ``--index-url`` is not given (:func:`index_url`);
* ``PYSLSA_REKOR_URL``: the transparency log for legacy lookups (read by :class:`pyslsa.sources.rekor.RekorClient`);
* ``PYSLSA_VSA_KEY_PASSWORD``: the password of an encrypted ``--vsa-key`` (:func:`vsa_key_password`).
"""

from __future__ import annotations

import os

__all__ = ["VSA_KEY_PASSWORD_ENV", "index_url", "testing_enabled", "vsa_key_password"]

#: Environment variable holding the password of an encrypted ``--vsa-key`` (as cosign reads COSIGN_PASSWORD).
VSA_KEY_PASSWORD_ENV = "PYSLSA_VSA_KEY_PASSWORD"  # noqa: S105 - the name of a variable, not a secret

#: The spellings of "true" Go's strconv.ParseBool accepts; anything else (including what it cannot parse) is false.
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def testing_enabled() -> bool:
    """slsa-verifier's test switch, honoured identically (options.TestingEnabled: strconv.ParseBool of
    SLSA_VERIFIER_TESTING, false when it does not parse). It only widens what slsa-framework's own e2e
    repositories may use as builder refs."""
    return os.environ.get("SLSA_VERIFIER_TESTING", "") in _GO_TRUE


def index_url(given: str | None) -> str:
    """The package index: ``--index-url`` if given, else ``$PYSLSA_INDEX_URL``, else PyPI."""
    from pyslsa.sources.pypi import DEFAULT_INDEX_URL

    return given or os.environ.get("PYSLSA_INDEX_URL") or DEFAULT_INDEX_URL


def vsa_key_password() -> bytes | None:
    """The password of an encrypted ``--vsa-key``: ``$PYSLSA_VSA_KEY_PASSWORD`` (None when unset or empty)."""
    value = os.environ.get(VSA_KEY_PASSWORD_ENV)
    return value.encode() if value else None
