"""Which names a topology may give things: Azure's rules for Azure resources, and for everything
else a name that reads one way only.

Azure resource names follow "Naming rules and restrictions for Azure resources"
(https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules),
sections Microsoft.Network and Microsoft.Compute. On-premises names (sites, routers, interfaces,
hosts) and name records are free text, but must be printable; and no name may read as an IPv4
address, because the commands take a name or an address in the same place.
"""

from __future__ import annotations

from typing import NamedTuple

# string.ascii_letters and string.digits, spelt out: importing string compiles a regex
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_NETWORK_CHARS = _ALNUM | frozenset("_.-")
_VM_FORBIDDEN = frozenset('\\/"[]:|<>+=;,?*@&')


class AzureNaming(NamedTuple):
    """One row of Azure's naming table: the resource type and its length limits."""

    resource: str
    low: int
    high: int
    virtual_machine: bool = False  # Microsoft.Compute's rule instead of Microsoft.Network's

    def summary(self) -> str:
        if self.virtual_machine:
            return (f"{self.low}-{self.high} characters, none of \\/\"[]:|<>+=;,?*@&, not "
                    f"starting with '_', not ending with '.' or '-'")
        return (f"{self.low}-{self.high} letters, digits, '_', '.' or '-', starting with a "
                f"letter or digit, ending with a letter, digit or '_'")


VIRTUAL_NETWORKS = AzureNaming("virtualNetworks", 2, 64)
SUBNETS = AzureNaming("virtualNetworks/subnets", 1, 80)
PEERINGS = AzureNaming("virtualNetworks/virtualNetworkPeerings", 1, 80)
ROUTE_TABLES = AzureNaming("routeTables", 1, 80)
ROUTES = AzureNaming("routeTables/routes", 1, 80)
SECURITY_GROUPS = AzureNaming("networkSecurityGroups", 1, 80)
SECURITY_RULES = AzureNaming("networkSecurityGroups/securityRules", 1, 80)
CONNECTIONS = AzureNaming("connections", 1, 80)  # VPN, circuit-to-VNet and Global Reach
CIRCUITS = AzureNaming("expressRouteCircuits", 1, 80)
VIRTUAL_MACHINES = AzureNaming("virtualMachines", 1, 64, virtual_machine=True)


def azure_name_problem(name: str, rule: AzureNaming) -> str | None:
    """Why ``name`` breaks ``rule`` (the first reason), or None when Azure accepts it."""
    if not rule.low <= len(name) <= rule.high:
        return f"it has {len(name)} character{'s' if len(name) != 1 else ''}"
    if rule.virtual_machine:
        bad = next((c for c in name if c in _VM_FORBIDDEN or not c.isprintable()), None)
        if bad is not None:
            return f"{bad!r} is not allowed"
        if name.startswith("_"):
            return "it starts with '_'"
        if name.endswith((".", "-")):
            return f"it ends with {name[-1]!r}"
        return None
    bad = next((c for c in name if c not in _NETWORK_CHARS), None)
    if bad is not None:
        return f"{bad!r} is not allowed"
    if name[0] not in _ALNUM:
        return f"it starts with {name[0]!r}"
    if name[-1] not in _ALNUM and name[-1] != "_":
        return f"it ends with {name[-1]!r}"
    return None


def free_name_problem(name: str) -> str | None:
    """Why an on-premises name or a name record is unusable, or None."""
    if name.isprintable():  # nearly every name: one pass in C
        return None
    bad = next((c for c in name if not c.isprintable()), None)
    if bad is not None:
        return f"it holds the unprintable character {bad!r}"
    return None


def looks_like_address(text: str) -> bool:
    """Digits and dots only, with at least one dot: an IPv4 address, or a mistyped one."""
    return text.count(".") >= 1 and all(part.isdigit() for part in text.split("."))
