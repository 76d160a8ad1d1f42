"""``pyslsa verify-bundle`` (alias ``verify``): any Sigstore bundle over an artifact (or its digest), with an
identity or key policy."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import Ui, add_common, tuf_options

if TYPE_CHECKING:
    from pyslsa.options import VerifyBundleOptions
    from pyslsa.report import Report

NAME = "verify-bundle"
ALIASES: tuple[str, ...] = ("verify",)
HELP = "verify any Sigstore bundle over an artifact, against an identity or a public key"
DESCRIPTION = ("Verify a Sigstore bundle (v0.1-v0.3; message signature or DSSE) over ARTIFACT_OR_DIGEST: "
               "the transparency-log proof, the signing time (SET or RFC 3161 timestamps), the certificate "
               "chain and SCT, the signature, and the signer's identity (exact SAN and OIDC issuer) or key.")
EPILOG = """\
examples:
  pyslsa verify-bundle --bundle file.whl.sigstore \
      --certificate-identity https://github.com/ORG/REPO/.github/workflows/release.yml@refs/tags/v1 \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com file.whl
  pyslsa verify-bundle --bundle b.sigstore.json --key cosign.pub sha256:<64 hex>

"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("artifact", metavar="ARTIFACT_OR_DIGEST", help="the signed file, or sha256:<64 hex>")
    p.add_argument("--bundle", required=True, metavar="FILE", help="the Sigstore bundle (.sigstore.json)")
    p.add_argument("--certificate-identity", metavar="ID",
                   help="expected signer identity: the certificate's SAN (URI or e-mail), exact match")
    p.add_argument("--certificate-oidc-issuer", metavar="ISS", help="expected OIDC issuer, exact match")
    p.add_argument("--key", metavar="PUB.pem", help="verify with this public key instead of an identity")
    add_common(p)


def options_from(args: argparse.Namespace) -> VerifyBundleOptions:
    from pyslsa.errors import UsageError
    from pyslsa.options import VerifyBundleOptions

    identity, issuer = args.certificate_identity, args.certificate_oidc_issuer
    if args.key is None and not (identity and issuer):
        raise UsageError("give --certificate-identity and --certificate-oidc-issuer, or --key")
    if args.key is not None and (identity or issuer):
        raise UsageError("--key cannot be combined with --certificate-identity / --certificate-oidc-issuer")
    return VerifyBundleOptions(artifact=args.artifact, bundle=args.bundle, identity=identity, issuer=issuer,
                               key=args.key, trusted_root=args.trusted_root, tuf=tuf_options(args))


def run(options: VerifyBundleOptions, ui: Ui) -> Report:
    from pyslsa.api.verify import run_verify_bundle

    return run_verify_bundle(options)
