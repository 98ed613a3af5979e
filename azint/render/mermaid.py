"""A ``Diagram`` as a Mermaid flowchart, which GitHub, Azure DevOps and Markdown tools render.

Groups become nested subgraphs, node kinds Mermaid shapes, edge kinds colours (``linkStyle``).
What is down is struck through (``<s>``) and dashed; the path is drawn as numbered thick arrows
over the network, its hops marked by class (answered, timed out, dropped). Names are written as
Mermaid entity codes where they hold a character Mermaid would read as syntax.
"""

from __future__ import annotations

from collections.abc import Iterator

from azint.render.diagram_graph import (
    COLOURS,
    PATH_COLOUR,
    PATH_COLOURS,
    Diagram,
    Edge,
    Group,
    GroupKey,
    Ids,
    Line,
    Mark,
    Node,
    NodeKind,
    PathEdge,
)

SHAPES = {
    NodeKind.ENDPOINT: ("(", ")"), NodeKind.APPLIANCE: ("[[", "]]"), NodeKind.VNET: ("[", "]"),
    NodeKind.ROUTE_SERVER: ("[/", "/]"), NodeKind.ER_GATEWAY: ("{{", "}}"),
    NodeKind.VPN_GATEWAY: ("{{", "}}"), NodeKind.CIRCUIT: ("[(", ")]"),
    NodeKind.ROUTER: ("[/", "\\]"),
}
CLASSES = (
    ("down", "stroke-dasharray:5 5,stroke:#9e9e9e,color:#757575"),
    ("path", "stroke:#1565c0,stroke-width:2px"),
    ("answered", "stroke:#1565c0,stroke-width:3px,fill:#e3f2fd"),
    ("timeout", "stroke:#ef6c00,stroke-width:3px,stroke-dasharray:4 3,fill:#fff3e0"),
    ("drop", "stroke:#c62828,stroke-width:3px,fill:#ffebee"),
)
MARK_CLASSES = {Mark.PATH: "path", Mark.ANSWERED: "answered", Mark.TIMEOUT: "timeout",
                Mark.DROP: "drop"}
_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "|": "#124;"}


def mermaid(diagram: Diagram) -> str:
    """The flowchart's text (ends with a newline)."""
    ids = Ids(diagram)
    lines = [f"%% azint diagram of {_comment(diagram.title)}",
             *(f"%% {_comment(text)}" for text in diagram.caption), "flowchart LR"]
    lines.extend(_groups(diagram, ids, None, 1))
    lines.extend(f"  {_node(n, ids)}" for n in diagram.nodes if n.group is None)
    lines.extend(f"  {_edge(e, ids)}" for e in diagram.edges)
    lines.extend(f"  {_path_edge(p, ids)}" for p in diagram.path)
    lines.extend(_styles(diagram, ids))
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return " ".join(text.split())


def _groups(diagram: Diagram, ids: Ids, parent: GroupKey | None, depth: int) -> Iterator[str]:
    pad = "  " * depth
    for group in (g for g in diagram.groups if g.parent == parent):
        yield f'{pad}subgraph {ids.group(group.key)}["{_label(group.label)}"]'
        yield from _groups(diagram, ids, group.key, depth + 1)
        yield from (f"{pad}  {_node(n, ids)}" for n in diagram.nodes if n.group == group.key)
        yield f"{pad}end"


def _node(node: Node, ids: Ids) -> str:
    opening, closing = SHAPES[node.key.kind]
    label = node.label if not node.down else tuple(Line(x.text, True) for x in node.label)
    return f'{ids.node(node.key)}{opening}"{_label(label)}"{closing}'


def _edge(edge: Edge, ids: Ids) -> str:
    link = "-.-" if edge.down else "---"
    text = f'|"{_label(edge.label)}"|' if edge.label else ""
    return f"{ids.node(edge.a)} {link}{text} {ids.node(edge.b)}"


def _path_edge(step: PathEdge, ids: Ids) -> str:
    return f'{ids.node(step.a)} ==>|"{step.text}"| {ids.node(step.b)}'


def _label(lines: tuple[Line, ...] | list[Line]) -> str:
    return "<br/>".join(f"<s>{_escaped(x.text)}</s>" if x.struck else _escaped(x.text)
                        for x in lines)


def _escaped(text: str) -> str:
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def _styles(diagram: Diagram, ids: Ids) -> Iterator[str]:
    for name, style in CLASSES:
        yield f"  classDef {name} {style}"
    for group in diagram.groups:
        yield f"  style {ids.group(group.key)} {_group_style(group)}"
    down = [ids.node(n.key) for n in diagram.nodes if n.down]
    if down:
        yield f"  class {','.join(down)} down"
    for mark, name in MARK_CLASSES.items():
        marked = [ids.node(n.key) for n in diagram.nodes if n.mark is mark]
        if marked:
            yield f"  class {','.join(marked)} {name}"
    yield from _link_styles(diagram)


def _group_style(group: Group) -> str:
    fills = {1: "#f5f9ff", 2: "#ffffff", 3: "#f7f7f7"}
    return f"fill:{fills[group.key.kind]},stroke:#90a4ae"


def _link_styles(diagram: Diagram) -> Iterator[str]:
    """One ``linkStyle`` per style, naming its edges by index (the order they were written)."""
    styles: dict[str, list[str]] = {}
    for index, edge in enumerate(diagram.edges):
        colour = "#bdbdbd" if edge.down else COLOURS[edge.kind]
        dashes = ",stroke-dasharray:5 5" if edge.down else ""
        styles.setdefault(f"stroke:{colour}{dashes}", []).append(str(index))
    start = len(diagram.edges)
    for offset, step in enumerate(diagram.path):
        colour = PATH_COLOURS.get(step.into, PATH_COLOUR)
        styles.setdefault(f"stroke:{colour},stroke-width:3px", []).append(str(start + offset))
    for style, indices in styles.items():
        yield f"  linkStyle {','.join(indices)} {style}"
