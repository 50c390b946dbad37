"""CLI commands that read the store, and its bad-input contract: non-zero exit and one line on stderr."""

import datetime as dt
import json

import pytest
from muster.cli import main
from muster.collected import Collected, EntityResult
from muster.snapshot import SnapshotStore, seal_collected

DAY = dt.date(2026, 11, 26)


@pytest.fixture
def root(tmp_path):
    c = Collected("aws", "123456789012", DAY)
    c.principals = [
        dict(
            c.provenance(),
            principal_id="AIDA1",
            name="alice",
            kind="human_user",
            is_nhi=False,
            nhi_reason="console password enabled (MFA on)",
        ),
        dict(
            c.provenance(),
            principal_id="AIDA2",
            name="svc-etl",
            kind="service_user",
            is_nhi=True,
            nhi_reason="name matches a service pattern",
            owner="alice",
            owner_source="tag:owner",
        ),
    ]
    c.entities = [EntityResult("authorization_details", "principals,grants,role_definitions", api_calls=1)]
    seal_collected(
        SnapshotStore(str(tmp_path)), c, run_id="r1", collected_at=dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)
    )
    return str(tmp_path)


def test_snapshots_lists_sealed_snapshots_with_counts(root, capsys):
    assert main(["snapshots", "--root", root]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "provider",
        "tenant",
        "date",
        "status",
        "clock",
        "principals",
        "credentials",
        "grants",
        "roles",
    ]
    assert out[1].split() == ["aws", "123456789012", "2026-11-26", "complete", "real", "2", "0", "0", "0"]


def test_show_prints_rows(root, capsys):
    assert (
        main(["show", "--root", root, "--date", "2026-11-26", "--table", "principals", "--format", "json"])
        == 0
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["name"], r["is_nhi"], r["owner"]) for r in rows] == [
        ("alice", False, None),
        ("svc-etl", True, "alice"),
    ]
    assert (
        main(
            [
                "show",
                "--root",
                root,
                "--date",
                "2026-11-26",
                "--where",
                "is_nhi=true",
                "--columns",
                "name,owner",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.split() == ["name", "owner", "svc-etl", "alice"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["show", "--root", "{root}", "--date", "2026-11-25"],
            "muster: no sealed snapshot on 2026-11-25 under",
        ),
        (
            ["show", "--root", "{root}", "--date", "2026-11-26", "--table", "secrets"],
            "muster: unknown table 'secrets'",
        ),
        (
            ["show", "--root", "{root}", "--date", "2026-11-26", "--where", "colour=red"],
            "muster: --where: table principals has no column 'colour'",
        ),
        (
            [
                "collect",
                "aws",
                "--tenant",
                "123456789012",
                "--root",
                "{root}",
                "--scope",
                "/nonexistent.yaml",
            ],
            "muster: scope file /nonexistent.yaml: not found",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(root, capsys, argv, message):
    assert main([a.replace("{root}", root) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_bad_date_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["show", "--root", "/tmp", "--date", "26/11/2026"])
    assert exit_.value.code == 2
    assert "not a date (YYYY-MM-DD): '26/11/2026'" in capsys.readouterr().err


def test_check_reports_tampering(root, capsys, tmp_path):
    assert main(["check", "--root", root]) == 0
    part = next((tmp_path).glob("snapshots/provider=aws/tenant=*/date=*"))
    (part / "grants.parquet").write_bytes(b"not parquet")
    assert main(["check", "--root", root]) == 1
    assert "grants.parquet does not match its SHA-256" in capsys.readouterr().out
