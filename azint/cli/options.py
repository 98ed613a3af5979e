"""What the commands share: the model options, their completions, opening both ends of a probe,
the exit-code epilogs and the display."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import click

from azint.errors import ExitCode, printable

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from azint.data.endpoints import Target
    from azint.network import Network
    from azint.render.tables import Block, Display
    from azint.topology.model import Endpoint, Topology

F = TypeVar("F", bound=Callable[..., Any])

COMMON_EXIT_CODES = """\
  2   bad usage or input (an unknown name, a bad address, an invalid topology)
  70  internal error: a bug in azint (please report it)
  74  the environment failed: output could not be written (a full disk, a closed stdout)"""


def epilog(examples: Sequence[str], *codes: str) -> str:
    """A command's help ending: its examples, then its exit codes (the shared ones last)."""
    shown = "\n".join(f"  {line}" for line in examples)
    return (f"\b\nExamples:\n{shown}\n\n\b\nExit codes:\n" + "".join(f"  {c}\n" for c in codes)
            + COMMON_EXIT_CODES)


class WholeSummaries(click.Group):
    """A group whose help lists each sub-command's summary whole (click cuts it to fit a line)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


# -- completion: names read from the topology the command line names ------------------------


def _completing_topology(ctx: click.Context) -> Topology | None:
    from azint.errors import AzintError
    from azint.topology import loader

    chosen = ctx.params.get("topology") or os.environ.get("AZINT_TOPOLOGY") or None
    if str(chosen) == "-":  # standard input belongs to the shell while completing
        return None
    try:  # a topology with errors still names its networks: complete them while it is fixed
        return loader.load_with_problems(Path(chosen) if chosen else None)[0]
    except (AzintError, OSError):
        return None


def _completer(names: Callable[[Topology], Sequence[str]]) -> Callable[
        [click.Context, click.Parameter, str], list[CompletionItem]]:
    def complete(ctx: click.Context, param: click.Parameter,
                 incomplete: str) -> list[CompletionItem]:
        found = _completing_topology(ctx)
        if found is None:
            return []
        return _items(dict.fromkeys(names(found)), incomplete)
    return complete


def endpoint_names(topology: Topology) -> list[str]:
    return [e.name for e in topology.endpoints()]


complete_network = _completer(lambda t: t.network_names)
complete_source = _completer(lambda t: [*t.network_names, *endpoint_names(t)])
complete_target = _completer(lambda t: [*endpoint_names(t), *t.names.values()])
complete_endpoint = _completer(endpoint_names)
complete_down = _completer(lambda t: t.downable_names())
complete_speaker = _completer(lambda t: [
    *t.circuits, *t.vnets,
    *(f"{kind}:{v.name}" for v in t.vnets.values()
      for kind, gateway in (("ergw", v.expressroute_gateway), ("vpngw", v.vpn_gateway))
      if gateway is not None)])


def complete_command(ctx: click.Context, param: click.Parameter,
                     incomplete: str) -> list[CompletionItem]:
    """A command's name, then (``azint help import t``) a sub-command of the group named."""
    from azint.cli import COMMANDS

    typed = tuple(ctx.params.get(param.name or "") or ())
    if not typed:
        return _items(COMMANDS, incomplete)
    group = ctx.parent.command if ctx.parent is not None else None
    chosen = group.get_command(ctx, typed[0]) if isinstance(group, click.Group) else None
    if len(typed) > 1 or not isinstance(chosen, click.Group):
        return []
    return _items(chosen.list_commands(ctx), incomplete)


def _items(names: Iterable[str], incomplete: str) -> list[CompletionItem]:
    """The names that start with ``incomplete``, as completions (click's completion module is
    imported only when completing: a command's start-up does not need it)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


# -- the options every model command takes ----------------------------------------------------


def model_options(function: F) -> F:
    """--topology, --down and --json, shared by every command that reads a topology."""
    function = json_option(function)
    return topology_option(down_option(function))


def down_option(function: F) -> F:
    return click.option(
        "--down", "down", multiple=True, metavar="NAME", shell_complete=complete_down,
        help="Take an element down (repeatable): a connection or link, a gateway or one of its "
             "instances, a router, an IGP link, e.g. --down er1-primary; "
             "'azint list' shows every name.")(function)


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print a JSON document (schema 1) instead of text; errors too.")(
        function)


def topology_option(function: F) -> F:
    return click.option(
        "--topology", "topology",
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        envvar="AZINT_TOPOLOGY", show_envvar=True,
        help="Topology YAML file ('-' reads standard input). "
             "[default: the bundled azure-interop reference setup]")(function)


def diagram_option(function: F) -> F:
    return click.option(
        "--diagram", "with_diagram", is_flag=True,
        help="After the text, the network as a Mermaid diagram with this path drawn over it "
             "(as 'azint diagram --path' draws it); under --json, as the field 'diagram'.")(
        function)


class Complaint(NamedTuple):
    """What a tool prints for a TARGET it cannot resolve, and where: Windows tracert and ping
    write it on standard output, Linux traceroute, ping and mtr on standard error."""

    text: str
    on_stderr: bool = False


def probe_ends(topology: Path | None, down: tuple[str, ...], source: str, target: str,
               unresolved: Callable[[Endpoint, str], Complaint],
               as_json: bool = False) -> tuple[Network, Endpoint, Target]:
    """Open the network and name both ends; an unknown target name prints the command's own
    message, ``unresolved(sender, name)`` (ping's depends on the sender's OS; under
    ``--json``, the JSON error object instead)."""
    from azint.collector import importing

    with importing():  # the model's imports: see azint.cli
        from azint.data.endpoints import UnresolvedTarget, resolve_source, resolve_target
        from azint.network import Network

    network = Network.open(topology, down)
    sender = resolve_source(network.topology, source)
    try:
        goal = resolve_target(network.topology, target)
    except UnresolvedTarget as missing:
        if as_json:
            raise
        complaint = unresolved(sender, printable(missing.name))  # a newline must not forge a line
        if complaint.on_stderr:
            click.echo(complaint.text, nl=False, err=True)
        else:
            output(complaint.text)
        raise SystemExit(ExitCode.BAD_INPUT) from None
    return network, sender, goal


def output(text: str, color: bool | None = None) -> None:
    """Write command output to stdout; a reader that went away does not end the command.

    When the reader closed the pipe early (``azint ping ... | head -1``) the rest of the output
    goes to the null device, as the Python documentation on SIGPIPE recommends, so the command
    still finishes with its own exit code and Python does not complain about the lost flush.
    """
    try:
        click.echo(text, nl=False, color=color)
    except BrokenPipeError:
        stdout_to_devnull()


def stdout_to_devnull() -> None:
    """Point file descriptor 1 at the null device: later writes and the exit flush succeed."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


# -- the display ------------------------------------------------------------------------------


def colour_choice(choice: str, terminal: bool, environ: Mapping[str, str]) -> tuple[bool, bool]:
    """(draw rich tables, use colour) for ``--color`` and the environment.

    The command line beats the environment; NO_COLOR (https://no-color.org) counts only when
    non-empty and beats FORCE_COLOR (https://force-color.org), which counts only when non-empty.
    """
    if choice == "always":
        return True, True
    if choice == "never":
        return terminal, False
    if environ.get("NO_COLOR"):
        return terminal, False
    if environ.get("FORCE_COLOR"):
        return True, True
    return terminal, terminal


def terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def terminal_columns() -> int | None:
    """The terminal's width when stdout is one; None when piped (lines stay whole)."""
    return terminal_width() if sys.stdout.isatty() else None


def text_width() -> int:
    """Wrapped text fits the terminal; piped, it keeps 100 columns (stable for scripts)."""
    return terminal_width() if sys.stdout.isatty() else 100


def display() -> Display:
    """The real stdout: rich tables on a terminal (colour as ``colour_choice`` says), else text."""
    from azint.render.tables import Display

    ctx = click.get_current_context(silent=True)
    choice = str(ctx.meta.get("azint.color", "auto")) if ctx is not None else "auto"
    rich, colour = colour_choice(choice, sys.stdout.isatty(), os.environ)
    return Display(terminal=rich, width=terminal_width(), color=colour)


def emit(as_json: bool, json_text: Callable[[], str],
         document: Callable[[], Sequence[Block]]) -> None:
    """Print the JSON text or the rendered tables, whichever was asked for."""
    if as_json:
        output(json_text())
        return
    from azint.render.tables import render

    shown = display()
    # click strips colour codes from output that is not a terminal unless told they are wanted
    output(render(document(), shown), color=shown.color or None)
