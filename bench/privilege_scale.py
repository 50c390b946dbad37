"""How the AWS transform (privilege analysis included) scales with the number of privileged roles.

Builds ``synthetic.varied_account(users, roles, privileged_share=s)`` for each size and share, and times
``transform_account`` (the normalise step of ``bench/normalise_write.py``). Each (size, share) runs in a fresh
child process, so that its peak RSS (VmHWM) is its own. The baseline of each size is the same account with no
privileged role (share 0); every other figure is also given as a ratio to it. A run that exceeds ``--timeout``
seconds is reported as such (the pre-fix code was quadratic or worse in privileged roles).

    nice -n 10 .venv/bin/python bench/privilege_scale.py [--sizes 2000/300,5000/750,20000/3000]
        [--shares 0,0.15,0.5] [--runs 3] [--timeout 600]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAY = dt.date(2026, 11, 26)


def one(users: int, roles: int, share: float, runs: int) -> dict:
    """Child process: build the account, time the transform ``runs`` times, report counts and VmHWM."""
    sys.path.insert(0, str(HERE))
    from muster.config import Tenant
    from muster.providers.aws.transform import transform_account
    from synthetic import varied_account

    raw = varied_account(users, roles, privileged_share=share)
    tenant = Tenant(provider="aws", id=raw.account_id)
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = transform_account(raw, tenant, DAY)
        times.append(time.perf_counter() - t)
    return {"times": times, "hwm_mb": _hwm_mb(), "privileged_roles": _privileged_roles(out)}


def _privileged_roles(out) -> int:
    """Roles (ids AROA...) whose grants include an admin or escalation verdict (from the transform's own output)."""
    grants = out.tables("bench", dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC))["grants"]
    rows = zip(grants["principal_id"].to_pylist(), grants["privilege"].to_pylist(), strict=True)
    return len({p for p, priv in rows if p.startswith("AROA") and priv in ("admin", "escalation")})


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(users: int, roles: int, share: float, runs: int, timeout: float) -> dict | None:
    cmd = [sys.executable, __file__, "--child", f"{users}/{roles}/{share}/{runs}"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000/300,5000/750,20000/3000")
    ap.add_argument("--shares", default="0,0.15,0.5")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        users, roles, share, runs = args.child.split("/")
        print(json.dumps(one(int(users), int(roles), float(share), int(runs))))
        return
    shares = [float(s) for s in args.shares.split(",")]
    if 0.0 not in shares:
        shares.insert(0, 0.0)
    print(f"transform_account on varied_account(users, roles, privileged_share); runs={args.runs}")
    print(
        f"{'users/roles':>12s} {'share':>6s} {'priv.roles':>10s} {'median s':>9s} {'ratio':>6s} {'peak MB':>8s}"
    )
    for size in args.sizes.split(","):
        users, roles = (int(x) for x in size.split("/"))
        base = None
        for share in shares:
            found = child(users, roles, share, args.runs, args.timeout)
            if found is None:
                print(f"{size:>12s} {share:6.2f} {'?':>10s} {'>' + str(int(args.timeout)):>9s}")
                continue
            med = statistics.median(found["times"])
            base = med if share == 0.0 else base
            ratio = f"{med / base:6.2f}" if base else "     -"
            print(
                f"{size:>12s} {share:6.2f} {found['privileged_roles']:10d} {med:9.2f} {ratio} "
                f"{found['hwm_mb']:8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
