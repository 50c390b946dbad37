"""Validate -> write -> seal snapshots; read back only what is sealed."""

from .derived import DerivedStore
from .encoding import MANIFEST, parquet_bytes, parquet_payloads
from .seal import seal_collected, write_discovery
from .store import SnapshotError, SnapshotRef, SnapshotStore

__all__ = [
    "DerivedStore",
    "MANIFEST",
    "SnapshotError",
    "SnapshotRef",
    "SnapshotStore",
    "parquet_bytes",
    "parquet_payloads",
    "seal_collected",
    "write_discovery",
]
