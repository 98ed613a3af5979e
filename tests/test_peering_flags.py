"""Peering settings on each side: virtual network access and forwarded traffic (Rule 2.5).

"Create, change, or delete a virtual network peering"
(https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering): clearing
"Allow access to the remote virtual network" prevents communication between the two virtual
networks; "Allow forwarded traffic" lets traffic forwarded by a network virtual appliance in the
peer (traffic that didn't originate in the peer) flow to this virtual network through the
peering, and without it that traffic is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import yaml

from azint.data.endpoints import resolve_source
from azint.data.walk import Disposition
from azint.network import Network
from azint.topology import loader
from tests.builders import Doc, build, peering, site, vnet
from tests.builders import circuit as er_circuit
from tests.conftest import TOPOLOGIES, Run


def _nva_hub(tmp_path: Path, side: str = "b", peering: str = "", **settings: dict[str, Any]) -> Network:
    """tests/topologies/nva-hub.yaml (spoke1 and spoke2 talk through the hub firewall), with
    extra settings on the spokes' sides of their peerings (``spoke2={...}``), or on ``side`` of
    ``peering``."""
    doc: Doc = yaml.safe_load((TOPOLOGIES / "nva-hub.yaml").read_text())
    for connection in doc["connections"]:
        connection["b"].update(settings.get(connection["b"]["network"], {}))
        if connection["name"] == peering:
            connection[side].update(settings["both"])
    return build(tmp_path, doc["networks"], doc["connections"])


def _walk(net: Network, source: str, address: str) -> Disposition:
    result = net.prober.tracert(resolve_source(net.topology, source), IPv4Address(address))
    return result.walk.disposition


def test_forwarded_traffic_allowed_passes_the_appliance(tmp_path: Path) -> None:
    net = _nva_hub(tmp_path, spoke2={"allow_forwarded_traffic": True})
    assert _walk(net, "spoke1", "10.92.0.4") is Disposition.DELIVERED


def test_forwarded_traffic_not_allowed_is_dropped_at_the_peering(tmp_path: Path) -> None:
    """spoke2 refuses what the hub firewall forwards from spoke1; spoke1 still reaches the hub's
    own VMs, and the hub's VM (traffic that starts in the hub) still reaches spoke2."""
    net = _nva_hub(tmp_path, spoke2={"allow_forwarded_traffic": False})
    result = net.prober.tracert(resolve_source(net.topology, "spoke1"), IPv4Address("10.92.0.4"))
    assert result.walk.disposition is Disposition.FORWARDED_NOT_ALLOWED
    assert "'spoke2' does not allow forwarded traffic from 'hub'" in result.walk.reason
    assert _walk(net, "spoke1", "10.90.0.4") is Disposition.DELIVERED
    assert _walk(net, "hub", "10.92.0.4") is Disposition.DELIVERED


def test_the_return_path_needs_the_other_spokes_setting(tmp_path: Path) -> None:
    """The setting is per side: spoke1 refusing forwarded traffic stops spoke2's packets to it."""
    net = _nva_hub(tmp_path, spoke1={"allow_forwarded_traffic": False})
    assert _walk(net, "spoke1", "10.92.0.4") is Disposition.DELIVERED
    assert _walk(net, "spoke2", "10.91.0.4") is Disposition.FORWARDED_NOT_ALLOWED


def test_no_virtual_network_access_no_routes_no_packets(tmp_path: Path) -> None:
    """Access off on either side: neither VNet has the other's range; a packet meets None."""
    for side in ("a", "b"):
        net = _nva_hub(tmp_path, side, "hub-spoke1", both={"allow_virtual_network_access": False})
        hub_routes = {str(row.route.prefix) for row in net.plane.vnets["hub"].effective("default")}
        assert "10.91.0.0/24" not in hub_routes and "10.92.0.0/24" in hub_routes
        assert _walk(net, "hub", "10.91.0.4") is Disposition.NULL_ROUTED
        assert _walk(net, "hub", "10.92.0.4") is Disposition.DELIVERED


def test_no_virtual_network_access_no_gateway_transit(tmp_path: Path) -> None:
    """Gateway transit needs a peering that carries traffic: with access off the spoke gets no
    routes from the hub's gateway, and on-premises no route to the spoke."""
    hub = vnet("hub", "10.10.0.0/24", er=True)
    spoke = vnet("spoke", "10.11.0.0/24")
    dc = site("dc", 65001, "10.1.0.0/24")
    link = peering("hub-spoke", "hub", "spoke", transit=True)
    er = er_circuit("er", [("er-1", "primary", "192.168.1.0/30", "dc-ce"),
                           ("er-2", "secondary", "192.168.1.4/30", "dc-ce")], [("hub-er", "hub")])
    on = build(tmp_path, [hub, spoke, dc], [link, er])
    assert _walk(on, "spoke", "10.1.0.10") is Disposition.DELIVERED
    link["b"]["allow_virtual_network_access"] = False
    off = build(tmp_path, [hub, spoke, dc], [link, er])
    assert off.plane.gateway_vnet["spoke"] is None
    assert _walk(off, "spoke", "10.1.0.10") is not Disposition.DELIVERED
    assert _walk(off, "dc", "10.11.0.4") is not Disposition.DELIVERED


def test_flags_default_to_azures_access_allowed_forwarding_refused(tmp_path: Path) -> None:
    """Azure creates a peering with virtual network access allowed and forwarded traffic not
    allowed ("Create, change, or delete a virtual network peering",
    https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering): a side
    that states neither flag gets the same, so a hub appliance's forwarded packets are refused
    until the file allows them."""
    path = tmp_path / "t.yaml"
    path.write_text((TOPOLOGIES / "nva-hub.yaml").read_text().replace(", allow_forwarded_traffic: true", ""))
    network = Network.of(loader.load(path))
    side = network.topology.peerings[0].b
    assert side.allow_virtual_network_access and not side.allow_forwarded_traffic
    assert _walk(network, "spoke1", "10.92.0.4") is Disposition.FORWARDED_NOT_ALLOWED


def test_explain_names_the_peering_setting(azint: Callable[..., Run], tmp_path: Path) -> None:
    """``explain`` gives rule 2.5 and the side's setting for both drops."""
    _nva_hub(tmp_path, spoke2={"allow_forwarded_traffic": False})
    path = str(tmp_path / "topology.yaml")
    refused = azint("explain", "--topology", path, "spoke1", "10.92.0.4").out
    assert "[rule 2.5] VNet spoke2 does not allow forwarded traffic on peering 'hub-spoke2'" \
        in " ".join(refused.split())
    _nva_hub(tmp_path, "b", "hub-spoke1", both={"allow_virtual_network_access": False})
    closed = azint("explain", "--topology", path, "hub", "10.91.0.4").out
    assert "[rule 2.5] VNet spoke1 does not allow virtual network access on peering " \
           "'hub-spoke1'" in " ".join(closed.split())
