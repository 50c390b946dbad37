"""Golden copies of the table contracts, one folder per schema version.

`python -m muster.schema.golden` writes the folder for the current SCHEMA_VERSION and refuses to touch
a folder that exists: changing a released schema therefore needs a version bump. SHA256SUMS in the
golden folder pins every released file, so a hand edit is caught by the contract tests too.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from . import ALL_TABLES, SCHEMA_VERSION

GOLDEN = Path(__file__).parent / "golden"


def contract_text(name: str) -> str:
    return json.dumps(ALL_TABLES[name].contract(), indent=2, sort_keys=True) + "\n"


def version_dir(version: str = SCHEMA_VERSION) -> Path:
    return GOLDEN / f"v{version}"


def write_current() -> Path:
    target = version_dir()
    if target.exists():
        raise SystemExit(f"{target} exists: a released schema is never rewritten; bump SCHEMA_VERSION")
    target.mkdir(parents=True)
    for name in ALL_TABLES:
        (target / f"{name}.json").write_text(contract_text(name))
    sums = GOLDEN / "SHA256SUMS"
    lines = sums.read_text().splitlines() if sums.exists() else []
    for f in sorted(target.glob("*.json")):
        lines.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(GOLDEN)}")
    sums.write_text("\n".join(lines) + "\n")
    return target


if __name__ == "__main__":
    sys.stdout.write(f"wrote {write_current()}\n")
