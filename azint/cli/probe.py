"""Probe commands: ``tracert`` and ``ping`` between two endpoints of the network."""

from __future__ import annotations

from pathlib import Path

import click

from azint.cli.options import (
    complete_source,
    complete_target,
    epilog,
    model_options,
    output,
    probe_ends,
    text_width,
)
from azint.errors import ExitCode
from azint.render import windows


# -h is tracert's maximum hop count, as on Windows: only --help shows the help here.
@click.command(context_settings={"help_option_names": ["--help"]}, epilog=epilog(
    ["azint tracert hub 10.2.30.10",
     "azint tracert -d location1 hub-vm            # an endpoint's name as TARGET",
     "azint tracert location1 10.10.30.4 --down er1-primary --explain",
     "azint tracert spoke 10.2.30.10 --json | jq .hops"],
    "0   the target answered",
    "1   the target did not answer"))
@click.option("-d", "no_names", is_flag=True,
              help="Do not resolve hop addresses to names (TARGET's name stays in the header).")
@click.option("-h", "max_hops", type=click.IntRange(1, 255), default=30, show_default=True,
              help="Maximum number of hops.")
@click.option("-w", "timeout", type=click.IntRange(1, 600_000), default=4000, show_default=True,
              help="Wait timeout in milliseconds for each reply.")
@click.option("--explain", "with_reasons", is_flag=True,
              help="After the trace, the route behind each step and why hops time out.")
@model_options
@click.argument("source", shell_complete=complete_source)
@click.argument("target", shell_complete=complete_target)
def tracert(source: str, target: str, no_names: bool, max_hops: int, timeout: int,
            with_reasons: bool, topology: Path | None, down: tuple[str, ...],
            as_json: bool) -> None:
    """Trace the route from SOURCE to TARGET as Windows tracert shows it.

    SOURCE is a network (its first endpoint), an endpoint name or an endpoint address; TARGET is
    an address, an endpoint name or the name of a record in the topology's names list
    ('azint list' shows them all).
    """
    network, sender, goal = probe_ends(topology, down, source, target, windows.unresolved_tracert,
                                       as_json)
    result = network.prober.tracert(sender, goal.address, max_hops, timeout)
    names = {} if no_names else network.topology.names
    reasons = None
    if with_reasons:  # imported only when asked: a plain trace starts faster
        from azint.data.explain import explain as explain_trace
        from azint.render import explain as explained

        reasons = explain_trace(network.prober, sender, goal.address, result)
    if as_json:
        from azint.render import jsonout

        document = jsonout.tracert_document(result, network.topology.name, goal.name, down)
        if reasons is not None:
            document["explain"] = explained.explanation_document(reasons)
        output(jsonout.dumps(document))
    else:
        output(windows.tracert_text(result, names, goal.name))
        if reasons is not None:
            output("\n" + explained.explain_text(reasons, text_width()))
    raise SystemExit(ExitCode.OK if result.reached else ExitCode.UNREACHED)


@click.command(epilog=epilog(
    ["azint ping branch 10.1.31.10",
     "azint ping -n 2 -i 1 location1 10.10.30.4      # TTL 1: expires in transit",
     "azint ping hub loc1-vm --json"],
    "0   at least one echo reply came from the target",
    "1   no echo reply from the target"))
@click.option("-n", "count", type=click.IntRange(1, 10_000), default=4, show_default=True,
              help="Number of echo requests to send.")
@click.option("-l", "size", type=click.IntRange(0, 65_500), default=32, show_default=True,
              help="Send buffer size in bytes.")
@click.option("-w", "timeout", type=click.IntRange(1, 600_000), default=4000, show_default=True,
              help="Timeout in milliseconds to wait for each reply.")
@click.option("-i", "ttl", type=click.IntRange(1, 255), default=None,
              help="Time To Live. [default: the source's OS: Windows 128, Linux 64]")
@model_options
@click.argument("source", shell_complete=complete_source)
@click.argument("target", shell_complete=complete_target)
def ping(source: str, target: str, count: int, size: int, timeout: int, ttl: int | None,
         topology: Path | None, down: tuple[str, ...], as_json: bool) -> None:
    """Ping TARGET from SOURCE as Windows ping shows it.

    SOURCE and TARGET are named as for tracert: TARGET is an address, an endpoint name or a
    names record.

    Unlike Windows, the exit code is 0 only when an echo reply came back from the target: a
    "Destination host unreachable" reply is a failure.
    """
    network, sender, goal = probe_ends(topology, down, source, target, windows.unresolved_ping,
                                       as_json)
    result = network.prober.ping(sender, goal.address, count, size, timeout, ttl)
    if as_json:
        from azint.render import jsonout

        output(jsonout.ping_json(result, network.topology.name, goal.name, down))
    else:
        output(windows.ping_text(result, goal.name))
    raise SystemExit(ExitCode.OK if result.echo_replies else ExitCode.UNREACHED)
