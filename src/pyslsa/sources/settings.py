"""What pyslsa reads from the process environment (other than a command's flags), in one place.

* ``SLSA_VERIFIER_TESTING``: slsa-verifier's test switch (:func:`testing_enabled`);
* ``PYSLSA_INDEX_URL``: the package index when ``--index-url`` is not given (:func:`index_url`);
* ``PYSLSA_GITHUB_URL`` and ``PYSLSA_GITHUB_API_URL``: the GitHub host (release downloads) and its API (releases,
  artifact attestations) when ``--github-url`` / ``--github-api-url`` are not given (:func:`github_url`,
  :func:`github_api_url`; ``verify-release`` and ``audit``);
* ``PYSLSA_REKOR_URL``: the transparency log for legacy lookups (read by :class:`pyslsa.sources.rekor.RekorClient`);
* ``PYSLSA_VSA_KEY_PASSWORD``: the password of an encrypted ``--vsa-key`` (:func:`vsa_key_password`);
* ``PYSLSA_TUF_URL`` / ``PYSLSA_TUF_ROOT``: a private Sigstore's TUF repository and the root.json to bootstrap it
  from, when ``--tuf-url`` / ``--tuf-root`` are not given (:func:`tuf_url`, :func:`tuf_root`);
* ``PYSLSA_TUF_MIRROR`` / ``PYSLSA_TUF_STAGING_MIRROR``: another location of Sigstore's public (or staging) TUF
  repository (:func:`tuf_mirror`);
* ``PYSLSA_CACHE_DIR`` / ``PYSLSA_DATA_DIR``: where the TUF cache and remembered TUF roots live (read by
  :mod:`pyslsa.sources.tuf`).
"""

from __future__ import annotations

import os

__all__ = ["VSA_KEY_PASSWORD_ENV", "github_api_url", "github_url", "index_url", "testing_enabled", "tuf_mirror",
           "tuf_root", "tuf_url", "vsa_key_password"]

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


def tuf_url(given: str | None) -> str | None:
    """A private Sigstore's TUF repository: ``--tuf-url`` if given, else ``$PYSLSA_TUF_URL``, else None (Sigstore's
    public instance)."""
    return given or os.environ.get("PYSLSA_TUF_URL") or None


def tuf_root(given: str | os.PathLike[str] | bytes | None) -> str | os.PathLike[str] | bytes | None:
    """The TUF root.json to bootstrap from: ``--tuf-root`` if given, else ``$PYSLSA_TUF_ROOT``, else None (the one
    bundled with pyslsa for Sigstore's instances, the one remembered for a private repository)."""
    return given if given is not None else (os.environ.get("PYSLSA_TUF_ROOT") or None)


def tuf_mirror(instance: str) -> str | None:
    """Another location of Sigstore's public TUF repository (``instance`` "production": ``$PYSLSA_TUF_MIRROR``) or of
    its staging one ("staging": ``$PYSLSA_TUF_STAGING_MIRROR``), like cosign's ``TUF_MIRROR``: its metadata is still
    verified from the root.json bundled with pyslsa, and its cache is kept under the mirror's URL. None: unset."""
    name = "PYSLSA_TUF_MIRROR" if instance == "production" else "PYSLSA_TUF_STAGING_MIRROR"
    return os.environ.get(name) or None
