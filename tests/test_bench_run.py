"""The benchmark's own arithmetic: what share of the machine a timed step had."""

import sys

import pytest

from bench.run import cpu_ticks, machine_share


def test_machine_share_is_idle_and_stolen_time_over_all_time():
    before = [100, 0, 10, 500, 0, 0, 0, 40, 0, 0]
    after = [380, 0, 30, 600, 0, 0, 0, 140, 7, 0]  # guest time (index 8) is already in user
    assert machine_share(before, after) == {"idle_pct": 20.0, "steal_pct": 20.0}  # of 500 ticks
    assert machine_share(None, after) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_cpu_ticks_read_the_machine_and_only_grow():
    first = cpu_ticks()
    sum(i * i for i in range(200_000))
    second = cpu_ticks()
    assert first is not None and second is not None and len(first) >= 8
    assert all(b >= a for a, b in zip(first, second, strict=True))
