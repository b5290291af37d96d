"""The benchmark script runs and reports its figures (values are never checked against targets)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"
FIGURES = [
    "events_per_s",
    "simpy_events_per_s",
    "ratio",
    "replication_s",
    "peak_mb",
    "speedup_2_workers",
    "classroom_compare_s",
    "pool_start_s",
    "mmc_customers_per_s",
    "mmc_simpy_customers_per_s",
    "mmc_ratio",
    "classroom_first_answer_s",
    "classroom_last_answer_s",
    "classroom_first_estimate_last_s",
    "classroom_server_cpu_s",
    # The time targets at the reference speed, and this machine's speed against it.
    "replication_ref_s",
    "classroom_compare_ref_s",
    "classroom_first_answer_ref_s",
    "classroom_last_answer_ref_s",
    "speed_vs_reference",
    "reference_agreement",
]


def test_bench_quick_json_reports_positive_figures() -> None:
    # --quick takes about 35 s on an idle machine (the classroom comparison alone is 40
    # full-length replications); the timeout only guards against a hang on a busy one.
    done = subprocess.run(
        [sys.executable, str(BENCH), "--json", "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    for key in FIGURES:
        value = figures[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
        assert value > 0, (key, value)
    assert set(figures["targets"].values()) <= {"PASS", "MISS"}
    assert figures["targets_at_reference_speed"].keys() == figures["targets"].keys()
    assert set(figures["targets_at_reference_speed"].values()) <= {"PASS", "MISS"}
