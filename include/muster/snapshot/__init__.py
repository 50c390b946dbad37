"""Validate -> write -> seal snapshots; read back only what is sealed."""

from .derived import DerivedStore
from .seal import seal_collected
from .store import MANIFEST, SnapshotError, SnapshotRef, SnapshotStore, parquet_bytes, parquet_payloads

__all__ = [
    "DerivedStore",
    "MANIFEST",
    "SnapshotError",
    "SnapshotRef",
    "SnapshotStore",
    "parquet_bytes",
    "parquet_payloads",
    "seal_collected",
]
