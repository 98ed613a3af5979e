"""The ``azint`` command line: parse, call the model, render, and pick the exit code.

Exit codes: 0 success (tracert: the target answered; ping: at least one echo reply from the
target), 1 the target was not reached, 2 bad usage or input. Errors are one line on stderr.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from azint import __version__
from azint.control import show
from azint.data.endpoints import Target, UnresolvedTarget, resolve_source, resolve_target
from azint.data.explain import explain as explain_trace
from azint.data.matrix import reachability
from azint.errors import AzintError, ExitCode, UsageError
from azint.network import Network
from azint.render import explain as explained
from azint.render import jsonout, matrix, routing, windows
from azint.render.tables import Block, Display, render
from azint.topology.model import Endpoint
from azint.topology.validate import validate as check_file

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """\b
Exit codes:
  0  the target answered
  1  the target did not answer
  2  bad usage or input (unknown network, bad address, invalid topology)"""


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


class AzintGroup(click.Group):
    """The one place where errors become a one-line message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except AzintError as exc:
            if debug:
                raise
            click.echo(error_line(exc), err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            ctx.exit(ExitCode.OK)
        except Exception as exc:  # the promise: no traceback for any input
            if debug:
                raise
            click.echo(f"azint: internal error: {type(exc).__name__}: {exc} (rerun with "
                       f"--debug and report it)", err=True)
            ctx.exit(70)


def error_line(exc: AzintError) -> str:
    """``FILE:LINE:COL: error: message`` for input problems, ``azint: error: message`` else."""
    if exc.position is not None:
        return f"{exc.position}: error: {exc.message}"
    return f"azint: error: {exc.message}"


def _probe_ends(topology: Path | None, down: tuple[str, ...], source: str, target: str,
                unresolved: Callable[[str], str]) -> tuple[Network, Endpoint, Target]:
    """Open the network and name both ends; an unknown target name prints Windows' message."""
    network = Network.open(topology, down)
    sender = resolve_source(network.topology, source)
    try:
        goal = resolve_target(network.topology, target)
    except UnresolvedTarget as missing:
        click.echo(unresolved(missing.name), nl=False)
        raise SystemExit(ExitCode.BAD_INPUT) from None
    return network, sender, goal


@click.group(cls=AzintGroup, context_settings={"max_content_width": 100})
@click.version_option(__version__, prog_name="azint")
@click.option("--debug", is_flag=True, hidden=True,
              help="Show tracebacks (read by AzintGroup.invoke).")
def cli(debug: bool) -> None:
    """Emulate Azure hybrid networks: VNet peering, ExpressRoute and site-to-site VPN.

    azint computes every network's routes from a YAML topology by Azure's rules and shows what
    Windows tracert and ping would print between any two endpoints.

    \b
    Examples:
      azint tracert hub 10.2.30.10
      azint ping branch 10.1.31.10
      azint tracert location1 10.10.30.4 --down er1-primary
    """
    del debug  # consumed by the group's error handler


@cli.command(epilog=EXIT_CODES)
@click.option("-d", "no_names", is_flag=True, help="Do not resolve addresses to names.")
@click.option("-h", "max_hops", type=click.IntRange(1, 255), default=30, show_default=True,
              help="Maximum number of hops.")
@click.option("-w", "timeout", type=click.IntRange(1, 600_000), default=4000, show_default=True,
              help="Wait timeout in milliseconds for each reply.")
@click.option("--explain", "with_reasons", is_flag=True,
              help="After the trace, the route behind each step and why hops time out.")
@model_options
@click.argument("source")
@click.argument("target")
def tracert(source: str, target: str, no_names: bool, max_hops: int, timeout: int,
            with_reasons: bool, topology: Path | None, down: tuple[str, ...],
            as_json: bool) -> None:
    """Trace the route from SOURCE to TARGET as Windows tracert shows it.

    SOURCE is a network (its first endpoint), an endpoint name or an endpoint address; TARGET an
    address or an endpoint name.
    """
    network, sender, goal = _probe_ends(topology, down, source, target, windows.unresolved_tracert)
    result = network.prober.tracert(sender, goal.address, max_hops, timeout)
    names = {} if no_names else network.topology.names
    reasons = explain_trace(network.prober, sender, goal.address, result) if with_reasons else None
    if as_json:
        document = jsonout.tracert_document(result, network.topology.name, goal.name)
        if reasons is not None:
            document["explain"] = explained.explanation_document(reasons)
        click.echo(jsonout.dumps(document), nl=False)
    else:
        click.echo(windows.tracert_text(result, names, None if no_names else goal.name), nl=False)
        if reasons is not None:
            click.echo("\n" + explained.explain_text(reasons), nl=False)
    raise SystemExit(ExitCode.OK if result.reached else ExitCode.UNREACHED)


@cli.command(epilog=EXIT_CODES.replace("the target answered",
                                       "at least one echo reply came from the target"))
@click.option("-n", "count", type=click.IntRange(1, 10_000), default=4, show_default=True,
              help="Number of echo requests to send.")
@click.option("-l", "size", type=click.IntRange(0, 65_500), default=32, show_default=True,
              help="Send buffer size in bytes.")
@click.option("-w", "timeout", type=click.IntRange(1, 600_000), default=4000, show_default=True,
              help="Timeout in milliseconds to wait for each reply.")
@click.option("-i", "ttl", type=click.IntRange(1, 255), default=None,
              help="Time To Live. [default: the source's OS: Windows 128, Linux 64]")
@model_options
@click.argument("source")
@click.argument("target")
def ping(source: str, target: str, count: int, size: int, timeout: int, ttl: int | None,
         topology: Path | None, down: tuple[str, ...], as_json: bool) -> None:
    """Ping TARGET from SOURCE as Windows ping shows it.

    Unlike Windows, the exit code is 0 only when an echo reply came back from the target: a
    "Destination host unreachable" reply is a failure.
    """
    network, sender, goal = _probe_ends(topology, down, source, target, windows.unresolved_ping)
    result = network.prober.ping(sender, goal.address, count, size, timeout, ttl)
    if as_json:
        click.echo(jsonout.ping_json(result, network.topology.name, goal.name), nl=False)
    else:
        click.echo(windows.ping_text(result, goal.name), nl=False)
    raise SystemExit(ExitCode.OK if result.echo_replies else ExitCode.UNREACHED)


@cli.command(epilog="""\b
Exit codes:
  0  no errors (warnings may be printed)
  2  the topology has errors""")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def validate(file: Path | None) -> None:
    """Check a topology FILE and report every problem at once.

    Each problem is one line, FILE:LINE:COL: error|warning: message. Without FILE, checks the
    bundled reference topology. The file is only read, never changed.
    """
    report = check_file(file)
    for line in report.lines:
        click.echo(line)
    if not report.lines:
        click.echo(f"{report.file}: ok", err=True)
    raise SystemExit(report.exit_code)


# -- the control plane ---------------------------------------------------------------------


def _display() -> Display:
    """The real stdout: rich tables on a terminal (colour unless NO_COLOR), plain text otherwise."""
    return Display(terminal=sys.stdout.isatty(), width=shutil.get_terminal_size((100, 24)).columns,
                   color="NO_COLOR" not in os.environ)


def _emit(as_json: bool, json_text: Callable[[], str],
          document: Callable[[], Sequence[Block]]) -> None:
    click.echo(json_text() if as_json else render(document(), _display()), nl=False)


@cli.command()
@click.option("--subnet", metavar="NAME", help="VNet: the subnet whose routes to show. "
              "[default: the subnet of the network's first endpoint]")
@click.option("--router", metavar="NAME", help="On-premises: only this router.")
@model_options
@click.argument("name", metavar="NETWORK")
def routes(name: str, subnet: str | None, router: str | None, topology: Path | None,
           down: tuple[str, ...], as_json: bool) -> None:
    """Show NETWORK's routes: a VNet's effective route table as Azure shows it, or each
    on-premises router's BGP best paths and routing table."""
    network = Network.open(topology, down)
    plane, title = network.plane, network.topology.name
    if show.network_kind(network.topology, name) == "vnet":
        if router is not None:
            raise UsageError(f"--router applies to on-premises sites; '{name}' is a VNet")
        chosen = subnet or show.default_subnet(network.topology, name)
        rows = show.effective_routes(plane, name, chosen)
        _emit(as_json, lambda: routing.vnet_routes_json(title, name, chosen, rows),
              lambda: routing.vnet_routes_document(name, chosen, rows))
        return
    if subnet is not None:
        raise UsageError(f"--subnet applies to VNets; '{name}' is an on-premises site")
    views = show.router_views(plane, name, router)
    _emit(as_json, lambda: routing.router_json(title, name, views),
          lambda: routing.router_document(views))


@cli.command()
@click.option("--path", "role", type=click.Choice(["primary", "secondary"]), default="primary",
              show_default=True, help="Circuit: which link's edge router (MSEE) to show.")
@model_options
@click.argument("name")
def bgp(name: str, role: str, topology: Path | None, down: tuple[str, ...],
        as_json: bool) -> None:
    """Show BGP routes: an ExpressRoute circuit's route table, or a gateway's learned and
    advertised routes.

    NAME is a circuit, a VNet (its VPN gateway), vpngw:VNET or ergw:VNET.
    """
    network = Network.open(topology, down)
    plane, title = network.plane, network.topology.name
    if name in network.topology.circuits:
        rows = show.circuit_table(plane, name, role)
        _emit(as_json, lambda: routing.circuit_json(title, name, role, rows),
              lambda: routing.circuit_document(name, role, rows))
        return
    speaker = show.gateway_speaker(plane, name)
    learned = show.learned_routes(plane, speaker)
    advertised = show.advertised_routes(plane, speaker)
    _emit(as_json,
          lambda: routing.gateway_json(title, speaker.id, speaker.asn, learned, advertised),
          lambda: routing.gateway_document(speaker.id, speaker.asn, learned, advertised))


@cli.command("matrix")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@model_options
def matrix_command(as_csv: bool, topology: Path | None, down: tuple[str, ...],
                   as_json: bool) -> None:
    """Show who reaches whom: every network's first endpoint pinged from every other's, and
    what the packets cross (peering, vpn, circuits, transit gateways)."""
    network = Network.open(topology, down)
    found = reachability(network.prober)
    if as_csv and not as_json:
        click.echo(matrix.matrix_csv(found), nl=False)
        return
    _emit(as_json, lambda: matrix.matrix_json(network.topology.name, found, down),
          lambda: matrix.matrix_document(found, down))


@cli.command()
@model_options
@click.argument("source")
@click.argument("target")
def explain(source: str, target: str, topology: Path | None, down: tuple[str, ...],
            as_json: bool) -> None:
    """Explain the path from SOURCE to TARGET: the route behind each step, why hops time out,
    and why a packet is dropped (where the route stopped propagating, and by which rule)."""
    network = Network.open(topology, down)
    sender = resolve_source(network.topology, source)
    goal = resolve_target(network.topology, target)
    reasons = explain_trace(network.prober, sender, goal.address)
    if as_json:
        click.echo(explained.explanation_json(network.topology.name, reasons), nl=False)
    else:
        click.echo(explained.explain_text(reasons), nl=False)


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``azint`` and ``python -m azint``)."""
    cli.main(args=argv, prog_name="azint")
