"""``pyslsa verify-vsa``: slsa-verifier's ``verify-vsa``, same flags, same semantics; and beyond it, a VSA in a
Sigstore bundle verified with a certificate identity (as ``verify-bundle``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import Ui, add_common, tuf_options

if TYPE_CHECKING:
    from pyslsa.options import VerifyVsaOptions
    from pyslsa.report import VerifyVsaReport

NAME = "verify-vsa"
ALIASES: tuple[str, ...] = ()
HELP = "verify a Verification Summary Attestation (slsa-verifier compatible), signed by a key or keyless"
DESCRIPTION = ("Verify a Verification Summary Attestation: its signature (a DSSE envelope signed with "
               "--public-key-path, or a Sigstore bundle signed by --certificate-identity), then that it is a VSA "
               "for every --subject-digest, from --verifier-id, about --resource-uri, PASSED, at each "
               "--verified-level. Same flags and semantics as slsa-verifier's verify-vsa.")
EPILOG = """\
examples:
  pyslsa verify-vsa --attestation-path binary.vsa.intoto.jsonl --public-key-path vsa-key.pub.pem \\
      --subject-digest sha256:<64 hex> --verifier-id https://github.com/pyslsa/pyslsa \\
      --resource-uri binary --verified-level SLSA_BUILD_LEVEL_3
  pyslsa verify-vsa --attestation-path vsa.sigstore.json \\
      --certificate-identity https://github.com/ORG/REPO/.github/workflows/verify.yml@refs/heads/main \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com \\
      --subject-digest sha256:<64 hex> --verifier-id https://github.com/pyslsa/pyslsa \\
      --resource-uri pkg:pypi/NAME@VERSION

"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--attestation-path", required=True, metavar="FILE",
                   help="the VSA: a DSSE envelope (one JSON line, e.g. .intoto.jsonl) or a Sigstore bundle")
    p.add_argument("--subject-digest", action="append", required=True, metavar="TYPE:VALUE",
                   help="a digest every one of which must be among the VSA's subjects, e.g. sha256:<64 hex> "
                        "(repeatable)")
    p.add_argument("--verifier-id", required=True, metavar="ID", help="the verifier that must have made the VSA")
    p.add_argument("--resource-uri", required=True, metavar="URI", help="the resource the VSA must be about")
    p.add_argument("--verified-level", action="append", default=[], metavar="LEVEL",
                   help="a level the VSA must state (repeatable): SLSA_<TRACK>_LEVEL_<n> is met by any level >= n "
                        "of that track, any other value must be present exactly")
    p.add_argument("--public-key-path", metavar="PUB.pem",
                   help="the PEM public key that signed the DSSE envelope")
    p.add_argument("--public-key-id", default="", metavar="ID",
                   help="the key id the signature must carry (default: the key's OpenSSH SHA256: fingerprint, as "
                        "slsa-verifier, or pyslsa's default id, the hex SHA-256 of the key's DER)")
    p.add_argument("--certificate-identity", metavar="ID",
                   help="for a VSA in a Sigstore bundle: the signer's identity, the certificate's SAN, exact match")
    p.add_argument("--certificate-oidc-issuer", metavar="ISS",
                   help="for a VSA in a Sigstore bundle: the OIDC issuer, exact match")
    p.add_argument("--print-attestation", action="store_true",
                   help="print the verified VSA statement to stdout (verdicts go to stderr)")
    add_common(p)


def options_from(args: argparse.Namespace) -> VerifyVsaOptions:
    from pyslsa.errors import UsageError
    from pyslsa.options import VerifyVsaOptions

    identity, issuer = args.certificate_identity, args.certificate_oidc_issuer
    if bool(identity) != bool(issuer):
        raise UsageError("give both --certificate-identity and --certificate-oidc-issuer")
    if args.public_key_path is None and not identity:
        raise UsageError("give --public-key-path (a key-signed VSA), or --certificate-identity and "
                         "--certificate-oidc-issuer (a VSA in a Sigstore bundle)")
    if args.public_key_path is not None and identity:
        raise UsageError("--public-key-path cannot be combined with --certificate-identity / "
                         "--certificate-oidc-issuer")
    return VerifyVsaOptions(
        attestation_path=args.attestation_path, subject_digests=tuple(args.subject_digest),
        verifier_id=args.verifier_id, resource_uri=args.resource_uri, verified_levels=tuple(args.verified_level),
        public_key_path=args.public_key_path, public_key_id=args.public_key_id, certificate_identity=identity,
        certificate_oidc_issuer=issuer, trusted_root_path=args.trusted_root, print_attestation=args.print_attestation,
        tuf=tuf_options(args))


def run(options: VerifyVsaOptions, ui: Ui) -> VerifyVsaReport:
    from pyslsa.api.vsa import run_verify_vsa

    return run_verify_vsa(options)
