"""Longest-prefix match: the indexed table agrees with a brute-force search, in any insertion order."""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv4Network

from hypothesis import given
from hypothesis import strategies as st

from azint.control.routes import Route, RouteTable

prefixes = st.builds(lambda a, n: IPv4Network((a, n), strict=False),
                     st.integers(0, 2**32 - 1), st.integers(0, 32))


@given(st.lists(prefixes, max_size=40, unique=True), st.integers(0, 2**32 - 1), st.randoms())
def test_lookup_matches_brute_force_in_any_order(nets: list[IPv4Network], value: int,
                                                  rng: random.Random) -> None:
    address = IPv4Address(value)
    routes = [Route(n, "test", "x") for n in nets]
    rng.shuffle(routes)
    table = RouteTable.of(routes)
    covering = [n for n in nets if address in n]
    expected = max(covering, key=lambda n: n.prefixlen) if covering else None
    found = table.lookup(address)
    assert (found.prefix if found else None) == expected
    assert len(table) == len(nets)
    assert [r.prefix for r in table] == sorted(nets, key=lambda n: (n.prefixlen, n.network_address))


@given(st.lists(prefixes, min_size=1, max_size=40, unique=True), st.lists(prefixes, max_size=10))
def test_one_route_added_to_each_prefix_of_a_group_is_the_route_added_to_each(
        nets: list[IPv4Network], before: list[IPv4Network]) -> None:
    """``add_each`` (a group of alike prefixes) gives the table that adding the same route to
    each prefix in turn gives, whatever the table already held."""
    route = Route(nets[0], "test", "x", as_path=(65001,), origin="o")
    grouped = RouteTable.of(Route(n, "old", "y") for n in before)
    grouped.add_each(nets, route)
    each = RouteTable.of(Route(n, "old", "y") for n in before)
    for net in nets:
        each.add(route._replace(prefix=net))
    assert list(grouped) == list(each)
    assert all(type(r) is Route for r in grouped)
    assert all(grouped.get(net) == route._replace(prefix=net) for net in nets)


@given(st.lists(prefixes, max_size=40, unique=True),
       st.lists(st.integers(0, 2**32 - 1), max_size=60, unique=True))
def test_matches_of_many_values_is_the_lookup_of_each(nets: list[IPv4Network], values: list[int]) -> None:
    """``matches`` (every value at once, route by route or value by value whichever is less
    work) finds for each value what ``lookup`` finds for it alone."""
    table = RouteTable.of(Route(n, "test", "x") for n in nets)
    values.sort()
    assert table.matches(values) == [table.lookup(IPv4Address(v)) for v in values]
