"""Shared test helpers: run the CLI in-process, compare with golden files, find test topologies.

Golden files under ``tests/golden/`` are written by the code only when ``AZINT_UPDATE_GOLDEN=1``
is set; review the diff before committing them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from azint.cli import cli, main

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
TOPOLOGIES = TESTS / "topologies"
UPDATE_GOLDEN = os.environ.get("AZINT_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="session", autouse=True)
def _parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The parsed-document cache of the whole run lives in a temporary directory, not in the
    user's own: every file's first parse runs PyYAML, later ones read the cache."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def azint(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``azint ARGS`` in-process through the console entry point (stdout is not a terminal)."""

    def run(*args: str) -> Run:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return Run(int(exit_info.value.code or 0), captured.out, captured.err)

    return run


def run_cli(*args: str) -> Result:
    """Run ``azint`` with click's runner (stdout and stderr mixed in ``output``)."""
    return CliRunner().invoke(cli, list(args), prog_name="azint", standalone_mode=True)


def topology(name: str) -> str:
    return str(TOPOLOGIES / f"{name}.yaml")


def check_golden(path: Path, actual: str) -> None:
    """``actual`` equals the golden file at ``path`` (rewritten under AZINT_UPDATE_GOLDEN=1)."""
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"missing golden file {path}: run with AZINT_UPDATE_GOLDEN=1 and review"
    assert actual == path.read_text(), f"output differs from {path}"


def golden(name: str, text: str) -> None:
    check_golden(GOLDEN / name, text)
