"""Resolve a store root (local path or object-store URL) to a pyarrow filesystem.

pyarrow's own filesystems are used rather than fsspec/s3fs: they are maintained with the Parquet
writer we depend on, and s3fs pins aiobotocore, which pins botocore to an old release. For any other
scheme fsspec is bridged in, so gs:// and abfs:// work where their fsspec packages are installed.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs


def resolve(root: str) -> tuple[pafs.FileSystem, str]:
    """Return (filesystem, base path inside it) for a root such as /data/muster or s3://bucket/muster."""
    parsed = urlparse(root)
    if parsed.scheme in ("", "file") or len(parsed.scheme) == 1:  # a Windows drive letter counts as local
        path = parsed.path if parsed.scheme == "file" else root
        return pafs.LocalFileSystem(), os.path.abspath(path).rstrip("/")
    if parsed.scheme == "s3":
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        kwargs = {"region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
        if endpoint:
            ep = urlparse(endpoint)
            kwargs.update(endpoint_override=ep.netloc, scheme=ep.scheme or "https")
        return pafs.S3FileSystem(**kwargs), f"{parsed.netloc}{parsed.path}".rstrip("/")
    try:
        fs, path = pafs.FileSystem.from_uri(root)
        return fs, path.rstrip("/")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a scheme pyarrow does not know: try fsspec
        import fsspec

        fs = fsspec.filesystem(parsed.scheme)
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), f"{parsed.netloc}{parsed.path}".rstrip("/")
