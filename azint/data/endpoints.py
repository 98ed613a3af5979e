"""Naming the two ends of a probe: a network, an endpoint name, an address, or a name record."""

from __future__ import annotations

from ipaddress import IPv4Address

from azint.errors import UsageError
from azint.topology import model as m
from azint.topology.frozen import frozen
from azint.topology.naming import looks_like_address


@frozen
class Target:
    address: IPv4Address
    name: str | None  # the name the user typed, when it was a name


class UnresolvedTarget(UsageError):
    """The target name is unknown: tracert and ping print their own Windows message for it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown target '{name}'")
        self.name = name


def resolve_source(topology: m.Topology, text: str) -> m.Endpoint:
    """A network name (its first endpoint), an endpoint name, or an endpoint's address."""
    endpoints = topology.endpoints()
    for endpoint in endpoints:
        if endpoint.name == text or str(endpoint.address) == text:
            return endpoint
    if text in topology.network_names:
        first = next((e for e in endpoints if e.network == text), None)
        if first is None:
            raise UsageError(f"network '{text}' has no endpoint to send from")
        return first
    known = [*topology.network_names, *(e.name for e in endpoints)]
    import difflib  # a hint for bad input only: not at start-up
    hint = difflib.get_close_matches(text, known, n=1)
    extra = f"; did you mean '{hint[0]}'?" if hint else f"; networks: {', '.join(topology.network_names)}"
    raise UsageError(f"unknown source '{text}'{extra}")


def resolve_target(topology: m.Topology, text: str) -> Target:
    """An IPv4 address, an endpoint name, or a name record."""
    try:
        return Target(IPv4Address(text), None)
    except ValueError:
        pass
    for endpoint in topology.endpoints():
        if endpoint.name == text:
            return Target(endpoint.address, text)
    for address, name in topology.names.items():
        if name == text:
            return Target(address, text)
    if looks_like_address(text):
        raise UsageError(f"'{text}' is not a valid IPv4 address")
    raise UnresolvedTarget(text)


