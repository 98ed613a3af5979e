"""Import benchmark (``make bench``): ``azint import arm`` and ``azint import terraform`` of N
VNets with their peerings, written as engineers export them.

The estate: N VNets of two subnets each, one hub per 50, every other VNet peered with its hub
(a peering resource on each side, as Azure keeps them) and the hubs peered with one another. The
ARM form is one ``az network vnet list -o json`` file (peerings inline); the Terraform form a
state of ``azurerm_virtual_network``, ``azurerm_subnet`` and ``azurerm_virtual_network_peering``
resources. Prints, per form, the CPU seconds to read the file, join the resources and write the
topology (``time.process_time``, best of three), against the goal of one second for 500 VNets.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from azint.sources.pipeline import import_arm, import_terraform

GOAL_SECONDS = 1.0
PER_HUB = 50
GROUP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/lz"
NET = f"{GROUP}/providers/Microsoft.Network"


def _space(i: int) -> str:
    return f"10.{i // 256}.{i % 256}.0/24"


def _pairs(count: int) -> list[tuple[int, int, bool]]:
    """(VNet, VNet it peers with, whether the first is a hub offering its gateways)."""
    hubs = list(range(0, count, PER_HUB))
    pairs = [(a, b, True) for a in hubs for b in hubs if a != b]
    for spoke in range(count):
        if spoke not in hubs:
            hub = spoke - spoke % PER_HUB
            pairs.extend([(hub, spoke, True), (spoke, hub, False)])
    return pairs


def arm_estate(count: int) -> list[dict[str, Any]]:
    """``az network vnet list -o json``: properties lifted to the top, peerings inline."""
    peerings: dict[int, list[dict[str, Any]]] = {i: [] for i in range(count)}
    for a, b, hub in _pairs(count):
        peerings[a].append({"name": f"vnet{a}-to-vnet{b}",
                            "id": f"{NET}/virtualNetworks/vnet{a}/virtualNetworkPeerings/vnet{a}-to-vnet{b}",
                            "remoteVirtualNetwork": {"id": f"{NET}/virtualNetworks/vnet{b}"},
                            "allowVirtualNetworkAccess": True, "allowForwardedTraffic": hub,
                            "allowGatewayTransit": False, "useRemoteGateways": False,
                            "peeringState": "Connected"})
    return [{"name": f"vnet{i}", "id": f"{NET}/virtualNetworks/vnet{i}", "location": "westeurope",
             "type": "Microsoft.Network/virtualNetworks", "resourceGroup": "lz",
             "addressSpace": {"addressPrefixes": [_space(i)]},
             "subnets": [{"name": name, "id": f"{NET}/virtualNetworks/vnet{i}/subnets/{name}",
                          "addressPrefix": _space(i).replace(".0/24", f".{k * 128}/25")}
                         for k, name in enumerate(("app", "data"))],
             "virtualNetworkPeerings": peerings[i]} for i in range(count)]


def terraform_state(count: int) -> dict[str, Any]:
    """``terraform show -json`` of the same estate after apply."""
    resources: list[dict[str, Any]] = []

    def add(kind: str, name: str, values: dict[str, Any]) -> None:
        resources.append({"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
                          "provider_name": "registry.terraform.io/hashicorp/azurerm",
                          "schema_version": 0, "values": values})

    for i in range(count):
        add("azurerm_virtual_network", f"vnet{i}", {
            "id": f"{NET}/virtualNetworks/vnet{i}", "name": f"vnet{i}", "location": "westeurope",
            "resource_group_name": "lz", "address_space": [_space(i)], "subnet": []})
        for k, name in enumerate(("app", "data")):
            add("azurerm_subnet", f"vnet{i}_{name}", {
                "id": f"{NET}/virtualNetworks/vnet{i}/subnets/{name}", "name": name,
                "resource_group_name": "lz", "virtual_network_name": f"vnet{i}",
                "address_prefixes": [_space(i).replace(".0/24", f".{k * 128}/25")]})
    for a, b, hub in _pairs(count):
        add("azurerm_virtual_network_peering", f"vnet{a}_to_vnet{b}", {
            "id": f"{NET}/virtualNetworks/vnet{a}/virtualNetworkPeerings/vnet{a}-to-vnet{b}",
            "name": f"vnet{a}-to-vnet{b}", "resource_group_name": "lz",
            "virtual_network_name": f"vnet{a}", "remote_virtual_network_id": f"{NET}/virtualNetworks/vnet{b}",
            "allow_virtual_network_access": True, "allow_forwarded_traffic": hub})
    return {"format_version": "1.0", "terraform_version": "1.9.5",
            "values": {"root_module": {"resources": resources}}}


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def measure(count: int, folder: Path, runs: int = 3) -> dict[str, float]:
    """CPU seconds per form to import ``count`` VNets with their peerings."""
    arm = folder / "vnets.json"
    arm.write_text(json.dumps(arm_estate(count)))
    state = folder / "state.json"
    state.write_text(json.dumps(terraform_state(count)))
    return {"arm": best_of(runs, lambda: import_arm([arm])),
            "terraform": best_of(runs, lambda: import_terraform(state))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vnets", type=int, default=500, help="how many VNets (default 500)")
    parser.add_argument("--runs", type=int, default=3, help="best of how many runs (default 3)")
    args = parser.parse_args()
    peerings = len(_pairs(args.vnets))
    with tempfile.TemporaryDirectory() as folder:
        found = measure(args.vnets, Path(folder), args.runs)
    print(f"import of {args.vnets} VNets, {2 * args.vnets} subnets, {peerings} peering resources "
          f"(CPU seconds, best of {args.runs}; goal {GOAL_SECONDS:.1f} s)")
    for form, seconds in found.items():
        verdict = "ok" if seconds < GOAL_SECONDS * args.vnets / 500 else "SLOW"
        print(f"  {form:<10} {seconds:6.3f} s  {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
