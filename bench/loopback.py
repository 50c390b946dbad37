"""Emulators for benchmarks run in a process of their own (no shared GIL with the code measured).

The child seeds its emulator, prints "PORT <n>" and serves until SIGTERM; the parent starts it and waits
for that line.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path


def announce_and_serve(port: int | str, stop_server) -> int:
    """In the child: say where it listens, then serve until terminated."""
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    stop_server()
    return 0


def start(script: str, *args: str) -> tuple[subprocess.Popen, str]:
    """In the parent: run bench/<script> with `args`; return the process and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / script), *args], stdout=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"{script} did not start: {line!r}")
    return proc, f"http://127.0.0.1:{line.split()[1]}"
