"""Fuzz the topology reader and validator with mutated, generated and hostile inputs.

Not a pytest test (it takes a minute or two). Run from the repository root:

    PYTHONPATH=. python tests/fuzz_topologies.py                 # 10,000 inputs, seed 0
    PYTHONPATH=. python tests/fuzz_topologies.py --count 50000 --seed 7 --keep /tmp/findings

Every input goes through ``validate(path)`` and ``load(path)``; every input that loads is then
computed and traced (tracert, ping and Linux traceroute from each network's first endpoint to
every endpoint, and the reachability matrix). A finding is: any exception other than ``AzintError`` from ``load`` or
from the computation and probes, a trace longer than its hop limit, any exception at all from
``validate``, a report line that is not one line, ``validate`` and ``load`` disagreeing on
whether there are errors, the file changing, or an input taking more than ``--budget`` seconds
of CPU time. CPU time, not wall time, so that other work on the machine does not turn an input
into a finding. Before fuzzing, the script times the largest document the reader accepts (an
alias bomb just inside the reader's cap on aliased values) and refuses to run if the budget is not at least twice
that: a budget within a factor of two of a legitimate input would make findings flaky.
Findings are saved to ``--keep`` so they can be replayed; the script prints a summary and exits 1
if there was any finding.
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

from azint.data.linuxprobes import LinuxProber
from azint.data.matrix import reachability
from azint.errors import AzintError, ExitCode
from azint.network import Network, validate
from azint.topology.loader import default_topology_path, load
from azint.topology.model import Topology
from azint.topology.source import parse_document

REFERENCE_TEXT = default_topology_path().read_text()
REFERENCE_DOC: dict[str, Any] = yaml.safe_load(REFERENCE_TEXT)
YAML_PUNCTUATION = list(":[]{}-&*!|>#'\",?%@`\n\t ")
HARD_LIMIT_S = 30  # a real hang is cut off here and reported; --budget flags slowness


@dataclass(frozen=True)
class Finding:
    generator: str
    index: int
    problem: str


class _Hang(Exception):
    """Raised by the alarm when one input runs past HARD_LIMIT_S."""


# -- inputs ----------------------------------------------------------------------------------


def mutate_text(rng: random.Random) -> bytes:
    """A few line- and character-level edits of the reference YAML text."""
    lines = REFERENCE_TEXT.splitlines(keepends=True)
    for _ in range(rng.randint(1, 6)):
        _edit_lines(rng, lines)
    text = "".join(lines)
    if rng.random() < 0.1:
        text = text[: rng.randrange(len(text) + 1)]
    return text.encode("utf-8", errors="surrogatepass")


def _edit_lines(rng: random.Random, lines: list[str]) -> None:
    if not lines:
        return
    i = rng.randrange(len(lines))
    line = lines[i]
    action = rng.randrange(7)
    if action == 0:
        del lines[i]
    elif action == 1:
        lines.insert(rng.randrange(len(lines) + 1), line)
    elif action == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif action == 3 and line:
        pos = rng.randrange(len(line))
        lines[i] = line[:pos] + rng.choice(YAML_PUNCTUATION) + line[pos + 1:]
    elif action == 4:
        lines[i] = " " * rng.randint(0, 3) + line.lstrip(" ") if rng.random() < 0.5 else line[1:]
    elif action == 5:
        lines[i] = _swap_token(rng, line)
    else:  # an explicit tag on a value that does not fit it
        tag = rng.choice(["!!int", "!!float", "!!bool", "!!timestamp", "!!binary", "!!null",
                          "!!map", "!!seq", "!!set", "!!python/name:os.system", "!custom"])
        lines[i] = line.replace(": ", f": {tag} ", 1)


def _swap_token(rng: random.Random, line: str) -> str:
    """Replace one digit run or word with a random value that still looks plausible."""
    tokens = line.split(" ")
    k = rng.randrange(len(tokens))
    tokens[k] = str(rng.choice([
        rng.randint(0, 300), rng.randint(0, 2**40), "10.10.30.999", "10.10.30.0/33",
        "10.10.30.5/24", "hub", "spoke", "er1-primary", "loc1-ce", "null", "true", "~", "",
        "é", "\u2028", "0x" + "f" * rng.randint(1, 80), "&x", "*x", "!!int", "<<",
    ]))
    return " ".join(tokens)


def mutate_structure(rng: random.Random) -> bytes:
    """Random edits of the parsed reference document, dumped back to YAML."""
    doc = copy.deepcopy(REFERENCE_DOC)
    for _ in range(rng.randint(1, 8)):
        _edit_node(rng, doc, depth=0)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()


def _edit_node(rng: random.Random, node: Any, depth: int) -> None:
    """Walk to a random container and change, drop, copy or retype one of its values."""
    while depth < 8:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.7:
            node, depth = child, depth + 1
            continue
        _change(rng, node, key)
        return


def _change(rng: random.Random, node: Any, key: Any) -> None:
    action = rng.randrange(4)
    if action == 0:
        del node[key]
    elif action == 1 and isinstance(node, list):
        node.insert(rng.randrange(len(node) + 1), copy.deepcopy(node[key]))
    elif action == 2 and isinstance(node, dict):
        node[rng.choice(["nmae", "adress_space", "state", "bgp", "extra", key + "x"])] = node[key]
    else:
        node[key] = random_value(rng)


def random_value(rng: random.Random) -> Any:
    """A value of a random type: what a confused or hostile author might write."""
    choices: list[Callable[[], Any]] = [
        lambda: None, lambda: rng.random() < 0.5, lambda: rng.randint(-(2**70), 2**70),
        lambda: rng.choice([0.5, float("inf"), float("nan"), -1.0]),
        lambda: rng.choice(["hub", "spoke", "branch", "remote", "location1", "er1", "loc1-ce"]),
        lambda: f"10.{rng.randint(0, 20)}.{rng.randint(0, 40)}.{rng.randint(0, 300)}",
        lambda: f"10.{rng.randint(0, 20)}.30.{rng.randint(0, 255)}/{rng.randint(0, 34)}",
        lambda: [random_value(rng) for _ in range(rng.randint(0, 3))] if rng.random() < 0.5
        else [],
        lambda: {"name": random_value(rng), "kind": rng.choice(["vnet", "onprem", "x"])},
        lambda: rng.choice(["peering", "expressroute", "vpn", "global_reach", "up", "down"]),
    ]
    return rng.choice(choices)()


def generate_topology(rng: random.Random) -> bytes:
    """A small random topology from scratch, names drawn from a small pool so they collide."""
    names = ["va", "vb", "vc", "vd", "site1", "site2"]  # VNet names take 2+ characters
    networks = [_random_vnet(rng, n) for n in names[:rng.randint(1, 4)]]
    networks += [_random_site(rng, n) for n in names[4:4 + rng.randint(0, 2)]]
    connections = [_random_connection(rng, names) for _ in range(rng.randint(0, 6))]
    doc = {"azint": 1, "networks": networks, "connections": connections}
    return yaml.safe_dump(doc, sort_keys=False).encode()


def _prefix(rng: random.Random, length: int) -> str:
    return f"10.{rng.randint(0, 3)}.{rng.randint(0, 3) * 64 if length <= 24 else 0}.0/{length}"


def _random_vnet(rng: random.Random, name: str) -> dict[str, Any]:
    base = rng.randint(0, 3)
    vnet: dict[str, Any] = {
        "name": name, "kind": "vnet", "address_space": [f"10.{base}.0.0/16"],
        "subnets": [{"name": rng.choice(["default", "GatewaySubnet"]),
                     "prefix": f"10.{base}.{rng.randint(0, 255)}.0/{rng.choice([24, 27])}"}
                    for _ in range(rng.randint(0, 2))],
        "endpoints": [{"name": f"{name}-vm{i}", "address": f"10.{rng.randint(0, 3)}.0.{i + 4}"}
                      for i in range(rng.randint(0, 2))]}
    gateways: dict[str, Any] = {}
    if rng.random() < 0.6:
        gateways["expressroute"] = {"instances": [f"10.{base}.255.{rng.randint(1, 40)}"]}
    if rng.random() < 0.6:
        gateways["vpn"] = {"asn": rng.choice([65515, 65516, 12076]),
                           "instances": [f"10.{base}.255.{rng.randint(1, 40)}"]}
    if gateways:
        vnet["gateways"] = gateways
    return vnet


def _random_site(rng: random.Random, name: str) -> dict[str, Any]:
    router = {"name": f"{name}-ce",
              "interfaces": [{"name": "lan", "address": "10.9.0.1/24"},
                             {"name": "tunnel", "address": "10.9.0.254/32"}],
              "bgp": {"advertise": [_prefix(rng, rng.choice([8, 16, 24]))
                                    for _ in range(rng.randint(0, 3))],
                      "local_preference": {rng.choice(["er", "vpn", "x"]): rng.randint(0, 300)}}}
    return {"name": name, "kind": "onprem", "asn": rng.choice([65001, 65515, 12076, 8075]),
            "routers": [router]}


def _random_connection(rng: random.Random, names: list[str]) -> dict[str, Any]:
    kind = rng.choice(["peering", "expressroute", "vpn", "global_reach"])
    name = rng.choice(["er", "vpn", "p1", "p2", "x"])
    if kind == "peering":
        return {"name": name, "type": kind,
                "a": {"network": rng.choice(names), "allow_gateway_transit": rng.random() < 0.5},
                "b": {"network": rng.choice(names), "use_remote_gateways": rng.random() < 0.5}}
    if kind == "expressroute":
        links = [{"name": f"{name}-{role}", "role": role,
                  "subnet": f"192.168.0.{rng.randint(0, 3) * 4}/30",
                  "router": rng.choice(["site1-ce", "site2-ce", "nope"]),
                  "state": rng.choice(["up", "down"])} for role in ("primary", "secondary")]
        return {"name": name, "type": kind, "links": links,
                "vnets": [{"name": f"{name}-{n}", "network": n} for n in rng.sample(names, 2)]}
    if kind == "vpn":
        far = ({"network": rng.choice(names)} if rng.random() < 0.5
               else {"router": rng.choice(["site1-ce", "site2-ce"]), "interface": "tunnel"})
        return {"name": name, "type": kind, "a": {"network": rng.choice(names)}, "b": far,
                "bgp": rng.random() < 0.7}
    return {"name": name, "type": kind, "circuits": [rng.choice(["er", "x"]), "er"]}


def random_bytes(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 2048)))


def deep_nesting(rng: random.Random) -> bytes:
    depth = rng.choice([rng.randint(50, 200), rng.randint(900, 1100), rng.randint(5000, 20000)])
    style = rng.randrange(3)
    if style == 0:
        return b"[" * depth + (b"]" * depth if rng.random() < 0.5 else b"")
    if style == 1:
        return b"{a: " * depth + b"1" + b"}" * depth
    return "".join("  " * i + "- \n" for i in range(min(depth, 3000))).encode()


BOMB_SIZES = range(2, 13)  # fan-out and levels of the alias bombs


def alias_bomb(rng: random.Random) -> bytes:
    return _bomb(rng.choice(BOMB_SIZES), rng.choice(BOMB_SIZES), loop=rng.random() < 0.3)


def _bomb(fanout: int, levels: int, loop: bool = False) -> bytes:
    rows = [f"l0: &l0 [{', '.join(['lol'] * fanout)}]"]
    for level in range(1, levels):
        rows.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * fanout)}]")
    if loop:
        rows.append("networks: &loop [*loop]")
    return ("\n".join(rows) + "\n").encode()


def _bomb_values(fanout: int, levels: int) -> int:
    """How many values ``_bomb`` expands to: the mapping plus every level, aliases expanded."""
    total, level = 1, 1 + fanout
    for _ in range(levels):
        total += level
        level = 1 + fanout * level
    return total


GENERATORS: dict[str, tuple[Callable[[random.Random], bytes], int]] = {
    "text-mutation": (mutate_text, 40),
    "structure-mutation": (mutate_structure, 30),
    "generated-topology": (generate_topology, 15),
    "random-bytes": (random_bytes, 5),
    "deep-nesting": (deep_nesting, 5),
    "alias-bomb": (alias_bomb, 5),
}


# -- running ---------------------------------------------------------------------------------


def examine(path: Path, content: bytes, outcomes: Counter[str]) -> list[str]:
    """Everything wrong with how ``validate`` and ``load`` treated one input."""
    problems: list[str] = []
    report = validate(path)
    outcomes[_outcome(report.lines)] += 1
    if any("\n" in line for line in report.lines):
        problems.append("a report line spans several lines")
    try:
        topology = load(path)
        loaded = True
        problems.extend(_probe_everything(topology))
    except AzintError as exc:
        loaded = False
        if "\n" in str(exc):
            problems.append(f"a multi-line error: {str(exc)[:200]!r}")
    if loaded == (report.exit_code is ExitCode.BAD_INPUT):
        problems.append(f"validate exit {int(report.exit_code)} but load "
                        f"{'succeeded' if loaded else 'raised'}")
    if path.read_bytes() != content:
        problems.append("the input file changed")
    return problems


def _probe_everything(topology: Topology) -> list[str]:
    """Compute and trace an accepted topology as the commands would; report what went wrong."""
    network = Network.of(topology)
    endpoints = topology.endpoints()
    firsts = {e.network: e for e in reversed(endpoints)}
    for source in firsts.values():
        for target in endpoints:
            trace = network.prober.tracert(source, target.address, max_hops=12)
            network.prober.ping(source, target.address, count=1)
            if not 1 <= len(trace.hops) <= 12:
                return [f"a trace of {len(trace.hops)} hops from {source.name} to {target.name}"]
            route = LinuxProber(network.prober).traceroute(source, target.address, max_hops=12)
            if not 1 <= len(route.hops) <= 12:
                return [f"a traceroute of {len(route.hops)} hops from {source.name} to "
                        f"{target.name}"]
    reachability(network.prober)
    return []


def _outcome(lines: tuple[str, ...]) -> str:
    """How far an input got: shows the fuzzing reaches the model checks, not only the parser."""
    if any(": error: " in line for line in lines):
        syntax = len(lines) == 1 and ": error: YAML syntax" in lines[0]
        return "YAML syntax error" if syntax else "rejected"
    return "accepted with warnings" if lines else "accepted"


def run_one(path: Path, content: bytes, budget: float,
            outcomes: Counter[str]) -> tuple[float, list[str]]:
    path.write_bytes(content)
    start = time.process_time()
    signal.alarm(HARD_LIMIT_S)
    try:
        problems = examine(path, content, outcomes)
    except _Hang:
        problems = [f"still running after {HARD_LIMIT_S} s"]
    except Exception as exc:  # the very thing we hunt: anything that is not an AzintError
        problems = [f"{type(exc).__name__}: {str(exc)[:200]}"]
    finally:
        signal.alarm(0)
    elapsed = time.process_time() - start
    if elapsed > budget:
        problems.append(f"took {elapsed:.2f} s of CPU (budget {budget:.1f} s)")
    return elapsed, problems


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Hang


def largest_accepted_document() -> bytes:
    """The alias bomb of ``alias_bomb``'s sizes that expands to the most values the reader still
    accepts: the most work any generated input asks of the reader. The reader itself decides what
    it accepts (refusing a bomb is immediate), so this follows its caps wherever they are set."""
    sizes = sorted(((f, n) for f in BOMB_SIZES for n in BOMB_SIZES),
                   key=lambda size: _bomb_values(*size), reverse=True)
    for size in sizes:
        content = _bomb(*size)
        try:
            parse_document(content, "largest")
        except AzintError:
            continue
        return content
    raise AssertionError("the reader accepts no alias bomb at all")


def calibrate(scratch: Path) -> float:
    """CPU seconds ``examine`` takes on the largest accepted document (best of three)."""
    path = scratch / "largest.yaml"
    content = largest_accepted_document()
    path.write_bytes(content)
    times = []
    for _ in range(3):
        start = time.process_time()
        examine(path, content, Counter())
        times.append(time.process_time() - start)
    return min(times)


def fuzz(count: int, seed: int, budget: float, keep: Path) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        largest = calibrate(Path(scratch))
    print(f"largest accepted document: {largest:.3f} s of CPU; budget {budget:.1f} s per input")
    if budget < 2 * largest:
        print(f"the budget must be at least twice that ({2 * largest:.2f} s) or findings are "
              f"flaky: raise --budget, or make the reader faster")
        return 2
    rng = random.Random(seed)
    names = list(GENERATORS)
    weights = [GENERATORS[n][1] for n in names]
    findings: list[Finding] = []
    made: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    slowest = (0.0, "")
    signal.signal(signal.SIGALRM, _on_alarm)
    started = time.monotonic()
    cpu_started = time.process_time()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "fuzz.yaml"
        for index in range(count):
            generator = rng.choices(names, weights)[0]
            content = GENERATORS[generator][0](rng)
            made[generator] += 1
            elapsed, problems = run_one(path, content, budget, outcomes)
            slowest = max(slowest, (elapsed, f"{generator} #{index}"))
            for problem in problems:
                findings.append(Finding(generator, index, problem))
            if problems:
                _save(keep, generator, index, content)
    _summary(count, seed, (time.monotonic() - started, time.process_time() - cpu_started), made,
             slowest, findings, keep)
    print("outcomes: " + ", ".join(f"{k} {n:,}" for k, n in sorted(outcomes.items())))
    return 1 if findings else 0


def _save(keep: Path, generator: str, index: int, content: bytes) -> None:
    keep.mkdir(parents=True, exist_ok=True)
    (keep / f"{index:06d}-{generator}.yaml").write_bytes(content)


def _summary(count: int, seed: int, seconds: tuple[float, float], made: Counter[str],
             slowest: tuple[float, str], findings: list[Finding], keep: Path) -> None:
    print(f"fuzzed {count:,} inputs (seed {seed}) in {seconds[0]:.1f} s ({seconds[1]:.1f} s of CPU)")
    for generator, n in sorted(made.items()):
        print(f"  {generator:20} {n:6,}")
    print(f"slowest input: {slowest[1]} at {slowest[0]:.3f} s of CPU")
    if not findings:
        print("findings: none")
        return
    print(f"findings: {len(findings)} (inputs saved in {keep})")
    kinds = Counter(re.sub(r"[\d.]+", "N", f.problem.split(":")[0]) for f in findings)
    for kind, n in kinds.most_common():
        print(f"  {n:5} x {kind}")
    for finding in findings[:20]:
        print(f"  #{finding.index} {finding.generator}: {finding.problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=2.0, help="CPU seconds allowed per input")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "azint-fuzz")
    args = parser.parse_args(argv)
    return fuzz(args.count, args.seed, args.budget, args.keep)


if __name__ == "__main__":
    sys.exit(main())
