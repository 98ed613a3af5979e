"""``azint nsg``: a VM's effective security rules as a document (tables) and as JSON.

The rows are ``az network nic list-effective-nsg``'s ``effectiveSecurityRules``; a service tag's
expansion is the same for every rule of a view, so the text prints it once, under the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network
from typing import Any

from azint.control.security import (
    AZURE_LOAD_BALANCER,
    INTERNET,
    VIRTUAL_NETWORK,
    Attachment,
    EffectiveRule,
    EffectiveView,
)
from azint.render.jsonout import dumps
from azint.render.tables import Block, Cell, Heading, Paragraph, table

_COLUMNS = ("Name", "Priority", "Direction", "Access", "Protocol", "Source", "Source Ports",
            "Destination", "Destination Ports")


def _place(attachment: Attachment) -> str:
    return (f"subnet {attachment.where}" if attachment.level == "subnet"
            else f"NIC of {attachment.where}")


def nsg_document(view: EffectiveView) -> list[Block]:
    vm = view.endpoint
    subject = f"{vm.name} ({vm.address})" if vm else f"subnet {view.subnet}"
    where = f"VNet {view.vnet}" + (f", subnet {view.subnet}" if vm and view.subnet else "")
    blocks: list[Block] = [Heading(f"Effective security rules of {subject}, {where}")]
    if not view.groups:
        blocks.append(Paragraph("No network security group is associated: every packet passes."))
        return blocks
    for group in view.groups:
        rows = [(r.name, str(r.priority), r.direction.value,
                 Cell(r.access.value, "green" if r.access.value == "Allow" else "red"),
                 r.protocol, ", ".join(r.sources), ", ".join(r.source_ports),
                 ", ".join(r.destinations), ", ".join(r.destination_ports)) for r in group.rules]
        blocks.append(table(_COLUMNS, rows, title=f"Network security group "
                                                  f"{group.attachment.group.name} "
                                                  f"({_place(group.attachment)})"))
    blocks.append(Paragraph(_tags_text(view)))
    return blocks


def _tags_text(view: EffectiveView) -> str:
    """Each service tag the rules use, with its prefixes (Internet: described, not listed)."""
    expanded: dict[str, tuple[IPv4Network, ...]] = {}
    for group in view.groups:
        for rule in group.rules:
            for names, prefixes in ((rule.sources, rule.expanded_sources),
                                    (rule.destinations, rule.expanded_destinations)):
                if prefixes is not None and names[0] != INTERNET:
                    expanded[names[0]] = prefixes
    parts = [f"{tag} = {', '.join(map(str, expanded[tag]))}"
             for tag in (VIRTUAL_NETWORK, AZURE_LOAD_BALANCER) if tag in expanded]
    parts.append(f"{INTERNET} = every public address outside {VIRTUAL_NETWORK}")
    return "Service tags: " + "; ".join(parts) + "."


def nsg_json(topology: str, down: Sequence[str], view: EffectiveView) -> str:
    vm = view.endpoint
    return dumps({
        "command": "nsg", "topology": topology, "down": list(down), "network": view.vnet,
        "subnet": view.subnet,
        "endpoint": None if vm is None else {"name": vm.name, "address": str(vm.address)},
        "network_security_groups": [{
            "network_security_group": g.attachment.group.name,
            "association": {"subnet" if g.attachment.level == "subnet" else "network_interface":
                            g.attachment.where},
            "effective_security_rules": [_rule_json(r) for r in g.rules]}
            for g in view.groups]})


def _rule_json(rule: EffectiveRule) -> dict[str, Any]:
    def expanded(prefixes: tuple[IPv4Network, ...] | None) -> list[str] | None:
        return None if prefixes is None else [str(p) for p in prefixes]

    return {"name": rule.name, "priority": rule.priority, "direction": rule.direction.value,
            "access": rule.access.value, "protocol": rule.protocol,
            "source_address_prefixes": list(rule.sources),
            "source_port_ranges": list(rule.source_ports),
            "destination_address_prefixes": list(rule.destinations),
            "destination_port_ranges": list(rule.destination_ports),
            "expanded_source_address_prefixes": expanded(rule.expanded_sources),
            "expanded_destination_address_prefixes": expanded(rule.expanded_destinations)}
