"""The files a run, comparison or sweep writes (salessim.outputs), and what one replication may
claim."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from salessim import outputs
from salessim.cli import main
from salessim.experiments import compare, replicate
from salessim.scenario_files import load_scenario, scenario_with

SHORT = {"calendar.horizon_days": 126, "calendar.warmup_days": 21}
SHORT_ARGS = ["--set", "calendar.horizon_days=126", "--set", "calendar.warmup_days=21"]


def _failing(_handle: IO[bytes]) -> None:
    raise OSError(28, "No space left on device")


def test_publish_is_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("old")
    files: dict[str, outputs.Content] = {"summary.json": "new", "dashboard.png": _failing}
    with pytest.raises(OSError, match="No space"):
        outputs.publish_files(tmp_path, files)
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"], "no temporary files left"
    assert (tmp_path / "summary.json").read_text() == "old", "the old file is untouched"


@pytest.mark.parametrize(
    "content",
    ["text é", b"\x89PNG bytes", lambda handle: handle.write(b"written by a function")],
)
def test_write_atomic_takes_text_bytes_or_a_writer(
    tmp_path: Path, content: str | bytes | Callable[[IO[bytes]], None]
) -> None:
    target = tmp_path / "file"
    target.write_text("previous")
    outputs.write_atomic(target, content)
    expected = content.encode() if isinstance(content, str) else content
    if callable(expected):
        expected = b"written by a function"
    assert target.read_bytes() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_cli_out_files_are_the_library_writers_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command line writes through outputs.write_run: the same result, the same bytes.
    cli_dir, lib_dir = tmp_path / "cli", tmp_path / "lib"
    args = ["run", "baseline", "-n", "2", "--seed", "4", "--workers", "1", *SHORT_ARGS]
    assert main([*args, "--out", str(cli_dir)]) == 0
    result = replicate(scenario_with(load_scenario("baseline"), SHORT), 2, seed=4, workers=1)
    written = outputs.write_run(result, lib_dir)
    assert set(written) == set(outputs.RUN_FILES)
    for name in ("summary.json", "series.csv", "quarterly.csv"):
        assert (cli_dir / name).read_bytes() == (lib_dir / name).read_bytes(), name
    summary = json.loads((lib_dir / "summary.json").read_text())
    assert summary["window"]["text"] == "105 reported days, days 21\N{EN DASH}126"
    assert "Wrote summary.json, series.csv, quarterly.csv and dashboard.png" in (
        capsys.readouterr().out
    )


def test_one_replication_claims_no_certainty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # compare -n 1 used to mark every difference significant with a zero-width interval.
    args = ["compare", "baseline", "more_leads_30", "-n", "1", "--workers", "1", *SHORT_ARGS]
    assert main([*args, "--json", "--out", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    for name, diff in data["differences"][0]["metrics"].items():
        assert diff["ci_low"] is None and diff["ci_high"] is None, name
        assert diff["p_value"] is None and diff["significant"] is False, name
    for name, interval in data["scenarios"][0]["metrics"].items():
        assert interval["ci_low"] is None and interval["ci_high"] is None, name
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
    csv_rows = (tmp_path / "compare.csv").read_text().splitlines()
    assert not any(row.endswith(",true") for row in csv_rows)

    assert main(args) == 0
    table = capsys.readouterr().out
    rows = [line for line in table.splitlines() if "│" in line]
    assert rows and not any(line.rstrip().endswith("*") for line in rows)
    bookings = next(line for line in rows if line.startswith(" Bookings") or "Bookings" in line)
    assert "n/a" in bookings
    assert "n/a with one replication" in table


def test_comparison_writes_sdr_hours_when_a_scenario_has_sdrs(tmp_path: Path) -> None:
    base = scenario_with(load_scenario("baseline"), SHORT)
    sdrs = scenario_with(load_scenario("teleprospecting"), SHORT)
    result = compare([base, sdrs], 2, seed=1, workers=1)
    assert not outputs.has_sdrs(result.sets[0]) and outputs.has_sdrs(result.sets[1])
    shares = outputs.hours_shares(result.sets[1], outputs.SDR_HOURS_SHARE_PREFIX)
    assert shares["prospecting"] is not None and shares["prospecting"] > 0.1
    names = outputs.write_comparison(result, tmp_path)
    assert set(names) == {"compare.json", "compare.csv", "comparison.png"}
