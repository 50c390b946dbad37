"""The sandbox launcher for other processes (`python -m muster.sandbox.server`), and the demo's guard
over its output directory."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from muster.sandbox.demo import MARKER, DemoError, format_summary, prepare_output
from muster.sandbox.server import CONFLICTING, FAKE_CREDENTIALS, ISOLATION


@pytest.fixture
def launched():
    env = {k: v for k, v in os.environ.items() if k not in CONFLICTING and not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "muster.sandbox.server", "--scenario", "demo", "--day", "8"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline().split()
        assert line[0] == "PORT", line
        yield f"http://127.0.0.1:{line[1]}"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_another_process_reads_the_seeded_day_over_http(launched, monkeypatch):
    for name in CONFLICTING:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**FAKE_CREDENTIALS, **ISOLATION}.items():
        monkeypatch.setenv(name, value)
    iam = boto3.client("iam", endpoint_url=launched)
    users = {u["UserName"]: u["CreateDate"] for u in iam.list_users()["Users"]}
    assert users == {
        "alice.ng": dt.datetime(2023, 5, 15, 9, 12, tzinfo=dt.UTC),
        "bob.ruiz": dt.datetime(2024, 1, 8, 8, 30, tzinfo=dt.UTC),
        "ci-deployer": dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC),
        "frank.oliveira": dt.datetime(2026, 11, 4, 1, 0, tzinfo=dt.UTC),
    }


def test_the_demo_refuses_a_directory_it_did_not_make(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(DemoError, match="is not empty and was not made by the demo"):
        prepare_output(tmp_path)
    assert (tmp_path / "thesis.tex").read_text() == "precious"


def test_the_demo_replaces_its_own_previous_output(tmp_path):
    out = tmp_path / "demo"
    paths = prepare_output(out)
    paths["root"].mkdir()
    (paths["root"] / "old.parquet").write_text("x")
    again = prepare_output(out)
    assert (out / MARKER).exists() and not again["root"].exists()


def test_the_summary_is_a_table_per_tenant_then_the_nights_and_the_store():
    rows = [
        {
            "provider": "aws",
            "tenant_id": t,
            "date": dt.date(2026, 11, d),
            "status": "complete",
            "principals": 4,
            "nhis": 2,
            "credentials": 5,
            "active_keys": 3,
            "grants": 4,
            "not_complete": ["x:not_collected"],
        }
        for t in ("111111111111", "222222222222")
        for d in (2, 3)
    ]
    runs = [
        {"day": 0, "date": dt.date(2026, 11, 2), "state": "success", "seconds": 6.5, "note": None},
        {"day": 1, "date": dt.date(2026, 11, 3), "state": "success", "seconds": 2.0, "note": "bob leaves."},
    ]
    lines = format_summary(rows, runs, Path("/data/store"), 42.4).splitlines()
    assert lines[3].split() == [
        "tenant",
        "date",
        "status",
        "principals",
        "NHIs",
        "credentials",
        "active",
        "keys",
        "grants",
        "not",
        "complete",
    ]
    assert lines[4].split() == [
        "aws:111111111111",
        "2026-11-02",
        "complete",
        "4",
        "2",
        "5",
        "3",
        "4",
        "x:not_collected",
    ]
    assert lines[6] == "" and lines[7].startswith("aws:222222222222  2026-11-02")
    assert "  day  1 2026-11-03  run success   2.0 s  bob leaves." in lines
    assert lines[-4:] == [
        "4 snapshots sealed under /data/store/snapshots",
        "  inspect: muster snapshots --root /data/store",
        "  verify:  muster check --root /data/store",
        "demo took 42 s",
    ]
