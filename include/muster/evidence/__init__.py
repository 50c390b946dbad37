"""The audit-period evidence bundle: coverage, populations, report, samples, integrity and verification.

`build_bundle` reads only sealed partitions (snapshots and whatever derived partitions exist) and writes a
self-describing directory an auditor can verify with `muster verify` or plain `sha256sum -c SHA256SUMS`.
"""

from .bundle import BundleResult, build_bundle
from .params import BundleError, BundleParams
from .verify import verify_bundle

__all__ = ["BundleError", "BundleParams", "BundleResult", "build_bundle", "verify_bundle"]
