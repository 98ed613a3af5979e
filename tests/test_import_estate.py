"""End to end: one hub-and-spoke estate with ExpressRoute and VPN, exported in each form
(REST ``GET`` bodies, ``az … -o json``, Azure Resource Graph, ``az group export`` template) and
built by Terraform (``terraform show -json`` of the plan that creates it, with spokes in a module,
and of the state after apply), imports to topologies with the same route tables and reachability.

The spokes use the hub's gateways (gateway transit), so they learn the data centre's prefix over
ExpressRoute and the branch's over the site-to-site VPN ("Configure VPN gateway transit for
virtual network peering", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit);
a peering is not transitive, so the spokes do not reach each other ("Virtual network peering",
https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview); with both
ExpressRoute and VPN to the data centre, Azure prefers ExpressRoute ("Configure ExpressRoute and
Site-to-Site coexisting connections",
https://learn.microsoft.com/azure/expressroute/expressroute-howto-coexist-resource-manager).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from azint.control import show
from azint.data.matrix import reachability
from azint.network import Network, validate
from azint.render.matrix import matrix_csv
from azint.sources.pipeline import import_arm, import_terraform

FIXTURES = Path(__file__).parent / "fixtures" / "arm"
TERRAFORM = Path(__file__).parent / "fixtures" / "terraform"
FORMS = ("rest", "az", "graph", "template", "terraform-plan", "terraform-state")


def route_tables(network: Network) -> dict[tuple[str, str], list[tuple[object, ...]]]:
    """Every VNet subnet's effective routes, as ``azint routes`` shows them."""
    tables = {}
    for vnet in network.topology.vnets.values():
        for subnet in vnet.subnets:
            rows = show.effective_routes(network.plane, vnet.name, subnet.name)
            tables[(vnet.name, subnet.name)] = [(r.source, r.state, str(r.prefix), r.next_hop_type,
                                             tuple(map(str, r.next_hop_ips))) for r in rows]
    return tables


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Network]:
    found = {}
    for form in FORMS:
        path = tmp_path_factory.mktemp(form) / "estate.yaml"
        if form.startswith("terraform-"):
            text = import_terraform(TERRAFORM / f"estate-{form.split('-')[1]}.json").text
        else:
            text = import_arm([FIXTURES / form]).text
        path.write_text(text)
        assert validate(path).lines == (), form
        found[form] = Network.open(path)
    return found


@pytest.mark.parametrize("form", FORMS[1:])
def test_every_form_gives_the_same_route_tables_and_matrix(estates: dict[str, Network], form: str) -> None:
    rest, other = estates["rest"], estates[form]
    assert route_tables(other) == route_tables(rest)
    assert matrix_csv(reachability(other.prober)) == matrix_csv(reachability(rest.prober))


def test_expected_reachability(estates: dict[str, Network]) -> None:
    found = reachability(estates["terraform-plan"].prober)
    assert found.cell("spoke1", "dc-lng").text == "hub-er-gw+er-dc"
    assert found.cell("dc-lng", "spoke2").text == "er-dc+hub-er-gw"
    assert found.cell("spoke2", "branch-lng").text == "hub-vpn-gw+vpn"
    assert found.cell("hub", "spoke1").text == "peering"
    assert found.cell("spoke1", "spoke2").text == "no"
    assert found.cell("spoke2", "spoke1").text == "no"


def test_estate_route_tables_hold_what_azure_would_show(estates: dict[str, Network]) -> None:
    tables = route_tables(estates["az"])
    spoke1 = {(row[2], row[3]) for row in tables[("spoke1", "app")]}
    assert {("10.1.0.0/16", "VirtualNetworkGateway"), ("10.2.0.0/24", "VirtualNetworkGateway"),
            ("10.50.0.0/16", "VirtualAppliance"), ("10.99.0.0/16", "None"),
            ("10.10.0.0/16", "VNetPeering")} <= spoke1
    assert not any(row[2] == "10.12.0.0/16" for row in tables[("spoke1", "app")])
