"""The parsed-document cache: a warm entry gives the same document without PyYAML; a stale,
corrupt or truncated entry, or a directory that cannot be written, changes nothing but speed; no
entry is ever written beside the topology; messages about a bad file are never cached."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from azint.errors import TopologyError
from azint.topology import cache, loader, yamlparse
from azint.topology.source import parse_document, read_document

BUNDLED = loader.default_topology_path()


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory of this test's own."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "azint"


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("parsed with PyYAML although the cache holds the document")

    monkeypatch.setattr(yamlparse, "parse", refuse)


def _entry(where: Path, raw: bytes) -> Path:
    return where / (cache.key(raw) + cache.SUFFIX)


def test_a_warm_entry_gives_the_same_document_without_yaml(
        cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = BUNDLED.read_bytes()
    cold = parse_document(raw, "t.yaml")
    assert _entry(cache_home, raw).is_file()
    _no_yaml(monkeypatch)
    warm = parse_document(raw, "t.yaml")
    assert warm == cold
    assert list(warm.positions.items()) == list(cold.positions.items())  # order too
    assert warm.where(("networks", 0, "name")) == cold.where(("networks", 0, "name"))


def test_nothing_is_written_beside_the_topology(cache_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    copy = folder / "net.yaml"
    shutil.copy(BUNDLED, copy)
    read_document(copy)
    read_document(copy)
    assert [p.name for p in folder.iterdir()] == ["net.yaml"]
    assert [p.suffix for p in cache_home.iterdir()] == [cache.SUFFIX]


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "format"])
def test_a_corrupt_entry_is_ignored(cache_home: Path, damage: str) -> None:
    raw = BUNDLED.read_bytes()
    expected = parse_document(raw, "t.yaml")
    entry = _entry(cache_home, raw)
    data = bytearray(entry.read_bytes())
    if damage == "flip":
        data[-10] ^= 0xFF
    elif damage == "truncate":
        del data[len(data) // 2:]
    elif damage == "empty":
        data.clear()
    else:
        data[0:5] = b"xxxxx"
    entry.write_bytes(bytes(data))
    assert parse_document(raw, "t.yaml") == expected


def test_a_stale_entry_for_other_bytes_is_ignored(cache_home: Path) -> None:
    """An entry sound in itself but made from other bytes, found under this file's name."""
    raw = BUNDLED.read_bytes()
    other = b"name: other\nnetworks: []\n"
    parse_document(other, "o.yaml")
    cache_home.joinpath(_entry(cache_home, other).name).rename(_entry(cache_home, raw))
    document = parse_document(raw, "t.yaml")
    assert document.root["name"] != "other"
    assert document == parse_document(raw, "t.yaml")


def test_an_unwritable_cache_directory_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    raw = BUNDLED.read_bytes()
    assert parse_document(raw, "t.yaml") == parse_document(raw, "t.yaml")
    assert blocker.read_text() == "a file where the cache directory would be"


def test_the_cache_directory_follows_xdg_and_refuses_relative_paths() -> None:
    """A relative XDG_CACHE_HOME is invalid (XDG base directory specification): it would put
    the cache beside wherever the command runs, so ~/.cache is used instead."""
    assert cache.directory({"XDG_CACHE_HOME": "/c", "HOME": "/h"}) == Path("/c/azint")
    assert cache.directory({"XDG_CACHE_HOME": "rel", "HOME": "/h"}) == Path("/h/.cache/azint")
    assert cache.directory({"HOME": "/h"}) == Path("/h/.cache/azint")
    assert cache.directory({}) is None


def test_errors_are_never_cached(cache_home: Path) -> None:
    raw = b"name: x\nnetworks: [\n"
    for _ in range(2):
        with pytest.raises(TopologyError) as failure:
            parse_document(raw, "bad.yaml")
        assert str(failure.value.position).startswith("bad.yaml:")
    assert not cache_home.exists() or not any(cache_home.iterdir())


def test_values_marshal_cannot_write_are_parsed_each_time(cache_home: Path) -> None:
    raw = b"name: x\nwhen: 2024-01-01\n"
    document = parse_document(raw, "t.yaml")
    assert document.written[("when",)] == "2024-01-01"
    assert not _entry(cache_home, raw).exists()
    assert parse_document(raw, "t.yaml") == document


def test_old_entries_are_pruned(cache_home: Path) -> None:
    for i in range(cache.KEEP + 3):
        parse_document(f"name: n{i}\n".encode(), "t.yaml")
    assert len(list(cache_home.glob("*" + cache.SUFFIX))) == cache.KEEP
