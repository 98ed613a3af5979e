"""Pairs of networks as ``matrix`` sees them, with what each one's packets cross.

Each network's first endpoint pings every other network's (one echo request); a pair is
reachable when the echo reply comes back, and its path is what the forward packet crosses, by
name (``azint.gate.paths``). ``diff`` and ``whatif`` compare these between two networks.
"""

from __future__ import annotations

from typing import NamedTuple

from azint.data.matrix import first_endpoints
from azint.data.probes import PingResult
from azint.data.vnetends import ended_at_once
from azint.gate.paths import Crossings
from azint.network import Network
from azint.topology import model as m


class PairState(NamedTuple):
    reachable: bool
    path: tuple[str, ...]  # every name the forward packet crosses, in order
    summary: tuple[str, ...]  # the connections among them: what a report shows
    reason: str  # why no echo reply comes back ("" when one does)


Pair = tuple[str, str]  # (source network, target network)


def network_pairs(topology: m.Topology) -> dict[Pair, tuple[m.Endpoint, m.Endpoint]]:
    """Every ordered pair of networks that have an endpoint, with their first endpoints."""
    ends = first_endpoints(topology)
    return {(a, b): (ends[a], ends[b]) for a in ends for b in ends if a != b}


def pair_state(network: Network, crossings: Crossings, sender: m.Endpoint,
               receiver: m.Endpoint) -> tuple[PairState, PingResult]:
    result = network.prober.ping(sender, receiver.address, count=1)
    walk = result.walk
    reachable = bool(result.echo_replies)
    reason = "" if reachable else (
        walk.reason if not walk.delivered else "the echo reply does not come back")
    path = crossings.of(walk)
    return PairState(reachable, path, crossings.summary(path), reason), result


def ended_states(network: Network, crossings: Crossings,
                 ends: dict[Pair, tuple[m.Endpoint, m.Endpoint]]) -> dict[Pair, PairState]:
    """The pairs whose probe its source's VNet ends at once (no route, ``None``, the Internet:
    most pairs of a landing zone), with their states, found without walking them."""
    names = first_endpoints(network.topology)
    index = {name: i for i, name in enumerate(names)}
    endpoints = list(names.values())
    ended = ended_at_once(network.prober.forwarder, [e.name for e in endpoints],
                          [e.address for e in endpoints])
    nothing = crossings.summary(())
    found: dict[Pair, PairState] = {}
    for pair in ends:
        reason = ended.reason(index[pair[0]], index[pair[1]])
        if reason is not None:
            found[pair] = PairState(False, (), nothing, reason)
    return found


def all_pairs(network: Network) -> dict[Pair, PairState]:
    crossings = Crossings(network.topology)
    ends = network_pairs(network.topology)
    ended = ended_states(network, crossings, ends)
    return {pair: ended[pair] if pair in ended else pair_state(network, crossings, *two)[0]
            for pair, two in ends.items()}
