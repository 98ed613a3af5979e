"""``azint verify routes``: the model's effective routes of a subnet against what Azure reported
for a NIC in it.

Input shapes: ``az network nic show-effective-route-table -o json`` and the REST response of
"Network Interfaces - Get Effective Route Table" (https://learn.microsoft.com/rest/api/
virtualnetwork/network-interfaces/get-effective-route-table); a spoke using its hub's gateways
learns on-premises prefixes with the gateway's instances as next hops ("Virtual network traffic
routing", https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run

FIXTURES = Path(__file__).parent / "fixtures" / "effective"
AGREE = FIXTURES / "spoke-vm-nic.json"
CHANGED = FIXTURES / "spoke-vm-nic-changed.json"


def test_agreeing_routes_exit_0(azint: Callable[..., Run]) -> None:
    run = azint("verify", "routes", str(AGREE), "--network", "spoke")
    assert run.code == 0, run.err
    assert run.out == ("Azure and the model agree on the effective routes of VNet spoke, "
                       "subnet default (11 routes).\n")


def test_one_changed_route_is_exactly_the_difference(azint: Callable[..., Run]) -> None:
    run = azint("verify", "routes", str(CHANGED), "--network", "spoke", "--json")
    assert run.code == 1
    found = run.json()
    assert (found["agree"], found["agreeing"], found["only_azure"], found["only_model"]) == (
        False, 10, [], [])
    assert found["different"] == [{
        "azure": {"source": "VirtualNetworkGateway", "state": "Active", "address_prefix": "10.2.30.0/25",
                  "next_hop_type": "VirtualNetworkGateway", "next_hop_ips": ["10.10.30.142"]},
        "model": {"source": "VirtualNetworkGateway", "state": "Active", "address_prefix": "10.2.30.0/25",
                  "next_hop_type": "VirtualNetworkGateway",
                  "next_hop_ips": ["10.10.30.132", "10.10.30.133", "10.10.30.134"]}}]
    text = azint("verify", "routes", str(CHANGED), "--network", "spoke")
    assert text.code == 1
    assert "Azure  VirtualNetworkGateway  Active  10.2.30.0/25    VirtualNetworkGateway  10.10.30.142\n" in text.out
    assert text.out.endswith("10 routes agree; 0 only in Azure, 0 only in the model, 1 different.\n")


def test_rows_only_on_one_side(tmp_path: Path, azint: Callable[..., Run]) -> None:
    """A row holding two prefixes is two routes; next hop types compare case-insensitively."""
    document = json.loads(AGREE.read_text())
    rows = [r for r in document["value"] if r["addressPrefix"] != ["10.17.30.0/24"]]
    rows[0]["nextHopType"] = "VNetLocal"
    rows.append({"source": "User", "state": "Active", "addressPrefix": ["10.50.0.0/16", "10.51.0.0/16"],
                 "nextHopType": "VirtualAppliance", "nextHopIpAddress": ["10.10.30.68"]})
    path = tmp_path / "effective.json"
    path.write_text(json.dumps(rows))  # the bare list: --query value
    found = azint("verify", "routes", str(path), "--network", "spoke", "--json").json()
    assert [r["address_prefix"] for r in found["only_azure"]] == ["10.50.0.0/16", "10.51.0.0/16"]
    assert [r["address_prefix"] for r in found["only_model"]] == ["10.17.30.0/24"]
    assert found["different"] == [] and found["agreeing"] == 10


def test_bad_input_is_one_line_with_the_json_path(tmp_path: Path, azint: Callable[..., Run]) -> None:
    path = tmp_path / "effective.json"
    path.write_text(json.dumps({"value": [{"source": "Default", "state": "Active",
                                           "addressPrefix": ["10.0.0.0/33"], "nextHopType": "None"}]}))
    run = azint("verify", "routes", str(path), "--network", "spoke")
    assert run.code == 2
    assert run.err.startswith(f"{path}: error: ") and run.err.endswith(" at $.value[0].addressPrefix[0]\n")
    site = azint("verify", "routes", str(AGREE), "--network", "location1")
    assert site.code == 2 and "on-premises site" in site.err
