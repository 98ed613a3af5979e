"""``azint matrix`` as a table (rich on terminals), CSV and JSON.

Legend of a cell: ``peering`` a VNet peering; ``vpn`` a VPN connection; a circuit's name (``er1``)
that ExpressRoute circuit; ``NET-er-gw`` / ``NET-vpn-gw`` a gateway of VNet NET, NET being
neither end (gateway transit or VPN transit); ``+`` joins them in the order the packet crosses
them; ``no`` no echo reply.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from azint.data.matrix import Cell, Matrix
from azint.render.jsonout import dumps
from azint.render.tables import Block, Heading, Paragraph, table
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
    if (source, target) not in matrix.cells:
        return NO_ENDPOINT
    return matrix.cell(source, target).text


def _shown(matrix: Matrix, source: str, target: str) -> Shown:
    text = _text(matrix, source, target)
    if text in ("-", NO_ENDPOINT):
        return Shown(text, "dim")
    return Shown(text, "green" if matrix.cell(source, target).reachable else "bold red")


def matrix_document(matrix: Matrix, down: tuple[str, ...]) -> list[Block]:
    title = "Reachability: ping from each row's first endpoint to each column's"
    if down:
        title += f" (down: {', '.join(down)})"
    names = matrix.listed
    rows = [(Shown(s, "bold"), *(_shown(matrix, s, t) for t in names)) for s in names]
    return [Heading(title), table((CORNER, *names), rows), Paragraph(LEGEND, "dim")]


def matrix_csv(matrix: Matrix) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = matrix.listed
    writer.writerow((CORNER, *names))
    for source in names:
        writer.writerow((source, *(_text(matrix, source, t) for t in names)))
    return buffer.getvalue()


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {"source": cell.source, "target": cell.target, "reachable": cell.reachable,
            "delivered": cell.delivered, "text": cell.text,
            "mechanisms": [{"kind": m.kind, "name": m.name, "token": m.token}
                           for m in cell.mechanisms],
            "reason": cell.reason or None}


def matrix_json(topology: str, matrix: Matrix, down: tuple[str, ...]) -> str:
    return dumps({"command": "matrix", "topology": topology, "down": list(down),
                  "networks": list(matrix.networks), "no_endpoint": list(matrix.no_endpoint),
                  "cells": [_cell_json(c) for c in matrix.cells.values()]})
