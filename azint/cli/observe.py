"""Observe commands: the control plane's tables (``routes``, ``bgp``), ``matrix`` and ``explain``."""

from __future__ import annotations

from pathlib import Path

import click

from azint.cli.options import emit, model_options, output
from azint.errors import UsageError


@click.command()
@click.option("--subnet", metavar="NAME", help="VNet: the subnet whose routes to show. "
              "[default: the subnet of the network's first endpoint]")
@click.option("--router", metavar="NAME", help="On-premises: only this router.")
@model_options
@click.argument("name", metavar="NETWORK")
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
        emit(as_json, lambda: routing.vnet_routes_json(title, name, chosen, rows),
             lambda: routing.vnet_routes_document(name, chosen, rows))
        return
    if subnet is not None:
        raise UsageError(f"--subnet applies to VNets; '{name}' is an on-premises site")
    views = show.router_views(plane, name, router)
    emit(as_json, lambda: routing.router_json(title, name, views),
         lambda: routing.router_document(views))


@click.command()
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
    from azint.control import show
    from azint.network import Network
    from azint.render import routing

    network = Network.open(topology, down)
    plane, title = network.plane, network.topology.name
    if name in network.topology.circuits:
        rows = show.circuit_table(plane, name, role)
        emit(as_json, lambda: routing.circuit_json(title, name, role, rows),
             lambda: routing.circuit_document(name, role, rows))
        return
    speaker = show.gateway_speaker(plane, name)
    learned = show.learned_routes(plane, speaker)
    advertised = show.advertised_routes(plane, speaker)
    emit(as_json,
         lambda: routing.gateway_json(title, speaker.id, speaker.asn, learned, advertised),
         lambda: routing.gateway_document(speaker.id, speaker.asn, learned, advertised))


@click.command("matrix")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@model_options
def matrix(as_csv: bool, topology: Path | None, down: tuple[str, ...], as_json: bool) -> None:
    """Show who reaches whom: every network's first endpoint pinged from every other's, and
    what the packets cross (peering, vpn, circuits, transit gateways)."""
    from azint.data.matrix import reachability
    from azint.network import Network
    from azint.render import matrix as tables

    network = Network.open(topology, down)
    found = reachability(network.prober)
    if as_csv and not as_json:
        output(tables.matrix_csv(found))
        return
    emit(as_json, lambda: tables.matrix_json(network.topology.name, found, down),
         lambda: tables.matrix_document(found, down))


@click.command()
@model_options
@click.argument("source")
@click.argument("target")
def explain(source: str, target: str, topology: Path | None, down: tuple[str, ...],
            as_json: bool) -> None:
    """Explain the path from SOURCE to TARGET: the route behind each step, why hops time out,
    and why a packet is dropped (where the route stopped propagating, and by which rule)."""
    from azint.data.endpoints import resolve_source, resolve_target
    from azint.data.explain import explain as explain_trace
    from azint.network import Network
    from azint.render import explain as explained

    network = Network.open(topology, down)
    sender = resolve_source(network.topology, source)
    goal = resolve_target(network.topology, target)
    reasons = explain_trace(network.prober, sender, goal.address)
    if as_json:
        output(explained.explanation_json(network.topology.name, reasons))
    else:
        output(explained.explain_text(reasons))
