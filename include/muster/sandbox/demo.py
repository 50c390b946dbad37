"""The demo: a sandbox AWS organisation, collected night by night by the real muster_nightly DAG.

    python -m muster.sandbox.demo [--out var/demo] [--days N] [--scenario demo]

It sets up an isolated Airflow (its own AIRFLOW_HOME and SQLite database under --out), starts moto on
loopback seeded with the scenario, and for each scenario day reseeds the sandbox, sets the simulated
clock to that night and runs muster_nightly through `dag.test()`. It ends with a table of tenants x days
x counts x collection status and the path of the sealed snapshots. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import secrets
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from .scenario import Scenario

log = logging.getLogger(__name__)

DAG_ID = "muster_nightly"
MARKER = ".muster-demo"
REPO_DAGS = Path(__file__).resolve().parents[3] / "dags"


class DemoError(RuntimeError):
    """The demo cannot run as asked (output dir in use by something else, no dags folder)."""


def prepare_output(out: Path) -> dict[str, Path]:
    """Lay out --out; a previous demo's output (recognised by its marker file) is replaced."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise DemoError(f"{out} is not empty and was not made by the demo; choose another --out")
    paths = {"out": out, "airflow_home": out / "airflow", "root": out / "store", "scope": out / "scope.yaml"}
    for name in ("airflow_home", "root"):
        shutil.rmtree(paths[name], ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by python -m muster.sandbox.demo; safe to delete\n")
    return paths


def airflow_env(airflow_home: Path, dags_folder: Path) -> dict[str, str]:
    """Settings for an isolated local Airflow; they must be in os.environ before airflow is imported."""
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        # A fresh random secret per demo: pyjwt warns about the short generated default.
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }


def setup_airflow(env: dict[str, str]) -> None:
    """Apply `env`, create the metadata database and the pool the DAG uses."""
    os.environ.update(env)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise DemoError(f"airflow db migrate failed:\n{done.stderr[-3000:]}")
    from airflow.models.pool import Pool

    for provider, name in (("aws", "AWS"), ("gcp", "GCP"), ("azure", "Azure")):
        Pool.create_or_update_pool(
            f"muster_{provider}",
            slots=4,
            description=f"Concurrent {name} tenant collections",
            include_deferred=False,
        )


def load_dag(dags_folder: Path):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder / f"{DAG_ID}.py"))
    if bag.import_errors:
        raise DemoError(f"{DAG_ID} does not import: {bag.import_errors}")
    return bag.get_dag(DAG_ID)


def run_days(dag, sandbox, scenario: Scenario, days: int, scope: Path, root: Path) -> list[dict]:
    """Serve each day and run the DAG for it on the simulated clock; one result per day."""
    from ..clock import SIMULATED_NOW_ENV

    results = []
    for day in range(days):
        state = sandbox.serve_day(day)
        os.environ[SIMULATED_NOW_ENV] = state.observed_at.isoformat()
        started = time.monotonic()
        run = dag.test(
            logical_date=dt.datetime.combine(state.date, dt.time(0), tzinfo=dt.UTC),
            run_conf={"scope_file": str(scope), "root": str(root)},
        )
        seconds = time.monotonic() - started
        results.append(
            {
                "day": day,
                "date": state.date,
                "state": str(run.state),
                "seconds": seconds,
                "note": scenario.note(day),
            }
        )
        log.info("day %d (%s): %s in %.1f s", day, state.date, run.state, seconds)
    os.environ.pop(SIMULATED_NOW_ENV, None)
    return results


def format_summary(rows: list[dict], runs: list[dict], root: Path, elapsed: float) -> str:
    """A plain-text report: tenants x days x counts x collection status, then where the evidence is."""
    header = [
        "tenant",
        "date",
        "status",
        "principals",
        "NHIs",
        "credentials",
        "active keys",
        "grants",
        "not complete",
    ]
    table = [
        [
            f"{r['provider']}:{r['tenant_id']}",
            r["date"].isoformat(),
            r["status"],
            str(r["principals"]),
            str(r["nhis"]),
            str(r["credentials"]),
            str(r["active_keys"]),
            str(r["grants"]),
            ", ".join(r["not_complete"]) or "-",
        ]
        for r in sorted(rows, key=lambda r: (r["tenant_id"], r["date"]))
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(header)]
    lines = ["", "Muster demo: sealed snapshots", ""]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for i, t in enumerate(table):
        if i and t[0] != table[i - 1][0]:
            lines.append("")  # one block per tenant
        lines.append("  ".join(c.ljust(w) for c, w in zip(t, widths, strict=True)).rstrip())
    lines += ["", "What happened, night by night:"]
    for r in runs:
        lines.append(
            f"  day {r['day']:2d} {r['date']}  run {r['state']:<8} {r['seconds']:4.1f} s  {r['note'] or ''}"
        )
    lines += [
        "",
        f"{len(rows)} snapshots sealed under {root / 'snapshots'}",
        f"  inspect: muster snapshots --root {root}",
        f"  verify:  muster check --root {root}",
        f"demo took {elapsed:.0f} s",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    p = argparse.ArgumentParser(prog="python -m muster.sandbox.demo", description=__doc__.splitlines()[0])
    p.add_argument("--out", default="var/demo", help="output directory (Airflow home, store, scope file)")
    p.add_argument("--days", type=int, help="number of scenario days to run (default: all)")
    p.add_argument("--scenario", default="demo", help="packaged scenario name or a YAML file")
    p.add_argument("--dags-folder", default=str(REPO_DAGS), help="folder holding muster_nightly.py")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    # Airflow's in-process API client uses starlette's TestClient, which warns about httpx on every run.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient` is deprecated")

    from .scope import write_scope
    from .server import CONFLICTING, Sandbox, resolve_scenario

    scenario = resolve_scenario(args.scenario)
    days = min(args.days or scenario.days, scenario.days)
    dags_folder = Path(args.dags_folder).resolve()
    if not (dags_folder / f"{DAG_ID}.py").exists():
        raise DemoError(f"no {DAG_ID}.py in {dags_folder}; pass --dags-folder")
    paths = prepare_output(Path(args.out).resolve())
    log.info("setting up Airflow in %s", paths["airflow_home"])
    setup_airflow(airflow_env(paths["airflow_home"], dags_folder))
    write_scope(scenario, paths["scope"])
    with Sandbox(scenario) as sandbox:
        for name in CONFLICTING:
            os.environ.pop(name, None)
        os.environ.update(sandbox.client_env())
        log.info(
            "sandbox AWS on %s; running %s for %d day(s) from %s",
            sandbox.url,
            DAG_ID,
            days,
            scenario.start_date,
        )
        runs = run_days(load_dag(dags_folder), sandbox, scenario, days, paths["scope"], paths["root"])
    from ..ledger.report import summary_lines
    from ..nightly import summarise

    sys.stdout.write(
        format_summary(summarise(str(paths["root"])), runs, paths["root"], time.monotonic() - started) + "\n"
    )
    sys.stdout.write("\n".join(summary_lines(str(paths["root"]))) + "\n")
    failed = [r for r in runs if r["state"] != "success"]
    bundle = run_audit_period(dags_folder, scenario.start_date, days, paths["scope"], paths["root"])
    sys.stdout.write(
        f"\nEvidence bundle (muster_audit_period, SOC 2 Type 2, {bundle['period']}): {bundle['state']}\n"
        f"  bundle: {bundle['path']}\n  report: {bundle['report']}\n  verify: muster verify {bundle['path']}\n"
    )
    return 1 if failed or bundle["state"] != "success" else 0


def run_audit_period(dags_folder: Path, first: dt.date, days: int, scope: Path, root: Path) -> dict:
    """Build the scenario period's SOC 2 Type 2 bundle through the real muster_audit_period DAG."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder / "muster_audit_period.py"))
    if bag.import_errors:
        raise DemoError(f"muster_audit_period does not import: {bag.import_errors}")
    last = first + dt.timedelta(days=days - 1)
    conf = {"period_start": first.isoformat(), "period_end": last.isoformat(), "framework": "soc2"}
    run = bag.get_dag("muster_audit_period").test(
        run_conf={**conf, "report_type": "type2", "scope_file": str(scope), "root": str(root)}
    )
    found = sorted((root / "evidence").glob("*/SHA256SUMS"))
    path = found[-1].parent if found else None
    return {
        "state": str(run.state),
        "period": f"{first}..{last}",
        "path": path,
        "report": path / "report.html" if path else None,
    }


if __name__ == "__main__":
    sys.exit(main())
