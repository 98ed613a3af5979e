"""``tests/bench_import.py`` (``make bench``) still runs, and what it times is a real import: the
generated estate imports to a topology ``validate`` accepts, the same from ARM and Terraform."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from azint.network import validate
from azint.sources.pipeline import import_arm, import_terraform
from tests import bench_import


def test_bench_import_runs_a_small_size(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["bench_import.py", "--vnets", "60", "--runs", "1"])
    bench_import.main()
    out = capsys.readouterr().out
    assert out.startswith("import of 60 VNets, 120 subnets, 118 peering resources")
    assert "  arm " in out and "  terraform " in out


def test_bench_estate_imports_to_a_valid_topology_in_both_forms(tmp_path: Path) -> None:
    arm, state = tmp_path / "vnets.json", tmp_path / "state.json"
    arm.write_text(json.dumps(bench_import.arm_estate(60)))
    state.write_text(json.dumps(bench_import.terraform_state(60)))
    text = import_arm([arm]).text
    assert text == import_terraform(state).text
    assert text.count("    type: peering\n") == 59  # 58 spokes with their hubs, the 2 hubs with each other
    path = tmp_path / "lz.yaml"
    path.write_text(text)
    assert validate(path).lines == ()
