"""``validate()``: the bad-topology corpus against its golden lines, and the report itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from azint.errors import ExitCode
from azint.network import Network, validate
from azint.topology.loader import default_topology_path
from azint.topology.problems import InvalidTopology
from tests.conftest import Run, check_golden

BAD = Path(__file__).parent / "bad"
CASES = sorted(p.stem for p in BAD.glob("*.yaml"))
LINE = re.compile(r"^[^:]+\.yaml:\d+:\d+: (error|warning): \S.*$")


@pytest.fixture
def in_bad(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report lines name the file as given; from inside ``bad/`` that is just its name."""
    monkeypatch.chdir(BAD)


@pytest.mark.parametrize("case", CASES)
def test_bad_topology_reports_exactly_its_expected_lines(case: str, in_bad: None) -> None:
    report = validate(Path(f"{case}.yaml"))
    check_golden(BAD / f"{case}.expected", "".join(f"{line}\n" for line in report.lines))


@pytest.mark.parametrize("case", CASES)
def test_exit_code_and_commands_agree_with_the_severities(case: str, in_bad: None) -> None:
    """What validate rejects, every command refuses with validate's first error, and only that."""
    report = validate(Path(f"{case}.yaml"))
    assert report.problems, "every corpus file shows at least one problem"
    if report.errors:
        assert report.exit_code is ExitCode.BAD_INPUT
        with pytest.raises(InvalidTopology) as refused:
            Network.open(Path(f"{case}.yaml"))
        assert refused.value.position == report.errors[0].position
        assert refused.value.message.startswith(report.errors[0].message)
    else:
        assert report.exit_code is ExitCode.OK
        assert Network.open(Path(f"{case}.yaml")).topology.network_names  # warnings never stop one


def test_every_corpus_file_has_a_golden_file() -> None:
    assert {p.stem for p in BAD.glob("*.expected")} == set(CASES)
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_report_lines_have_the_compiler_format(case: str, in_bad: None) -> None:
    for line in validate(Path(f"{case}.yaml")).lines:
        assert LINE.match(line), line


def test_reference_topology_is_valid_with_its_one_deliberate_warning() -> None:
    report = validate()
    assert report.exit_code is ExitCode.OK
    assert report.errors == ()
    assert [p.message for p in report.warnings] == [
        "link 'er1-secondary' of circuit 'er1' is down: the circuit has no redundancy"]
    # named by the absolute path it is installed at: a path the user can open
    assert report.lines[0].startswith(f"{default_topology_path().resolve()}:")
    assert Path(report.file).is_absolute() and Path(report.file).is_file()


@pytest.mark.parametrize("case", ["msee-asn", "gateway-outside-vnet", "onprem-prefix-limit"])
def test_problems_are_sorted_by_position(case: str, in_bad: None) -> None:
    report = validate(Path(f"{case}.yaml"))
    keys = [(p.position.line or 0, p.position.column or 0) for p in report.problems]
    assert len(keys) > 1
    assert keys == sorted(keys)


def test_unreadable_input_becomes_one_error_line(tmp_path: Path) -> None:
    missing = validate(tmp_path / "nope.yaml")
    assert missing.lines == (f"{tmp_path / 'nope.yaml'}: error: cannot read: "
                             f"No such file or directory",)
    assert missing.exit_code is ExitCode.BAD_INPUT
    directory = validate(tmp_path)
    assert len(directory.lines) == 1 and directory.lines[0].startswith(f"{tmp_path}: error: ")


def test_a_syntax_error_is_one_line_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("networks:\n  - {name: a\n")
    report = validate(tmp_path / "s.yaml")
    assert len(report.lines) == 1
    assert re.match(rf"^{re.escape(str(tmp_path))}/s\.yaml:3:1: error: YAML syntax: ",
                    report.lines[0])


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", [("tracert", "x", "10.0.0.1"), ("routes", "x"), ("matrix",)],
                         ids=lambda c: c[0])
def test_every_command_refuses_an_error_with_the_line_validate_prints_first(
        case: str, command: tuple[str, ...], in_bad: None,
        azint: Callable[..., Run]) -> None:
    """``validate`` accepts exactly what the commands accept, and names the same first error."""
    report = validate(Path(f"{case}.yaml"))
    run = azint(*command[:1], "--topology", f"{case}.yaml", *command[1:])
    if not report.errors:  # loads: any refusal is about the arguments, not the file
        assert not run.err.startswith(f"{case}.yaml:"), run.err
        return
    first = next(line for line in report.lines if ": error: " in line)
    assert run.code == ExitCode.BAD_INPUT
    more = len(report.errors) - 1
    suffix = f" (and {more} more error{'s' if more != 1 else ''}; run 'azint validate')"
    assert run.err == first + (suffix if more else "") + "\n"


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "topologies").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_test_topology_validates_without_errors(path: Path) -> None:
    """The topologies the tests trace are possible networks: no check may refuse them."""
    assert validate(path).errors == ()
