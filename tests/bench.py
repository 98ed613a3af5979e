"""Scale benchmark: load + compute + trace on generated landing zones (``make bench``).

A hub with ExpressRoute and VPN gateways, N spokes using them through gateway transit, an
on-premises site advertising P prefixes over a Premium circuit, and a VPN branch. Sizes stay
within Azure's limits (validate enforces them): at most 1,000 prefixes advertised per connection
(the hub and its spokes) and 10,000 on-premises prefixes into a Premium circuit. Prints, per size, the
seconds to load the YAML, to compute every table, to trace spoke -> on-premises, and the total
number of route-table entries, so growth with N and P can be read off (linear is the goal).
Times here are CPU seconds (``time.process_time``): this work is single-threaded, and CPU time
does not grow when other work shares the machine, so the figures repeat on a busy machine.

Then the CI gate on landing zones of 100 and 400 spokes (100 on-premises prefixes): ``check``
of intents covering every spoke (4N+1 probes), the same plus one intent under any single
failure, ``whatif`` (every element failed in turn, every pair of networks), and ``diff`` against
a copy where one spoke stops using the hub's gateways and a new spoke is added: wall seconds,
since a failure sweep shares its failures with a second process on a machine of two cores.

Then the time to refuse a BGP policy that never settles (a "bad gadget") next to 8,000 prefixes
that do: convergence is decided per prefix, so the unrelated prefixes add only their own work.

Then the table of issue 13 (``--scale``, on by default): start-up as a ratio to ``python -c
pass`` (medians of interleaved runs of the installed ``azint``, in this run, its bytecode cached
as after a normal install and the bundled topology's parse cached as from its second run on),
and each family of generated topologies at two or three sizes, each measured cold in a fresh
interpreter with an empty cache directory: wall seconds (the goal), CPU seconds and peak
resident memory, with the growth exponent of wall time fitted over the sizes (log time against
log size: 1 is linear, 2 quadratic). The matrix rows run the ``azint matrix`` command itself,
its table piped, as a user does: start-up, load, the matrix and its table; it walks pairs in
two processes on a machine with two cores, so its CPU seconds count both.
The table runs first: a child's peak memory counts the pages of the process it was started from,
so it is started from a bench that has not yet grown.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
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
    """Wall seconds for check, check with a failure sweep, whatif and diff (a sweep shares its
    failures with a second process on two cores); pairs and pairs walked."""
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
        start = time.perf_counter()
        results = check(topology, load_intents(intents_path).intents)
        timings.append(time.perf_counter() - start)
        assert all(r.passed for r in results), [r.finding for r in results if not r.passed]
    start = time.perf_counter()
    found = sweep(Network.of(topology))
    swept = time.perf_counter() - start
    changed = yaml.safe_load(path.read_text())
    changed["connections"][1]["b"]["use_remote_gateways"] = False  # hub-spoke0
    changed["networks"].append(vnet("spoke-new", "10.200.0.0/24"))
    changed["connections"].append(peering("hub-spoke-new", "hub", "spoke-new", transit=True))
    other = workdir / f"gate-{spokes}-changed.yaml"
    other.write_text(yaml.safe_dump(changed, sort_keys=False))
    start = time.perf_counter()
    changes = compare(Network.of(loader.load(path)), Network.of(loader.load(other)))
    diffed = time.perf_counter() - start
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


# -- issue 13's table: start-up and the scale families ---------------------------------------


def startup_ratios(runs: int) -> dict[str, float]:
    """Median wall seconds of each start-up command, interleaved so load hits all alike."""
    azint = azint_command()
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "azint --help": [*azint, "--help"],
                "azint tracert hub 10.2.30.10": [*azint, "tracert", "hub", "10.2.30.10"]}
    # As after a normal install: bytecode cached (a warm-up run writes it, even where the
    # environment sets PYTHONDONTWRITEBYTECODE), so no run compiles azint's sources.
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for argv in commands.values():
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, env=environ)
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, env=environ)
            seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in seconds.items()}


def spokes_of(hub: int, spokes: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Hub ``hub`` (10.<hub>.0.0/24, an ExpressRoute gateway) and its spokes, using it."""
    name = f"hub{hub}"
    networks: list[dict[str, object]] = [vnet(name, f"10.{hub}.0.0/24", er=True)]
    connections: list[dict[str, object]] = []
    for i in range(spokes):
        space = IPv4Network((0x0B000000 + (hub * 512 + i) * 256, 24))  # 11.0.0.0 onwards
        networks.append(vnet(f"h{hub}-spoke{i}", str(space)))
        connections.append(peering(f"h{hub}-spoke{i}", name, f"h{hub}-spoke{i}", transit=True))
    return networks, connections


def onprem(name: str, third: int, circuits: list[tuple[list[str], list[str]]]) -> tuple[
        dict[str, object], list[dict[str, object]]]:
    """Site ``name`` (LAN 192.<third>.0.0/24) with one CE per circuit: (prefixes it advertises
    besides the LAN, hubs the circuit links); every circuit is Premium (up to 10,000 prefixes)."""
    lan = f"192.{third}.0.0/24"
    routers, connections = [], []
    for c, (prefixes, hubs) in enumerate(circuits):
        ce = f"{name}-ce{c}"
        routers.append({"name": ce, "interfaces": [{"name": "lan", "address": f"192.{third}.0.{c + 1}/24"}],
                        "bgp": {"advertise": [lan, *prefixes]}})
        link = str(IPv4Network((0xC0A80000 + (third * 64 + c) * 8, 30)))
        er = circuit(f"{name}-er{c}", [(f"{name}-er{c}-p", "primary", link, ce)],
                     [(f"{name}-er{c}-{hub}", hub) for hub in hubs])
        connections.append({**er, "premium": True})
    site = {"name": name, "kind": "onprem", "asn": 65001, "routers": routers,
            "endpoints": [{"name": f"{name}-vm", "address": f"192.{third}.0.200",
                           "gateway": f"192.{third}.0.1"}]}
    return site, connections


def slash24s(first: int, count: int) -> list[str]:
    """``count`` /24s from 172.16.0.0 + ``first`` /24s."""
    return [str(IPv4Network((0xAC100000 + (first + i) * 256, 24))) for i in range(count)]


def zone(spokes: int, prefixes: int, branches: int) -> dict[str, object]:
    """One hub with ``spokes`` spokes, two circuits from one site advertising the same
    ``prefixes`` prefixes, and ``branches`` VNets over BGP VPNs to the hub's VPN gateway."""
    networks, connections = spokes_of(0, spokes)
    networks[0] = vnet("hub0", "10.0.0.0/24", er=True, vpn=True)
    for b in range(branches):
        networks.append(vnet(f"branch{b}", f"10.{b + 1}.0.0/24", vpn=True, asn=64600 + b))
        connections.append(vpn(f"hub0-branch{b}", "hub0", f"branch{b}"))
    blocks = slash24s(0, prefixes)
    site, circuits = onprem("dc0", 0, [(blocks, ["hub0"]), (blocks, ["hub0"])])
    return {"azint": 1, "name": "zone", "networks": [*networks, site],
            "connections": [*connections, *circuits]}


def hubs(count: int, spokes: int, prefixes: int) -> dict[str, object]:
    """``count`` hubs of ``spokes`` spokes; one site whose ``count`` circuits each link every
    hub and carry ``prefixes`` prefixes of their own: every hub learns them all."""
    networks: list[dict[str, object]] = []
    connections: list[dict[str, object]] = []
    names = [f"hub{h}" for h in range(count)]
    for h in range(count):
        more, joins = spokes_of(h, spokes)
        networks += more
        connections += joins
    site, circuits = onprem("dc0", 0, [(slash24s(c * prefixes, prefixes), names) for c in range(count)])
    return {"azint": 1, "name": "hubs", "networks": [*networks, site],
            "connections": [*connections, *circuits]}


def ospf_site(routers: int, mesh: bool) -> dict[str, object]:
    """A hub and, over one circuit, a site of ``routers`` routers running the IGP in a chain (or
    a full mesh). The CE r0 advertises 172.16.0.0/12 to the circuit and redistributes BGP into
    the IGP; every router redistributes its connected /24 LAN and links; the last has the VM."""
    names = [f"r{i}" for i in range(routers)]
    interfaces: dict[str, list[dict[str, str]]] = {n: [] for n in names}
    links = []
    pairs = ([(i, j) for i in range(routers) for j in range(i + 1, routers)] if mesh
             else [(i, i + 1) for i in range(routers - 1)])
    for number, (i, j) in enumerate(pairs):
        net = IPv4Network((0x64000000 + number * 4, 30))  # 100.0.0.0 onwards
        interfaces[names[i]].append({"name": f"to-r{j}", "address": f"{net[1]}/30"})
        interfaces[names[j]].append({"name": f"to-r{i}", "address": f"{net[2]}/30"})
        links.append({"a": f"r{i}/to-r{j}", "b": f"r{j}/to-r{i}"})
    site_routers = []
    for i, name in enumerate(names):
        lan = IPv4Network((0xAC100000 + i * 256, 24))
        router: dict[str, object] = {
            "name": name, "interfaces": [{"name": "lan", "address": f"{lan[1]}/24"}, *interfaces[name]],
            "redistribute": ["connected", "bgp"] if i == 0 else ["connected"]}
        if i == 0:
            router["bgp"] = {"advertise": ["172.16.0.0/12"]}
        site_routers.append(router)
    last = IPv4Network((0xAC100000 + (routers - 1) * 256, 24))
    networks = [vnet("hub", "10.0.0.0/24", er=True),
                {"name": "dc", "kind": "onprem", "asn": 65001, "routers": site_routers, "links": links,
                 "endpoints": [{"name": "dc-vm", "address": str(last[10]), "gateway": str(last[1])}]}]
    er = circuit("er", [("er-p", "primary", "192.168.0.16/30", "r0")], [("hub-er", "hub")])
    return {"azint": 1, "name": "ospf", "networks": networks, "connections": [er]}


def spread(count: int) -> dict[str, object]:
    """``count`` networks for ``matrix``: hubs of at most 400 spokes, each with its own site
    (10 prefixes, one circuit)."""
    hubs = max(1, math.ceil(count / 400))
    networks: list[dict[str, object]] = []
    connections: list[dict[str, object]] = []
    for h in range(hubs):
        more, joins = spokes_of(h, count // hubs - 2)
        site, circuits = onprem(f"dc{h}", h, [(slash24s(h * 10, 10), [f"hub{h}"])])
        networks += [*more, site]
        connections += [*joins, *circuits]
    return {"azint": 1, "name": "spread", "networks": networks, "connections": connections}


def scale_cases(quick: bool) -> list[tuple[str, str, list[int], float, float]]:
    """(family, what, sizes, goal s, goal MB): a case is (family, size), built in the child."""
    if quick:
        return [("zone", "tables", [63, 125], 0.5, 0), ("zone", "matrix", [63, 125], 1.0, 0),
                ("hubs", "tables", [1, 2], 5.0, 500), ("hubs11", "load", [11], 0, 0),
                ("chain", "trace", [100, 200], 1.0, 0), ("mesh", "trace", [20, 40], 1.0, 0),
                ("spread", "matrix", [100, 200], 3.0, 0)]
    return [("zone", "tables", [125, 250, 500], 0.5, 0), ("zone", "matrix", [125, 250, 500], 1.0, 0),
            ("hubs", "tables", [2, 5, 10], 5.0, 500), ("hubs11", "load", [11], 0, 0),
            ("chain", "trace", [250, 500, 1000], 1.0, 0), ("mesh", "trace", [50, 100, 150], 1.0, 0),
            ("spread", "matrix", [200, 400, 800], 3.0, 0)]


LABELS = {
    ("zone", "tables"): "1 hub x N spokes x 2 circuits x 30 VPN branches x 8N on-prem prefixes: load + tables",
    ("zone", "matrix"): "the same: azint matrix (its table piped; CPU of both processes)",
    ("hubs", "tables"): "N hubs x 500 spokes, N circuits x 4,000 prefixes, each to every hub: load + tables",
    ("hubs11", "load"): "the same with 11 hubs (5,511 VNets, 44,000 prefixes): loads",
    ("chain", "trace"): "OSPF chain of N routers: load + tables + a trace",
    ("mesh", "trace"): "OSPF full mesh of N routers: load + tables + a trace",
    ("spread", "matrix"): "azint matrix over N networks",
}


def generate(family: str, size: int) -> dict[str, object]:
    if family == "zone":
        return zone(size, 8 * size, branches=30)
    if family in ("hubs", "hubs11"):
        return hubs(size, 500, 4000)
    if family in ("chain", "mesh"):
        return ospf_site(size, mesh=family == "mesh")
    return spread(size)


def azint_command() -> list[str]:
    """The installed ``azint`` (or ``python -m azint``)."""
    script = Path(sys.executable).with_name("azint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "azint"]


def run_command_case(path: Path) -> dict[str, object]:
    """``azint matrix --topology PATH`` as a user runs it (its table piped): wall seconds, CPU
    seconds of it and the process it forks, their peak memory, and the cells it printed."""
    start = time.perf_counter()
    done = subprocess.run([*azint_command(), "matrix", "--topology", str(path)],
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = done.stdout.splitlines()
    rows = lines[lines.index(next(x for x in lines if x.startswith("---"))) + 1:]
    rows = rows[:rows.index("")]
    cells = [t for row in rows for t in row.replace("no endpoint", "-").split()[1:] if t != "-"]
    reached = sum(t != "no" for t in cells)
    return {"seconds": used.ru_utime + used.ru_stime, "wall": wall,
            "peak_mb": used.ru_maxrss / 1024, "outcome": f"{len(cells):,} cells, {reached:,} reachable"}


def run_case(family: str, what: str, size: int, workdir: Path) -> dict[str, object]:
    """In this (fresh) interpreter: the CPU seconds of the case and the peak resident memory
    (a matrix: of the ``azint matrix`` command it runs)."""
    path = workdir / f"{family}-{size}.yaml"
    path.write_text(yaml.dump(generate(family, size), Dumper=yaml.CSafeDumper, sort_keys=False))
    if what == "matrix":
        return run_command_case(path)
    start, started = time.process_time(), time.perf_counter()
    outcome = ""
    try:
        network = Network.open(path)
    except TopologyError as exc:
        outcome = f"refused: {exc.message}"
    else:
        if what == "trace":
            source = resolve_source(network.topology, "hub")
            trace = network.prober.tracert(source, network.topology.sites["dc"].endpoints[0].address)
            outcome = f"{len(trace.hops)} hops"
        elif what == "tables":
            outcome = f"{len(network.topology.vnets):,} VNets"
        else:
            outcome = "loads"
    seconds, wall = time.process_time() - start, time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": seconds, "wall": wall, "peak_mb": peak, "outcome": outcome}


def measure_case(family: str, what: str, size: int, workdir: Path) -> dict[str, object]:
    """The case in a fresh interpreter with an empty cache directory of its own, so the load is
    measured cold (a topology met before would skip its YAML parse)."""
    argv = [sys.executable, __file__, "--case", f"{family}:{what}:{size}", "--workdir", str(workdir)]
    cache = tempfile.mkdtemp(prefix="azint-bench-cache-", dir=workdir)
    done = subprocess.run(argv, capture_output=True, text=True, check=False,
                          env={**os.environ, "XDG_CACHE_HOME": cache})
    if done.returncode != 0:
        return {"seconds": math.nan, "wall": math.nan, "peak_mb": math.nan,
                "outcome": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(done.stdout)
    return result


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) against log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(max(t, 1e-4)) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def report_scale(runs: int, quick: bool, workdir: Path) -> None:
    startup = startup_ratios(runs)
    bare = startup["python -c pass"]
    print(f"\nstart-up, median of {runs} interleaved runs (wall; bytecode cached):")
    for name, seconds in startup.items():
        print(f"  {name:30} {seconds * 1000:7.1f} ms  {seconds / bare:5.2f}x")
    print(f"\n{'family':88} {'size':>6} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}  outcome")
    for family, what, sizes, goal, goal_mb in scale_cases(quick):
        times = []
        for size in sizes:
            result = measure_case(family, what, size, workdir)
            times.append(float(result["wall"]))  # type: ignore[arg-type]
            print(f"{LABELS[(family, what)]:88} {size:6d} {result['wall']:7.2f} "
                  f"{result['seconds']:7.2f} {result['peak_mb']:8.0f}  {result['outcome']}")
        goals = f"goal <= {goal} s" + (f", <= {goal_mb:.0f} MB" if goal_mb else "") if goal else ""
        growth = f"growth exponent {exponent(sizes, times):.2f}" if len(sizes) > 1 else ""
        print(f"{'':88} {growth}{'; ' if growth and goals else ''}{goals}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="comma-separated SPOKESxPREFIXES")
    parser.add_argument("--gate-sizes", default="100,400",
                        help="comma-separated SPOKES for check, whatif and diff")
    parser.add_argument("--scale", action=argparse.BooleanOptionalAction, default=True,
                        help="issue 13's table: start-up ratios and the scale families")
    parser.add_argument("--only-scale", action="store_true", help="only issue 13's table")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--runs", type=int, default=15, help="start-up runs of each command")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # FAMILY:WHAT:SIZE, in a child
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        family, what, size = args.case.split(":")
        print(json.dumps(run_case(family, what, int(size), Path(args.workdir))))
        return
    if args.only_scale:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_CACHE_HOME"] = tmp  # nothing met in an earlier run is warm
            report_scale(args.runs, args.quick, Path(tmp))
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = tmp
        if args.scale:
            report_scale(args.runs, args.quick, Path(tmp))
            print()
        print(f"{'spokes':>7} {'prefixes':>9} {'load s':>8} {'compute s':>10} {'trace s':>8} {'entries':>9}")
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
