"""Shared fixtures: the reference network, a CLI runner, and small topologies written inline."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from azint.cli import cli
from azint.network import Network

TESTS = Path(__file__).parent
UPDATE_GOLDEN = os.environ.get("AZINT_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="session")
def reference() -> Network:
    return Network.open()


def run_cli(*args: str) -> Result:
    """Run ``azint`` in-process as a user would, through the one error handler."""
    return CliRunner().invoke(cli, list(args), prog_name="azint", standalone_mode=True)


@pytest.fixture
def azint() -> Callable[..., Result]:
    return run_cli


@pytest.fixture
def write_topology(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "topology.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def check_golden(path: Path, actual: str) -> None:
    """Compare with a golden file the model wrote; rewrite it only when asked to."""
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {path.name} was missing and has been written; review it")
    assert actual == path.read_text()
