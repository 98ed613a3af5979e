"""ExpressRoute circuit SKU against geography (Rule 3.7).

"ExpressRoute FAQ" (https://learn.microsoft.com/azure/expressroute/expressroute-faqs),
"What is the connectivity scope for different ExpressRoute circuit SKUs?": a Local circuit
reaches the Azure regions in the same metro as its peering location, a Standard circuit all
regions of its geopolitical area, a Premium circuit all regions globally; "ExpressRoute Global
Reach is not available on Local"; circuits in different geopolitical regions need Premium on both
for Global Reach. Geography from "ExpressRoute peering locations and connectivity partners"
(https://learn.microsoft.com/azure/expressroute/expressroute-locations-providers).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from azint.topology import geography, loader
from azint.topology.model import CircuitSku
from azint.topology.problems import Severity
from tests.builders import Doc, circuit, site, vnet


def _circuit(name: str, location: str, sku: str | None, third: int, vnets: list[str]) -> Doc:
    doc = circuit(name, [(f"{name}-1", "primary", f"192.168.{third}.0/30", f"{name}-ce"),
                         (f"{name}-2", "secondary", f"192.168.{third}.4/30", f"{name}-ce")],
                  [(f"{v}-{name}", v) for v in vnets])
    doc["peering_location"] = location
    if sku is not None:
        doc["sku"] = sku
    return doc


def _errors(tmp_path: Path, circuits: list[Doc], regions: dict[str, str],
            reach: bool = False) -> list[str]:
    networks: list[Doc] = [vnet(name, f"10.{10 + i}.0.0/24", region=region, er=True)
                           for i, (name, region) in enumerate(regions.items())]
    networks += [site(f"{c['name']}-site", 65001 + i, f"10.{1 + i}.0.0/24") for i, c in
                 enumerate(circuits)]
    for i, c in enumerate(circuits):  # each circuit ends at its own site's CE
        networks[len(regions) + i]["routers"][0]["name"] = f"{c['name']}-ce"
    connections = list(circuits)
    if reach:
        connections.append({"name": "gr", "type": "global_reach",
                             "circuits": [circuits[0]["name"], circuits[1]["name"]]})
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"azint": 1, "name": "t", "networks": networks,
                                    "connections": connections}, sort_keys=False))
    _, problems = loader.load_with_problems(path)
    return [p.message for p in problems if p.severity is Severity.ERROR]


def test_standard_reaches_its_geopolitical_region_only(tmp_path: Path) -> None:
    errors = _errors(tmp_path, [_circuit("er", "Amsterdam", None, 1, ["eu", "us"])],
                     {"eu": "France Central", "us": "eastus"})
    assert len(errors) == 1
    assert "Standard circuit 'er' at peering location 'Amsterdam' (Europe) cannot link VNet " \
           "'us' in 'eastus' (North America)" in errors[0]


def test_premium_reaches_every_region(tmp_path: Path) -> None:
    for sku in ("Premium", None):
        doc = _circuit("er", "Amsterdam", sku, 1, ["eu", "us"])
        if sku is None:
            doc["premium"] = True
        assert _errors(tmp_path, [doc], {"eu": "westeurope", "us": "East US"}) == []


def test_local_reaches_the_regions_near_its_location(tmp_path: Path) -> None:
    near = _errors(tmp_path, [_circuit("er", "Washington DC", "Local", 1, ["va", "vb"])],
                   {"va": "eastus", "vb": "East US 2"})
    assert near == []
    far = _errors(tmp_path, [_circuit("er", "Washington DC", "Local", 1, ["va", "vc"])],
                  {"va": "eastus", "vc": "centralus"})
    assert len(far) == 1 and "reaches only eastus, eastus2, not VNet 'vc'" in far[0]


def test_local_is_not_offered_everywhere(tmp_path: Path) -> None:
    errors = _errors(tmp_path, [_circuit("er", "Dallas", "Local", 1, ["va"])],
                     {"va": "southcentralus"})
    assert errors == ["ExpressRoute Local is not available at peering location 'Dallas' "
                      "(circuit 'er')"]


def test_global_reach_across_geopolitical_regions_needs_premium_on_both(tmp_path: Path) -> None:
    def reach(first: str | None, second: str | None) -> list[str]:
        circuits = [_circuit("eu", "London", first, 1, ["va"]),
                    _circuit("us", "Seattle", second, 2, ["vb"])]
        return _errors(tmp_path, circuits, {"va": "UK South", "vb": "West US 2"}, reach=True)

    assert reach("Premium", "Premium") == []
    only_one = reach("Premium", None)
    assert len(only_one) == 1 and "both need Premium, and 'us' is Standard" in only_one[0]


def test_global_reach_within_a_region_needs_no_premium_but_not_local(tmp_path: Path) -> None:
    def reach(second: str | None) -> list[str]:
        circuits = [_circuit("lon", "London", None, 1, ["va"]),
                    _circuit("ams", "Amsterdam", second, 2, ["vb"])]
        return _errors(tmp_path, circuits, {"va": "uksouth", "vb": "westeurope"}, reach=True)

    assert reach(None) == []
    assert reach("Local") == ["Global Reach 'gr' joins Local circuit 'ams': Global Reach is not "
                              "available on Local"]


def test_unknown_names_are_not_checked(tmp_path: Path) -> None:
    """The reference network's region1 and er1-location are names of the article, not Azure's."""
    assert geography.region_geography("region1") is None
    assert _errors(tmp_path, [_circuit("er", "er1-location", "Local", 1, ["va"])],
                   {"va": "region1"}) == []


@pytest.mark.parametrize(("keys", "sku"), [({}, CircuitSku.STANDARD),
                                           ({"premium": True}, CircuitSku.PREMIUM),
                                           ({"sku": "Local"}, CircuitSku.LOCAL)])
def test_sku_and_premium_agree(tmp_path: Path, keys: Doc, sku: CircuitSku) -> None:
    doc = _circuit("er", "x", None, 1, ["va"])
    doc.update(keys)
    _errors(tmp_path, [doc], {"va": "r"})
    topology = loader.load(tmp_path / "t.yaml")
    assert topology.circuits["er"].sku is sku
    assert topology.circuits["er"].premium is (sku is CircuitSku.PREMIUM)


def test_premium_true_with_another_sku_is_refused(tmp_path: Path) -> None:
    doc = _circuit("er", "x", "Local", 1, ["va"])
    doc["premium"] = True
    assert _errors(tmp_path, [doc], {"va": "r"}) == ["premium: true is the Premium SKU, not Local"]
