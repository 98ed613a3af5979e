"""``terraform show -json`` output (a plan or a state) read into an :class:`~azint.sources.estate.Estate`.

A plan's resources are under ``planned_values.root_module`` and a state's under
``values.root_module``, each module's children under ``child_modules`` ("JSON Output Format",
https://developer.hashicorp.com/terraform/internals/json-format). Attribute names are the azurerm
provider's (``address_space``, ``remote_virtual_network_id``, ``next_hop_in_ip_address``…), both
the 3.x and the 4.x spelling where they differ (``enable_bgp`` / ``bgp_enabled``).

A plan does not know the ids of resources it is about to create: their ``id`` is missing from
``values``. A reference to such a resource is joined by the plan's ``configuration`` instead: the
expression of the attribute names the resource's address (``azurerm_subnet.app.id``), through
module inputs (``var.…``) and outputs (``module.….…``) when it crosses a module. Resources known
only by their address keep it as their id in the topology's comments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import Any, NamedTuple, TypeVar

from azint.sources import estate as e
from azint.sources.estate import Origin, SourceError, id_key

T = TypeVar("T")
Json = Any

_REFERENCE = re.compile(r"^(?:(data)\.)?([A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[([^\]]*)\])?")
_KEYS = re.compile(r"\[[^\]]*\]")
_SEGMENT = re.compile(r"module\.[^.\[]+(?:\[[^\]]*\])?")

VNET, SUBNET, PEERING = "azurerm_virtual_network", "azurerm_subnet", "azurerm_virtual_network_peering"
ROUTE_TABLE, ROUTE = "azurerm_route_table", "azurerm_route"
ASSOCIATION = "azurerm_subnet_route_table_association"
NIC, PUBLIC_IP = "azurerm_network_interface", "azurerm_public_ip"
GATEWAY, LOCAL_GATEWAY = "azurerm_virtual_network_gateway", "azurerm_local_network_gateway"
CONNECTION = "azurerm_virtual_network_gateway_connection"
CIRCUIT, CIRCUIT_PEERING = "azurerm_express_route_circuit", "azurerm_express_route_circuit_peering"
GLOBAL_REACH = "azurerm_express_route_circuit_connection"
ROUTE_SERVER, ROUTE_SERVER_PEER = "azurerm_route_server", "azurerm_route_server_bgp_connection"
NSG, NSG_RULE = "azurerm_network_security_group", "azurerm_network_security_rule"
SUBNET_NSG = "azurerm_subnet_network_security_group_association"
NIC_NSG = "azurerm_network_interface_security_group_association"
VMS = ("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine")
READ = {VNET, SUBNET, PEERING, ROUTE_TABLE, ROUTE, ASSOCIATION, NIC, PUBLIC_IP, GATEWAY,
        LOCAL_GATEWAY, CONNECTION, CIRCUIT, CIRCUIT_PEERING, GLOBAL_REACH, ROUTE_SERVER,
        ROUTE_SERVER_PEER, NSG, NSG_RULE, SUBNET_NSG, NIC_NSG}
SKU_TIERS = {"local": "Local", "standard": "Standard", "premium": "Premium"}
NEXT_HOP_TYPES = {"virtualappliance": "VirtualAppliance", "virtualnetworkgateway":
                  "VirtualNetworkGateway", "vnetlocal": "VnetLocal", "internet": "Internet",
                  "none": "None"}


class TfResource(NamedTuple):
    """One resource instance of the plan or state."""

    address: str  # module.spoke1.azurerm_subnet.app[0]
    module: str  # module.spoke1 (instance keys removed: the configuration has none)
    scope: str  # the module instance: module.spoke["a"] under for_each
    config: str  # azurerm_subnet.app, or data.azurerm_…: the address inside its module
    index: Json  # count or for_each key; None without
    type: str
    values: dict[str, Json]
    origin: Origin  # the JSON path of the resource object

    @property
    def ident(self) -> str:
        """The Azure id when known, else the address (a plan's resource not yet created)."""
        value = self.values.get("id")
        return value if isinstance(value, str) and value else self.address

    @property
    def name(self) -> str:
        value = self.values.get("name")
        return value if isinstance(value, str) and value else self.address.rsplit(".", 1)[-1]

    def where(self, *keys: str | int) -> str:
        return self.origin.at("values", *keys)


def items(value: Json) -> list[Json]:
    """``value`` if it is a list, else nothing: a malformed document is never iterated blindly."""
    return value if isinstance(value, list) else []


def mapping(value: Json) -> dict[str, Json]:
    return value if isinstance(value, dict) else {}


def dig(value: Json, *keys: str | int) -> Json:
    """``value[k1][k2]…``; ``None`` where any step is missing."""
    for key in keys:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and -len(value) <= key < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


# -- the document ---------------------------------------------------------------------------------


class Plan:
    """The resources of one ``terraform show -json`` document and its configuration."""

    def __init__(self, file: str, document: Json) -> None:
        self.file = file
        if not isinstance(document, dict):
            raise SourceError(file, "$", "expected the object 'terraform show -json' writes")
        if isinstance(document.get("planned_values"), dict):
            root, path = document["planned_values"].get("root_module"), "$.planned_values.root_module"
        elif isinstance(document.get("values"), dict):
            root, path = document["values"].get("root_module"), "$.values.root_module"
        else:
            raise SourceError(file, "$", "not 'terraform show -json' output: no planned_values "
                              "(a plan) nor values (a state)")
        self.resources = list(self._walk(root if isinstance(root, dict) else {}, path))
        # Several resources may share an id: an association's is its subnet's.
        self.by_id: dict[str, list[TfResource]] = {}
        self.by_config: dict[tuple[str, str], list[TfResource]] = {}
        for resource in self.resources:
            if isinstance(resource.values.get("id"), str) and resource.values["id"]:
                self.by_id.setdefault(id_key(resource.values["id"]), []).append(resource)
            self.by_config.setdefault((resource.module, resource.config), []).append(resource)
        self.modules: dict[str, dict[str, Json]] = {}
        self.calls: dict[str, tuple[str, dict[str, Json]]] = {}  # module -> (parent, inputs)
        configuration = document.get("configuration")
        self._configure(mapping(dig(configuration, "root_module")), "")

    def with_id(self, resource_id: str, kinds: tuple[str, ...]) -> TfResource | None:
        """The resource with this id, of one of ``kinds`` if several share it."""
        found = self.by_id.get(id_key(resource_id), [])
        return next((r for r in found if r.type in kinds), found[0] if found else None)

    def _walk(self, module: dict[str, Json], path: str) -> Iterator[TfResource]:
        scope = str(module.get("address") or "")
        for i, item in enumerate(items(module.get("resources"))):
            where = f"{path}.resources[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise SourceError(self.file, where, "a resource needs a 'type'")
            values = item.get("values")
            prefix = "data." if item.get("mode") == "data" else ""
            yield TfResource(str(item.get("address") or ""), _KEYS.sub("", scope), scope,
                             f"{prefix}{item['type']}.{item.get('name')}", item.get("index"),
                             item["type"], values if isinstance(values, dict) else {},
                             Origin(self.file, where))
        for i, child in enumerate(items(module.get("child_modules"))):
            if isinstance(child, dict):
                yield from self._walk(child, f"{path}.child_modules[{i}]")

    def _configure(self, module: dict[str, Json], address: str) -> None:
        self.modules[address] = module
        for name, call in mapping(module.get("module_calls")).items():
            child = f"{address}.module.{name}" if address else f"module.{name}"
            self.calls[child] = (address, mapping(dig(call, "expressions")))
            self._configure(mapping(dig(call, "module")), child)

    def expression(self, resource: TfResource, *keys: str | int) -> Json:
        """The configuration's expression of a resource's attribute (blocks are lists)."""
        module = self.modules.get(resource.module) or {}
        found = next((r for r in items(module.get("resources"))
                      if isinstance(r, dict) and r.get("address") == resource.config), None)
        value = dig(found, "expressions")
        for key in keys:
            if isinstance(value, list) and isinstance(key, int) and len(value) == 1:
                value = value[0]  # a configuration has one block where the values may have more
            else:
                value = dig(value, key)
        return value

    def referred(self, scope: str, references: list[str], index: Json,
                 depth: int = 0) -> TfResource | None:
        """The resource the first resolvable reference names, seen from the module instance
        ``scope`` (``module.spoke["a"]``; empty for the root module)."""
        for reference in items(references) if depth < 16 else []:
            found = self._reference(scope, str(reference), index, depth)
            if found is not None:
                return found
        return None

    def _reference(self, scope: str, reference: str, index: Json, depth: int) -> TfResource | None:
        module, parts = _KEYS.sub("", scope), reference.split(".")
        if parts[0] == "var" and len(parts) > 1 and module in self.calls:
            _, inputs = self.calls[module]
            parent = ".".join(_SEGMENT.findall(scope)[:-1])
            return self.referred(parent, dig(inputs, parts[1], "references"), index, depth + 1)
        if parts[0] == "module" and len(parts) > 2:
            child = f"{scope}.module.{parts[1]}".lstrip(".")
            output = dig(self.modules.get(_KEYS.sub("", child)), "outputs", parts[2], "expression",
                         "references")
            return self.referred(child, output, index, depth + 1)
        match = _REFERENCE.match(reference)
        if match is None:
            return None
        data, kind, name, key = match.groups()
        instances = self.by_config.get((module, f"{'data.' if data else ''}{kind}.{name}"), [])
        return _instance([r for r in instances if r.scope == scope] or instances, key, index)


def _instance(instances: list[TfResource], key: str | None, index: Json) -> TfResource | None:
    if key is not None:
        wanted = key.strip('"')
        return next((r for r in instances if str(r.index) == wanted), None)
    if len(instances) == 1:
        return instances[0]
    return next((r for r in instances if index is not None and r.index == index), None)


# -- resources to an estate -----------------------------------------------------------------------


def read_terraform(file: str, document: Json) -> e.Estate:
    """Every modelled azurerm resource of a plan or a state; the others counted by type."""
    plan = Plan(file, document)
    reader = _Reader(plan, e.Estate())
    for resource in plan.resources:
        if resource.type not in READ and not resource.config.startswith("data."):
            reader.estate.not_modelled[resource.type] += 1
    for kind, read in ((NSG, reader.security_group), (NSG_RULE, reader.security_rule),
                       (VNET, reader.vnet), (SUBNET, reader.subnet), (ROUTE_TABLE, reader.table),
                       (ROUTE, reader.route), (ASSOCIATION, reader.association),
                       (SUBNET_NSG, reader.subnet_group), (PEERING, reader.peering),
                       (NIC, reader.nic), (NIC_NSG, reader.nic_group), (GATEWAY, reader.gateway),
                       (LOCAL_GATEWAY, reader.local_gateway), (CIRCUIT, reader.circuit),
                       (CIRCUIT_PEERING, reader.circuit_peering), (CONNECTION, reader.connection),
                       (GLOBAL_REACH, reader.global_reach), (ROUTE_SERVER, reader.route_server),
                       (ROUTE_SERVER_PEER, reader.route_server_peer)):
        for resource in reader.of_type(kind):
            read(resource)
    reader.finish()
    return reader.estate


class _Subnet(NamedTuple):
    vnet: str  # the VNet's key
    name: str
    prefix: IPv4Network
    ident: str


class _Reader:
    def __init__(self, plan: Plan, estate: e.Estate) -> None:
        self.plan = plan
        self.estate = estate
        self.subnets: dict[str, _Subnet] = {}  # subnet key -> subnet
        self.vnet_subnets: dict[str, list[str]] = {}  # VNet key -> subnet keys in order read
        self.subnet_tables: dict[str, str] = {}  # subnet key -> route table id
        self.subnet_groups: dict[str, str] = {}  # subnet key -> network security group id
        self.routes: dict[str, list[e.Route]] = {}  # route table key -> routes
        self.tables: dict[str, TfResource] = {}
        self.private: dict[str, TfResource] = {}  # circuit key -> its private peering
        self.kinds: dict[str, list[TfResource]] = {}
        self.named: dict[tuple[str, str, str], TfResource] = {}  # (type, group, name) -> first
        for resource in plan.resources:
            if not resource.config.startswith("data."):
                self.kinds.setdefault(resource.type, []).append(resource)
                group = str(resource.values.get("resource_group_name") or "").lower()
                self.named.setdefault((resource.type, group, resource.name.lower()), resource)
        self.vm_names = self._vm_names()

    def of_type(self, kind: str) -> list[TfResource]:
        return self.kinds.get(kind, [])

    # -- helpers ---------------------------------------------------------------------------------

    def fail(self, resource: TfResource, problem: str, *keys: str | int) -> SourceError:
        return SourceError(self.plan.file, resource.where(*keys), problem)

    def ref(self, resource: TfResource, *keys: str | int, kinds: tuple[str, ...],
            required: bool = True) -> TfResource | None:
        """The resource an ``…_id`` attribute names: by its id, else by the configuration."""
        value = dig(resource.values, *keys)
        found = None
        if value is not None and not isinstance(value, str):
            raise self.fail(resource, f"expected a resource id, not {value!r}", *keys)
        if value:
            found = self.plan.with_id(value, kinds)
            if found is None and required:
                raise self.fail(resource, f"refers to {value}, which the input does not hold",
                                *keys)
        else:
            references = dig(self.plan.expression(resource, *keys), "references") or []
            found = self.plan.referred(resource.scope, references, resource.index)
            if found is None and required:
                raise self.fail(resource, "is known only after apply, and the plan's "
                                "configuration does not name a resource of the input for it",
                                *keys)
        if found is not None and found.config.startswith("data."):
            raise self.fail(resource, f"refers to {found.address}, a data source: import the "
                            f"state that manages it instead", *keys)
        if found is not None and found.type not in kinds:
            raise self.fail(resource, f"refers to {found.address}, not a {' or '.join(kinds)}",
                            *keys)
        return found

    def by_name(self, resource: TfResource, key: str, kind: str) -> TfResource:
        """The parent a child names (``virtual_network_name``), in its resource group."""
        references = dig(self.plan.expression(resource, key), "references") or []
        found = self.plan.referred(resource.scope, references, resource.index)
        if found is not None and found.type == kind:
            return found
        name = str(resource.values.get(key) or "").lower()
        group = str(resource.values.get("resource_group_name") or "").lower()
        candidate = self.named.get((kind, group, name))
        if candidate is not None:
            return candidate
        raise self.fail(resource, f"names {kind} '{resource.values.get(key)}', which the input "
                        f"does not hold", key)

    def parse(self, resource: TfResource, build: Callable[[str], T], *keys: str | int) -> T:
        value = dig(resource.values, *keys)
        if value is None:
            raise self.fail(resource, "missing (known only after apply?)", *keys)
        try:
            return build(str(value).strip())
        except ValueError as exc:
            raise self.fail(resource, f"{exc}", *keys) from exc

    def nets(self, resource: TfResource, *keys: str | int) -> tuple[IPv4Network, ...]:
        values = dig(resource.values, *keys)
        if values is None:
            return ()
        if not isinstance(values, list):
            raise self.fail(resource, "expected a list of address prefixes", *keys)
        return tuple(self.parse(resource, IPv4Network, *keys, i) for i in range(len(values)))

    def flag(self, resource: TfResource, *names: str, default: bool = False) -> bool:
        for name in names:
            if isinstance(resource.values.get(name), bool):
                return bool(resource.values[name])
        return default

    def number(self, resource: TfResource, *keys: str | int) -> int | None:
        value = dig(resource.values, *keys)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise self.fail(resource, f"expected a number, not {value!r}", *keys) from exc

    def prefix_of(self, resource: TfResource, *keys: str | int) -> IPv4Network:
        """A subnet's prefix: ``address_prefixes`` (its first) or 3.x's ``address_prefix``."""
        if isinstance(dig(resource.values, *keys, "address_prefixes"), list):
            return self.parse(resource, IPv4Network, *keys, "address_prefixes", 0)
        return self.parse(resource, IPv4Network, *keys, "address_prefix")

    # -- VNets and subnets -------------------------------------------------------------------------

    def vnet(self, resource: TfResource) -> None:
        key = id_key(resource.ident)
        self.vnet_subnets[key] = []
        blocks = resource.values.get("subnet") or []
        for i, block in enumerate(blocks if isinstance(blocks, list) else []):
            name = str(dig(block, "name") or "")
            given = dig(block, "id")
            ident = given if isinstance(given, str) and given else f"{resource.ident}/subnets/{name}"
            self._add_subnet(_Subnet(key, name, self.prefix_of(resource, "subnet", i), ident))
            table = dig(block, "route_table_id")
            if isinstance(table, str) and table:
                self.subnet_tables[id_key(ident)] = table
            group = dig(block, "security_group")
            if isinstance(group, str) and group:
                self._use_group(ident, group, name)
        region = str(resource.values.get("location") or "region1").replace(" ", "").lower()
        self.estate.vnets[key] = e.VirtualNetwork(resource.ident, resource.name, region,
                                                  self.nets(resource, "address_space"), ())

    def _use_group(self, subnet: str, group: str, name: str) -> None:
        found = self.plan.with_id(group, (NSG,))
        if found is None or found.type != NSG:
            self.estate.warn(f"subnet '{name}' uses network security group {group}, which the "
                             f"input does not hold: it filters nothing here")
            return
        self.subnet_groups[id_key(subnet)] = found.ident

    def _add_subnet(self, subnet: _Subnet) -> None:
        key = id_key(subnet.ident)
        if key not in self.subnets:
            self.vnet_subnets[subnet.vnet].append(key)
        self.subnets[key] = subnet

    def subnet(self, resource: TfResource) -> None:
        vnet = self.by_name(resource, "virtual_network_name", VNET)
        self._add_subnet(_Subnet(id_key(vnet.ident), resource.name, self.prefix_of(resource),
                                 resource.ident))

    def subnet_of(self, resource: TfResource, *keys: str | int, wanted: str = "",
                  address: IPv4Address | None = None) -> _Subnet:
        """The subnet a ``subnet_id`` names; an inline subnet of a VNet by name or address."""
        found = self.ref(resource, *keys, kinds=(SUBNET, VNET), required=False)
        value = dig(resource.values, *keys)
        key = id_key(value) if isinstance(value, str) and value else None
        if key is None and found is not None and found.type == SUBNET:
            key = id_key(found.ident)
        if key is None and found is not None:  # a reference into a VNet's subnet blocks
            key = next((k for k in self.vnet_subnets.get(id_key(found.ident), [])
                        if self.subnets[k].name.lower() == wanted.lower()
                        or (address is not None and address in self.subnets[k].prefix)), None)
        if key is None or key not in self.subnets:
            shown = value if isinstance(value, str) and value else (
                found.address if found is not None else "a subnet known only after apply")
            raise self.fail(resource, f"refers to {shown}, which the input does not hold", *keys)
        return self.subnets[key]

    # -- route tables ----------------------------------------------------------------------------

    def table(self, resource: TfResource) -> None:
        key = id_key(resource.ident)
        self.tables[key] = resource
        blocks = resource.values.get("route") or []
        self.routes[key] = [r for i in range(len(blocks) if isinstance(blocks, list) else 0)
                            for r in [self._route(resource, "route", i)] if r is not None]

    def route(self, resource: TfResource) -> None:
        table = self.by_name(resource, "route_table_name", ROUTE_TABLE)
        found = self._route(resource)
        if found is not None:
            self.routes[id_key(table.ident)].append(found)

    def _route(self, resource: TfResource, *keys: str | int) -> e.Route | None:
        name = str(dig(resource.values, *keys, "name") or "")
        kind = str(dig(resource.values, *keys, "next_hop_type") or "")
        hop = NEXT_HOP_TYPES.get(kind.lower())
        if hop is None:
            raise self.fail(resource, f"unknown next_hop_type {kind!r}", *keys, "next_hop_type")
        prefix = str(dig(resource.values, *keys, "address_prefix") or "")
        try:
            destination = IPv4Network(prefix)
        except ValueError:
            self.estate.warn(f"route '{name}' of {resource.address}: destination {prefix!r} "
                             f"(a service tag?) is not modelled; route left out")
            return None
        address = dig(resource.values, *keys, "next_hop_in_ip_address")
        ip = self.parse(resource, IPv4Address, *keys, "next_hop_in_ip_address") if address else None
        return e.Route(name, destination, hop, ip)

    def association(self, resource: TfResource) -> None:
        subnet = self.subnet_of(resource, "subnet_id")
        table = self.ref(resource, "route_table_id", kinds=(ROUTE_TABLE,))
        assert table is not None
        self.subnet_tables[id_key(subnet.ident)] = table.ident

    # -- network security groups -----------------------------------------------------------------

    def security_group(self, resource: TfResource) -> None:
        blocks = items(resource.values.get("security_rule"))
        self.estate.security_groups[id_key(resource.ident)] = e.SecurityGroup(
            resource.ident, resource.name,
            tuple(self._rule(resource, "security_rule", i) for i in range(len(blocks))))

    def security_rule(self, resource: TfResource) -> None:
        group = self.by_name(resource, "network_security_group_name", NSG)
        key = id_key(group.ident)
        found = self.estate.security_groups[key]
        self.estate.security_groups[key] = found._replace(
            rules=(*found.rules, self._rule(resource)))

    def _rule(self, resource: TfResource, *keys: str | int) -> e.SecurityRule:
        def values(key: str, plural: str) -> tuple[str, ...]:
            many = dig(resource.values, *keys, plural)
            if isinstance(many, list) and many:
                return tuple(str(v).strip() for v in many)
            one = dig(resource.values, *keys, key)
            return (str(one).strip(),) if one not in (None, "") else ()
        priority = self.number(resource, *keys, "priority")
        if priority is None:
            raise self.fail(resource, "a security rule needs a priority", *keys, "priority")
        groups = any(dig(resource.values, *keys, k) for k in (
            "source_application_security_group_ids", "destination_application_security_group_ids"))
        return e.SecurityRule(
            str(dig(resource.values, *keys, "name") or ""), priority,
            str(dig(resource.values, *keys, "direction") or ""),
            str(dig(resource.values, *keys, "access") or ""),
            str(dig(resource.values, *keys, "protocol") or "*"),
            values("source_address_prefix", "source_address_prefixes"),
            values("source_port_range", "source_port_ranges"),
            values("destination_address_prefix", "destination_address_prefixes"),
            values("destination_port_range", "destination_port_ranges"), groups)

    def subnet_group(self, resource: TfResource) -> None:
        subnet = self.subnet_of(resource, "subnet_id")
        group = self.ref(resource, "network_security_group_id", kinds=(NSG,))
        assert group is not None
        self.subnet_groups[id_key(subnet.ident)] = group.ident

    def nic_group(self, resource: TfResource) -> None:
        nic = self.ref(resource, "network_interface_id", kinds=(NIC,))
        group = self.ref(resource, "network_security_group_id", kinds=(NSG,))
        assert nic is not None and group is not None
        key = id_key(nic.ident)
        if key in self.estate.nics:
            self.estate.nics[key] = self.estate.nics[key]._replace(security_group=group.ident)

    # -- peerings, interfaces --------------------------------------------------------------------

    def peering(self, resource: TfResource) -> None:
        vnet = self.by_name(resource, "virtual_network_name", VNET)
        remote = self.ref(resource, "remote_virtual_network_id", kinds=(VNET,))
        assert remote is not None
        self.estate.peerings[id_key(resource.ident)] = e.Peering(
            resource.ident, resource.name, id_key(vnet.ident), id_key(remote.ident),
            self.flag(resource, "allow_virtual_network_access", default=True),
            self.flag(resource, "allow_forwarded_traffic"),
            self.flag(resource, "allow_gateway_transit"), self.flag(resource, "use_remote_gateways"))

    def _vm_names(self) -> dict[str, str]:
        """NIC key -> the name of the VM that uses it (as the ARM import names endpoints)."""
        names: dict[str, str] = {}
        for vm in (r for kind in VMS for r in self.of_type(kind)):
            ids = vm.values.get("network_interface_ids")
            found = [self.plan.with_id(i, (NIC,)) for i in items(ids) if isinstance(i, str)]
            if not isinstance(ids, list) or None in ids:  # known after apply: the references
                references = dig(self.plan.expression(vm, "network_interface_ids"), "references")
                found.extend(self.plan.referred(vm.scope, [r], vm.index) for r in items(references))
            for nic in found:
                if nic is not None and nic.type == NIC:
                    names.setdefault(id_key(nic.ident), vm.name)
        return names

    def nic(self, resource: TfResource) -> None:
        configs = resource.values.get("ip_configuration") or []
        if not isinstance(configs, list) or not configs:
            return
        i = next((n for n, c in enumerate(configs) if dig(c, "primary") is True), 0)
        address = dig(configs[i], "private_ip_address")
        if not address:
            self.estate.warn(f"{resource.address}: its address is known only after apply "
                             f"(dynamic allocation): left out")
            return
        ip = self.parse(resource, IPv4Address, "ip_configuration", i, "private_ip_address")
        subnet = self.subnet_of(resource, "ip_configuration", i, "subnet_id", address=ip)
        self.estate.nics[id_key(resource.ident)] = e.Nic(
            resource.ident, self.vm_names.get(id_key(resource.ident), resource.name), ip,
            id_key(subnet.ident), self.flag(resource, "ip_forwarding_enabled", "enable_ip_forwarding"))

    # -- gateways and connections ----------------------------------------------------------------

    def gateway(self, resource: TfResource) -> None:
        if not resource.values.get("ip_configuration"):
            raise self.fail(resource, "a gateway needs an ip_configuration (its GatewaySubnet)",
                            "ip_configuration")
        subnet = self.subnet_of(resource, "ip_configuration", 0, "subnet_id", wanted="GatewaySubnet")
        kind = "ExpressRoute" if str(resource.values.get("type")).lower() == "expressroute" else "Vpn"
        bgp = dig(resource.values, "bgp_settings", 0)
        addresses = [a for p in items(dig(bgp, "peering_addresses"))
                     for a in items(dig(p, "default_addresses"))]
        custom = [a for p in items(dig(bgp, "peering_addresses"))
                  for a in items(dig(p, "apipa_addresses"))[:1]]
        own = [a for p in items(dig(bgp, "peering_addresses"))
               for a in (items(dig(p, "apipa_addresses")) or items(dig(p, "default_addresses")))[:1]]
        tunnels = [a for p in items(dig(bgp, "peering_addresses"))
                   for a in items(dig(p, "tunnel_ip_addresses"))[:1]]
        if not addresses and isinstance(dig(bgp, "peering_address"), str):
            addresses = [dig(bgp, "peering_address")]
        public = []
        for i in range(len(items(resource.values.get("ip_configuration")))):
            pip = self.ref(resource, "ip_configuration", i, "public_ip_address_id",
                           kinds=(PUBLIC_IP,), required=False)
            if pip is not None and isinstance(pip.values.get("ip_address"), str):
                public.append(pip.values["ip_address"])
        active = self.flag(resource, "active_active")
        self.estate.gateways[id_key(resource.ident)] = e.Gateway(
            resource.ident, resource.name, kind, subnet.vnet, str(resource.values.get("sku") or ""),
            active, self.number(resource, "bgp_settings", 0, "asn") if bgp else None,
            tuple(self._address(resource, a) for a in addresses),
            tuple(self._address(resource, a) for a in (tunnels or public)),
            self._address(resource, custom[0]) if custom else None,
            tuple(self._address(resource, a) for a in own) if active and custom else ())

    def _address(self, resource: TfResource, text: str) -> IPv4Address:
        try:
            return IPv4Address(str(text).strip())
        except ValueError as exc:
            raise self.fail(resource, str(exc), "bgp_settings") from exc

    def local_gateway(self, resource: TfResource) -> None:
        bgp = dig(resource.values, "bgp_settings", 0)
        address = resource.values.get("gateway_address")
        peer = dig(bgp, "bgp_peering_address")
        self.estate.local_gateways[id_key(resource.ident)] = e.LocalGateway(
            resource.ident, resource.name, self.nets(resource, "address_space"),
            self.parse(resource, IPv4Address, "gateway_address") if address else None,
            self.number(resource, "bgp_settings", 0, "asn") if bgp else None,
            self.parse(resource, IPv4Address, "bgp_settings", 0, "bgp_peering_address")
            if peer else None)

    def connection(self, resource: TfResource) -> None:
        kind = str(resource.values.get("type") or "")
        peers = {"ipsec": ("local_network_gateway_id", LOCAL_GATEWAY, "IPsec"),
                 "vnet2vnet": ("peer_virtual_network_gateway_id", GATEWAY, "Vnet2Vnet"),
                 "expressroute": ("express_route_circuit_id", CIRCUIT, "ExpressRoute")}
        if kind.lower() not in peers:
            self.estate.not_modelled[f"connection type {kind or '(none)'}"] += 1
            return
        key, peer_kind, shown = peers[kind.lower()]
        gateway = self.ref(resource, "virtual_network_gateway_id", kinds=(GATEWAY,))
        peer = self.ref(resource, key, kinds=(peer_kind,))
        assert gateway is not None and peer is not None
        self.estate.connections[id_key(resource.ident)] = e.Connection(
            resource.ident, resource.name, shown, id_key(gateway.ident), id_key(peer.ident),
            self.flag(resource, "bgp_enabled", "enable_bgp"),
            self.number(resource, "routing_weight") or 0)

    # -- ExpressRoute ------------------------------------------------------------------------------

    def circuit(self, resource: TfResource) -> None:
        pass  # written in finish(), once its private peering is known

    def circuit_peering(self, resource: TfResource) -> None:
        circuit = self.by_name(resource, "express_route_circuit_name", CIRCUIT)
        if str(resource.values.get("peering_type") or "").lower() == "azureprivatepeering":
            self.private[id_key(circuit.ident)] = resource

    def global_reach(self, resource: TfResource) -> None:
        own = self.ref(resource, "peering_id", kinds=(CIRCUIT_PEERING,))
        other = self.ref(resource, "peer_peering_id", kinds=(CIRCUIT_PEERING,))
        assert own is not None and other is not None
        pair = tuple(id_key(self.by_name(p, "express_route_circuit_name", CIRCUIT).ident)
                     for p in (own, other))
        self.estate.global_reach[id_key(resource.ident)] = e.GlobalReach(
            resource.ident, resource.name, (pair[0], pair[1]))

    def route_server(self, resource: TfResource) -> None:
        subnet = self.subnet_of(resource, "subnet_id", wanted="RouteServerSubnet")
        self.estate.route_servers[id_key(resource.ident)] = e.RouteServer(
            resource.ident, resource.name, subnet.vnet,
            self.flag(resource, "branch_to_branch_traffic_enabled"),
            str(resource.values.get("hub_routing_preference") or "ExpressRoute"),
            tuple(self._address(resource, a) for a in items(resource.values.get("virtual_router_ips"))))

    def route_server_peer(self, resource: TfResource) -> None:
        server = self.ref(resource, "route_server_id", kinds=(ROUTE_SERVER,))
        assert server is not None
        asn = self.number(resource, "peer_asn")
        if asn is None:
            raise self.fail(resource, "a BGP connection needs a peer_asn", "peer_asn")
        peer = e.BgpPeer(resource.ident, resource.name, asn,
                         self.parse(resource, IPv4Address, "peer_ip"))
        key = id_key(server.ident)
        found = self.estate.route_servers[key]
        self.estate.route_servers[key] = found._replace(peers=(*found.peers, peer))

    # -- what needs everything read ----------------------------------------------------------------

    def finish(self) -> None:
        for key, vnet in list(self.estate.vnets.items()):
            subnets = tuple(e.Subnet(s.ident, s.name, s.prefix, self.subnet_tables.get(k),
                                     self.subnet_groups.get(k))
                            for k in self.vnet_subnets[key] for s in [self.subnets[k]])
            self.estate.vnets[key] = vnet._replace(subnets=subnets)
        for key, table in self.tables.items():
            propagate = (self.flag(table, "bgp_route_propagation_enabled", default=True)
                         and not self.flag(table, "disable_bgp_route_propagation"))
            self.estate.route_tables[key] = e.RouteTable(table.ident, table.name, propagate,
                                                         tuple(self.routes[key]))
        for subnet, table_id in self.subnet_tables.items():
            if id_key(table_id) not in self.estate.route_tables:
                raise SourceError(self.plan.file, "", f"subnet {self.subnets[subnet].ident} uses "
                                  f"route table {table_id}, which the input does not hold")
        for circuit in self.of_type(CIRCUIT):
            self._circuit(circuit)

    def _circuit(self, resource: TfResource) -> None:
        peering = self.private.get(id_key(resource.ident))
        if peering is None:
            self.estate.warn(f"ExpressRoute circuit '{resource.name}' has no Azure private "
                             f"peering: left out")
            return
        asn = self.number(peering, "peer_asn")
        if asn is None:
            raise self.fail(peering, "the private peering has no peer_asn", "peer_asn")
        tier = SKU_TIERS.get(str(dig(resource.values, "sku", 0, "tier") or "").lower(), "Standard")
        self.estate.circuits[id_key(resource.ident)] = e.Circuit(
            resource.ident, resource.name, str(resource.values.get("peering_location")
                                               or resource.name), tier == "Premium", asn,
            self.parse(peering, IPv4Network, "primary_peer_address_prefix"),
            self.parse(peering, IPv4Network, "secondary_peer_address_prefix"), tier)
