"""``azint import terraform``: ``terraform show -json`` of a plan or a state, as a topology.

Shapes follow Terraform's "JSON Output Format" (https://developer.hashicorp.com/terraform/internals/
json-format: ``planned_values``, ``values``, ``child_modules``, ``configuration`` with
``references``) and the azurerm provider's attribute names (https://registry.terraform.io/
providers/hashicorp/azurerm/latest/docs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from azint.sources.estate import SourceError
from azint.sources.terraform import read_terraform
from azint.sources.writer import write_topology
from tests.conftest import Run

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
SUB = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network"


def resource(kind: str, name: str, values: dict[str, Any], index: object = None) -> dict[str, Any]:
    address = f"{kind}.{name}" + ("" if index is None else f"[{json.dumps(index)}]")
    found = {"address": address, "mode": "managed", "type": kind, "name": name,
             "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 0,
             "values": values, "sensitive_values": {}}
    if index is not None:
        found["index"] = index
    return found


def config(kind: str, name: str, **expressions: object) -> dict[str, Any]:
    return {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
            "provider_config_key": "azurerm", "expressions": expressions}


def ref(*addresses: str) -> dict[str, list[str]]:
    return {"references": [r for a in addresses for r in (f"{a}.id", a)]}


def vnet(name: str, space: str, **extra: object) -> dict[str, Any]:
    return resource("azurerm_virtual_network", name, {
        "name": name, "location": "westeurope", "resource_group_name": "rg", "address_space": [space],
        "subnet": [], **extra})


def plan(resources: list[dict[str, Any]], configured: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.9.5",
            "planned_values": {"root_module": {"resources": resources}},
            "configuration": {"root_module": {"resources": configured or []}}}


def text_of(document: dict[str, Any]) -> str:
    return write_topology(read_terraform("plan.json", document)).text


def test_state_with_child_modules_reads_like_the_rest_bodies(azint: Callable[..., Run]) -> None:
    state = azint("import", "terraform", str(FIXTURES / "estate-state.json"))
    rest = azint("import", "arm", str(FIXTURES.parent / "arm" / "rest"))
    assert state.code == 0 and state.out == rest.out
    assert ("network security group 'app-nsg' is associated with no subnet or network interface "
            "of the input: left out") in state.err


def test_plan_joins_unknown_ids_through_the_configuration_and_modules(azint: Callable[..., Run]) -> None:
    """A plan's new resources have no id yet: each element is commented with its address, and a
    spoke's peering to the hub is joined through the module's input variable."""
    run = azint("import", "terraform", str(FIXTURES / "estate-plan.json"))
    assert run.code == 0, run.err
    assert "  # module.spoke1.azurerm_virtual_network.this\n  - name: spoke1\n" in run.out
    assert ("  # azurerm_virtual_network_peering.hub_to_spoke1\n"
            "  # module.spoke1.azurerm_virtual_network_peering.to_hub\n"
            "  - name: hub-to-spoke1\n    type: peering\n"
            "    a: {network: hub, allow_gateway_transit: true, allow_forwarded_traffic: true}\n"
            "    b: {network: spoke1, use_remote_gateways: true}\n"
            ) in run.out
    assert "      - {name: spoke1-vm, address: 10.11.1.4}\n" in run.out  # the VM names its NIC
    assert "route_table: rt-spoke1}" in run.out  # the association, by references both ways


def test_provider_3x_spellings() -> None:
    """azurerm 3.x spells some attributes differently from 4.x (``enable_ip_forwarding``,
    ``disable_bgp_route_propagation``, ``address_prefix``); both are read."""
    hub = vnet("hub", "10.0.0.0/16", id=f"{SUB}/virtualNetworks/hub")
    subnet = resource("azurerm_subnet", "app", {
        "name": "app", "resource_group_name": "rg", "virtual_network_name": "hub",
        "address_prefix": "10.0.1.0/24", "id": f"{SUB}/virtualNetworks/hub/subnets/app"})
    table = resource("azurerm_route_table", "rt", {
        "name": "rt", "id": f"{SUB}/routeTables/rt", "disable_bgp_route_propagation": True, "route": [
            {"name": "nva", "address_prefix": "10.9.0.0/16", "next_hop_type": "VirtualAppliance",
             "next_hop_in_ip_address": "10.0.1.4"},
            {"name": "tag", "address_prefix": "Storage", "next_hop_type": "Internet"}]})
    association = resource("azurerm_subnet_route_table_association", "app", {
        "subnet_id": f"{SUB}/virtualNetworks/hub/subnets/app", "route_table_id": f"{SUB}/routeTables/rt"})
    nic = resource("azurerm_network_interface", "nva", {
        "name": "nva-nic", "id": f"{SUB}/networkInterfaces/nva-nic", "enable_ip_forwarding": True,
        "ip_configuration": [{"name": "ip", "subnet_id": f"{SUB}/virtualNetworks/hub/subnets/app",
                              "private_ip_address": "10.0.1.4"}]})
    association["values"]["id"] = f"{SUB}/virtualNetworks/hub/subnets/app"  # its subnet's, as set
    document = {"values": {"root_module": {"resources": [hub, subnet, table, association, nic]}}}
    estate = read_terraform("state.json", document)
    assert estate.route_tables[f"{SUB}/routeTables/rt".lower()].propagate_gateway_routes is False
    assert [n.forwarding for n in estate.nics.values()] == [True]
    assert any("'Storage' (a service tag?)" in w for w in estate.warnings)
    text = text_of(document)
    assert "      - {name: app, prefix: 10.0.1.0/24, route_table: rt}\n" in text
    assert "next_hop_type: VirtualAppliance, next_hop_ip: 10.0.1.4}" in text


def test_count_instances_join_by_index() -> None:
    """``azurerm_subnet.app[1]`` names the VNet ``azurerm_virtual_network.spoke[count.index]``:
    the instance with the referrer's own index."""
    spokes = [vnet(f"spoke{i}", f"10.{i}.0.0/16") for i in (0, 1)]
    for i, spoke in enumerate(spokes):
        spoke["name"], spoke["index"] = "spoke", i
        spoke["address"] = f"azurerm_virtual_network.spoke[{i}]"
    subnets = [resource("azurerm_subnet", "app", {"name": "app", "resource_group_name": "rg",
                                                  "virtual_network_name": f"spoke{i}",
                                                  "address_prefixes": [f"10.{i}.1.0/24"]}, index=i)
               for i in (0, 1)]
    peering = resource("azurerm_virtual_network_peering", "zero_to_one", {
        "name": "zero-to-one", "resource_group_name": "rg", "virtual_network_name": "spoke0"})
    configured = [config("azurerm_virtual_network_peering", "zero_to_one",
                         remote_virtual_network_id={"references": [
                             "azurerm_virtual_network.spoke[1].id", "azurerm_virtual_network.spoke[1]"]}),
                  config("azurerm_subnet", "app", virtual_network_name={"references": [
                      "azurerm_virtual_network.spoke", "azurerm_virtual_network.spoke[count.index]"]})]
    text = text_of(plan([*spokes, *subnets, peering], configured))
    assert "# azurerm_subnet.app[1]\n      - {name: app, prefix: 10.1.1.0/24}" in text
    assert ("  - name: zero-to-one\n    type: peering\n    a: {network: spoke0}\n"
            "    b: {network: spoke1}\n") in text


def test_gateways_connections_circuit_global_reach_and_route_server() -> None:
    """Global Reach joins two circuits' private peerings ("ExpressRoute Global Reach",
    https://learn.microsoft.com/azure/expressroute/expressroute-global-reach); a Route Server
    sits in its VNet's RouteServerSubnet ("Quickstart: Create a Route Server",
    https://learn.microsoft.com/azure/route-server/quickstart-create-route-server-portal)."""
    hub = vnet("hub", "10.0.0.0/16", subnet=[
        {"name": "GatewaySubnet", "address_prefixes": ["10.0.255.0/27"]},
        {"name": "RouteServerSubnet", "address_prefixes": ["10.0.254.0/27"]}])
    gateway = resource("azurerm_virtual_network_gateway", "er", {
        "name": "er-gw", "type": "ExpressRoute", "sku": "ErGw1AZ", "active_active": False,
        "ip_configuration": [{"name": "default", "private_ip_address_allocation": "Dynamic"}]})
    circuits = [resource("azurerm_express_route_circuit", c, {
        "name": c, "resource_group_name": "rg", "peering_location": location,
        "sku": [{"tier": "Premium", "family": "MeteredData"}]}) for c, location in
        (("er-fra", "Frankfurt"), ("er-ams", "Amsterdam"))]
    peerings = [resource("azurerm_express_route_circuit_peering", c.replace("-", "_"), {
        "peering_type": "AzurePrivatePeering", "express_route_circuit_name": c, "resource_group_name": "rg",
        "peer_asn": asn, "primary_peer_address_prefix": f"192.168.{n}.0/30",
        "secondary_peer_address_prefix": f"192.168.{n}.4/30", "vlan_id": 100})
        for c, asn, n in (("er-fra", 65100, 20), ("er-ams", 65200, 21))]
    connection = resource("azurerm_virtual_network_gateway_connection", "fra", {
        "name": "hub-er-fra", "type": "ExpressRoute", "routing_weight": 5})
    reach = resource("azurerm_express_route_circuit_connection", "fra_ams", {
        "name": "fra-to-ams", "address_prefix_ipv4": "192.168.99.0/29"})
    server = resource("azurerm_route_server", "rs", {
        "name": "rs", "sku": "Standard", "branch_to_branch_traffic_enabled": True})
    wan = resource("azurerm_express_route_connection", "wan", {"name": "wan", "routing_weight": 0})
    configured = [
        config("azurerm_virtual_network_gateway", "er", ip_configuration=[
            {"subnet_id": {"references": ["azurerm_virtual_network.hub.subnet", "azurerm_virtual_network.hub"]}}]),
        config("azurerm_virtual_network_gateway_connection", "fra",
               virtual_network_gateway_id=ref("azurerm_virtual_network_gateway.er"),
               express_route_circuit_id=ref("azurerm_express_route_circuit.er-fra")),
        config("azurerm_express_route_circuit_connection", "fra_ams",
               peering_id=ref("azurerm_express_route_circuit_peering.er_fra"),
               peer_peering_id=ref("azurerm_express_route_circuit_peering.er_ams")),
        config("azurerm_route_server", "rs", subnet_id={"references": [
            "azurerm_virtual_network.hub.subnet", "azurerm_virtual_network.hub"]})]
    estate = read_terraform("plan.json", plan([hub, gateway, *circuits, *peerings, connection, reach,
                                               server, wan], configured))
    assert estate.not_modelled == {"azurerm_express_route_connection": 1}
    text = write_topology(estate).text
    assert "    branch_to_branch: true\n    hub_routing_preference: ExpressRoute\n" in text
    assert "  - name: fra-to-ams\n    type: global_reach\n    circuits: [er-ams, er-fra]\n" in text
    assert "      - {name: hub-er-fra, network: hub, weight: 5}\n" in text
    assert "    peering_location: Frankfurt\n    sku: Premium\n" in text


def test_unknown_reference_without_configuration_is_an_error_naming_the_json_path() -> None:
    peering = resource("azurerm_virtual_network_peering", "p", {
        "name": "p", "resource_group_name": "rg", "virtual_network_name": "hub"})
    with pytest.raises(SourceError) as caught:
        read_terraform("plan.json", plan([vnet("hub", "10.0.0.0/16"), peering]))
    assert caught.value.json_path == "$.planned_values.root_module.resources[1].values.remote_virtual_network_id"
    assert "known only after apply" in caught.value.message


def test_dangling_id_and_data_sources_are_errors(tmp_path: Path, azint: Callable[..., Run]) -> None:
    missing = f"{SUB}/virtualNetworks/elsewhere"
    peering = resource("azurerm_virtual_network_peering", "p", {
        "name": "p", "resource_group_name": "rg", "virtual_network_name": "hub",
        "remote_virtual_network_id": missing})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan([vnet("hub", "10.0.0.0/16"), peering])))
    run = azint("import", "terraform", str(path))
    assert run.code == 2
    assert run.err == (f"{path}: error: refers to {missing}, which the input does not hold at "
                       "$.planned_values.root_module.resources[1].values.remote_virtual_network_id\n")
    data = {**vnet("remote", "10.1.0.0/16"), "mode": "data", "address": "data.azurerm_virtual_network.remote"}
    peering["values"].pop("remote_virtual_network_id")
    configured = [config("azurerm_virtual_network_peering", "p",
                         remote_virtual_network_id=ref("data.azurerm_virtual_network.remote"))]
    with pytest.raises(SourceError, match="a data source: import the state that manages it instead"):
        read_terraform("plan.json", plan([vnet("hub", "10.0.0.0/16"), data, peering], configured))


def test_not_terraform_output_is_refused(tmp_path: Path, azint: Callable[..., Run]) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"resources": []}')
    run = azint("import", "terraform", str(path))
    assert run.code == 2
    assert run.err == (f"{path}: error: not 'terraform show -json' output: no planned_values (a plan) "
                       "nor values (a state) at $\n")


@pytest.mark.parametrize(("path", "value"), [
    (("configuration", "root_module", "module_calls"), True),
    (("planned_values", "root_module", "child_modules"), 2.5),
    (("planned_values", "root_module", "resources", 1, "values", "subnet", 0, "id"), 7),
    (("planned_values", "root_module", "resources", 3, "values", "remote_virtual_network_id"), 5),
])
def test_odd_values_are_one_line_errors_or_ignored(tmp_path: Path, azint: Callable[..., Run],
                                                   path: tuple[str | int, ...], value: object) -> None:
    """Found by mutating the estate plan: a value of the wrong JSON type never raises a traceback."""
    document = json.loads((FIXTURES / "estate-plan.json").read_text())
    holder: Any = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(document))
    run = azint("import", "terraform", str(target))
    assert run.code in (0, 2)
    assert "Traceback" not in run.err and "internal error" not in run.err
    assert run.code == 0 or run.err.count("error:") == 1


def test_a_plan_is_checked_before_apply_with_diff(tmp_path: Path, azint: Callable[..., Run]) -> None:
    """The pull-request workflow: the state imported as it is, the plan as it would be; a spoke
    that stops using its hub's gateways loses the on-premises routes ("Configure VPN gateway
    transit for virtual network peering", https://learn.microsoft.com/azure/vpn-gateway/
    vpn-gateway-peering-gateway-transit)."""
    plan_doc = json.loads((FIXTURES / "estate-plan.json").read_text())
    spoke2 = next(m for m in plan_doc["planned_values"]["root_module"]["child_modules"]
                  if m["address"] == "module.spoke2")
    peering = next(r for r in spoke2["resources"] if r["type"] == "azurerm_virtual_network_peering")
    peering["values"]["use_remote_gateways"] = False
    (tmp_path / "plan.json").write_text(json.dumps(plan_doc))
    for name, source in (("current", FIXTURES / "estate-state.json"), ("new", tmp_path / "plan.json")):
        assert azint("import", "terraform", str(source), "-o", str(tmp_path / f"{name}.yaml")).code == 0
    unchanged = azint("import", "terraform", str(FIXTURES / "estate-plan.json"), "-o", str(tmp_path / "same.yaml"))
    assert unchanged.code == 0
    assert azint("diff", str(tmp_path / "current.yaml"), str(tmp_path / "same.yaml")).code == 0
    run = azint("diff", str(tmp_path / "current.yaml"), str(tmp_path / "new.yaml"))
    assert run.code == 1
    assert "spoke2" in run.out and "10.1.0.0/16" in run.out


def test_for_each_module_instances_join_within_their_own_instance() -> None:
    """``module "spoke" { for_each = … }``: each instance's NIC joins its own instance's subnet,
    and the root reaches one instance through ``module.spoke["a"].vnet_id``."""
    def child(key: str, n: int) -> dict[str, Any]:
        spoke = vnet(f"spoke-{key}", f"10.{n}.0.0/16")
        spoke["name"], spoke["address"] = "this", "azurerm_virtual_network.this"
        resources = [
            spoke,
            resource("azurerm_subnet", "app", {"name": "app", "resource_group_name": "rg",
                                               "virtual_network_name": f"spoke-{key}",
                                               "address_prefixes": [f"10.{n}.1.0/24"]}),
            resource("azurerm_network_interface", "vm", {"name": f"vm-{key}", "ip_configuration": [
                {"name": "ip", "private_ip_address": f"10.{n}.1.4", "primary": True}]}),
            resource("azurerm_virtual_network_peering", "to_hub", {
                "name": "to-hub", "resource_group_name": "rg", "virtual_network_name": f"spoke-{key}",
                "use_remote_gateways": False})]
        module = f'module.spoke["{key}"]'
        for item in resources:
            item["address"] = f"{module}.{item['address']}"
            item["values"]["resource_group_name"] = "rg"
        return {"address": module, "resources": resources}

    peering = resource("azurerm_virtual_network_peering", "hub_to_a", {
        "name": "hub-to-a", "resource_group_name": "rg", "virtual_network_name": "hub"})
    document = plan([vnet("hub", "10.0.0.0/16"), peering], [
        config("azurerm_virtual_network_peering", "hub_to_a",
               remote_virtual_network_id={"references": ['module.spoke["a"].vnet_id', 'module.spoke["a"]',
                                                         "module.spoke"]})])
    document["planned_values"]["root_module"]["child_modules"] = [child("a", 1), child("b", 2)]
    document["configuration"]["root_module"]["module_calls"] = {"spoke": {
        "source": "./spoke", "for_each_expression": {"references": ["var.spokes"]},
        "expressions": {"hub_vnet_id": ref("azurerm_virtual_network.hub")},
        "module": {"outputs": {"vnet_id": {"expression": ref("azurerm_virtual_network.this")}},
                   "resources": [
                       config("azurerm_network_interface", "vm", ip_configuration=[
                           {"subnet_id": ref("azurerm_subnet.app")}]),
                       config("azurerm_virtual_network_peering", "to_hub",
                              remote_virtual_network_id={"references": ["var.hub_vnet_id"]})]}}}
    text = text_of(document)
    assert "  - name: spoke-a\n" in text and "      - {name: vm-a, address: 10.1.1.4}\n" in text
    assert "      - {name: vm-b, address: 10.2.1.4}\n" in text
    # the peerings say nothing of forwarded traffic: Azure's default, off, is written
    assert ("  - name: hub-to-a\n    type: peering\n    a: {network: hub}\n"
            "    b: {network: spoke-a}\n") in text
    assert ("  - name: to-hub\n    type: peering\n    a: {network: hub}\n"
            "    b: {network: spoke-b}\n") in text
