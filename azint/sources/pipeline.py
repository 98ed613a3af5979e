"""The import pipelines: input files, to an estate, to topology text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from azint.sources.arm import index_documents, json_files, read_json
from azint.sources.estate import SourceError
from azint.sources.resources import read_estate
from azint.sources.terraform import read_terraform
from azint.sources.writer import Imported, write_topology


def import_arm(paths: Sequence[Path], name: str = "imported") -> Imported:
    """``azint import arm``: ARM JSON files (or folders of them) as a topology."""
    files = json_files(paths)
    if not files:
        raise SourceError(", ".join(map(str, paths)), "", "no .json files found")
    index = index_documents((str(f), read_json(f)) for f in files)
    return write_topology(read_estate(index), name)


def import_terraform(path: Path, name: str = "imported") -> Imported:
    """``azint import terraform``: ``terraform show -json`` of a plan or a state as a topology."""
    return write_topology(read_terraform(str(path), read_json(path)), name)
