"""Picture commands: ``diagram``, the network (and a trace's path over it) as a graph to draw.

``drawing`` is shared with ``tracert --diagram`` and ``explain --diagram``, which load this module
only when asked for a diagram.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from azint.cli.options import complete_source, epilog, model_options, output

if TYPE_CHECKING:
    from azint.data.probes import TraceResult
    from azint.network import Network

TONGUES = ("mermaid", "dot", "svg")


def drawing(network: Network, trace: TraceResult | None = None, tongue: str = "mermaid") -> str:
    """The network's diagram in ``tongue`` (or ``json``), with ``trace``'s path over it."""
    from azint.render import diagram_graph, dot, jsonout, mermaid

    written = network.written or network.topology
    picture = diagram_graph.topology_diagram(written, network.down)
    if trace is not None:
        picture = diagram_graph.path_diagram(picture, trace)
    if tongue == "json":
        return jsonout.dumps({"command": "diagram", "topology": written.name,
                              "down": sorted(network.down),
                              **diagram_graph.diagram_document(picture)})
    if tongue == "mermaid":
        return mermaid.mermaid(picture)
    text = dot.dot(picture)
    return dot.svg(text) if tongue == "svg" else text


@click.command(epilog=epilog(
    ["azint diagram > network.mmd                  # Mermaid: paste into Markdown",
     "azint diagram --format dot | dot -Tpng > network.png",
     "azint diagram --format svg --path hub 10.2.30.10 > path.svg",
     "azint diagram --path location1 hub-vm --down er1-primary"],
    "0   done"))
@click.option("--format", "tongue", type=click.Choice(TONGUES), default="mermaid",
              show_default=True, help="Mermaid flowchart, Graphviz DOT, or SVG drawn by "
              "Graphviz's dot (which must be installed).")
@click.option("--path", "ends", nargs=2, metavar="SOURCE TARGET", default=None,
              shell_complete=complete_source,
              help="Draw the path tracert takes from SOURCE to TARGET over the network: numbered "
                   "moves, each hop marked (answered or timed out), and where a packet is dropped.")
@model_options
def diagram(tongue: str, ends: tuple[str, str] | None, topology: Path | None,
            down: tuple[str, ...], as_json: bool) -> None:
    """Draw the network: VNets by region, gateways, circuits, sites and their routers, and every
    peering, connection and link; what is down struck through.

    SOURCE and TARGET of --path are named as for tracert. --format svg runs Graphviz's dot;
    without it on PATH, azint says so and exits 2. --json prints the graph itself (groups,
    nodes, edges, the path's moves) instead of a drawing.
    """
    from azint.data.endpoints import resolve_source, resolve_target
    from azint.network import Network

    network = Network.open(topology, down)
    trace = None
    if ends is not None:
        sender = resolve_source(network.topology, ends[0])
        goal = resolve_target(network.topology, ends[1])
        trace = network.prober.tracert(sender, goal.address)
    output(drawing(network, trace, "json" if as_json else tongue))
