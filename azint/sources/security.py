"""Network security groups read from Azure written as topology ``network_security_groups``.

A group's own rules are kept (``securityRules``); Azure's default rules are not written, since
azint adds them to every group as Azure does ("Network security groups", "Default security
rules": https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview). A
rule the model cannot hold (a service tag other than VirtualNetwork, Internet and
AzureLoadBalancer, an application security group, an augmented rule mixing a tag with prefixes)
is left out with a warning: leaving out a rule changes what the group lets through, so it is
never silent.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import NamedTuple

from azint.sources import estate as e

_TAGS = {"virtualnetwork": "VirtualNetwork", "virtual_network": "VirtualNetwork",
         "internet": "Internet", "azureloadbalancer": "AzureLoadBalancer",
         "azure_loadbalancer": "AzureLoadBalancer", "*": "*", "any": "*"}
_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "esp": "Esp", "ah": "Ah", "*": "*",
              "any": "*"}
_PORTS = re.compile(r"\*|\d{1,5}(-\d{1,5})?")


class RuleText(NamedTuple):
    """A rule as the topology writes it, or why it cannot be."""

    pairs: dict[str, object] | None
    problem: str


def groups_of(estate: e.Estate, vnet: e.VirtualNetwork) -> dict[str, str]:
    """NSG key -> its name in the VNet, for the groups its subnets and NICs use."""
    subnets = {e.id_key(s.id) for s in vnet.subnets}
    used = {e.id_key(s.security_group) for s in vnet.subnets if s.security_group}
    used.update(e.id_key(n.security_group) for n in estate.nics.values()
                if n.subnet in subnets and n.security_group)
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(used, key=lambda k: (estate.security_groups[k].name.lower(), k)):
        wanted = estate.security_groups[key].name
        name, n = wanted, 2
        while name.lower() in taken:
            name, n = f"{wanted}-{n}", n + 1
        taken.add(name.lower())
        names[key] = name
    return names


def unused(estate: e.Estate) -> list[str]:
    """Warnings for the groups no subnet or NIC of the input uses: they filter nothing."""
    used = {e.id_key(s.security_group) for v in estate.vnets.values() for s in v.subnets
            if s.security_group}
    used.update(e.id_key(n.security_group) for n in estate.nics.values() if n.security_group)
    return [f"network security group '{g.name}' is associated with no subnet or network "
            f"interface of the input: left out" for k, g in sorted(estate.security_groups.items())
            if k not in used]


def rule_text(rule: e.SecurityRule) -> RuleText:
    """The topology's keys for ``rule``, or the reason the model cannot hold it."""
    if rule.groups:
        return RuleText(None, "it names application security groups")
    direction = {"inbound": "Inbound", "outbound": "Outbound"}.get(rule.direction.lower())
    access = {"allow": "Allow", "deny": "Deny"}.get(rule.access.lower())
    protocol = _PROTOCOLS.get(rule.protocol.lower())
    if direction is None or access is None or protocol is None:
        return RuleText(None, f"direction {rule.direction!r}, access {rule.access!r} or "
                              f"protocol {rule.protocol!r} is not one azint knows")
    if not 100 <= rule.priority <= 4096:
        return RuleText(None, f"priority {rule.priority} is outside 100-4096")
    source, bad = _addresses(rule.sources)
    destination, bad2 = _addresses(rule.destinations)
    if bad or bad2:
        return RuleText(None, f"'{bad or bad2}' is not a prefix nor a service tag azint models "
                              f"(VirtualNetwork, Internet, AzureLoadBalancer)")
    ports = [_ports(rule.source_ports), _ports(rule.destination_ports)]
    if not all(ok for _, ok in ports):
        return RuleText(None, f"ports {', '.join(rule.source_ports + rule.destination_ports)} "
                              f"are not ports, ranges or '*'")
    return RuleText({"name": rule.name, "priority": rule.priority, "direction": direction,
                     "access": access, "protocol": protocol, "source": source,
                     "source_ports": ports[0][0], "destination": destination,
                     "destination_ports": ports[1][0]}, "")


def _addresses(values: tuple[str, ...]) -> tuple[object, str]:
    """``*``, one tag, or prefixes: one written as a scalar, several as a list."""
    found: list[str | IPv4Network] = []
    for value in values or ("*",):
        tag = _TAGS.get(value.lower())
        if tag is not None:
            found.append(tag)
            continue
        try:
            found.append(IPv4Network(value, strict=False))
        except ValueError:
            return None, value
    words = [f for f in found if isinstance(f, str)]
    if words and len(found) > 1:
        return None, ", ".join(values)
    if words:
        return None if words[0] == "*" else words[0], ""
    return found[0] if len(found) == 1 else found, ""


def _ports(values: tuple[str, ...]) -> tuple[object, bool]:
    """``None`` (every port, the default) for ``*``; a port, a range, or a list of them; and
    whether the values are ports at all."""
    if not values or values == ("*",):
        return None, True
    if not all(_PORTS.fullmatch(v) for v in values) or "*" in values:
        return None, False
    written: list[object] = [int(v) if v.isdigit() else v for v in values]
    return (written[0] if len(written) == 1 else written), True
