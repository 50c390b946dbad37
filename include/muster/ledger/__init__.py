"""The ledger: findings across dates, credential and identity lifecycles, revocation latency.

Pure folding over sealed tenant-days (`fold`, `revocation`, `tables`) and the I/O that reads the sealed
inputs and seals the result as a `ledger` partition per tenant-day (`history.derive_ledger`).
"""

from .fold import LedgerState, Observation, advance
from .history import LEDGER_VERSION, derive_ledger
from .observe import LedgerError
from .revocation import revocations
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
