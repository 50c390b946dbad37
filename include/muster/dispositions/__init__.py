"""Dispositions: review decisions on findings (accepted risk, false positive, compensating control,
remediation planned), read from a YAML file and sealed per tenant-day beside the findings they annotate.

A disposition never hides or resolves a finding: findings keep their rows, status and history; the decision
is its own derived table (`finding_dispositions`), evaluated against the findings' as_of (`apply`), with the
file's SHA-256 in its manifest (`derive`). The file's format and validation are in `file`.
"""

from .apply import counts, dispositions_table, status_on
from .derive import ANNOTATION, KIND, annotate, check, derive_dispositions, sealed_dispositions
from .file import (
    DEFAULT_NAME,
    ENV,
    DispositionsError,
    Loaded,
    load_dispositions,
    parse_dispositions,
    resolve_path,
)

__all__ = [
    "ANNOTATION",
    "DEFAULT_NAME",
    "ENV",
    "KIND",
    "DispositionsError",
    "Loaded",
    "annotate",
    "check",
    "counts",
    "derive_dispositions",
    "dispositions_table",
    "load_dispositions",
    "parse_dispositions",
    "resolve_path",
    "sealed_dispositions",
    "status_on",
]
