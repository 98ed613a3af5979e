"""``azint matrix`` as a table (rich on terminals), CSV, Markdown, an HTML page and JSON.

Legend of a cell: ``peering`` a VNet peering; ``vpn`` a VPN connection; a circuit's name (``er1``)
that ExpressRoute circuit; ``NET-er-gw`` / ``NET-vpn-gw`` a gateway of VNet NET, NET being
neither end (gateway transit or VPN transit); ``+`` joins them in the order the packet crosses
them; ``no`` no echo reply.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from html import escape

from azint.data.matrix import Cell, Matrix
from azint.render.jsonout import dumps
from azint.render.tables import Block, Heading, Paragraph, Table
from azint.render.tables import Cell as Shown

CORNER = "from \\ to"
LEGEND = ("peering = VNet peering; vpn = VPN connection; a circuit's name (er1) = that "
          "ExpressRoute circuit; "
          "NET-er-gw / NET-vpn-gw = gateway of VNet NET when NET is neither end (gateway or "
          "VPN transit); nva:NAME = virtual appliance NAME; + = crossed in this order; "
          "no = no echo reply; no endpoint = the network has no endpoint to ping from or to")
NO_ENDPOINT = "no endpoint"


def _text(matrix: Matrix, source: str, target: str) -> str:
    if source == target:
        return "-"
    text = matrix.text(source, target)
    return NO_ENDPOINT if text is None else text


def _texts(matrix: Matrix, source: str) -> list[str]:
    """A row's texts, as ``_text`` gives each."""
    return [("-" if target == source else NO_ENDPOINT) if text is None else text
            for target, text in zip(matrix.listed, matrix.texts(source), strict=True)]


def _shown(text: str, made: dict[str, Shown]) -> Shown:
    """A cell's text styled (each distinct text styled once: a large matrix is mostly "no")."""
    found = made.get(text)
    if found is None:
        style = "dim" if text in ("-", NO_ENDPOINT) else "bold red" if text == "no" else "green"
        found = made[text] = Shown(text, style)
    return found


def _title(down: tuple[str, ...]) -> str:
    title = "Reachability: ping from each row's first endpoint to each column's"
    return title + (f" (down: {', '.join(down)})" if down else "")


def matrix_document(matrix: Matrix, down: tuple[str, ...]) -> list[Block]:
    title = _title(down)
    names = matrix.listed
    made: dict[str, Shown] = {}
    rows = tuple((Shown(s, "bold"), *[made[t] if t in made else _shown(t, made)
                                      for t in _texts(matrix, s)]) for s in names)
    return [Heading(title), Table((CORNER, *names), rows), Paragraph(LEGEND, "dim")]


def matrix_csv(matrix: Matrix) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = matrix.listed
    writer.writerow((CORNER, *names))
    for source in names:
        writer.writerow((source, *_texts(matrix, source)))
    return buffer.getvalue()


def matrix_json(topology: str, matrix: Matrix, down: tuple[str, ...]) -> str:
    """The matrix as JSON (``json.dumps`` with an indent of 2, as every document): the cells
    written one by one as they are made, not gathered into one structure first (a landing
    zone's 282,492 cells are 74 MB of text)."""
    head = dumps({"command": "matrix", "topology": topology, "down": list(down),
                  "networks": list(matrix.networks), "no_endpoint": list(matrix.no_endpoint),
                  "cells": []})
    assert head.endswith('"cells": []\n}\n')
    cells = [_cell_text(cell) for cell in matrix.each_cell()]
    if not cells:
        return head
    return head[:-5] + "[\n" + ",\n".join(cells) + "\n  ]\n}\n"


def _cell_text(cell: Cell) -> str:
    """One cell as ``json.dumps`` writes it inside the document (indented by 4)."""
    text = json.dumps
    if cell.mechanisms:
        crossed = ",\n".join(
            f'        {{\n          "kind": {text(m.kind)},\n          "name": {text(m.name)},\n'
            f'          "token": {text(m.token)}\n        }}' for m in cell.mechanisms)
        mechanisms = f"[\n{crossed}\n      ]"
    else:
        mechanisms = "[]"
    reason = text(cell.reason) if cell.reason else "null"
    return (f'    {{\n      "source": {text(cell.source)},\n      "target": {text(cell.target)},\n'
            f'      "reachable": {"true" if cell.reachable else "false"},\n'
            f'      "delivered": {"true" if cell.delivered else "false"},\n'
            f'      "text": {text(cell.text)},\n      "mechanisms": {mechanisms},\n'
            f'      "reason": {reason}\n    }}')


# -- Markdown and HTML: tables a person can paste into a review or open ------------------------

_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|#")


def _md(text: str) -> str:
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def matrix_markdown(matrix: Matrix, down: tuple[str, ...]) -> str:
    """A GitHub-flavoured Markdown table; an unreachable cell in bold (**no**)."""
    names = matrix.listed
    lines = [f"**{_md(_title(down))}**", "", f"| {_md(CORNER)} | {' | '.join(map(_md, names))} |",
             "|" + "---|" * (len(names) + 1)]
    for source in names:
        cells = [_markdown_cell(matrix, source, target) for target in names]
        lines.append(f"| **{_md(source)}** | {' | '.join(cells)} |")
    return "\n".join([*lines, "", _md(LEGEND)]) + "\n"


def _markdown_cell(matrix: Matrix, source: str, target: str) -> str:
    text = _md(_text(matrix, source, target))
    return f"**{text}**" if _outcome(matrix, source, target) in ("lost", "dropped") else text


def _outcome(matrix: Matrix, source: str, target: str) -> str:
    """What a cell shows happened: reached, lost (delivered, the reply does not come back),
    dropped, or none (the diagonal and networks without an endpoint)."""
    cell = matrix.find(source, target)
    if cell is None:
        return "none"
    if cell.reachable:
        return "reached"
    return "lost" if cell.delivered else "dropped"


_HTML_STYLE = """\
body { font-family: system-ui, sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #cfd8dc; padding: 0.3em 0.7em; text-align: left; }
th { background: #eceff1; }
td.reached { background: #e8f5e9; color: #1b5e20; }
td.lost { background: #fff3e0; color: #e65100; font-weight: bold; }
td.dropped { background: #ffebee; color: #b71c1c; font-weight: bold; }
td.none { background: #fafafa; color: #9e9e9e; }"""
_KEY = (("reached", "an echo reply comes back: what the packets cross"),
        ("lost", "the packet is delivered, but its echo reply does not come back"),
        ("dropped", "the packet does not reach the target"),
        ("none", "the network itself, or a network without an endpoint"))


def matrix_html(matrix: Matrix, down: tuple[str, ...]) -> str:
    """A standalone HTML page: the table, each cell coloured by its outcome (the reason of a
    failure as the cell's tooltip), a colour key and the legend."""
    names = matrix.listed
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = "".join(f"<tr><th>{escape(s)}</th>{_html_row(matrix, s)}</tr>\n" for s in names)
    key = "".join(f'<tr><td class="{c}">{c}</td><td>{escape(t)}</td></tr>' for c, t in _KEY)
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(_title(down))}</title>\n<style>\n{_HTML_STYLE}\n</style>\n</head>\n"
            f"<body>\n<h1>{escape(_title(down))}</h1>\n<table>\n<thead><tr><th>{escape(CORNER)}"
            f"</th>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
            f"<p>{escape(LEGEND)}</p>\n<table class=\"key\">{key}</table>\n</body>\n</html>\n")


def _html_row(matrix: Matrix, source: str) -> str:
    cells = []
    for target in matrix.listed:
        cell = matrix.find(source, target)
        tip = f' title="{escape(cell.reason)}"' if cell is not None and cell.reason else ""
        cells.append(f'<td class="{_outcome(matrix, source, target)}"{tip}>'
                     f"{escape(_text(matrix, source, target))}</td>")
    return "".join(cells)


MATRIX_TONGUES: dict[str, Callable[[Matrix, tuple[str, ...]], str]] = {
    "csv": lambda matrix, down: matrix_csv(matrix),
    "markdown": matrix_markdown,
    "html": matrix_html,
}
