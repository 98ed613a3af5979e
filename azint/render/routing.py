"""``azint routes`` and ``azint bgp`` as documents (tables) and JSON, from ``control.show`` rows.

Local preference prints blank when it is BGP's default of 100, as Azure's circuit route table
and router CLIs print paths no policy touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address
from typing import Any

from azint.control.ids import Element, Kind
from azint.control.show import Advertisement, BgpRow, EffectiveRow, RouterRow, RouterView
from azint.render.jsonout import dumps
from azint.render.tables import Block, Cell, Heading, Paragraph, Table, table

DEFAULT_LOCAL_PREFERENCE = 100


def _address(address: IPv4Address | None) -> str:
    return "" if address is None else str(address)


def _path(as_path: Sequence[int]) -> str:
    return " ".join(map(str, as_path))


def _local_pref(value: int | None) -> str:
    return "" if value in (None, DEFAULT_LOCAL_PREFERENCE) else str(value)


# -- routes ----------------------------------------------------------------------------------


def vnet_routes_document(vnet: str, subnet: str | None,
                         rows: Sequence[EffectiveRow]) -> list[Block]:
    title = f"Effective routes of VNet {vnet}" + (f", subnet {subnet}" if subnet else "")
    shown = [(r.source, Cell(r.state, None if r.state == "Active" else "yellow"),
              str(r.prefix), r.next_hop_type, ", ".join(map(str, r.next_hop_ips)))
             for r in rows]
    return [Heading(title), table(("Source", "State", "Address Prefix", "Next Hop Type",
                                   "Next Hop IP"), shown)]


def vnet_routes_json(topology: str, down: Sequence[str], vnet: str, subnet: str | None,
                     rows: Sequence[EffectiveRow]) -> str:
    return dumps({"command": "routes", "topology": topology, "down": list(down),
                  "network": vnet, "kind": "vnet", "subnet": subnet, "routes": [{
                      "source": r.source, "state": r.state, "address_prefix": str(r.prefix),
                      "next_hop_type": r.next_hop_type,
                      "next_hop_ips": [str(a) for a in r.next_hop_ips], "origin": r.origin or None}
                      for r in rows]})


def router_document(views: Sequence[RouterView]) -> list[Block]:
    blocks: list[Block] = []
    for view in views:
        blocks.append(Heading(f"Router {view.name} (site {view.site})"))
        if view.bgp:
            blocks.append(_bgp_best_table(view.bgp))
        blocks.append(_router_table(view.routes))
    return blocks


def _bgp_best_table(rows: Sequence[BgpRow]) -> Table:
    return table(("Network", "Next Hop", "LocPrf", "Weight", "Path", "Learned on"),
                 [(str(r.prefix), _address(r.next_hop) or "0.0.0.0",
                   _local_pref(r.local_preference), str(r.weight), _path(r.as_path),
                   r.peer.connection if r.peer else "network statement")
                  for r in rows], title="BGP best paths")


def _router_table(rows: Sequence[RouterRow]) -> Table:
    return table(("Protocol", "Prefix", "Next Hop", "LocPrf", "AS Path", "Via"),
                 [(r.protocol, str(r.prefix), ", ".join(r.next_hops),
                   _local_pref(r.local_preference), _path(r.as_path), r.origin) for r in rows],
                 title="Routing table")


def router_json(topology: str, down: Sequence[str], site: str,
                views: Sequence[RouterView]) -> str:
    return dumps({"command": "routes", "topology": topology, "down": list(down),
                  "network": site, "kind": "onprem",
                  "routers": [{"name": v.name, "bgp": [_bgp_json(r) for r in v.bgp],
                               "routes": [_router_row_json(r) for r in v.routes]}
                              for v in views]})


def _router_row_json(row: RouterRow) -> dict[str, Any]:
    return {"protocol": row.protocol, "prefix": str(row.prefix), "next_hops": list(row.next_hops),
            "local_preference": row.local_preference, "as_path": list(row.as_path),
            "origin": row.origin}


def _bgp_json(row: BgpRow) -> dict[str, Any]:
    return {"network": str(row.prefix), "next_hop": _address(row.next_hop) or None,
            "local_preference": row.local_preference, "weight": row.weight,
            "as_path": list(row.as_path), "origin": row.origin,
            "session": str(row.peer) if row.peer else None,
            "connection": row.peer.connection if row.peer else None,
            "peer": str(row.peer.peer) if row.peer else None,
            "best": row.best, **_local_address(row)}


def _local_address(row: BgpRow) -> dict[str, Any]:
    return {"local_address": str(row.local_address)} if row.local_address else {}


# -- bgp -------------------------------------------------------------------------------------


def circuit_document(circuit: str, role: str, rows: Sequence[BgpRow]) -> list[Block]:
    heading = Heading(f"Route table of ExpressRoute circuit {circuit}, {role} path")
    if not rows:
        return [heading, Paragraph(f"The {role} MSEE of {circuit} holds no routes "
                                   f"(the circuit is down).")]
    return [heading, table(("Network", "NextHop", "LocPrf", "Weight", "Path"),
                           [(str(r.prefix), _address(r.next_hop), _local_pref(r.local_preference),
                             str(r.weight), _path(r.as_path)) for r in rows])]


def circuit_json(topology: str, down: Sequence[str], circuit: str, role: str, rows: Sequence[BgpRow]) -> str:
    return dumps({"command": "bgp", "topology": topology, "down": list(down), "kind": "circuit",
                  "circuit": circuit, "path": role, "routes": [_bgp_json(r) for r in rows]})


def gateway_document(gateway: Element, asn: int, learned: Sequence[BgpRow],
                     advertised: Sequence[Advertisement]) -> list[Block]:
    what = "Route Server" if gateway.kind is Kind.ROUTE_SERVER else "Gateway"
    blocks: list[Block] = [Heading(f"{what} {gateway} (ASN {asn})"), _learned_table(learned)]
    for ad in advertised:
        where = f"{ad.peer} ({ad.peer_address})" if ad.peer_address else str(ad.peer)
        rows = [(str(r.prefix), _address(r.next_hop), _path(r.as_path), str(r.weight))
                for r in ad.paths]
        if rows:
            blocks.append(table(("Network", "NextHop", "AsPath", "Weight"), rows,
                                title=f"Advertised to {where} on {ad.session}"))
        else:
            blocks.append(Paragraph(f"Advertised to {where} on {ad.session}: nothing"))
    return blocks


def _learned_table(learned: Sequence[BgpRow]) -> Block:
    """A gateway's learned routes; an active-active gateway's with the instance's own address
    each was learned on (``LocalAddress``, as Azure lists them)."""
    rows = [(str(r.prefix), _address(r.next_hop), r.origin, str(r.peer.peer) if r.peer else "",
             _path(r.as_path), str(r.weight)) for r in learned]
    if not any(r.local_address for r in learned):
        return table(("Network", "NextHop", "Origin", "Peer", "AsPath", "Weight"), rows,
                     title="Learned routes")
    return table(("LocalAddress", "Network", "NextHop", "Origin", "Peer", "AsPath", "Weight"),
                 [(_address(r.local_address), *row) for r, row in zip(learned, rows, strict=True)],
                 title="Learned routes")


def gateway_json(topology: str, down: Sequence[str], gateway: Element, asn: int,
                 learned: Sequence[BgpRow], advertised: Sequence[Advertisement]) -> str:
    return dumps({"command": "bgp", "topology": topology, "down": list(down),
                  "kind": "gateway", "gateway": str(gateway),
                  "asn": asn, "learned": [_bgp_json(r) for r in learned],
                  "advertised": [{"session": a.session, "peer": str(a.peer),
                                  "peer_address": _address(a.peer_address) or None,
                                  "routes": [_bgp_json(r) for r in a.paths]}
                                 for a in advertised]})
