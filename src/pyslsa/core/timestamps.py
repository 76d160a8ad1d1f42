"""RFC 3161 signed timestamps over a signature, checked against the trusted root's timestamp authorities.

A timestamp counts only if its message imprint is the hash of the signature it accompanies, its token is
signed by a TSA certificate that chains to a timestamp authority of the trusted root, and its time lies inside
that authority's validity window. A timestamp that does not verify is not counted (as the reference client
does); the bundle then needs another verified time. More than 32 timestamps, the same timestamp twice, or
timestamps without any timestamp authority in the trusted root fail the bundle.
"""

from __future__ import annotations

import datetime as dt

from pyslsa.core.trust import CertificateAuthority, TrustedRoot
from pyslsa.errors import InvalidTimestampError

#: More than this many timestamps in one bundle is refused (a denial-of-service guard, as sigstore-python).
MAX_TIMESTAMPS = 32


def _verify_one(raw: bytes, signature: bytes, tsas: tuple[CertificateAuthority, ...], index: int) -> dt.datetime:
    import rfc3161_client as tsp

    try:
        response = tsp.decode_timestamp_response(raw)
    except (ValueError, TypeError) as exc:  # the decoder raises ValueError subclasses on bad DER
        raise InvalidTimestampError(f"timestamp {index}: not a valid RFC 3161 response: {exc}") from None
    if response.status != 0 and response.status != 1:  # granted / grantedWithMods
        raise InvalidTimestampError(f"timestamp {index}: TSA did not grant it (status {response.status})")
    gen_time = response.tst_info.gen_time
    if gen_time.tzinfo is None:
        gen_time = gen_time.replace(tzinfo=dt.timezone.utc)
    reasons: list[str] = []
    for tsa in tsas:
        chain = tsa.chain
        builder = tsp.VerifierBuilder(tsa_certificate=chain[0], intermediates=list(chain[1:-1]),
                                      roots=[chain[-1]])
        try:
            builder.build().verify_message(response, signature)
        except (tsp.VerificationError, ValueError, TypeError) as exc:
            reasons.append(f"{tsa.uri or 'TSA'}: {exc}")
            continue
        if not tsa.validity.contains(gen_time):
            reasons.append(f"{tsa.uri or 'TSA'} not valid at {gen_time.isoformat()} {tsa.validity.describe()}")
            continue
        return gen_time
    detail = "; ".join(reasons) if reasons else "the trusted root has no timestamp authority"
    raise InvalidTimestampError(f"timestamp {index} does not verify: {detail}")


def verify_timestamps(stamps: tuple[bytes, ...], signature: bytes, root: TrustedRoot
                      ) -> tuple[list[dt.datetime], list[str]]:
    """(verified times, reasons the others were not counted)."""
    if len(stamps) > MAX_TIMESTAMPS:
        raise InvalidTimestampError(f"bundle carries {len(stamps)} timestamps, more than the {MAX_TIMESTAMPS} "
                                    f"allowed")
    if len(set(stamps)) != len(stamps):
        raise InvalidTimestampError("bundle carries the same RFC 3161 timestamp more than once")
    if not root.timestamp_authorities:
        raise InvalidTimestampError("bundle carries RFC 3161 timestamps but the trusted root has no timestamp "
                                    "authority to verify them")
    times: list[dt.datetime] = []
    reasons: list[str] = []
    for i, raw in enumerate(stamps):
        try:
            times.append(_verify_one(raw, signature, root.timestamp_authorities, i))
        except InvalidTimestampError as exc:
            reasons.append(exc.message)
    return times, reasons
