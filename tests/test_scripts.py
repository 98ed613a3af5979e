"""The scripts behind ``make fuzz`` and ``make bench`` still run (no test imports them otherwise)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from azint.topology import loader
from tests import bench, fuzz_topologies


def test_fuzz_script_runs_a_few_inputs_without_findings(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert fuzz_topologies.main(["--count", "25", "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "largest accepted document: " in out and "findings: none" in out


def test_fuzz_script_refuses_a_budget_within_twice_the_largest_input(tmp_path: Path) -> None:
    assert fuzz_topologies.main(["--count", "1", "--budget", "0.0001", "--keep", str(tmp_path)]) == 2


def test_bench_script_runs_a_small_size(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["bench.py", "--sizes", "2x10", "--gate-sizes", "3", "--no-scale"])
    bench.main()
    assert "      2        10 " in capsys.readouterr().out


def test_bench_scale_cases_run_in_a_child(tmp_path: Path) -> None:
    """Each scale case runs in a fresh interpreter and reports its time, memory and outcome."""
    result = bench.measure_case("chain", "trace", 5, tmp_path)
    assert float(result["seconds"]) >= 0 and "hops" in str(result["outcome"])  # type: ignore[arg-type]


def test_bench_default_sizes_are_within_azures_limits(tmp_path: Path) -> None:
    """validate enforces Azure's limits; the largest default size must pass it."""
    spokes, prefixes = (int(n) for n in bench.DEFAULT_SIZES.split(",")[-1].split("x"))
    path = tmp_path / "largest.yaml"
    path.write_text(yaml.safe_dump(bench.landing_zone(spokes, prefixes), sort_keys=False))
    _, problems = loader.load_with_problems(path)
    assert [f"{p.position}: {p.message}" for p in problems] == []
