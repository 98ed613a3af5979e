"""Probe commands between two endpoints of the network: Windows ``tracert`` and ``ping``, Linux
``traceroute`` and ``mtr --report``; ``ping`` speaks the source's tongue (``--style``).

``tracert`` stays Windows' even from a Linux source: it is the Windows command, and a Linux
user types ``traceroute``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from azint.cli.options import (
    Complaint,
    complete_source,
    complete_target,
    diagram_option,
    epilog,
    model_options,
    output,
    probe_ends,
    text_width,
)
from azint.errors import ExitCode
from azint.render import windows

if TYPE_CHECKING:
    from azint.topology.model import Endpoint


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
@diagram_option
@model_options
@click.argument("source", shell_complete=complete_source)
@click.argument("target", shell_complete=complete_target)
def tracert(source: str, target: str, no_names: bool, max_hops: int, timeout: int,
            with_reasons: bool, with_diagram: bool, topology: Path | None,
            down: tuple[str, ...], as_json: bool) -> None:
    """Trace the route from SOURCE to TARGET as Windows tracert shows it.

    SOURCE is a network (its first endpoint), an endpoint name or an endpoint address; TARGET is
    an address, an endpoint name or the name of a record in the topology's names list
    ('azint list' shows them all).
    """
    network, sender, goal = probe_ends(topology, down, source, target,
                                       lambda _, name: Complaint(windows.unresolved_tracert(name)),
                                       as_json)
    result = network.prober.tracert(sender, goal.address, max_hops, timeout)
    names = {} if no_names else network.topology.names
    reasons = None
    if with_reasons:  # imported only when asked: a plain trace starts faster
        from azint.data.explain import explain as explain_trace
        from azint.render import explain as explained

        reasons = explain_trace(network.prober, sender, goal.address, result)
    if with_diagram:
        from azint.cli.picture import drawing  # the picture code only when asked for
    if as_json:
        from azint.render import jsonout

        document = jsonout.tracert_document(result, network.topology.name, goal.name, down)
        if reasons is not None:
            document["explain"] = explained.explanation_document(reasons)
        if with_diagram:
            document["diagram"] = drawing(network, result)
        output(jsonout.dumps(document))
    else:
        output(windows.tracert_text(result, names, goal.name))
        if reasons is not None:
            output("\n" + explained.explain_text(reasons, text_width()))
        if with_diagram:
            output("\n" + drawing(network, result))
    raise SystemExit(ExitCode.OK if result.reached else ExitCode.UNREACHED)


@click.command(epilog=epilog(
    ["azint ping branch 10.1.31.10",
     "azint ping -n 2 -i 1 location1 10.10.30.4      # TTL 1: expires in transit",
     "azint ping --style linux -c 3 hub 10.2.30.10   # iputils ping text",
     "azint ping hub loc1-vm --json"],
    "0   at least one echo reply came from the target",
    "1   no echo reply from the target"))
@click.option("-n", "-c", "count", type=click.IntRange(1, 10_000), default=4, show_default=True,
              help="Number of echo requests to send (-c as on Linux).")
@click.option("-l", "-s", "size", type=click.IntRange(0, 65_500), default=None,
              help="Send buffer size in bytes (-s as on Linux). [default: Windows 32, Linux 56]")
@click.option("-w", "timeout", type=click.IntRange(1, 600_000), default=4000, show_default=True,
              help="Timeout in milliseconds to wait for each reply.")
@click.option("-i", "ttl", type=click.IntRange(1, 255), default=None,
              help="Time To Live. [default: the source's OS: Windows 128, Linux 64]")
@click.option("--style", type=click.Choice(["windows", "linux"]), default=None,
              help="Print Windows ping or Linux (iputils) ping text. [default: the source's OS]")
@model_options
@click.argument("source", shell_complete=complete_source)
@click.argument("target", shell_complete=complete_target)
def ping(source: str, target: str, count: int, size: int | None, timeout: int,
         ttl: int | None, style: str | None, topology: Path | None, down: tuple[str, ...],
         as_json: bool) -> None:
    """Ping TARGET from SOURCE as Windows ping shows it (iputils ping from a Linux source).

    SOURCE and TARGET are named as for tracert: TARGET is an address, an endpoint name or a
    names record. -i stays Windows' TTL, also in Linux style.

    Unlike Windows, the exit code is 0 only when an echo reply came back from the target: a
    "Destination host unreachable" reply is a failure.
    """
    from azint.render import linux as linux_text

    def unresolved(sender: Endpoint, name: str) -> Complaint:
        if (style or sender.os) == "linux":
            return Complaint(linux_text.unresolved_ping(name), on_stderr=True)
        return Complaint(windows.unresolved_ping(name))

    network, sender, goal = probe_ends(topology, down, source, target, unresolved, as_json)
    linux = (style or sender.os) == "linux"
    size = size if size is not None else 56 if linux else 32
    result = network.prober.ping(sender, goal.address, count, size, timeout, ttl)
    if as_json:
        from azint.render import jsonout

        output(jsonout.ping_json(result, network.topology.name, goal.name, down))
    elif linux:
        output(linux_text.ping_text(result, network.topology.names, goal.name))
    else:
        output(windows.ping_text(result, goal.name))
    raise SystemExit(ExitCode.OK if result.echo_replies else ExitCode.UNREACHED)


@click.command(epilog=epilog(
    ["azint traceroute hub 10.2.30.10",
     "azint traceroute -I -n location1 hub-vm        # ICMP echoes, addresses only",
     "azint traceroute -q 1 -m 5 spoke 10.11.30.68",
     "azint traceroute branch 10.10.30.4 --json"],
    "0   the target answered",
    "1   the target did not answer"))
@click.option("-I", "--icmp", "icmp", is_flag=True,
              help="Probe with ICMP echo requests instead of UDP datagrams.")
@click.option("-n", "numeric", is_flag=True, help="Print hop addresses numerically, no names.")
@click.option("-m", "--max-hops", "max_hops", type=click.IntRange(1, 255), default=30,
              show_default=True, help="Maximum number of hops (the largest TTL probed).")
@click.option("-q", "--queries", "queries", type=click.IntRange(1, 10), default=3,
              show_default=True, help="Number of probes per hop.")
@click.option("-w", "--wait", "wait", type=click.FloatRange(0, 600), default=5.0,
              show_default=True, help="Seconds to wait for each probe's answer.")
@click.option("-f", "--first", "first_ttl", type=click.IntRange(1, 255), default=1,
              show_default=True, help="The TTL to start with.")
@click.option("-p", "--port", "port", type=click.IntRange(1, 65_535), default=33_434,
              show_default=True, help="UDP: the first probe's destination port (one more per probe).")
@model_options
@click.argument("source", shell_complete=complete_source)
@click.argument("target", shell_complete=complete_target)
def traceroute(source: str, target: str, icmp: bool, numeric: bool, max_hops: int,
               queries: int, wait: float, first_ttl: int, port: int, topology: Path | None,
               down: tuple[str, ...], as_json: bool) -> None:
    """Trace the route from SOURCE to TARGET as Linux traceroute shows it.

    UDP probes to port 33434 and up by default, one port per probe, so equal-cost paths can
    spread the probes of one hop (each new address is printed before its time); -I sends
    ICMP echoes, which all take one path. SOURCE and TARGET are named as for tracert: TARGET is
    an address, an endpoint name or a names record.
    """
    from azint.data.linuxprobes import LinuxProber
    from azint.render import jsonout
    from azint.render import linux as linux_text

    if first_ttl > max_hops:
        raise click.BadParameter(f"first TTL {first_ttl} is beyond the maximum {max_hops}",
                                 param_hint="'-f'")
    network, sender, goal = probe_ends(topology, down, source, target,
                                       lambda _, name: Complaint(
                                           linux_text.unresolved_traceroute(name), True),
                                       as_json)
    trace = LinuxProber(network.prober).traceroute(
        sender, goal.address, "icmp" if icmp else "udp", max_hops, queries, wait * 1000,
        first_ttl, port)
    if as_json:
        output(jsonout.dumps(jsonout.route_document(trace, "traceroute", network.topology.name,
                                                    goal.name, down)))
    else:
        output(linux_text.traceroute_text(trace, network.topology.names, goal.name, numeric))
    raise SystemExit(ExitCode.OK if trace.reached else ExitCode.UNREACHED)


@click.command(epilog=epilog(
    ["azint mtr --report hub 10.2.30.10",
     "azint mtr --report -c 20 -n branch 10.10.30.4",
     "azint mtr --report spoke 10.11.30.68 --json"],
    "0   the target answered at least once",
    "1   the target never answered"))
@click.option("-r", "--report", "report", is_flag=True,
              help="Report mode (the only one azint has: it is what a transcript can hold).")
@click.option("-c", "--report-cycles", "cycles", type=click.IntRange(1, 10_000), default=10,
              show_default=True, help="Number of pings sent to each hop.")
@click.option("-n", "--no-dns", "numeric", is_flag=True,
              help="Print hop addresses numerically, no names.")
@click.option("-m", "--max-ttl", "max_hops", type=click.IntRange(1, 255), default=30,
              show_default=True, help="Maximum number of hops probed.")
@click.option("-u", "--udp", "udp", is_flag=True,
              help="Probe with UDP datagrams (a port per probe: ECMP may spread them).")
@model_options
@click.argument("source", shell_complete=complete_source)
@click.argument("target", shell_complete=complete_target)
def mtr(source: str, target: str, report: bool, cycles: int, numeric: bool, max_hops: int,
        udp: bool, topology: Path | None, down: tuple[str, ...], as_json: bool) -> None:
    """Report loss and round-trip times to every hop from SOURCE to TARGET as mtr --report does.

    ICMP echoes (mtr's default), CYCLES rounds to every hop; the times are tracert's, one probe
    per cycle. -u sends UDP probes, a flow each: other routers that answered at a hop are
    listed under its row. SOURCE and TARGET are named as for tracert: TARGET is an address, an
    endpoint name or a names record.
    """
    from azint.data.linuxprobes import LinuxProber
    from azint.render import jsonout
    from azint.render import mtr as mtr_text

    del report  # accepted as mtr spells it: the report is azint's only mode
    network, sender, goal = probe_ends(topology, down, source, target,
                                       lambda _, name: Complaint(mtr_text.unresolved_mtr(name), True),
                                       as_json)
    trace = LinuxProber(network.prober).mtr(sender, goal.address, cycles, max_hops,
                                            protocol="udp" if udp else "icmp")
    if as_json:
        output(jsonout.dumps(jsonout.route_document(trace, "mtr", network.topology.name,
                                                    goal.name, down)))
    else:
        output(mtr_text.report_text(trace, sender.name, network.topology.names, numeric))
    answered = any(hop.reached for hop in trace.hops)
    raise SystemExit(ExitCode.OK if answered else ExitCode.UNREACHED)
