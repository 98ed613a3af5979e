"""What Azure reported as a NIC's effective routes, compared row by row with the model's.

Input: ``az network nic show-effective-route-table -o json`` or the REST response of "Network
Interfaces - Get Effective Route Table" (https://learn.microsoft.com/rest/api/virtualnetwork/
network-interfaces/get-effective-route-table): ``{"value": [{"source", "state", "addressPrefix":
[…], "nextHopType", "nextHopIpAddress": […]}, …]}``, or the bare list (``--query value``). A row
with several prefixes is one route per prefix, as the model lists them.

Routes are matched by (address prefix, source): a prefix may hold a Default route and the User
route that overrides it (Invalid). A match is different when its state, next hop type (compared
case-insensitively: Azure writes ``VnetLocal`` and ``VNetPeering``) or set of next hop addresses
differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network
from typing import Any, NamedTuple

from azint.sources.estate import SourceError

Json = Any


class EffectiveRoute(NamedTuple):
    """One route for one prefix, from Azure or from the model."""

    source: str
    state: str
    prefix: IPv4Network
    next_hop_type: str
    next_hop_ips: tuple[IPv4Address, ...]

    @property
    def key(self) -> tuple[IPv4Network, str]:
        return (self.prefix, self.source.lower())

    def same(self, other: EffectiveRoute) -> bool:
        return (self.state.lower() == other.state.lower()
                and self.next_hop_type.lower() == other.next_hop_type.lower()
                and set(self.next_hop_ips) == set(other.next_hop_ips))


class Comparison(NamedTuple):
    only_azure: tuple[EffectiveRoute, ...]
    only_model: tuple[EffectiveRoute, ...]
    different: tuple[tuple[EffectiveRoute, EffectiveRoute], ...]  # (Azure's, the model's)
    agreeing: int

    @property
    def agree(self) -> bool:
        return not (self.only_azure or self.only_model or self.different)


def read_effective(file: str, document: Json) -> list[EffectiveRoute]:
    """Azure's effective routes; a row that is not in Azure's shape is an error at its path."""
    rows, path = document, "$"
    if isinstance(document, dict) and isinstance(document.get("value"), list):
        rows, path = document["value"], "$.value"
    if not isinstance(rows, list):
        raise SourceError(file, "$", "expected {\"value\": [routes]}, the output of 'az network "
                          "nic show-effective-route-table -o json'")
    found: list[EffectiveRoute] = []
    for i, row in enumerate(rows):
        found.extend(_row(file, f"{path}[{i}]", row))
    return found


def _row(file: str, path: str, row: Json) -> Iterable[EffectiveRoute]:
    if not isinstance(row, dict):
        raise SourceError(file, path, "expected a route object")
    texts = {k: row.get(k) for k in ("source", "state", "nextHopType")}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise SourceError(file, f"{path}.{key}", "missing or not a string")
    prefixes, hops = _strings(file, path, row, "addressPrefix"), _strings(
        file, path, row, "nextHopIpAddress")
    try:
        ips = tuple(IPv4Address(h) for h in hops)
    except ValueError as exc:
        raise SourceError(file, f"{path}.nextHopIpAddress", str(exc)) from exc
    for j, prefix in enumerate(prefixes):
        try:
            network = IPv4Network(prefix)
        except ValueError as exc:
            raise SourceError(file, f"{path}.addressPrefix[{j}]", str(exc)) from exc
        yield EffectiveRoute(str(texts["source"]), str(texts["state"]), network,
                             str(texts["nextHopType"]), ips)


def _strings(file: str, path: str, row: dict[str, Json], key: str) -> list[str]:
    value = row.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(file, f"{path}.{key}", "expected a list of strings")
    return list(value)


def compare(azure: Sequence[EffectiveRoute], model: Sequence[EffectiveRoute]) -> Comparison:
    """Rows only in Azure, only in the model, and matched rows that differ."""
    theirs = {r.key: r for r in azure}
    ours = {r.key: r for r in model}
    order = sorted({*theirs, *ours}, key=lambda k: (k[0], k[1]))
    different = tuple((theirs[k], ours[k]) for k in order
                      if k in theirs and k in ours and not theirs[k].same(ours[k]))
    return Comparison(tuple(theirs[k] for k in order if k not in ours),
                      tuple(ours[k] for k in order if k not in theirs), different,
                      sum(1 for k in order if k in theirs and k in ours) - len(different))
