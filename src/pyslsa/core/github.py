"""GitHub's names, in one place: the GitHub Actions OIDC issuer, github.com's URL, and the one normaliser of a
source URI (``--source-uri``, a policy's ``repository``) into the form each check compares.

:func:`normalize_source_uri` has one ``form`` per comparison. Two are slsa-verifier's semantics, kept exactly as it
has them, differences included (so that a ``--source-uri`` slsa-verifier refuses is refused here too):

``"git-uri"``
    slsa-verifier ``utils.NormalizeGitURI`` (``verifiers/utils/git.go``): a URI starting with ``git+`` is kept as
    is; one with ``://`` gets ``git+`` in front; anything else gets ``git+https://``. Nothing else changes: a
    ``.git`` or a final ``/`` stays, and so does case. Compared with the provenance's trigger and source URIs
    (``verifySourceURI``, ``verifiers/internal/gha/provenance.go``), which must then start with
    ``git+https://github.com/``.
``"certificate-repository"``
    slsa-verifier ``VerifyCertficateSourceRepository`` (``verifiers/internal/gha/builder.go``): ``git+https://``
    trimmed, then ``github.com/``, each once, in that order; compared with the certificate's ``ORG/REPO``. So
    ``https://github.com/ORG/REPO`` passes ``"git-uri"`` but not this: slsa-verifier answers
    ``mismatch-source``, and so does pyslsa.

Two are pyslsa's, where slsa-verifier has no say (verify-release's GitHub release and PEP 740 Trusted Publisher,
the audit policy's repository), and are lenient about spelling:

``"host-path"``
    the scheme removed (``git+https://``, ``https://`` or ``http://``, the first that matches), then a final
    ``.git``, then final ``/``: ``github.com/ORG/REPO``.
``"repository"``
    ``"host-path"``, then for github.com (any case) the path alone: ``ORG/REPO``, as PyPI names a GitHub Trusted
    Publisher; another host keeps ``host/path``.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["GITHUB_ACTIONS_ISSUER", "GITHUB_URL", "SourceUriForm", "normalize_source_uri"]

#: The OIDC issuer of GitHub Actions' tokens, as Fulcio records it (slsa-verifier's ``certOidcIssuer``).
GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
#: github.com, as URLs in certificates and provenance start.
GITHUB_URL = "https://github.com/"

SourceUriForm = Literal["git-uri", "certificate-repository", "host-path", "repository"]


def normalize_source_uri(source_uri: str, form: SourceUriForm) -> str:
    """``source_uri`` in the ``form`` a check compares (see the module docstring for each form, and which are
    slsa-verifier's semantics)."""
    if form == "git-uri":
        if source_uri.startswith("git+"):
            return source_uri
        return ("git+" if "://" in source_uri else "git+https://") + source_uri
    if form == "certificate-repository":
        return source_uri.removeprefix("git+https://").removeprefix("github.com/")
    text = source_uri.strip()
    for prefix in ("git+https://", "https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    text = text.removesuffix(".git").rstrip("/")
    if form == "host-path":
        return text
    host, _, repo = text.partition("/")
    return repo if host.lower() == "github.com" else text
