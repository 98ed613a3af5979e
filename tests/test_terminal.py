"""What a user sees on a terminal: tables at any width, wrapping, colour, help, list, completion,
and the JSON every command prints."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from azint.cli import COMMANDS
from azint.cli.options import colour_choice
from azint.render.tables import Display, Heading, Paragraph, render, table, table_width
from tests.conftest import Run

Azint = Callable[..., Run]
WIDTHS = (10, 40, 60, 120)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

ROUTES = table(("Source", "State", "Address Prefix", "Next Hop Type", "Next Hop IP"), [
    ("Default", "Active", "10.10.30.0/24", "VirtualNetwork", ""),
    ("VirtualNetworkGateway", "Active", "10.2.30.0/25", "VirtualNetworkGateway",
     "10.10.30.132, 10.10.30.133"),
    ("Default", "Invalid", "0.0.0.0/0", "Internet", "")], title="Effective routes")


def _lines(width: int) -> list[str]:
    text = render([Heading("Effective routes of VNet a-rather-long-vnet-name"), ROUTES,
                   Paragraph("peering = VNet peering; no = no echo reply")],
                  Display(terminal=True, width=width, color=False))
    return text.splitlines()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_cell_is_split_across_lines_at_any_width(width: int) -> None:
    lines = _lines(width)
    for row in ROUTES.rows:
        for cell in row:
            assert any(cell.text in line for line in lines), (width, cell.text)
    assert any("a-rather-long-vnet-name" in line for line in lines)
    assert all(line == line.rstrip() for line in lines)
    for line in lines:  # wrapped between words: only a single word may exceed the width
        label = line.endswith(":")  # a column's name is a label: kept whole too
        assert len(line) <= width or label or " " not in line.strip().partition(": ")[2], line


@pytest.mark.parametrize("width", WIDTHS)
def test_below_its_width_a_table_becomes_one_record_per_row(width: int) -> None:
    lines = _lines(width)
    boxed = any("┃" in line or "│" in line for line in lines)
    assert boxed == (table_width(ROUTES) <= width)
    if not boxed:
        assert "Address Prefix: 10.10.30.0/24" in lines or (
            "Address Prefix:" in lines and "  10.10.30.0/24" in lines)
        assert sum(1 for line in lines if line.startswith("Source:")) == len(ROUTES.rows)


def test_a_record_names_its_columns_and_leaves_values_unbolded() -> None:
    """verify routes labels its rows in an unnamed first column: a record shows that label alone,
    never as ': Azure'; only the column names are bold, as in the boxed table's header."""
    found = table(("", "Source", "Next Hop IP"), [("Azure", "VirtualNetworkGateway", "10.0.0.4")])
    assert table_width(found) > 40
    text = render([found], Display(terminal=True, width=40, color=True))
    lines = [ANSI.sub("", line) for line in text.splitlines()]
    assert lines == ["Azure", "Source: VirtualNetworkGateway", "Next Hop IP: 10.0.0.4"]
    assert not re.search(r"\x1b\[1m[^\x1b]*(VirtualNetworkGateway|10\.0\.0\.4)", text), text
    assert re.search(r"\x1b\[1m[^\x1b]*Source:", text)


def test_a_table_that_fits_keeps_its_lines_within_the_width() -> None:
    assert table_width(ROUTES) <= 120
    assert all(len(line) <= 120 for line in _lines(120))


def test_explain_wraps_to_the_width_between_words_only() -> None:
    from azint.data.endpoints import resolve_source, resolve_target
    from azint.data.explain import explain
    from azint.network import Network
    from azint.render.explain import explain_text

    network = Network.open()
    reasons = explain(network.prober, resolve_source(network.topology, "branch"),
                      resolve_target(network.topology, "10.17.30.4").address)
    wide = explain_text(reasons, 100)
    for width in (40, 60):
        narrow = explain_text(reasons, width)
        for line in narrow.splitlines():
            assert len(line) <= width or " " not in line.strip(), (width, line)
        assert narrow.split() == wide.split()  # the same words, none cut in two


def test_colour_follows_the_conventions() -> None:
    assert colour_choice("auto", True, {}) == (True, True)
    assert colour_choice("auto", False, {}) == (False, False)
    assert colour_choice("auto", True, {"NO_COLOR": "1"}) == (True, False)
    assert colour_choice("auto", True, {"NO_COLOR": ""}) == (True, True)  # only when non-empty
    assert colour_choice("auto", False, {"FORCE_COLOR": "1"}) == (True, True)
    assert colour_choice("auto", False, {"FORCE_COLOR": ""}) == (False, False)
    assert colour_choice("auto", True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}) == (True, False)
    assert colour_choice("always", False, {"NO_COLOR": "1"}) == (True, True)
    assert colour_choice("never", True, {"FORCE_COLOR": "1"}) == (True, False)


def test_color_option_reaches_the_tables(azint: Azint, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert ANSI.search(azint("--color", "always", "routes", "hub").out)
    assert not ANSI.search(azint("--color", "never", "routes", "hub").out)
    assert not ANSI.search(azint("routes", "hub").out)  # piped: plain text
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(azint("routes", "hub").out)


# -- help --------------------------------------------------------------------------------------


def _examples(help_text: str) -> Iterator[list[str]]:
    block = help_text.split("Examples:", 1)[1].split("Exit codes:", 1)[0]
    for line in block.splitlines():
        words = shlex.split(line.split("#", 1)[0])
        runnable = not {"|", "<", ">"} & set(words) and not any(".yaml" in w for w in words)
        if words and words[0] == "azint" and runnable:
            yield words[1:]


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and every sub-command of a group (import arm, verify routes, ...)."""
    import click

    from azint.cli import cli

    context = click.Context(cli)
    found: list[tuple[str, ...]] = []
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        found.append((name,))
        if isinstance(command, click.Group):
            found += [(name, sub) for sub in command.list_commands(context)]
    return found


COMMAND_PATHS = _command_paths()
GROUPS = sorted({path[0] for path in COMMAND_PATHS if len(path) == 2})


def test_the_sub_commands_are_found() -> None:
    assert {("import", "arm"), ("import", "terraform"), ("export", "arm"),
            ("verify", "routes"), ("help",)} <= set(COMMAND_PATHS)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_teaches_examples_and_exit_codes(azint: Azint, path: tuple[str, ...]) -> None:
    text = azint(*path, "--help").out
    assert "Examples:" in text and "Exit codes:" in text
    assert "70  internal error" in text and "74  the environment failed" in text
    for example in _examples(text):
        assert tuple(example[:len(path)]) == path or path[0] in GROUPS, example
        assert azint(*example).code in (0, 1), example


def test_help_h_and_help_command(azint: Azint) -> None:
    long = azint("--help")
    assert azint("-h").out == long.out == azint("help").out == azint().out
    assert long.code == 0 == azint().code and "Exit codes:" in long.out
    assert azint("help", "ping").out == azint("ping", "--help").out
    assert azint("ping", "-h").out == azint("ping", "--help").out
    assert azint("help", "nosuch").code == 2
    # tracert keeps Windows' -h (maximum hops)
    assert azint("tracert", "-h", "1", "hub", "10.2.30.10").out.count("\n  1  ") == 1


@pytest.mark.parametrize("path", [p for p in COMMAND_PATHS if len(p) == 2], ids=" ".join)
def test_help_shows_a_sub_commands_help(azint: Azint, path: tuple[str, ...]) -> None:
    shown = azint("help", *path)
    assert shown.code == 0 and shown.out == azint(*path, "--help").out
    unknown = azint("help", path[0], "nosuch")
    assert unknown.code == 2 and "nosuch" in unknown.err and path[1] in unknown.err
    assert azint("help", "tracert", "extra").code == 2  # tracert has no sub-commands


def test_completion_of_the_newer_commands(azint: Azint, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _complete(azint, monkeypatch, "azint traceroute h") == ["hub", "hub-vm"]
    assert _complete(azint, monkeypatch, "azint mtr --down er1-") == ["er1-primary", "er1-secondary"]
    assert _complete(azint, monkeypatch, "azint diagram --path hub lo") == [
        "location1", "location2", "loc1-vm", "loc2-vm"]
    assert _complete(azint, monkeypatch, "azint verify routes x.json --network h") == ["hub"]
    assert _complete(azint, monkeypatch, "azint import t") == ["terraform"]
    assert "--format" in _complete(azint, monkeypatch, "azint matrix --f")


def test_help_completes_sub_commands(azint: Azint, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _complete(azint, monkeypatch, "azint help import t") == ["terraform"]
    assert _complete(azint, monkeypatch, "azint help verify ") == ["routes"]


def test_command_summaries_are_whole_in_azint_help(azint: Azint) -> None:
    text = " ".join(azint("--help").out.split())
    for entry in COMMANDS.values():
        assert entry.summary in text


@pytest.mark.parametrize("group", GROUPS)
def test_sub_command_summaries_are_whole_in_their_groups_help(azint: Azint, group: str) -> None:
    import click

    from azint.cli import cli

    listed = azint(group, "--help").out.split("Commands:", 1)[1].split("Examples:", 1)[0]
    assert "..." not in listed
    command = cli.get_command(click.Context(cli), group)
    assert isinstance(command, click.Group)
    for name in command.list_commands(click.Context(cli)):
        sub = command.get_command(click.Context(cli), name)
        assert sub is not None
        assert sub.get_short_help_str(limit=10_000) in " ".join(listed.split())


def test_tracert_help_says_target_may_be_a_names_record(azint: Azint) -> None:
    text = " ".join(azint("tracert", "--help").out.split())
    assert "the name of a record in the topology's names list" in text


@pytest.mark.parametrize("command", ["ping", "traceroute", "mtr", "explain"])
def test_every_probe_help_says_target_may_be_a_names_record(azint: Azint, command: str) -> None:
    text = " ".join(azint(command, "--help").out.split())
    assert "TARGET is an address, an endpoint name or a names record" in text


# -- JSON --------------------------------------------------------------------------------------

JSON_COMMANDS = [
    ("tracert", "hub", "10.2.30.10"), ("ping", "hub", "10.2.30.10"), ("routes", "hub"),
    ("traceroute", "hub", "10.2.30.10"), ("mtr", "hub", "10.2.30.10"),
    ("routes", "location1"), ("bgp", "er1"), ("bgp", "hub"), ("matrix",),
    ("explain", "branch", "10.17.30.4"), ("list",), ("whatif",), ("diagram",),
    ("diagram", "--path", "hub", "10.2.30.10"), ("tracert", "hub", "10.2.30.10", "--diagram"),
    ("explain", "hub", "10.2.30.10", "--diagram"),
    ("verify", "routes", str(Path(__file__).parent / "fixtures" / "effective" / "spoke-vm-nic.json"),
     "--network", "spoke")]


def _strings(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    else:
        yield value


@pytest.mark.parametrize("args", JSON_COMMANDS)
def test_every_json_document_has_its_schema_and_the_links_taken_down(azint: Azint,
                                                                     args: tuple[str, ...]) -> None:
    document = json.loads(azint(*args, "--json", "--down", "er2-primary").out)
    assert document["schema"] == 1 and document["command"] in (args[0], " ".join(args[:2]))
    assert document["down"] == ["er2-primary"]
    assert "" not in list(_strings(document))  # nothing unknown is an empty string: null


@pytest.mark.parametrize("command", ["tracert", "traceroute", "mtr"])
def test_timed_out_hops_name_the_element_that_stayed_silent(azint: Azint, command: str) -> None:
    hops = azint(command, "hub", "10.2.30.10", "--json").json()["hops"]
    silent = [h for h in hops if h["kind"] == "timeout"]
    assert silent and all(h["element"] for h in silent)
    assert [h["element"] for h in silent] == ["router:loc1-ce", "router:loc1-switch"]


# -- list and completion -----------------------------------------------------------------------


def test_list_shows_networks_endpoints_and_every_down_name(azint: Azint) -> None:
    from azint.topology.loader import load

    topology = load()
    text = azint("list").out
    for name in (*topology.network_names, *(e.name for e in topology.endpoints()),
                 *topology.downable_names()):
        assert re.search(rf"^{re.escape(name)}\s", text, re.MULTILINE), name
    document = azint("list", "--json", "--down", "er1").json()
    assert [k["name"] for k in document["links"]] == list(topology.downable_names())
    assert next(k for k in document["links"] if k["name"] == "er1")["up"] is False


def _complete(azint: Azint, monkeypatch: pytest.MonkeyPatch, words: str) -> list[str]:
    monkeypatch.setenv("_AZINT_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - (0 if words.endswith(" ") else 1)))
    return [line.split(",", 1)[1] for line in azint().out.splitlines() if "," in line]


def test_completion_of_commands_options_and_names(azint: Azint,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert _complete(azint, monkeypatch, "azint tr") == ["tracert", "traceroute"]
    assert "--down" in _complete(azint, monkeypatch, "azint ping --d")
    assert _complete(azint, monkeypatch, "azint tracert lo") == ["location1", "location2",
                                                                   "loc1-vm", "loc2-vm"]
    assert _complete(azint, monkeypatch, "azint tracert hub sp") == ["spoke-vm"]
    assert _complete(azint, monkeypatch, "azint routes --down er1-") == [
        "er1-primary", "er1-secondary"]
    assert _complete(azint, monkeypatch, "azint routes re") == ["remote"]
    assert _complete(azint, monkeypatch, "azint bgp er") == ["er1", "er2", "ergw:hub",
                                                             "ergw:remote"]
    assert _complete(azint, monkeypatch, "azint help ex") == ["explain", "export"]


def test_completion_never_reads_standard_input(azint: Azint,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    class Untouchable(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise AssertionError("completion read standard input")

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Untouchable()))
    assert _complete(azint, monkeypatch, "azint routes --topology - h") == []
    assert azint().code == 0  # not an error swallowed on the way


def test_completion_reads_the_chosen_topology_even_with_errors(
        azint: Azint, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("networks:\n  - {name: alpha, kind: vnet, address_space: [10.0.0.0/33]}\n"
                    "  - {name: alps, kind: onprem, asn: 65001}\n")
    monkeypatch.setenv("AZINT_TOPOLOGY", str(path))
    assert _complete(azint, monkeypatch, "azint routes al") == ["alps"]  # alpha is unusable
    path.write_text("networks:\n  - {name: alpha, kind: vnet, address_space: [10.0.0.0/16]}\n"
                    "  - {name: alps, kind: onprem, asn: 65001, routers: [{name: r}]}\n"
                    "connections: [{name: x, type: peering, a: {network: alpha}, b: {network: nowhere}}]\n")
    assert _complete(azint, monkeypatch, "azint routes al") == ["alpha", "alps"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_exist_for_each_shell(azint: Azint, monkeypatch: pytest.MonkeyPatch,
                                                 shell: str) -> None:
    monkeypatch.setenv("_AZINT_COMPLETE", f"{shell}_source")
    result = azint()
    assert result.code == 0 and "_AZINT_COMPLETE" in result.out


BOX = set("┏┓┗┛┃━┳┻╋┡┩╇│─┌┐└┘├┤┬┴┼╭╮╰╯")


def _tokens(text: str) -> set[str]:
    words = {w.rstrip(":") for w in ANSI.sub("", text).split()}
    return {w for w in words if w and not set(w) <= BOX | {"-"}}


EFFECTIVE = str(Path(__file__).parent / "fixtures" / "effective" / "spoke-vm-nic-changed.json")


@pytest.mark.parametrize("args", [("routes", "hub"), ("routes", "location1"), ("bgp", "er1"),
                                  ("bgp", "hub"), ("matrix",), ("list",), ("whatif",),
                                  ("verify", "routes", EFFECTIVE, "--network", "spoke")])
def test_real_documents_keep_every_word_whole_on_a_terminal_of_any_width(
        azint: Azint, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    plain = azint(*args).out  # piped: plain text, each cell whole
    for width in WIDTHS:
        monkeypatch.setenv("COLUMNS", str(width))
        shown = azint("--color", "always", *args).out
        assert ANSI.search(shown)
        assert _tokens(plain) <= _tokens(shown), (width, sorted(_tokens(plain) - _tokens(shown)))
