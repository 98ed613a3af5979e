"""Every failure is one escaped line on stderr and an exit code; under --json also an error object.

Click's own usage errors go through the same handler as azint's; a full disk or a closed stdout is
the environment's failure (exit 74), not a bug (exit 70).
"""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from azint.cli import cli
from azint.topology.loader import default_topology_path
from tests.conftest import Run

Azint = Callable[..., Run]

USAGE_ERRORS = {
    ("ping", "-n", "0", "hub", "10.0.0.1"): ("Invalid value for '-n'", "Try 'azint ping --help'."),
    ("bgp", "er1", "--path", "tertiary"): ("'tertiary' is not one of", "Try 'azint bgp --help'."),
    ("ping", "hub"): ("Missing argument 'TARGET'", "Try 'azint ping --help'."),
    ("tracert", "--hops", "3", "hub", "x"): ("No such option '--hops'", "Try 'azint tracert --help'."),
    ("tracepath", "hub", "x"): ("No such command 'tracepath'", "Try 'azint --help'."),
    ("--color", "pink", "list"): ("'pink' is not one of", "Try 'azint --help'."),
    # click raises these without a context: the hint still names the command typed
    ("diagram", "--path", "hub"): ("Option '--path' requires 2 arguments.",
                                   "Try 'azint diagram --help'."),
    ("ping", "hub", "x", "-n"): ("Option '-n' requires an argument.", "Try 'azint ping --help'."),
    ("verify", "routes", "x.json", "--network"): ("Option '--network' requires an argument.",
                                                  "Try 'azint verify routes --help'."),
    # a message click does not end with a full stop gets one before the hint
    ("traceroute", "-f", "5", "-m", "3", "hub", "10.2.30.10"): (
        "first TTL 5 is beyond the maximum 3.", "Try 'azint traceroute --help'."),
    ("import", "terraform", "a", "b"): ("Got unexpected extra argument (b).",
                                        "Try 'azint import terraform --help'."),
}


@pytest.mark.parametrize("args", list(USAGE_ERRORS))
def test_usage_errors_are_one_line_with_a_hint_and_exit_2(azint: Azint, args: tuple[str, ...]) -> None:
    message, hint = USAGE_ERRORS[args]
    result = azint(*args)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("azint: error: ") and result.err.count("\n") == 1, result.err
    assert message in result.err and result.err.rstrip().endswith(hint)


def test_a_directory_as_topology_is_a_usage_error(azint: Azint, tmp_path: Path) -> None:
    result = azint("routes", "hub", "--topology", str(tmp_path))
    assert result.code == 2
    assert result.err.startswith("azint: error: ") and "is a directory" in result.err
    assert result.err.count("\n") == 1


@pytest.mark.parametrize("name", ["a\nb", "x\x00y", "evil\nazint: error: forged", "\x1b[31mred"])
def test_names_are_escaped_so_that_an_error_stays_one_line(azint: Azint, name: str) -> None:
    result = azint("tracert", name, "10.0.0.1")
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "\x00" not in result.err and "\x1b" not in result.err
    assert repr(name)[1:-1] in result.err


def test_names_in_topology_problems_are_escaped(azint: Azint, tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text('networks:\n  - {name: "a\\nb", kind: onprem, asn: 65001}\n'
                    '  - {name: "a\\nb", kind: onprem, asn: 65002}\n')
    result = azint("validate", str(path))
    lines = result.out.splitlines()
    assert len(lines) >= 2 and all(line.startswith(f"{path}:") for line in lines)
    assert all("'a\\nb'" in line for line in lines)
    loaded = azint("routes", "x", "--topology", str(path))
    assert loaded.err.count("\n") == 1 and "'a\\nb'" in loaded.err


def _json_error(result: Run) -> dict[str, object]:
    document = json.loads(result.out)
    assert document["schema"] == 1 and set(document) == {"schema", "error"}
    error = document["error"]
    assert isinstance(error, dict) and set(error) == {"message", "file", "line", "column"}
    return error


def test_the_windows_unresolved_message_escapes_the_name(azint: Azint) -> None:
    result = azint("tracert", "hub", "db\nReply from 10.0.0.1")
    assert result.out == "Unable to resolve target system name db\\nReply from 10.0.0.1.\n"
    assert result.code == 2


def test_json_unresolvable_target_is_a_json_error_not_windows_text(azint: Azint) -> None:
    for command in ("tracert", "ping"):
        result = azint(command, "hub", "db01", "--json")
        assert result.code == 2
        assert _json_error(result) == {"message": "unknown target 'db01'", "file": None,
                                       "line": None, "column": None}
        assert result.err == "azint: error: unknown target 'db01'\n"


def test_json_bad_topology_names_file_line_and_column(azint: Azint, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("networks:\n  - {name: aa, kind: vnet, address_space: [10.0.0.300/24]}\n")
    result = azint("routes", "aa", "--topology", str(path), "--json")
    assert result.code == 2
    assert _json_error(result) == {"message": "'10.0.0.300/24' is not an IPv4 prefix",
                                   "file": str(path), "line": 2, "column": 44}
    assert result.err == f"{path}:2:44: error: '10.0.0.300/24' is not an IPv4 prefix\n"


def test_json_bad_argument_gives_a_json_error(azint: Azint) -> None:
    result = azint("ping", "--json", "-n", "0", "hub", "10.0.0.1")
    assert result.code == 2
    error = _json_error(result)
    assert "Invalid value for '-n'" in str(error["message"]) and error["line"] is None
    assert result.err.count("\n") == 1


def test_dev_zero_is_refused_at_the_cap_by_a_bounded_read(azint: Azint) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    result = azint("validate", "/dev/zero")
    assert result.code == 2
    assert result.out == ("/dev/zero: error: input is over 16,777,216 bytes; a topology may be at "
                          "most 16,777,216\n")


def test_a_fifo_is_read_with_the_same_bound(tmp_path: Path) -> None:
    from azint.errors import TopologyError
    from azint.topology.source import MAX_BYTES, _bounded

    with pytest.raises(TopologyError, match="input is over"):
        _bounded(io.BytesIO(b"#" * (MAX_BYTES + 1)), "pipe")
    assert _bounded(io.BytesIO(b"a: 1\n"), "pipe") == b"a: 1\n"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{default_topology_path()}' > '{fifo}'"])
    try:
        from azint.topology.validate import validate

        assert validate(fifo).exit_code == 0
    finally:
        writer.wait(timeout=10)


def test_topology_dash_reads_standard_input() -> None:
    text = default_topology_path().read_bytes()
    result = CliRunner().invoke(cli, ["routes", "hub", "--topology", "-"], input=text)
    assert result.exit_code == 0 and "Effective routes of VNet hub" in result.output
    bad = CliRunner().invoke(cli, ["validate", "-"], input=b"networks: [\n")
    assert bad.exit_code == 2 and bad.output.startswith("<stdin>:2:1: error: YAML syntax")
    huge = CliRunner().invoke(cli, ["validate", "--topology", "-"], input=b"#" * (17 << 20))
    assert huge.exit_code == 2 and "input is over 16,777,216 bytes" in huge.output


# -- validate takes the topology like every command ------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text("networks:\n  - {name: aa, kind: vnet, address_space: [10.0.0.0/33]}\n")
    return path


def test_validate_reads_azint_topology_instead_of_passing_the_bundled_file(
        azint: Azint, broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZINT_TOPOLOGY", str(broken))
    result = azint("validate")
    assert result.code == 2 and result.out.startswith(f"{broken}:2:")
    monkeypatch.delenv("AZINT_TOPOLOGY")
    assert azint("validate", "--topology", str(broken)).code == 2
    assert azint("validate", "--topology", str(broken), "topologies/azure-interop.yaml").code == 2


def test_validate_file_argument_beats_the_environment(azint: Azint, broken: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZINT_TOPOLOGY", str(broken))
    assert azint("validate", str(default_topology_path())).code == 0


def test_validate_strict_fails_on_warnings_with_exit_1(azint: Azint, broken: Path) -> None:
    assert azint("validate").code == 0  # the bundled file has one deliberate warning
    strict = azint("validate", "--strict")
    assert strict.code == 1 and ": warning: " in strict.out
    assert azint("validate", "--strict", str(broken)).code == 2


def test_validate_json_lists_problems_with_positions(azint: Azint, broken: Path) -> None:
    result = azint("validate", "--json", str(broken))
    document = result.json()
    assert result.code == 2
    assert document["command"] == "validate" and document["valid"] is False
    assert document["problems"] == [{"severity": "error", "file": str(broken), "line": 2,
                                     "column": 44, "message": "'10.0.0.0/33' is not an IPv4 prefix"}]
    clean = azint("validate", "--json", "--strict").json()
    assert (clean["valid"], clean["warnings"], clean["errors"]) == (False, 1, 0)
    assert clean["file"] == str(default_topology_path().resolve())


# -- the environment's failures and bugs -----------------------------------------------------


class _FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_is_an_environment_error_not_a_bug(azint: Azint,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from azint.cli import main

    with capsys.disabled():
        monkeypatch.setattr(sys, "stdout", _FullDisk())
        errors = io.StringIO()
        monkeypatch.setattr(sys, "stderr", errors)
        with pytest.raises(SystemExit) as info:
            main(["routes", "hub"])
    assert info.value.code == 74
    assert errors.getvalue() == "azint: error: cannot write output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_real_full_disk_and_closed_stdout_exit_74() -> None:
    command = [sys.executable, "-m", "azint", "tracert", "hub", "10.2.30.10"]
    with open("/dev/full", "w") as full:
        result = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert (result.returncode, result.stderr) == (
        74, "azint: error: cannot write output: No space left on device\n")
    closed = subprocess.run(["sh", "-c", '"$0" -m azint list >&-', sys.executable],
                            stderr=subprocess.PIPE, text=True, check=False)
    assert (closed.returncode, closed.stderr) == (
        74, "azint: error: cannot write output: standard output is closed\n")


def test_a_bug_is_exit_70_and_says_so(azint: Azint, monkeypatch: pytest.MonkeyPatch) -> None:
    from azint.render import inventory

    def broken(*args: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(inventory, "inventory_json", broken)
    result = azint("list", "--json")
    assert result.code == 70
    assert result.err == ("azint: error: internal error: RuntimeError: boom (a bug in azint: "
                          "rerun with --debug and report it)\n")
    assert json.loads(result.out)["error"]["message"] == "internal error: RuntimeError: boom"


def test_debug_shows_a_traceback_only_as_the_group_option(azint: Azint,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    misplaced = azint("tracert", "hub", "10.0.0.1", "--debug")
    assert misplaced.code == 2 and misplaced.err.startswith("azint: error: No such option")
    from azint.render import inventory

    def broken(*args: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(inventory, "inventory_json", broken)
    with pytest.raises(RuntimeError, match="boom"):
        azint("--debug", "list", "--json")


# -- every command that takes --json: errors are JSON objects too -------------------------------

EFFECTIVE = str(Path(__file__).parent / "fixtures" / "effective" / "spoke-vm-nic.json")
INTENTS = str(Path(__file__).parent.parent / "topologies" / "azure-interop.intents.yaml")
# a valid call of each command that takes --json (the test below keeps this list complete)
JSON_CALLS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("tracert",): ("hub", "10.2.30.10"), ("ping",): ("hub", "10.2.30.10"),
    ("traceroute",): ("hub", "10.2.30.10"), ("mtr",): ("hub", "10.2.30.10"),
    ("routes",): ("hub",), ("bgp",): ("er1",), ("matrix",): (),
    ("explain",): ("hub", "10.2.30.10"), ("validate",): (), ("list",): (),
    ("check",): (INTENTS,), ("whatif",): (), ("diff",): (INTENTS, INTENTS),
    ("verify", "routes"): (EFFECTIVE, "--network", "spoke"), ("diagram",): (), ("nsg",): ("hub",),
}


def _commands_with(option: str) -> list[tuple[str, ...]]:
    import click

    context = click.Context(cli)
    found: list[tuple[str, ...]] = []
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        subs = ([((name, sub), command.get_command(context, sub))
                 for sub in command.list_commands(context)]
                if isinstance(command, click.Group) else [((name,), command)])
        found += [path for path, sub in subs
                  if sub is not None and any(option in p.opts for p in sub.params)]
    return found


def test_every_command_that_takes_json_is_exercised() -> None:
    assert sorted(_commands_with("--json")) == sorted(JSON_CALLS)


@pytest.mark.parametrize("path", sorted(JSON_CALLS), ids=" ".join)
def test_json_bad_option_is_a_json_error(azint: Azint, path: tuple[str, ...]) -> None:
    result = azint(*path, *JSON_CALLS[path], "--json", "--no-such-option")
    assert result.code == 2
    assert "No such option '--no-such-option'" in str(_json_error(result)["message"])
    assert result.err.startswith("azint: error: ") and result.err.count("\n") == 1


@pytest.mark.parametrize("path", sorted(p for p in JSON_CALLS if p != ("validate",)), ids=" ".join)
def test_json_bad_topology_is_a_json_error(azint: Azint, path: tuple[str, ...],
                                           tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("networks:\n  - {name: aa, kind: vnet, address_space: [10.0.0.300/24]}\n")
    if path == ("diff",):
        result = azint("diff", str(bad), str(default_topology_path()), "--json")
    else:
        result = azint(*path, *JSON_CALLS[path], "--topology", str(bad), "--json")
    assert result.code == 2
    assert _json_error(result) == {"message": "'10.0.0.300/24' is not an IPv4 prefix",
                                   "file": str(bad), "line": 2, "column": 44}
    assert result.err == f"{bad}:2:44: error: '10.0.0.300/24' is not an IPv4 prefix\n"


@pytest.mark.parametrize("path", _commands_with("--down"), ids=" ".join)
def test_json_unknown_name_is_a_json_error(azint: Azint, path: tuple[str, ...]) -> None:
    result = azint(*path, *JSON_CALLS[path], "--down", "no\nsuch", "--json")
    assert result.code == 2
    message = str(_json_error(result)["message"])  # JSON escapes the name itself
    assert message.startswith("--down: no link or connection named 'no\nsuch'")
    assert result.err.startswith("azint: error: --down: no link or connection named 'no\\nsuch'")
    assert result.err.count("\n") == 1


@pytest.mark.parametrize("args", [("routes", "nosuch"), ("bgp", "nosuch"),
                                  ("traceroute", "hub", "nosuch"), ("mtr", "hub", "nosuch"),
                                  ("explain", "hub", "nosuch"),
                                  ("diagram", "--path", "hub", "nosuch"),
                                  ("verify", "routes", EFFECTIVE, "--network", "nosuch")])
def test_json_unknown_network_or_target_is_a_json_error(azint: Azint,
                                                        args: tuple[str, ...]) -> None:
    result = azint(*args, "--json")
    assert result.code == 2
    assert "'nosuch'" in str(_json_error(result)["message"])
    assert result.err.startswith("azint: error: ") and result.err.count("\n") == 1


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("args", [("import", "arm", "/dev/zero"), ("import", "terraform", "/dev/zero"),
                                  ("verify", "routes", "/dev/zero", "--network", "spoke")])
def test_json_sources_are_read_with_a_bound_too(azint: Azint, monkeypatch: pytest.MonkeyPatch,
                                                args: tuple[str, ...]) -> None:
    """/dev/zero as an ARM file, a Terraform plan or Azure's effective routes is refused at the
    cap (a smaller one here, so that the test stays fast), not read until memory runs out."""
    from azint.sources import arm

    monkeypatch.setattr(arm, "MAX_JSON_BYTES", 4096)
    result = azint(*args)
    assert result.code == 2
    assert result.err == "/dev/zero: error: input is over 4,096 bytes; a JSON input may be at most 4,096\n"


def test_the_json_cap_holds_a_large_estate() -> None:
    from azint.sources import arm

    assert arm.MAX_JSON_BYTES >= 256 * 1024 * 1024


def test_import_warnings_escape_what_the_input_names(azint: Azint, tmp_path: Path) -> None:
    """A resource type read from the JSON is the user's text: a newline or a NUL in it cannot
    forge a second line on stderr."""
    path = tmp_path / "evil.json"
    path.write_text(json.dumps([{
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Foo/bar/x", "name": "x",
        "type": "Microsoft.Foo/bar\nazint: error: forged\x00", "properties": {}}]))
    result = azint("import", "arm", str(path))
    assert result.code == 0
    assert result.err == ("azint: warning: not modelled: Microsoft.Foo/bar\\nazint: error: "
                          "forged\\x00: 1 resource\n")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("traceroute", "hub", "10.2.30.10"), ("mtr", "hub", "10.2.30.10"),
                                  ("diagram",), ("export", "arm"), ("matrix", "--format", "html")])
def test_the_newer_commands_on_a_full_disk_exit_74(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "azint", *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, check=False)
    assert result.returncode == 74
    assert result.stderr.endswith("azint: error: cannot write output: No space left on device\n")
