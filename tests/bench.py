"""Scale benchmark: load + compute + trace on generated landing zones (``make bench``).

A hub with ExpressRoute and VPN gateways, N spokes using them through gateway transit, an
on-premises site advertising P prefixes over a Premium circuit, and a VPN branch. Sizes stay
within Azure's limits (validate enforces them): at most 1,000 prefixes advertised per connection
(the hub and its spokes) and 10,000 on-premises prefixes into a Premium circuit. Prints, per size, the
seconds to load the YAML, to compute every table, to trace spoke -> on-premises, and the total
number of route-table entries, so growth with N and P can be read off (linear is the goal).
Times are CPU seconds (``time.process_time``): azint is single-threaded, and CPU time does not
grow when other work shares the machine, so the figures repeat on a busy 2-core machine.

Then the CI gate on landing zones of 100 and 400 spokes (100 on-premises prefixes): ``check``
of intents covering every spoke (4N+1 probes), the same plus one intent under any single
failure, ``whatif`` (every element failed in turn, every pair of networks), and ``diff`` against
a copy where one spoke stops using the hub's gateways and a new spoke is added.

Then the time to refuse a BGP policy that never settles (a "bad gadget") next to 8,000 prefixes
that do: convergence is decided per prefix, so the unrelated prefixes add only their own work.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from azint.data.endpoints import resolve_source
from azint.errors import TopologyError
from azint.network import Network
from azint.topology import loader
from tests.builders import bad_gadget, circuit, peering, site, vnet, vpn

# Doubling steps up to Azure's limits: 500 peerings per VNet, 10,000 prefixes into a Premium circuit.
DEFAULT_SIZES = "60x1200,120x2400,240x4800,480x9600"


def landing_zone(spokes: int, prefixes: int) -> dict[str, object]:
    networks = [vnet("hub", "10.0.0.0/24", er=True, vpn=True), vnet("branch", "10.1.0.0/24", vpn=True, asn=65516)]
    connections = [vpn("hub-branch", "hub", "branch")]
    for i in range(spokes):
        net = IPv4Network((0x0A400000 + i * 256, 24))  # 10.64.0.0/24 onwards
        networks.append(vnet(f"spoke{i}", str(net)))
        connections.append(peering(f"hub-spoke{i}", "hub", f"spoke{i}", transit=True))
    onprem = [str(IPv4Network((0xAC100000 + i * 256, 24))) for i in range(prefixes)]  # 172.16.x
    networks.append(site("dc", 65001, "192.168.100.0/24", advertise=["192.168.100.0/24", *onprem]))
    er = circuit("er", [("er-p", "primary", "192.168.0.16/30", "dc-ce")], [("hub-er", "hub")])
    connections.append({**er, "premium": True})  # Premium: up to 10,000 on-premises prefixes
    return {"azint": 1, "name": f"bench-{spokes}-{prefixes}", "networks": networks, "connections": connections}


def measure(spokes: int, prefixes: int, workdir: Path) -> tuple[float, float, float, int]:
    path = workdir / f"bench-{spokes}-{prefixes}.yaml"
    path.write_text(yaml.safe_dump(landing_zone(spokes, prefixes), sort_keys=False))
    start = time.process_time()
    topology = loader.load(path)
    loaded = time.process_time()
    network = Network.of(topology)
    computed = time.process_time()
    source = resolve_source(network.topology, f"spoke{spokes - 1}")
    trace = network.prober.tracert(source, IPv4Address("192.168.100.10"))
    traced = time.process_time()
    assert trace.reached, "the generated landing zone must route spoke -> on-premises"
    plane = network.plane
    shared = {id(v.gateway): len(v.gateway) for v in plane.vnets.values() if v.gateway}  # once each
    entries = (sum(len(t) for t in plane.tables.values())
               + sum(len(r.table) for r in plane.routers.values())
               + sum(len(v.system) + sum(len(u) for u in v.user.values()) for v in plane.vnets.values())
               + sum(shared.values()))
    return loaded - start, computed - loaded, traced - computed, entries


GATE_PREFIXES = 100


def gate_intents(sweep: bool) -> dict[str, object]:
    intents: list[dict[str, object]] = [
        {"name": "spokes reach on-premises over ExpressRoute", "from": ["spoke*"], "to": "dc",
         "expect": "reachable", "via": ["er", "hub-er"]},
        {"name": "on-premises reaches the spokes", "from": "dc", "to": ["spoke*"], "expect": "reachable"},
        {"name": "spokes reach the branch over the VPN", "from": ["spoke*"], "to": "branch",
         "expect": "reachable", "via": ["hub-branch"]},
        {"name": "spokes do not reach each other", "from": "spoke0", "to": ["spoke*"],
         "expect": "unreachable"},
        {"name": "the branch does not reach on-premises", "from": "branch", "to": "dc",
         "expect": "unreachable"}]
    if sweep:
        intents[-1]["under"] = "any_single_failure"
    return {"azint-intents": 1, "intents": intents}


def measure_gate(spokes: int, workdir: Path) -> tuple[float, float, float, int, int, float]:
    """Seconds for check, check with a failure sweep, whatif and diff; pairs and pairs walked."""
    from azint.gate.changes import compare
    from azint.gate.check import check
    from azint.gate.intents import load_intents
    from azint.gate.sweep import sweep

    zone = landing_zone(spokes, GATE_PREFIXES)
    path = workdir / f"gate-{spokes}.yaml"
    path.write_text(yaml.safe_dump(zone, sort_keys=False))
    topology = loader.load(path)
    timings = []
    for with_sweep in (False, True):
        intents_path = workdir / f"gate-{spokes}-{with_sweep}.intents.yaml"
        intents_path.write_text(yaml.safe_dump(gate_intents(with_sweep), sort_keys=False))
        start = time.process_time()
        results = check(topology, load_intents(intents_path).intents)
        timings.append(time.process_time() - start)
        assert all(r.passed for r in results), [r.finding for r in results if not r.passed]
    start = time.process_time()
    found = sweep(Network.of(topology))
    swept = time.process_time() - start
    changed = yaml.safe_load(path.read_text())
    changed["connections"][1]["b"]["use_remote_gateways"] = False  # hub-spoke0
    changed["networks"].append(vnet("spoke-new", "10.200.0.0/24"))
    changed["connections"].append(peering("hub-spoke-new", "hub", "spoke-new", transit=True))
    other = workdir / f"gate-{spokes}-changed.yaml"
    other.write_text(yaml.safe_dump(changed, sort_keys=False))
    start = time.process_time()
    changes = compare(Network.of(loader.load(path)), Network.of(loader.load(other)))
    diffed = time.process_time() - start
    assert changes.pairs and changes.networks_added == ("spoke-new",)
    return timings[0], timings[1], swept, found.pairs, sum(e.walked for e in found.effects), diffed


def refuse_oscillation(unrelated: int, workdir: Path) -> tuple[float, float]:
    """Seconds to load a bad gadget plus ``unrelated`` prefixes, and then to refuse it."""
    networks, connections = bad_gadget(unrelated)
    path = workdir / f"gadget-{unrelated}.yaml"
    path.write_text(yaml.safe_dump({"azint": 1, "name": "gadget", "networks": networks,
                                    "connections": connections}, sort_keys=False))
    start = time.process_time()
    topology = loader.load(path)
    loaded = time.process_time()
    try:
        Network.of(topology)
    except TopologyError:
        return loaded - start, time.process_time() - loaded
    raise AssertionError("a bad gadget must be refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="comma-separated SPOKESxPREFIXES")
    parser.add_argument("--gate-sizes", default="100,400",
                        help="comma-separated SPOKES for check, whatif and diff")
    args = parser.parse_args()
    print(f"{'spokes':>7} {'prefixes':>9} {'load s':>8} {'compute s':>10} {'trace s':>8} {'entries':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            spokes, prefixes = (int(x) for x in size.split("x"))
            load, compute, trace, entries = measure(spokes, prefixes, Path(tmp))
            print(f"{spokes:7d} {prefixes:9d} {load:8.3f} {compute:10.3f} {trace:8.4f} {entries:9d}")
        print(f"\n{'spokes':>7} {'check s':>8} {'+sweep s':>9} {'whatif s':>9} {'pairs':>7} "
              f"{'walked':>8} {'diff s':>7}")
        for size in args.gate_sizes.split(","):
            spokes = int(size)
            plain, swept, whatif, pairs, walked, diffed = measure_gate(spokes, Path(tmp))
            print(f"{spokes:7d} {plain:8.2f} {swept:9.2f} {whatif:9.2f} {pairs:7d} {walked:8d} "
                  f"{diffed:7.2f}")
        for unrelated in (0, 8000):
            load, refuse = refuse_oscillation(unrelated, Path(tmp))
            print(f"bad gadget + {unrelated:5,} settling prefixes: load {load:.3f} s, "
                  f"refused after {refuse:.3f} s")


if __name__ == "__main__":
    main()
