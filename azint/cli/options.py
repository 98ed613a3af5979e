"""What the commands share: the model options, opening both ends of a probe, and the display."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from azint.errors import ExitCode

if TYPE_CHECKING:
    from azint.data.endpoints import Target
    from azint.network import Network
    from azint.render.tables import Block, Display
    from azint.topology.model import Endpoint

F = TypeVar("F", bound=Callable[..., Any])


def model_options(function: F) -> F:
    """--topology, --down and --json, shared by every command that reads a topology."""
    function = click.option("--json", "as_json", is_flag=True,
                            help="Print a JSON document (schema 1) instead of text.")(function)
    function = click.option(
        "--down", "down", multiple=True, metavar="NAME",
        help="Take a link or connection down (repeatable), e.g. --down er1-primary.")(function)
    return click.option(
        "--topology", "topology", type=click.Path(dir_okay=False, path_type=Path),
        envvar="AZINT_TOPOLOGY", show_envvar=True,
        help="Topology YAML file. [default: the bundled azure-interop reference setup]")(function)


def probe_ends(topology: Path | None, down: tuple[str, ...], source: str, target: str,
               unresolved: Callable[[str], str]) -> tuple[Network, Endpoint, Target]:
    """Open the network and name both ends; an unknown target name prints Windows' message."""
    from azint.data.endpoints import UnresolvedTarget, resolve_source, resolve_target
    from azint.network import Network

    network = Network.open(topology, down)
    sender = resolve_source(network.topology, source)
    try:
        goal = resolve_target(network.topology, target)
    except UnresolvedTarget as missing:
        output(unresolved(missing.name))
        raise SystemExit(ExitCode.BAD_INPUT) from None
    return network, sender, goal


def output(text: str) -> None:
    """Write command output to stdout; a reader that went away does not end the command.

    When the reader closed the pipe early (``azint ping ... | head -1``) the rest of the output
    goes to the null device, as the Python documentation on SIGPIPE recommends, so the command
    still finishes with its own exit code and Python does not complain about the lost flush.
    """
    try:
        click.echo(text, nl=False)
    except BrokenPipeError:
        stdout_to_devnull()


def stdout_to_devnull() -> None:
    """Point file descriptor 1 at the null device: later writes and the exit flush succeed."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def display() -> Display:
    """The real stdout: rich tables on a terminal (colour unless NO_COLOR), plain text otherwise."""
    from azint.render.tables import Display

    return Display(terminal=sys.stdout.isatty(), width=shutil.get_terminal_size((100, 24)).columns,
                   color="NO_COLOR" not in os.environ)


def emit(as_json: bool, json_text: Callable[[], str],
         document: Callable[[], Sequence[Block]]) -> None:
    """Print the JSON text or the rendered tables, whichever was asked for."""
    if as_json:
        output(json_text())
        return
    from azint.render.tables import render

    output(render(document(), display()))
