"""``azint list``: what a topology holds, as tables and JSON.

Networks, endpoints, ``names`` records, and every link and connection ``--down`` accepts with
its kind and state (down in the file or by ``--down``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from azint.render.jsonout import dumps
from azint.render.tables import Block, Cell, Heading, Paragraph, table
from azint.topology import model as m


class Link(NamedTuple):
    """Something ``--down`` can take down."""

    name: str
    kind: str  # peering, circuit, circuit link, ..., expressroute gateway, router, igp link
    up: bool


def links(topology: m.Topology, down: Sequence[str] = ()) -> list[Link]:
    """Every name ``--down`` accepts, in the order of ``Topology.failables``; a connection is
    down when the file or ``--down`` says so, anything else when ``--down`` names it."""
    state = {p.name: p.up for p in topology.peerings}
    for circuit in topology.circuits.values():
        state[circuit.name] = circuit.up
        state.update((k.name, k.up) for k in circuit.links)
        state.update((c.name, c.up) for c in circuit.connections)
    state.update((v.name, v.up) for v in topology.vpns)
    state.update((g.name, g.up) for g in topology.global_reach)
    taken = set(down)
    return [Link(f.name, f.kind.value, state.get(f.name, True) and f.name not in taken)
            for f in topology.failables()]


def _networks(topology: m.Topology) -> list[tuple[str, str, str]]:
    rows = [(v.name, "vnet", ", ".join(map(str, v.address_space)))
            for v in topology.vnets.values()]
    return rows + [(s.name, "onprem", f"ASN {s.asn}") for s in topology.sites.values()]


def inventory_document(topology: m.Topology, down: Sequence[str] = ()) -> list[Block]:
    blocks: list[Block] = [
        Heading(f"Topology {topology.name} ({topology.file})"),
        table(("Network", "Kind", "Address space / ASN"), _networks(topology), title="Networks"),
        table(("Endpoint", "Network", "Address"),
              [(e.name, e.network, str(e.address)) for e in topology.endpoints()],
              title="Endpoints")]
    if topology.names:
        blocks.append(table(("Name", "Address"),
                            [(n, str(a)) for a, n in topology.names.items()], title="Names"))
    found = links(topology, down)
    if found:
        blocks.append(table(("Link (--down NAME)", "Kind", "State"),
                            [(k.name, k.kind, Cell("up" if k.up else "down",
                                                   None if k.up else "yellow")) for k in found],
                            title="Links and connections"))
    else:
        blocks.append(Paragraph("No links or connections: --down takes nothing here."))
    return blocks


def inventory_json(topology: m.Topology, down: tuple[str, ...]) -> str:
    return dumps({
        "command": "list", "topology": topology.name, "file": topology.file, "down": list(down),
        "networks": [{"name": n, "kind": k, **_space(topology, n)}
                     for n, k, _ in _networks(topology)],
        "endpoints": [{"name": e.name, "network": e.network, "address": str(e.address)}
                      for e in topology.endpoints()],
        "names": [{"name": n, "address": str(a)} for a, n in topology.names.items()],
        "links": [{"name": k.name, "kind": k.kind, "up": k.up} for k in links(topology, down)]})


def _space(topology: m.Topology, name: str) -> dict[str, Any]:
    vnet = topology.vnets.get(name)
    if vnet is not None:
        return {"address_space": [str(p) for p in vnet.address_space], "asn": None}
    return {"address_space": None, "asn": topology.sites[name].asn}
