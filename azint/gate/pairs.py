"""Pairs of networks as ``matrix`` sees them, with what each one's packets cross.

Each network's first endpoint pings every other network's (one echo request); a pair is
reachable when the echo reply comes back, and its path is what the forward packet crosses, by
name (``azint.gate.paths``). ``diff`` and ``whatif`` compare these between two networks.
"""

from __future__ import annotations

from typing import NamedTuple

from azint.data.matrix import first_endpoints
from azint.data.probes import PingResult
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


def all_pairs(network: Network) -> dict[Pair, PairState]:
    crossings = Crossings(network.topology)
    return {pair: pair_state(network, crossings, *ends)[0]
            for pair, ends in network_pairs(network.topology).items()}
