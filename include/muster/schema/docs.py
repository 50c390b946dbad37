"""Render the data dictionary (docs/SCHEMA.md) from the table declarations: `python -m muster.schema.docs`."""

from __future__ import annotations

import sys
from pathlib import Path

from . import ALL_TABLES, SCHEMA_VERSION

TARGET = Path(__file__).resolve().parents[3] / "docs" / "SCHEMA.md"


def render() -> str:
    out = [
        f"# Snapshot schema v{SCHEMA_VERSION}",
        "",
        "Generated from `include/muster/schema/` by `python -m muster.schema.docs`; do not edit by hand.",
        "Timestamps are UTC (`timestamp[us, tz=UTC]`); an unknown value is null, never an empty string.",
        "",
    ]
    for t in ALL_TABLES.values():
        out += [
            f"## `{t.name}`",
            "",
            f"{t.description}",
            "",
            f"Primary key: `{', '.join(t.primary_key)}`.",
            "",
            "| column | type | required | description | sources |",
            "|---|---|---|---|---|",
        ]
        for c in t.columns:
            desc = c.description + (f" One of: `{'`, `'.join(c.allowed)}`." if c.allowed else "")
            src = "; ".join(f"{k}: {v}" for k, v in c.sources.items())
            out.append(f"| `{c.name}` | `{c.type}` | {'yes' if c.required else ''} | {desc} | {src} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")
