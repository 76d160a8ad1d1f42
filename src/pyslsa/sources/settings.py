"""What pyslsa reads from the process environment (other than a command's flags), in one place.

* ``SLSA_VERIFIER_TESTING``: slsa-verifier's test switch (:func:`testing_enabled`);
* ``PYSLSA_INDEX_URL``: the package index when ``--index-url`` is not given (:func:`index_url`);
* ``PYSLSA_GITHUB_URL`` and ``PYSLSA_GITHUB_API_URL``: the GitHub host (release downloads) and its API (releases,
  artifact attestations) when ``--github-url`` / ``--github-api-url`` are not given (:func:`github_url`,
  :func:`github_api_url`; ``verify-release`` and ``audit``);
* ``PYSLSA_REKOR_URL``: the transparency log for legacy lookups (read by :class:`pyslsa.sources.rekor.RekorClient`);
* ``PYSLSA_VSA_KEY_PASSWORD``: the password of an encrypted ``--vsa-key`` (:func:`vsa_key_password`).
"""

from __future__ import annotations

import os

__all__ = ["VSA_KEY_PASSWORD_ENV", "github_api_url", "github_url", "index_url", "testing_enabled",
           "vsa_key_password"]

#: Environment variable holding the password of an encrypted ``--vsa-key`` (as cosign reads COSIGN_PASSWORD).
VSA_KEY_PASSWORD_ENV = "PYSLSA_VSA_KEY_PASSWORD"  # noqa: S105 - the name of a variable, not a secret

#: The spellings of "true" Go's strconv.ParseBool accepts; anything else (including what it cannot parse) is false.
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def testing_enabled() -> bool:
    """slsa-verifier's test switch, honoured identically (options.TestingEnabled: strconv.ParseBool of
    SLSA_VERIFIER_TESTING, false when it does not parse). It only widens what slsa-framework's own e2e
    repositories may use as builder refs."""
    return os.environ.get("SLSA_VERIFIER_TESTING", "") in _GO_TRUE


def _url(given: str | None, variable: str, default: str) -> str:
    """``given`` (a flag, checked where it is used), else ``$variable`` (checked here, so that a wrong value is a
    usage error naming the variable), else ``default``."""
    if given:
        return given
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    from pyslsa.sources.http import check_flag_url

    check_flag_url(variable, value)
    return value


def index_url(given: str | None) -> str:
    """The package index: ``--index-url`` if given, else ``$PYSLSA_INDEX_URL``, else PyPI."""
    from pyslsa.sources.pypi import DEFAULT_INDEX_URL

    return _url(given, "PYSLSA_INDEX_URL", DEFAULT_INDEX_URL)


def github_url(given: str | None) -> str:
    """The GitHub host for release downloads: ``--github-url`` if given, else ``$PYSLSA_GITHUB_URL``, else
    https://github.com."""
    from pyslsa.sources.github import DEFAULT_GITHUB_URL

    return _url(given, "PYSLSA_GITHUB_URL", DEFAULT_GITHUB_URL)


def github_api_url(given: str | None) -> str:
    """The GitHub API (releases, artifact attestations): ``--github-api-url`` if given, else
    ``$PYSLSA_GITHUB_API_URL``, else https://api.github.com."""
    from pyslsa.sources.github import DEFAULT_GITHUB_API_URL

    return _url(given, "PYSLSA_GITHUB_API_URL", DEFAULT_GITHUB_API_URL)


def vsa_key_password() -> bytes | None:
    """The password of an encrypted ``--vsa-key``: ``$PYSLSA_VSA_KEY_PASSWORD`` (None when unset or empty)."""
    value = os.environ.get(VSA_KEY_PASSWORD_ENV)
    return value.encode() if value else None
