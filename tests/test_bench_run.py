"""The benchmark's own instruments: the share of the machine a timed step had, its peak memory, what it reports."""

import subprocess
import sys

import pytest

from bench.run import PeakRss, build_speed, cpu_ticks, machine_share


def test_machine_share_is_idle_and_stolen_time_over_all_time():
    before = [100, 0, 10, 500, 0, 0, 0, 40, 0, 0]
    after = [380, 0, 30, 600, 0, 0, 0, 140, 7, 0]  # guest time (index 8) is already in user
    assert machine_share(before, after) == {"idle_pct": 20.0, "steal_pct": 20.0}  # of 500 ticks
    assert machine_share(None, after) is None


def test_build_speed_names_what_was_measured():
    assert build_speed({"articles_per_s": 798.9, "rebuild": {"articles_per_s": 1464.3}}) == "ingest 798.9 articles/s"
    copied = {"articles_per_s": None, "store_replicated_from": 100_000, "rebuild": {"articles_per_s": 1129.7}}
    assert build_speed(copied) == "rebuild 1129.7 articles/s (the store filled with copies)"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_cpu_ticks_read_the_machine_and_only_grow():
    first = cpu_ticks()
    sum(i * i for i in range(200_000))
    second = cpu_ticks()
    assert first is not None and second is not None and len(first) >= 8
    assert all(b >= a for a, b in zip(first, second, strict=True))


def test_peak_rss_counts_a_child_started_after_the_children_were_listed():
    peak = PeakRss()
    peak.sample()  # lists the children now, so the one below is only seen at the final listing
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; block = bytearray(300 * 2**20); sys.stdin.read()"],
        stdin=subprocess.PIPE,
    )
    try:
        for _ in range(100):  # until the child has its memory
            if sum(c.memory_info().rss for c in peak.proc.children()) > 250 * 2**20:
                break
            peak._stop.wait(0.05)
        figures = peak.stop()
    finally:
        child.communicate(b"")
    assert figures["with_workers_mb"] - figures["process_mb"] >= 250
