"""Routes, next hops and longest-prefix-match tables.

A next hop names a forwarding element (``azint.control.ids.Element``: a kind and a name) and
the port the packet arrives on there; the data plane (``azint.data``) knows what each element
does with it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import NamedTuple

from azint.control.ids import Element


class NextHop(NamedTuple):
    """Where a route sends a packet: an element, the port it arrives on, the link's latency.

    A hot record (tables hold millions): a plain tuple, ordered field by field.
    """

    element: Element
    port: str
    address: IPv4Address | None = None
    latency_ms: float = 0.0
    up: bool = True


class Route(NamedTuple):
    """One route as a forwarding element holds it (a hot record: a plain tuple).

    ``next_hop_type`` is Azure's (``VnetLocal``, ``VirtualNetworkGateway``, …) for VNets and the
    route's protocol for routers and edges (``connected``, ``static``, ``bgp``, ``ospf``,
    ``discard``). ``origin`` says where a learned route came from, for ``explain``.
    """

    prefix: IPv4Network
    source: str
    next_hop_type: str
    next_hops: tuple[NextHop, ...] = ()
    as_path: tuple[int, ...] = ()
    local_preference: int | None = None
    weight: int | None = None
    origin: str = ""


_MASKS = tuple((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF for length in range(33))


@dataclass  # not @record: made per walk or table, where the generated __init__ is faster
class RouteTable:
    """Routes indexed by prefix length: a lookup is at most 33 dictionary probes.

    Insertion order does not matter: each prefix holds one route, and ``add`` keeps the
    preferred one by the caller's ``better`` rule.
    """

    _by_length: dict[int, dict[int, Route]] = field(default_factory=dict)
    _lengths: list[int] = field(default_factory=list)
    # (mask, bucket) longest first: what ``lookup`` tries, without indexing per length
    _probes: list[tuple[int, dict[int, Route]]] = field(default_factory=list, compare=False,
                                                        repr=False)

    def add(self, route: Route) -> None:
        bucket = self._by_length.get(route.prefix.prefixlen)
        if bucket is None:
            bucket = self._by_length[route.prefix.prefixlen] = {}
            self._lengths = sorted(self._by_length, reverse=True)
            self._probes = [(_MASKS[n], self._by_length[n]) for n in self._lengths]
        bucket[int(route.prefix.network_address)] = route

    def add_each(self, prefixes: Sequence[IPv4Network], route: Route) -> None:
        """``route`` (to the first of ``prefixes``) and the same route to each of the others:
        a group of alike prefixes, thousands at a time (built as plain tuples, no call each)."""
        rest = route[1:]
        by_length = self._by_length
        for prefix in prefixes:
            made = tuple.__new__(Route, (prefix, *rest))
            bucket = by_length.get(prefix.prefixlen)
            if bucket is None:
                self.add(made)
            else:
                bucket[int(prefix.network_address)] = made

    def get(self, prefix: IPv4Network) -> Route | None:
        return self._by_length.get(prefix.prefixlen, {}).get(int(prefix.network_address))

    def lookup(self, address: IPv4Address) -> Route | None:
        """The longest-prefix match for ``address``, or None."""
        value = int(address)
        for mask, bucket in self._probes:
            route = bucket.get(value & mask)
            if route is not None:
                return route
        return None

    def lookup_value(self, value: int) -> Route | None:
        """``lookup`` of an address given as its number (a caller that looks one address up
        in several tables converts it once)."""
        for mask, bucket in self._probes:
            route = bucket.get(value & mask)
            if route is not None:
                return route
        return None

    def matches(self, values: Sequence[int]) -> list[Route | None]:
        """The longest-prefix match of each of ``values`` (ascending numbers), by position:
        ``lookup`` of them all at once. A table with fewer routes than values is read route
        by route (each covers a run of the sorted values), a larger one is probed value by
        value, so the work is the smaller of the two."""
        if len(self) > len(values):
            return [self.lookup_value(value) for value in values]
        found: list[Route | None] = [None] * len(values)
        for length in reversed(self._lengths):  # shortest first: a longer match overwrites
            last = ~_MASKS[length] & 0xFFFFFFFF
            for first, route in self._by_length[length].items():
                low = bisect_left(values, first)
                high = bisect_right(values, first | last, low)
                if low < high:
                    found[low:high] = [route] * (high - low)
        return found

    def changed_prefixes(self, other: RouteTable) -> list[IPv4Network]:
        """The prefixes whose route is not the same in ``other`` (added, removed or changed)."""
        found: list[IPv4Network] = []
        for length in self._by_length.keys() | other._by_length.keys():
            mine, theirs = self._by_length.get(length, {}), other._by_length.get(length, {})
            if mine != theirs:
                found.extend(IPv4Network((key, length)) for key in mine.keys() | theirs.keys()
                             if mine.get(key) != theirs.get(key))
        return found

    def __iter__(self) -> Iterator[Route]:
        for length in sorted(self._by_length):
            bucket = self._by_length[length]
            for key in sorted(bucket):
                yield bucket[key]

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._by_length.values())

    @classmethod
    def of(cls, routes: Iterable[Route]) -> RouteTable:
        table = cls()
        for route in routes:
            table.add(route)
        return table
