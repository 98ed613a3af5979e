"""A ``Diagram`` in Graphviz DOT, and DOT drawn as SVG by Graphviz's ``dot`` when it is installed.

Groups become nested clusters, node kinds Graphviz shapes, edge kinds colours; labels are
HTML-like so that what is down can be struck through (``<S>``) as well as dashed. The path is
drawn as numbered bold arrows that do not move the layout (``constraint=false``), so the network
keeps its shape with or without a path over it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from html import escape

from azint.errors import AzintError
from azint.render.diagram_graph import (
    COLOURS,
    PATH_COLOUR,
    PATH_COLOURS,
    Diagram,
    Edge,
    GroupKey,
    Ids,
    Line,
    Mark,
    Node,
    NodeKind,
    PathEdge,
)

SHAPES = {
    NodeKind.ENDPOINT: "box", NodeKind.APPLIANCE: "box3d", NodeKind.VNET: "box",
    NodeKind.ROUTE_SERVER: "parallelogram", NodeKind.ER_GATEWAY: "hexagon",
    NodeKind.VPN_GATEWAY: "hexagon", NodeKind.CIRCUIT: "cylinder", NodeKind.ROUTER: "trapezium",
}
FILLS = {
    NodeKind.ENDPOINT: "#ffffff", NodeKind.APPLIANCE: "#fffde7", NodeKind.VNET: "#e8eaf6",
    NodeKind.ROUTE_SERVER: "#ede7f6", NodeKind.ER_GATEWAY: "#fff3e0",
    NodeKind.VPN_GATEWAY: "#f3e5f5", NodeKind.CIRCUIT: "#fff8e1", NodeKind.ROUTER: "#eceff1",
}
MARK_STYLES = {
    Mark.PATH: 'color="#1565c0", penwidth=2',
    Mark.ANSWERED: 'color="#1565c0", penwidth=3, fillcolor="#e3f2fd"',
    Mark.TIMEOUT: 'color="#ef6c00", penwidth=3, style="rounded,filled,dashed", fillcolor="#fff3e0"',
    Mark.DROP: 'color="#c62828", penwidth=3, fillcolor="#ffebee"',
}
HEAD = (
    "  graph [rankdir=LR, newrank=true, nodesep=0.3, ranksep=0.6, fontname=\"Helvetica\", "
    "fontsize=11, labeljust=l]",
    "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, "
    "margin=\"0.1,0.05\"]",
    "  edge [dir=none, fontname=\"Helvetica\", fontsize=9]",
)


def dot(diagram: Diagram) -> str:
    """The graph's DOT text (ends with a newline)."""
    ids = Ids(diagram)
    lines = [f"digraph {_quoted(diagram.title)} {{", *HEAD]
    if diagram.caption:
        caption = "".join(f'{escape(t)}<BR ALIGN="LEFT"/>' for t in diagram.caption)
        lines.append(f"  label=<{caption}>; labelloc=b")
    lines.extend(_clusters(diagram, ids, None, 1))
    lines.extend(f"  {_node(n, ids)}" for n in diagram.nodes if n.group is None)
    lines.extend(f"  {_edge(e, ids)}" for e in diagram.edges)
    lines.extend(f"  {_path_edge(p, ids)}" for p in diagram.path)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _clusters(diagram: Diagram, ids: Ids, parent: GroupKey | None, depth: int) -> Iterator[str]:
    pad = "  " * depth
    for group in (g for g in diagram.groups if g.parent == parent):
        yield f"{pad}subgraph cluster_{ids.group(group.key)} {{"
        fill = {1: "#f5f9ff", 2: "#ffffff", 3: "#f7f7f7"}[group.key.kind]
        yield f'{pad}  label=<{_html(group.label)}>; style="rounded,filled"; ' \
              f'fillcolor="{fill}"; color="#90a4ae"; labelloc=t'
        yield from _clusters(diagram, ids, group.key, depth + 1)
        yield from (f"{pad}  {_node(n, ids)}" for n in diagram.nodes if n.group == group.key)
        yield f"{pad}}}"


def _node(node: Node, ids: Ids) -> str:
    label = node.label if not node.down else [Line(x.text, True) for x in node.label]
    attributes = [f"label=<{_html(label)}>", f"shape={SHAPES[node.key.kind]}",
                  f'fillcolor="{FILLS[node.key.kind]}"']
    if node.down:
        attributes.append('style="rounded,filled,dashed", color="#9e9e9e", fontcolor="#757575"')
    if node.mark is not Mark.NONE:
        attributes.append(MARK_STYLES[node.mark])
    return f"{ids.node(node.key)} [{', '.join(attributes)}]"


def _edge(edge: Edge, ids: Ids) -> str:
    colour = "#bdbdbd" if edge.down else COLOURS[edge.kind]
    attributes = [f'color="{colour}"']
    if edge.label:
        attributes.append(f"label=<{_html(edge.label)}>")
    if edge.down:
        attributes.append('style=dashed, fontcolor="#757575"')
    return f"{ids.node(edge.a)} -> {ids.node(edge.b)} [{', '.join(attributes)}]"


def _path_edge(step: PathEdge, ids: Ids) -> str:
    colour = PATH_COLOURS.get(step.into, PATH_COLOUR)
    return (f'{ids.node(step.a)} -> {ids.node(step.b)} [dir=forward, constraint=false, '
            f'color="{colour}", fontcolor="{colour}", penwidth=3, '
            f'label=<<B>{step.text}</B>>]')


def _html(lines: tuple[Line, ...] | list[Line]) -> str:
    return "<BR/>".join(f"<S>{escape(x.text)}</S>" if x.struck else escape(x.text)
                        for x in lines)


class GraphvizMissing(AzintError):
    """``--format svg`` asked for, but Graphviz's ``dot`` is not installed."""


def svg(text: str) -> str:
    """``text`` (DOT) drawn as SVG by Graphviz's ``dot``."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing("--format svg needs Graphviz's 'dot' program, which is not on PATH "
                              "(install graphviz, e.g. 'apt-get install graphviz'), or use "
                              "--format dot")
    done = subprocess.run([program, "-Tsvg"], input=text, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise AzintError(f"Graphviz's dot failed: {' '.join(done.stderr.split())}")
    return done.stdout
