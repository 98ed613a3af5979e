"""Observe commands: the control plane's tables (``routes``, ``bgp``), ``matrix``, ``explain``
and ``nsg``."""

from __future__ import annotations

from pathlib import Path

import click

from azint.cli.options import (
    complete_endpoint,
    complete_network,
    complete_source,
    complete_speaker,
    complete_target,
    diagram_option,
    emit,
    epilog,
    model_options,
    output,
    text_width,
)
from azint.errors import UsageError

DONE = "0   done"
MATRIX_FORMATS = ("table", "csv", "markdown", "html")


@click.command(epilog=epilog(
    ["azint routes hub", "azint routes hub --subnet GatewaySubnet",
     "azint routes location1 --router loc1-ce --down er1-primary", "azint routes spoke --json"],
    DONE))
@click.option("--subnet", metavar="NAME", help="VNet: the subnet whose routes to show. "
              "[default: the subnet of the network's first endpoint]")
@click.option("--router", metavar="NAME", help="On-premises: only this router.")
@model_options
@click.argument("name", metavar="NETWORK", shell_complete=complete_network)
def routes(name: str, subnet: str | None, router: str | None, topology: Path | None,
           down: tuple[str, ...], as_json: bool) -> None:
    """Show NETWORK's routes: a VNet's effective route table as Azure shows it, or each
    on-premises router's BGP best paths and routing table."""
    from azint.control import show
    from azint.network import Network
    from azint.render import routing

    network = Network.open(topology, down)
    plane, title = network.plane, network.topology.name
    if show.network_kind(network.topology, name) == "vnet":
        if router is not None:
            raise UsageError(f"--router applies to on-premises sites; '{name}' is a VNet")
        chosen = subnet or show.default_subnet(network.topology, name)
        rows = show.effective_routes(plane, name, chosen)
        emit(as_json, lambda: routing.vnet_routes_json(title, down, name, chosen, rows),
             lambda: routing.vnet_routes_document(name, chosen, rows))
        return
    if subnet is not None:
        raise UsageError(f"--subnet applies to VNets; '{name}' is an on-premises site")
    views = show.router_views(plane, name, router)
    emit(as_json, lambda: routing.router_json(title, down, name, views),
         lambda: routing.router_document(views))


@click.command(epilog=epilog(
    ["azint bgp er1", "azint bgp er1 --path secondary", "azint bgp hub        # its VPN gateway",
     "azint bgp ergw:hub --json"], DONE))
@click.option("--path", "role", type=click.Choice(["primary", "secondary"]), default="primary",
              show_default=True, help="Circuit: which link's edge router (MSEE) to show.")
@model_options
@click.argument("name", shell_complete=complete_speaker)
def bgp(name: str, role: str, topology: Path | None, down: tuple[str, ...],
        as_json: bool) -> None:
    """Show BGP routes: an ExpressRoute circuit's route table, or a gateway's learned and
    advertised routes.

    NAME is a circuit, a VNet (its VPN gateway), vpngw:VNET, ergw:VNET or
    routeserver:VNET (its Route Server).
    """
    from azint.control import show
    from azint.network import Network
    from azint.render import routing

    network = Network.open(topology, down)
    plane, title = network.plane, network.topology.name
    if name in network.topology.circuits:
        rows = show.circuit_table(plane, name, role)
        emit(as_json, lambda: routing.circuit_json(title, down, name, role, rows),
             lambda: routing.circuit_document(name, role, rows))
        return
    speaker = show.gateway_speaker(plane, name)
    learned = show.learned_routes(plane, speaker)
    advertised = show.advertised_routes(plane, speaker)
    emit(as_json,
         lambda: routing.gateway_json(title, down, speaker.id, speaker.asn, learned, advertised),
         lambda: routing.gateway_document(speaker.id, speaker.asn, learned, advertised))


@click.command("matrix", epilog=epilog(
    ["azint matrix", "azint matrix --down er1 --down er2", "azint matrix --csv > reach.csv",
     "azint matrix --format markdown > reach.md", "azint matrix --format html > reach.html"],
    DONE))
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table "
              "(as --format csv).")
@click.option("--format", "shape", type=click.Choice(MATRIX_FORMATS), default="table",
              show_default=True, help="A table (drawn on a terminal), CSV, a Markdown table, or "
              "an HTML page with each cell coloured by its outcome.")
@model_options
def matrix(as_csv: bool, shape: str, topology: Path | None, down: tuple[str, ...],
           as_json: bool) -> None:
    """Show who reaches whom: every network's first endpoint pinged from every other's, and
    what the packets cross (peering, vpn, circuits, transit gateways)."""
    from azint.data.matrix import reachability
    from azint.network import Network
    from azint.render import matrix as tables

    if as_csv and shape not in ("table", "csv"):
        raise UsageError(f"--csv and --format {shape} ask for two formats; give one")
    network = Network.open(topology, down)
    found = reachability(network.prober)
    shape = "csv" if as_csv else shape
    if shape != "table" and not as_json:
        output(tables.MATRIX_TONGUES[shape](found, down))
        return
    emit(as_json, lambda: tables.matrix_json(network.topology.name, found, down),
         lambda: tables.matrix_document(found, down))


@click.command(epilog=epilog(
    ["azint explain branch 10.17.30.4", "azint explain location1 hub-vm --down er1-primary",
     "azint explain spoke 10.2.30.10 --json"], DONE))
@diagram_option
@model_options
@click.argument("source", shell_complete=complete_source)
@click.argument("target", shell_complete=complete_target)
def explain(source: str, target: str, with_diagram: bool, topology: Path | None,
            down: tuple[str, ...], as_json: bool) -> None:
    """Explain the path from SOURCE to TARGET: the route behind each step, why hops time out,
    and why a packet is dropped (where the route stopped propagating, and by which rule).

    SOURCE and TARGET are named as for tracert: TARGET is an address, an endpoint name or a
    names record. The text wraps to the terminal's width.
    """
    from azint.data.endpoints import resolve_source, resolve_target
    from azint.data.explain import explain as explain_trace
    from azint.network import Network
    from azint.render import explain as explained

    network = Network.open(topology, down)
    sender = resolve_source(network.topology, source)
    goal = resolve_target(network.topology, target)
    reasons = explain_trace(network.prober, sender, goal.address)
    picture = None
    if with_diagram:
        from azint.cli.picture import drawing  # the picture code only when asked for

        picture = drawing(network, reasons.trace)
    if as_json:
        output(explained.explanation_json(network.topology.name, reasons, down, picture))
    else:
        output(explained.explain_text(reasons, text_width()))
        if picture is not None:
            output("\n" + picture)


@click.command(epilog=epilog(
    ["azint nsg hub", "azint nsg hub --endpoint hub-vm --json",
     "azint nsg --topology my-network.yaml app --subnet web"],
    DONE))
@click.option("--subnet", metavar="NAME", help="The subnet whose first VM to show (a subnet "
              "without VMs shows its own NSG). [default: the network's first VM]")
@click.option("--endpoint", metavar="NAME", shell_complete=complete_endpoint,
              help="The VM whose NIC to show.")
@model_options
@click.argument("name", metavar="NETWORK", shell_complete=complete_network)
def nsg(name: str, subnet: str | None, endpoint: str | None, topology: Path | None,
        down: tuple[str, ...], as_json: bool) -> None:
    """Show a VM's effective security rules in VNet NETWORK, as az network nic
    list-effective-nsg does: the NSGs of its subnet and NIC, each rule in the order Azure
    tries them (Azure's default rules included), and what the service tags hold."""
    from azint.control import show
    from azint.network import Network
    from azint.render import security

    network = Network.open(topology, down)
    if show.network_kind(network.topology, name) != "vnet":
        raise UsageError(f"network security groups filter VMs in VNets; '{name}' is an "
                         f"on-premises site")
    view = show.security_view(network.plane, name, subnet, endpoint)
    emit(as_json, lambda: security.nsg_json(network.topology.name, down, view),
         lambda: security.nsg_document(view))

