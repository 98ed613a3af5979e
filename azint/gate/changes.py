"""What changed between two topologies: route-table rows per network, and pairs of networks.

Rows are compared per table (a VNet subnet's effective routes, a VNet gateway's learned routes,
an on-premises router's routing table) by their source and prefix: a row is added, removed, or
changed (same source and prefix, another next hop, state, origin or AS path). Pairs are compared
by the networks' names (each network's first endpoint, as ``matrix``): reachability, and the path
by everything the packet crosses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from azint.control import show
from azint.control.ids import Kind
from azint.gate.pairs import Pair, PairState, all_pairs
from azint.network import Network


class Row(NamedTuple):
    """A route-table row in the columns ``diff`` compares."""

    source: str  # Azure's route source, or the router's protocol
    prefix: str
    next_hop_type: str
    next_hop: str
    detail: str  # state (VNet) or AS path and local preference (router), and origin


@dataclass(frozen=True)
class RowChange:
    network: str
    table: str  # "subnet NAME", "gateway ergw:VNET" / "gateway vpngw:VNET" or "router NAME"
    before: Row | None  # None: added
    after: Row | None  # None: removed

    @property
    def change(self) -> str:
        return "added" if self.before is None else "removed" if self.after is None else "changed"


@dataclass(frozen=True)
class PairChange:
    pair: Pair
    before: PairState
    after: PairState


@dataclass(frozen=True)
class Changes:
    networks_added: tuple[str, ...]
    networks_removed: tuple[str, ...]
    rows: tuple[RowChange, ...]
    pairs: tuple[PairChange, ...]

    @property
    def any(self) -> bool:
        return bool(self.networks_added or self.networks_removed or self.rows or self.pairs)


def compare(old: Network, new: Network) -> Changes:
    old_names, new_names = old.topology.network_names, new.topology.network_names
    tables_before, tables_after = route_tables(old), route_tables(new)
    rows = [change for key in tables_before.keys() | tables_after.keys()
            for change in _rows(key, tables_before.get(key, ()), tables_after.get(key, ()))]
    order = {name: i for i, name in enumerate((*new_names, *(n for n in old_names
                                                            if n not in new_names)))}
    rows.sort(key=lambda c: (order[c.network], c.table, _row_key(c.before or c.after)))
    before, after = all_pairs(old), all_pairs(new)
    pairs = tuple(PairChange(pair, before[pair], after[pair]) for pair in after
                  if pair in before and before[pair][:2] != after[pair][:2])
    return Changes(tuple(n for n in new_names if n not in old_names),
                   tuple(n for n in old_names if n not in new_names), tuple(rows), pairs)


TableKey = tuple[str, str]  # (network, table)


def route_tables(network: Network) -> dict[TableKey, tuple[Row, ...]]:
    """Every VNet subnet's effective routes, every VNet gateway's learned routes (with their AS
    paths, which effective routes do not show) and every on-premises router's table, as rows."""
    plane, topology = network.plane, network.topology
    tables: dict[TableKey, tuple[Row, ...]] = {}
    for vnet in topology.vnets.values():
        for subnet in vnet.subnets:
            tables[(vnet.name, f"subnet {subnet.name}")] = tuple(
                Row(r.source, str(r.prefix), str(r.next_hop_type),
                    " ".join(map(str, r.next_hop_ips)), r.state)
                for r in show.effective_routes(plane, vnet.name, subnet.name))
    for element, speaker in plane.bgp.speakers.items():
        if element.kind in (Kind.ERGW, Kind.VPNGW) and element.name in topology.vnets:
            tables[(element.name, f"gateway {element}")] = tuple(
                Row(r.origin, str(r.prefix), "", "" if r.next_hop is None else str(r.next_hop),
                    " ".join(map(str, r.as_path)))
                for r in show.learned_routes(plane, speaker))
    for site in topology.sites.values():
        for view in show.router_views(plane, site.name, None):
            tables[(site.name, f"router {view.name}")] = tuple(
                Row(r.protocol, str(r.prefix), "", " ".join(r.next_hops),
                    " ".join(map(str, r.as_path)))
                for r in view.routes)
    return tables


def _row_key(row: Row | None) -> tuple[int, int, str]:
    assert row is not None
    address, _, length = row.prefix.partition("/")
    parts = [int(p) for p in address.split(".")]
    return (parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3], int(length), row.source)


def _rows(key: TableKey, before: tuple[Row, ...], after: tuple[Row, ...]) -> list[RowChange]:
    """Rows matched by (source, prefix, occurrence): a prefix may hold several rows."""
    def keyed(rows: tuple[Row, ...]) -> dict[tuple[str, str, int], Row]:
        seen: Counter[tuple[str, str]] = Counter()
        found: dict[tuple[str, str, int], Row] = {}
        for row in rows:
            seen[(row.source, row.prefix)] += 1
            found[(row.source, row.prefix, seen[(row.source, row.prefix)])] = row
        return found

    old, new = keyed(before), keyed(after)
    network, table = key
    return [RowChange(network, table, old.get(k), new.get(k)) for k in old.keys() | new.keys()
            if old.get(k) != new.get(k)]
