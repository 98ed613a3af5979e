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
          "VPN transit); + = crossed in this order; no = no echo reply")


def _text(matrix: Matrix, source: str, target: str) -> str:
    return "-" if source == target else matrix.cell(source, target).text


def _shown(matrix: Matrix, source: str, target: str) -> Shown:
    if source == target:
        return Shown("-", "dim")
    cell = matrix.cell(source, target)
    return Shown(cell.text, "green" if cell.reachable else "bold red")


def matrix_document(matrix: Matrix, down: tuple[str, ...]) -> list[Block]:
    title = "Reachability: ping from each row's first endpoint to each column's"
    if down:
        title += f" (down: {', '.join(down)})"
    rows = [(Shown(s, "bold"), *(_shown(matrix, s, t) for t in matrix.networks))
            for s in matrix.networks]
    return [Heading(title), table((CORNER, *matrix.networks), rows), Paragraph(LEGEND, "dim")]


def matrix_csv(matrix: Matrix) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((CORNER, *matrix.networks))
    for source in matrix.networks:
        writer.writerow((source, *(_text(matrix, source, t) for t in matrix.networks)))
    return buffer.getvalue()


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {"source": cell.source, "target": cell.target, "reachable": cell.reachable,
            "delivered": cell.delivered, "text": cell.text,
            "mechanisms": [{"kind": m.kind, "name": m.name, "token": m.token}
                           for m in cell.mechanisms],
            "reason": cell.reason or None}


def matrix_json(topology: str, matrix: Matrix, down: tuple[str, ...]) -> str:
    return dumps({"command": "matrix", "topology": topology, "down": list(down),
                  "networks": list(matrix.networks),
                  "cells": [_cell_json(c) for c in matrix.cells.values()]})
