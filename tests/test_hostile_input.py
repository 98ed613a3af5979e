"""Hostile and broken files end in one line naming the file, where, and what: never a traceback.

Each case goes through both ``load`` (raises ``TopologyError``) and ``validate`` (returns one error
line). The wall-clock bound is a hang guard, not a benchmark.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from azint.errors import ExitCode, TopologyError
from azint.network import validate
from azint.topology.loader import load

HANG_GUARD_S = 10.0


def _billion_laughs() -> bytes:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        mine, below = chr(ord("a") + level), chr(ord("a") + level - 1)
        rows.append(f"{mine}: &{mine} [" + ",".join([f"*{below}"] * 9) + "]")
    return ("\n".join(rows) + "\n").encode()


def _nested_mapping(levels: int) -> bytes:
    return ("{a: " * levels + "1" + "}" * levels).encode()


# name -> (file content, expected "LINE:COL" after the file name or "" for none, message part)
CASES: dict[str, tuple[bytes, str, str]] = {
    "list-document": (b"- a\n- b\n", "1:1", "expected a mapping, got a list"),
    "scalar-document": (b"just text\n", "1:1", "expected a mapping, got 'just text'"),
    "empty": (b"", "1:1", "the file is empty"),
    "only-comments": (b"# nothing here\n\n", "1:1", "the file is empty"),
    "deep-flow-sequence": (b"[" * 10_000, "1:1001", "nesting depth"),
    "deep-flow-mapping": (_nested_mapping(10_000), "1:4001", "nesting depth"),
    "deep-under-parser-limit": (_nested_mapping(100), "1:261", "nested deeper than 64 levels"),
    "billion-laughs": (_billion_laughs(), "6:4", "alias bomb"),  # where it outgrows the cap
    "recursive-alias": (b"networks: &loop [*loop]\n", "1:", "nested deeper than 64 levels"),
    "latin-1": ("name: caf\u00e9\n".encode("latin-1"), "1:10", "byte 0xe9 is not UTF-8"),
    "random-bytes": (bytes(range(256)) * 4, "2:118", "byte 0x80 is not UTF-8"),  # 0x0a ends line 1
    "syntax-error": (b"networks:\n  - {name: a\n", "3:1", "YAML syntax"),
    "tab-indent": (b"networks:\n\t- a\n", "2:1", "YAML syntax"),
    "control-character": (b"name: a\x07b\n", "1:8", "control characters are not allowed"),
    "two-documents": (b"a: 1\n---\nb: 2\n", "2:1", "YAML syntax"),
    "bad-tagged-int": (b"name: !!int foo\n", "1:7", "'foo' is not a valid int"),
    "bad-timestamp": (b"name: !!timestamp foo\n", "1:7", "'foo' is not a valid timestamp"),
    "huge-int": (b"flow_hash_seed: " + b"9" * 5000 + b"\n", "1:17", "is not a valid int"),
    "wide-hex-int": (b"flow_hash_seed: 0x" + b"f" * 100 + b"\n", "1:17", "number is too large"),
    "python-tag": (b"name: !!python/name:os.system ''\n", "1:7", "could not determine"),
    "merge-key": (b"base: &b {a: 1}\nnetworks:\n  <<: *b\n", "3:3", "merge keys"),
    "list-as-key": (b"? [a, b]\n: 1\n", "1:3", "mapping keys must be plain names"),
}


def _run(check: Callable[[], object]) -> float:
    start = time.monotonic()
    check()
    return time.monotonic() - start


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_gives_one_line_error_and_is_left_untouched(case: str,
                                                                 tmp_path: Path) -> None:
    content, where, message = CASES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_bytes(content)
    prefix = f"{path}:{where}" if where else f"{path}:"

    def check_load() -> None:
        with pytest.raises(TopologyError) as info:
            load(path)
        text = str(info.value)
        assert "\n" not in text
        assert text.startswith(prefix), text
        assert message in text

    def check_validate() -> None:
        report = validate(path)
        assert report.exit_code is ExitCode.BAD_INPUT
        assert len(report.lines) == 1
        assert report.lines[0].startswith(prefix) and ": error: " in report.lines[0]
        assert message in report.lines[0]

    before = hashlib.sha256(content).hexdigest()
    assert _run(check_load) < HANG_GUARD_S
    assert _run(check_validate) < HANG_GUARD_S
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_50_mb_file_is_refused_by_its_size_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    chunk = b"# padding padding padding padding padding padding padding padding\n" * 16_384
    with path.open("wb") as out:
        while out.tell() < 50 * 1024 * 1024:
            out.write(chunk)
    size = path.stat().st_size
    start = time.monotonic()
    report = validate(path)
    assert time.monotonic() - start < HANG_GUARD_S
    # a size refusal has no line to point at: the whole file is the problem
    assert report.lines == (f"{path}: error: file is {size:,} bytes; a topology may be at most "
                            f"16,777,216",)
    with pytest.raises(TopologyError, match="a topology may be at most"):
        load(path)
    assert path.stat().st_size == size


def test_the_reference_topology_is_byte_identical_after_loading(tmp_path: Path) -> None:
    from azint.topology.loader import default_topology_path

    original = default_topology_path().read_bytes()
    copy = tmp_path / "ref.yaml"
    copy.write_bytes(original)
    assert validate(copy).exit_code is ExitCode.OK
    load(copy)
    assert copy.read_bytes() == original == default_topology_path().read_bytes()
