"""Shared test helpers: run the CLI in-process, compare with golden files, find test topologies.

Golden files under ``tests/golden/`` are written by the code only when ``AZINT_UPDATE_GOLDEN=1``
is set; review the diff before committing them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from azint.cli import main

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
TOPOLOGIES = TESTS / "topologies"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def azint(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``azint ARGS`` in-process (stdout is not a terminal: plain text)."""

    def run(*args: str) -> Run:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return Run(int(exit_info.value.code or 0), captured.out, captured.err)

    return run


def topology(name: str) -> str:
    return str(TOPOLOGIES / f"{name}.yaml")


def golden(name: str, text: str) -> None:
    """``text`` equals the golden file ``name`` (rewritten under AZINT_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get("AZINT_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}: run with AZINT_UPDATE_GOLDEN=1 and review"
    assert text == path.read_text(), f"output differs from {path}"
