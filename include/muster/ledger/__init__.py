"""The ledger: findings across dates, credential and identity lifecycles, revocation latency.

Pure folding over sealed tenant-days (`fold`, over `state`, `lifecycle` and `findings`; `revocation`,
`tables`) and the I/O that reads the sealed inputs and seals the result as a `ledger` partition per
tenant-day (`history.derive_ledger`).
"""

from .fold import advance
from .history import LEDGER_VERSION, derive_ledger
from .observe import LedgerError
from .revocation import revocations
from .state import LedgerState, Observation
from .tables import ledger_tables

__all__ = [
    "LEDGER_VERSION",
    "LedgerError",
    "LedgerState",
    "Observation",
    "advance",
    "derive_ledger",
    "ledger_tables",
    "revocations",
]
