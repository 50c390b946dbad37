"""Jobs on threads give what a loop over them gives: results in order, the first failure in order."""

import threading

import pytest
from muster import threads


@pytest.fixture(params=[1, 4], ids=["loop", "threads"])
def workers(request, monkeypatch):
    monkeypatch.setattr(threads, "THREADS", request.param)
    monkeypatch.setattr(threads, "idle_cores", lambda: 8.0)
    return request.param


def test_results_keep_the_order_of_the_jobs(workers):
    jobs = {name: (lambda n=name: n * 2) for name in ["c", "a", "b"]}
    assert list(threads.in_order(jobs, cost={"a": 5, "b": 9}).items()) == [
        ("c", "cc"),
        ("a", "aa"),
        ("b", "bb"),
    ]


def test_the_error_raised_is_that_of_the_first_failing_job_in_order(workers):
    later_failed = threading.Event()

    def first():
        if workers > 1:  # with threads, the later job fails before this one does
            assert later_failed.wait(timeout=5)
        raise ValueError("first")

    def later():
        later_failed.set()
        raise KeyError("later")

    with pytest.raises(ValueError, match="first"):
        threads.in_order({"one": first, "two": later, "three": lambda: 3})


def test_jobs_run_at_once_when_there_are_threads(monkeypatch):
    monkeypatch.setattr(threads, "THREADS", 2)
    monkeypatch.setattr(threads, "idle_cores", lambda: 8.0)
    barrier = threading.Barrier(2, timeout=5)  # each job waits for the other: a loop would time out
    assert threads.in_order({"a": lambda: barrier.wait() * 0, "b": lambda: barrier.wait() * 0}) == {
        "a": 0,
        "b": 0,
    }


@pytest.mark.parametrize(
    ("idle", "want"), [(-3.0, 1), (0.0, 1), (0.4, 1), (0.6, 2), (1.2, 2), (2.3, 3), (2.5, 4), (50.0, 4)]
)
def test_threads_only_for_idle_cores(monkeypatch, idle, want):
    # the caller's own thread is one worker; each core at least half idle adds one, up to THREADS and the jobs
    monkeypatch.setattr(threads, "THREADS", 8)
    monkeypatch.setattr(threads, "idle_cores", lambda: idle)
    assert threads.workers(4) == want


@pytest.mark.parametrize(
    ("load", "running", "want"),
    [
        (0.2, 1.0, 1.0),  # quiet machine, only the caller runs: the other core is idle
        (0.2, 2.0, 0.0),  # another process just started (the minute's average has not seen it yet)
        (1.9, 1.0, 0.1),  # the other process just paused: the average still counts it
        (0.0, 0.0, 2.0),  # running count unknown (not Linux): the average alone
    ],
)
def test_idle_cores_are_the_fewer_of_the_average_and_right_now(monkeypatch, load, running, want):
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(threads, "_running_now", lambda: running)
    assert threads.idle_cores() == pytest.approx(want)


def test_running_now_reads_the_runnable_count_of_proc_loadavg(monkeypatch, tmp_path):
    fake = tmp_path / "loadavg"
    fake.write_text("0.52 0.61 0.84 3/412 12345\n", encoding="ascii")
    real_open = open
    monkeypatch.setattr(
        "builtins.open", lambda path, *a, **k: real_open(fake if path == "/proc/loadavg" else path, *a, **k)
    )
    assert threads._running_now() == 3.0
    fake.write_text("garbage\n", encoding="ascii")
    assert threads._running_now() == 0.0
