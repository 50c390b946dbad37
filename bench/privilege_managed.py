"""Our verdict for every AWS managed policy held alone by a user, and cloudsplaining's view of the same policies.

Input: the documents of iam-dataset's AWS managed policies, as copied to
``tests/unit/providers/aws/privilege/managed_policies/`` (MIT; see PROVENANCE.md there). Prints the number of policies per verdict (``privilege.assess``), and with
``--list`` one line per policy. With ``--peer`` also runs cloudsplaining 0.9.1 on each policy (its
PrivilegeEscalation findings of the policy alone) and prints where it and our admin / escalation disagree.

    .venv/bin/python bench/privilege_managed.py [--list] [--peer] [--json OUT]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import time
from pathlib import Path

from muster.providers.aws.privilege import assess

DATA = (
    Path(__file__).resolve().parents[1]
    / "tests/unit/providers/aws/privilege/managed_policies/documents.json.gz"
)


def load(path: Path = DATA) -> dict[str, dict]:
    """name -> default policy document of every AWS managed policy in the dataset."""
    return json.loads(gzip.decompress(path.read_bytes()))


def ours(documents: dict[str, dict]) -> dict[str, tuple[str, list[str]]]:
    return {name: assess(doc, name) for name, doc in sorted(documents.items())}


def peer(documents: dict[str, dict]) -> set[str]:
    """Names of the policies in which cloudsplaining finds a PrivilegeEscalation method (policy alone)."""
    from cloudsplaining.scan.policy_document import PolicyDocument

    return {name for name, doc in documents.items() if PolicyDocument(doc).allows_privilege_escalation}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--peer", action="store_true")
    ap.add_argument("--json", type=Path, help="write name -> [verdict, reasons] here")
    args = ap.parse_args()
    documents = load()
    t = time.perf_counter()
    found = ours(documents)
    took = time.perf_counter() - t
    counts = collections.Counter(v for v, _ in found.values())
    print(f"{len(found)} AWS managed policies, each held alone by a user ({took:.1f} s)")
    for verdict in ("admin", "escalation", "write", "read", "unknown"):
        print(f"  {verdict:<11s} {counts.get(verdict, 0):5d}")
    if args.list:
        for name, (verdict, reasons) in found.items():
            print(f"{verdict:<11s} {name}  {reasons[0] if reasons else ''}")
    if args.json:
        args.json.write_text(json.dumps({n: [v, r] for n, (v, r) in found.items()}, indent=0, sort_keys=True))
    if args.peer:
        flagged = peer(documents)
        privileged = {n for n, (v, _) in found.items() if v in ("admin", "escalation")}
        print(f"cloudsplaining flags {len(flagged)} (PrivilegeEscalation), we {len(privileged)}")
        print(f"  both: {len(privileged & flagged)}")
        only_us = sorted(privileged - flagged)
        only_them = sorted(flagged - privileged)
        print(f"  only muster ({len(only_us)}): {', '.join(only_us)}")
        print(f"  only cloudsplaining ({len(only_them)}): {', '.join(only_them)}")


if __name__ == "__main__":
    main()
